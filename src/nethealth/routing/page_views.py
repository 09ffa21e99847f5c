"""What the routing-security pages show, as typed models (the HTML and the JSON twin render the
same model), and their builders over the area's read model (`routing.query`, the functions the
API calls): an AS's page, the incident list and one incident, and a country's section."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.common.dates import parse_datetime
from nethealth.errors import InputError
from nethealth.routing import query
from nethealth.routing.query import IncidentQuery, RoutingLake
from nethealth.ui.i18n import ENGLISH, N_, Translator
from nethealth.ui.views import PageLinks

# Labels stay English in the models (the JSON twins); pages translate them where shown (`tr`).
STATES = (("valid", N_("Valid")), ("invalid", N_("Invalid")), ("not-found", N_("Not found")))
TYPE_LABELS = {
    "moas": N_("Exact-prefix hijack (MOAS)"),
    "subprefix_hijack": N_("Sub-prefix hijack"),
    "route_leak": N_("Route leak"),
    "bogon_prefix": N_("Bogon prefix"),
    "bogon_asn": N_("Bogon AS number"),
}
PREFIX_PAGE = 50
INCIDENT_PAGE = 100
TOP_INVALID = 10


class FamilyCoverage(BaseModel):
    af: int
    prefixes: int
    prefixes_covered: int
    prefix_coverage: float | None
    space: float
    space_covered: float
    space_coverage: float | None
    routes: int
    valid: int
    invalid: int
    not_found: int
    share_valid: float | None
    share_invalid: float | None
    share_not_found: float | None


class StateShare(BaseModel):
    state: str
    label: str
    routes: int
    share: float | None


class PrefixRow(BaseModel):
    prefix: str
    af: int
    state: str
    reason: str | None
    peers: int | None


class IncidentRow(BaseModel):
    id: str
    href: str
    type: str
    type_label: str
    role: str | None = None  # on an AS's page: origin, victim or leaker
    prefix: str | None
    prefixes: list[str]
    origin_asn: int | None
    culprit_asn: int | None
    victim_asns: list[int]
    start: dt.datetime
    end: dt.datetime | None
    ongoing: bool
    confidence: float | None
    rpki_state: str | None


class CountryLink(BaseModel):
    cc: str
    href: str


class Scorecard(BaseModel):
    month: str
    filtering: float | None
    rpki: float | None
    irr: float | None
    coordination: float | None
    routes: int | None
    filtering_incidents: int | None
    method_version: str | None = None
    # why an action has no readiness (its input for the month is missing), else its inputs
    filtering_reason: str | None = None
    rpki_reason: str | None = None
    irr_reason: str | None = None
    coordination_reason: str | None = None
    filtering_status: str | None = None
    rpki_status: str | None = None
    irr_status: str | None = None
    coordination_status: str | None = None


class Pager(BaseModel):
    page: int
    pages: int
    per_page: int
    total: int
    first: int
    last: int
    prev: str | None
    next: str | None


class AsnPageView(BaseModel):
    asn: int
    title: str
    simulated: bool
    snapshot: dt.date | None
    coverage: list[FamilyCoverage]
    states: list[StateShare]
    prefixes: list[PrefixRow]
    prefix_pager: Pager
    incidents: list[IncidentRow]
    incidents_available: bool
    scorecard: Scorecard | None
    scorecard_note: str | None
    scorecard_history: list[Scorecard]  # every built month, oldest first
    countries: list[CountryLink]
    links: PageLinks


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _coverage(rows: list[dict[str, Any]]) -> list[FamilyCoverage]:
    return [FamilyCoverage(**{k: r[k] for k in FamilyCoverage.model_fields}) for r in rows]


def state_shares(cov: list[FamilyCoverage]) -> list[StateShare]:
    """Routes per RFC 6811 state over both families (each route counted once)."""
    counts = {
        "valid": sum(c.valid for c in cov),
        "invalid": sum(c.invalid for c in cov),
        "not-found": sum(c.not_found for c in cov),
    }
    total = sum(counts.values())
    return [
        StateShare(state=s, label=lab, routes=counts[s], share=_share(counts[s], total))
        for s, lab in STATES
    ]


def _pager(base: str, page: int, per_page: int, total: int, anchor: str) -> Pager:
    pages = max(1, math.ceil(total / per_page))
    if page > pages:
        raise InputError(
            f"page {page} is past the last page ({pages})", field="page", hint="use page=1"
        )

    def href(p: int) -> str:
        return f"{base}?page={p}#{anchor}" if p > 1 else f"{base}#{anchor}"

    return Pager(
        page=page,
        pages=pages,
        per_page=per_page,
        total=total,
        first=(page - 1) * per_page + 1 if total else 0,
        last=min(page * per_page, total),
        prev=href(page - 1) if page > 1 else None,
        next=href(page + 1) if page < pages else None,
    )


def incident_row(r: dict[str, Any], asn: int | None = None) -> IncidentRow:
    role = None
    if asn is not None:
        if r["culprit_asn"] == asn:
            role = "leaker" if r["type"] == "route_leak" else "origin"
        elif asn in (r["victim_asns"] or []):
            role = "victim"
    return IncidentRow(
        id=r["id"],
        href=f"/routing/incidents/{r['id']}",
        type=r["type"],
        type_label=TYPE_LABELS.get(r["type"], r["type"]),
        role=role,
        prefix=r["prefix"],
        prefixes=r["prefixes"] or [],
        origin_asn=r["origin_asn"],
        culprit_asn=r["culprit_asn"],
        victim_asns=r["victim_asns"] or [],
        start=r["start"],
        end=r["end"],
        ongoing=bool(r["ongoing"]),
        confidence=r["confidence"],
        rpki_state=r["rpki_state"],
    )


def _countries(lake: RoutingLake, asn: int) -> list[CountryLink]:
    return [CountryLink(cc=cc, href=f"/country/{cc}") for cc in query.asn_countries(lake, asn)]


def _card(row: dict[str, Any]) -> Scorecard:
    return Scorecard(**{k: row.get(k) for k in Scorecard.model_fields if k != "month"},
                     month=str(row["month"]))  # fmt: skip


def asn_view(lake: RoutingLake, asn: int, page: int) -> AsnPageView:
    found = query.asn_routes(lake, asn)  # the routing API's figures and 404
    base = f"/asn/{asn}"
    pager = _pager(base, page, PREFIX_PAGE, found.routes, "prefixes")
    prefixes = query.asn_prefixes(lake, found, PREFIX_PAGE, (page - 1) * PREFIX_PAGE)
    incidents = query.asn_incidents(lake, asn, INCIDENT_PAGE)
    card = query.latest_scorecard(lake, asn)
    cov = _coverage(found.rov)
    suffix = f"?page={page}" if page > 1 else ""
    return AsnPageView(
        asn=asn,
        title=f"AS{asn}",
        simulated=query.simulated(lake, query.ROV_ASN),
        snapshot=found.snapshot,
        coverage=cov,
        states=state_shares(cov),
        prefixes=[PrefixRow(**{k: r[k] for k in PrefixRow.model_fields}) for r in prefixes],
        prefix_pager=pager,
        incidents=[incident_row(r, asn) for r in incidents],
        incidents_available=lake.has(query.INCIDENTS),
        scorecard=_card({**card.row, "month": card.month or ""}) if card.row else None,
        scorecard_note=card.missing,
        scorecard_history=[_card(r) for r in query.scorecard_history(lake, asn)],
        countries=_countries(lake, asn),
        links=PageLinks(
            html=base + suffix,
            json_=f"{base}.json{suffix}",
            api=f"/api/v1/routing/asns/{asn}",
            csv=f"/api/v1/routing/asns/{asn}?format=csv",
        ),
    )


# Incidents -------------------------------------------------------------------------------------


class IncidentFilters(BaseModel):
    type: str | None = None
    asn: int | None = None
    from_: str | None = Field(default=None, serialization_alias="from")
    to: str | None = None


class IncidentListView(BaseModel):
    title: str
    simulated: bool
    filters: IncidentFilters
    filtered: bool
    types: list[tuple[str, str]]
    incidents: list[IncidentRow]
    total: int
    limit: int
    links: PageLinks


def _filter_query(f: IncidentFilters) -> str:
    pairs = [("type", f.type), ("asn", f.asn), ("from", f.from_), ("to", f.to)]
    return urlencode([(k, v) for k, v in pairs if v not in (None, "")])


def incident_list_view(
    lake: RoutingLake, f: IncidentFilters, t: Translator = ENGLISH
) -> IncidentListView:
    q = IncidentQuery(type=f.type, asn=f.asn, start=parse_datetime(f.from_, "from"),
                      end=parse_datetime(f.to, "to")).check()  # fmt: skip
    total = query.count_incidents(lake, q)
    rows = query.incidents(lake, q, INCIDENT_PAGE)
    link = _filter_query(f)
    return IncidentListView(
        title=t.gettext("Routing incidents"),
        simulated=query.simulated(lake, query.ROUTE_STATES),
        filters=f,
        filtered=bool(link),
        types=list(TYPE_LABELS.items()),
        incidents=[incident_row(r) for r in rows],
        total=int(total),
        limit=INCIDENT_PAGE,
        links=PageLinks(
            html="/routing/incidents" + (f"?{link}" if link else ""),
            json_="/routing/incidents.json" + (f"?{link}" if link else ""),
            api="/api/v1/routing/incidents" + (f"?{link}" if link else ""),
            csv="/api/v1/routing/incidents?" + (f"{link}&" if link else "") + "format=csv",
        ),
    )


class PathRow(BaseModel):
    peer: str | None
    path: str
    origin: str | None


class SightingRow(BaseModel):
    """One collector peer and one AS path it had for the incident, with when."""

    collector: str | None
    peer: str | None  # peer IP; None when the MRT files were read without collector names
    peer_asn: int | None
    path: str
    origin: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime


class IncidentView(BaseModel):
    title: str
    simulated: bool
    incident: IncidentRow
    peers: list[str]
    peer_count: int  # distinct collector peers in `sightings` (or the record's count)
    peer_count_is_lower_bound: bool  # some peers are known by AS number only
    paths: list[PathRow]
    sightings: list[SightingRow]
    explanation: str
    detail: str | None
    links: PageLinks


def explain(r: dict[str, Any], t: Translator = ENGLISH) -> str:
    """Why the detector flagged it, in one sentence a reader can check against the paths."""
    rpki = t.gettext(" RPKI: %(state)s.", state=r["rpki_state"]) if r.get("rpki_state") else ""
    victims = ", ".join(f"AS{v}" for v in r["victim_asns"] or []) or t.gettext("another AS")
    kind, culprit = r["type"], f"AS{r['culprit_asn']}"
    names = {"culprit": culprit, "prefix": r["prefix"], "victims": victims}
    if kind == "moas":
        text = t.gettext("%(culprit)s originated %(prefix)s, which %(victims)s originated before.",
                         **names)  # fmt: skip
    elif kind == "subprefix_hijack":
        text = t.gettext(
            "%(culprit)s originated %(prefix)s, a more-specific of %(victims)s's prefix.", **names
        )
    elif kind == "route_leak":
        text = t.gettext(
            "%(culprit)s passed routes learnt from a provider or peer on to another provider "
            "or peer (valley-free violation), affecting %(count)s prefix(es) of %(victims)s.",
            count=len(r["prefixes"] or []),
            **names,
        )
    elif kind == "bogon_prefix":
        text = t.gettext(
            "%(culprit)s originated %(prefix)s, a prefix that must not be routed globally.",
            **names,
        )
    elif kind == "bogon_asn":
        text = t.gettext("A reserved AS number appeared in the AS path of %(prefix)s.", **names)
    else:
        text = f"{culprit}: {kind}."
    return text + rpki


def _peer_count(r: dict[str, Any], sightings: list[SightingRow]) -> tuple[int, bool]:
    """Collector peers that saw the incident. A peer is (collector, address); when the files
    were read without collector names the address is unknown and peers are told apart by AS
    number only, so the count is a lower bound (the record's own count is 0 then)."""
    if not sightings:
        return int(r["peer_count"] or 0), False
    known = {(x.collector, x.peer) for x in sightings if x.peer is not None}
    by_asn = {x.peer_asn for x in sightings if x.peer is None}
    return len(known) + len(by_asn), bool(by_asn)


def incident_view(lake: RoutingLake, incident_id: str, t: Translator = ENGLISH) -> IncidentView:
    r = query.incident(lake, incident_id)  # the routing API's record and 404
    peers = [p for p in r["peers"] or [] if p]
    # Records written before `sightings` existed keep distinct paths and peers but not their
    # pairing: a path is then only attributed to a peer when one peer saw the incident.
    single = peers[0] if len(peers) == 1 else None
    paths = [
        PathRow(peer=single, path=p, origin=(p.split() or [None])[-1]) for p in r["paths"] or []
    ]
    sightings = [
        SightingRow(**{k: s[k] for k in ("collector", "peer", "peer_asn", "first_seen",
                                         "last_seen")},
                    path=s["path"], origin=(s["path"].split() or [None])[-1])
        for s in r.get("sightings") or []
    ]  # fmt: skip
    count, lower = _peer_count(r, sightings)
    row = incident_row(r)
    return IncidentView(
        title=t.gettext(
            "%(type)s: %(prefix)s", type=t.tr(row.type_label), prefix=r["prefix"] or incident_id
        ),
        simulated=query.simulated(lake, query.ROUTE_STATES),
        incident=row,
        peers=peers,
        peer_count=count,
        peer_count_is_lower_bound=lower,
        paths=paths,
        sightings=sightings,
        explanation=explain(r, t),
        detail=r.get("detail") or None,
        links=PageLinks(
            html=row.href, json_=f"{row.href}.json", api=f"/api/v1/routing/incidents/{incident_id}"
        ),
    )


# Country section -------------------------------------------------------------------------------


class InvalidOrigin(BaseModel):
    asn: int
    href: str
    invalid: int
    routes: int


ACTION_LABELS = {
    "filtering": N_("Filtering (action 1)"),
    "coordination": N_("Coordination (action 3)"),
    "rpki": N_("Global validation, RPKI (action 4)"),
    "irr": N_("Global validation, IRR (action 4)"),
}


class RollupRow(BaseModel):
    action: str
    label: str
    ases: int  # ASes with a value for the action
    median: float | None  # median readiness, percent
    share_ready: float | None  # share of those ASes at >= 90 %, 0-1


class CountryRouting(BaseModel):
    cc: str
    snapshot: dt.date | None
    simulated: bool
    coverage: list[FamilyCoverage]
    states: list[StateShare]
    top_invalid: list[InvalidOrigin]
    top_invalid_available: bool
    scorecard_month: str | None
    rollup: list[RollupRow]  # per MANRS action; empty without built scorecards
    rollup_api: str
    links: PageLinks


def _rollup(rows: list[dict[str, Any]]) -> list[RollupRow]:
    order = list(ACTION_LABELS)
    out = [
        RollupRow(action=r["action"], label=ACTION_LABELS.get(r["action"], r["action"]),
                  ases=int(r["ases"]), median=r["median"], share_ready=r["share_ready"])
        for r in rows
    ]  # fmt: skip
    return sorted(out, key=lambda x: order.index(x.action) if x.action in order else 99)


def country_routing(lake: RoutingLake, cc: str) -> CountryRouting | None:
    """The country's routing figures, or None when there are none (the section is left out)."""
    if not lake.has(query.ROV_COUNTRY):
        return None
    found = query.country_rov(lake, cc)  # the routing API's figures
    if not found.rov:
        return None
    snap, rows = found.snapshot, found.rov
    available = lake.has(query.ASN_COUNTRY)
    top: list[InvalidOrigin] = []
    if available:
        invalid = query.top_invalid_origins(lake, snap, query.country_asns(lake, cc), TOP_INVALID)
        top = [
            InvalidOrigin(asn=r["asn"], href=f"/asn/{r['asn']}", invalid=int(r["invalid"]),
                          routes=int(r["routes"]))
            for r in invalid
        ]  # fmt: skip
    cov = _coverage(rows)
    rollup = query.country_rollup(lake, cc) if lake.has(query.COUNTRY_ROLLUPS) else []
    return CountryRouting(
        cc=cc,
        scorecard_month=str(rollup[0]["month"]) if rollup else None,
        rollup=_rollup(rollup),
        rollup_api=f"/api/v1/routing/countries/{cc}/scorecard"
        + (f"?month={rollup[0]['month']}" if rollup else ""),
        snapshot=snap,
        simulated=query.simulated(lake, query.ROV_COUNTRY),
        coverage=cov,
        states=state_shares(cov),
        top_invalid=top,
        top_invalid_available=available,
        links=PageLinks(
            html=f"/country/{cc}#routing",
            json_=f"/country/{cc}.json",
            api=f"/api/v1/routing/countries/{cc}",
        ),
    )
