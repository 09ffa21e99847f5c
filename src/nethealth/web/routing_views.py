"""What the routing-security pages show, as typed models (the HTML and the JSON twin render the
same model): an AS's page, the incident list and one incident, and a country's section."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.errors import InputError, NotFoundError
from nethealth.ui.i18n import ENGLISH, N_, Translator
from nethealth.ui.views import PageLinks
from nethealth.web.routing_data import (
    RoutingData,
    country_rollup,
    latest_snapshot,
    parse_time,
    scorecard_for,
    scorecard_history,
)
from nethealth.web.views import CountryView as CountryPageView

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


def _countries(data: RoutingData, asn: int) -> list[CountryLink]:
    if not data.has("routing_asn_country"):
        return []
    rows = data.query(
        "routing_asn_country", "SELECT DISTINCT cc FROM {t} WHERE asn = ? ORDER BY cc", [asn]
    )
    return [CountryLink(cc=r["cc"], href=f"/country/{r['cc']}") for r in rows]


def _card(row: dict[str, Any]) -> Scorecard:
    return Scorecard(**{k: row.get(k) for k in Scorecard.model_fields if k != "month"},
                     month=str(row["month"]))  # fmt: skip


def asn_view(data: RoutingData, asn: int, page: int) -> AsnPageView:
    if not 0 <= asn < 2**32:
        raise InputError(f"AS number out of range: {asn}", field="asn")
    snap = latest_snapshot(data, "routing_rov_asn")
    rov = data.query(
        "routing_rov_asn",
        "SELECT * FROM {t} WHERE asn = ? AND snapshot = ? ORDER BY af",
        [asn, snap],
    )
    total = data.query(
        "routing_route_states",
        "SELECT count(*) AS n FROM {t} WHERE origin_asn = ? AND snapshot = ?",
        [asn, snap],
    )[0]["n"]
    if not rov and not total:  # the routing API's wording
        raise NotFoundError(f"AS{asn} originates no route in the data")
    base = f"/asn/{asn}"
    pager = _pager(base, page, PREFIX_PAGE, int(total), "prefixes")
    prefixes = data.query(
        "routing_route_states",
        "SELECT prefix, af, state, reason, peers FROM {t} WHERE origin_asn = ? "
        "AND snapshot = ? ORDER BY af, prefix LIMIT ? OFFSET ?",
        [asn, snap, PREFIX_PAGE, (page - 1) * PREFIX_PAGE],
    )
    incidents: list[dict[str, Any]] = []
    if data.has("routing_incidents"):
        incidents = data.query(
            "routing_incidents",
            "SELECT * FROM {t} WHERE culprit_asn = ? OR list_contains(victim_asns, ?) "
            "ORDER BY start DESC LIMIT ?",
            [asn, asn, INCIDENT_PAGE],
        )
    card = scorecard_for(data, asn)
    cov = _coverage(rov)
    suffix = f"?page={page}" if page > 1 else ""
    return AsnPageView(
        asn=asn,
        title=f"AS{asn}",
        simulated=data.simulated("routing_rov_asn"),
        snapshot=snap,
        coverage=cov,
        states=state_shares(cov),
        prefixes=[PrefixRow(**r) for r in prefixes],
        prefix_pager=pager,
        incidents=[incident_row(r, asn) for r in incidents],
        incidents_available=data.has("routing_incidents"),
        scorecard=_card({**card.row, "month": card.month or ""}) if card.row else None,
        scorecard_note=card.missing,
        scorecard_history=[_card(r) for r in scorecard_history(data, asn)],
        countries=_countries(data, asn),
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
    data: RoutingData, f: IncidentFilters, t: Translator = ENGLISH
) -> IncidentListView:
    if f.type and f.type not in TYPE_LABELS:
        raise InputError(
            f"unknown incident type {f.type!r}", field="type", hint=" | ".join(TYPE_LABELS)
        )
    t0, t1 = parse_time(f.from_, "from"), parse_time(f.to, "to")
    if t0 and t1 and t1 < t0:
        raise InputError("to is before from", hint="swap the dates")
    where = (
        "(? IS NULL OR type = ?) AND (? IS NULL OR culprit_asn = ? OR list_contains(victim_asns, ?)) "
        'AND (? IS NULL OR coalesce("end", start) >= ?) AND (? IS NULL OR start <= ?)'
    )
    params: list[Any] = [f.type, f.type, f.asn, f.asn, f.asn, t0, t0, t1, t1]
    total = data.query(
        "routing_incidents", f"SELECT count(*) AS n FROM {{t}} WHERE {where}", params
    )[0]["n"]
    rows = data.query(
        "routing_incidents",
        f"SELECT * FROM {{t}} WHERE {where} ORDER BY start DESC LIMIT ?",
        [*params, INCIDENT_PAGE],
    )
    q = _filter_query(f)
    return IncidentListView(
        title=t.gettext("Routing incidents"),
        simulated=data.simulated("routing_route_states"),
        filters=f,
        filtered=bool(q),
        types=list(TYPE_LABELS.items()),
        incidents=[incident_row(r) for r in rows],
        total=int(total),
        limit=INCIDENT_PAGE,
        links=PageLinks(
            html="/routing/incidents" + (f"?{q}" if q else ""),
            json_="/routing/incidents.json" + (f"?{q}" if q else ""),
            api="/api/v1/routing/incidents" + (f"?{q}" if q else ""),
            csv="/api/v1/routing/incidents?" + (f"{q}&" if q else "") + "format=csv",
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


def incident_view(data: RoutingData, incident_id: str, t: Translator = ENGLISH) -> IncidentView:
    rows = data.query("routing_incidents", "SELECT * FROM {t} WHERE id = ?", [incident_id])
    if not rows:  # the routing API's wording
        raise NotFoundError(f"no incident {incident_id!r}")
    r = rows[0]
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
        simulated=data.simulated("routing_route_states"),
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


def country_routing(data: RoutingData, cc: str) -> CountryRouting | None:
    """The country's routing figures, or None when there are none (the section is left out)."""
    if not data.has("routing_rov_country"):
        return None
    snap = latest_snapshot(data, "routing_rov_country")
    rows = data.query(
        "routing_rov_country",
        "SELECT * FROM {t} WHERE cc = ? AND snapshot = ? ORDER BY af",
        [cc, snap],
    )
    if not rows:
        return None
    top: list[InvalidOrigin] = []
    available = data.has("routing_asn_country")
    if available:
        asns = [
            r["asn"]
            for r in data.query(
                "routing_asn_country", "SELECT DISTINCT asn FROM {t} WHERE cc = ?", [cc]
            )
        ]
        if asns:
            found = data.query(
                "routing_rov_asn",
                "SELECT asn, sum(invalid) AS invalid, sum(routes) AS routes FROM {t} "
                "WHERE snapshot = ? AND list_contains(?, asn) GROUP BY asn "
                "HAVING sum(invalid) > 0 ORDER BY invalid DESC, asn LIMIT ?",
                [snap, asns, TOP_INVALID],
            )
            top = [
                InvalidOrigin(
                    asn=r["asn"],
                    href=f"/asn/{r['asn']}",
                    invalid=int(r["invalid"]),
                    routes=int(r["routes"]),
                )
                for r in found
            ]
    cov = _coverage(rows)
    rollup = country_rollup(data, cc)
    return CountryRouting(
        cc=cc,
        scorecard_month=str(rollup[0]["month"]) if rollup else None,
        rollup=_rollup(rollup),
        rollup_api=f"/api/v1/routing/countries/{cc}/scorecard"
        + (f"?month={rollup[0]['month']}" if rollup else ""),
        snapshot=snap,
        simulated=data.simulated("routing_rov_country"),
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


class CountryWithRouting(CountryPageView):
    """The country page's model plus its routing section (None: no routing data for it)."""

    routing: CountryRouting | None
