"""What the routing-security pages show, as typed models (the HTML and the JSON twin render the
same model): an AS's page, the incident list and one incident, and a country's section."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.api.errors import ApiError
from nethealth.web.routing_data import RoutingData, latest_snapshot, parse_time, scorecard_for
from nethealth.web.shutdown_country import CountryPageView
from nethealth.web.views import PageLinks

STATES = (("valid", "Valid"), ("invalid", "Invalid"), ("not-found", "Not found"))
TYPE_LABELS = {
    "moas": "Exact-prefix hijack (MOAS)",
    "subprefix_hijack": "Sub-prefix hijack",
    "route_leak": "Route leak",
    "bogon_prefix": "Bogon prefix",
    "bogon_asn": "Bogon AS number",
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
        raise ApiError(400, f"page {page} is past the last page ({pages})", hint="use page=1")

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


def asn_view(data: RoutingData, asn: int, page: int) -> AsnPageView:
    if not 0 <= asn < 2**32:
        raise ApiError(400, f"AS number out of range: {asn}")
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
        raise ApiError(404, f"AS{asn} originates no route in the data")
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
        scorecard=Scorecard(
            **{k: card.row.get(k) for k in Scorecard.model_fields if k != "month"},
            month=card.month or "",
        )
        if card.row
        else None,
        scorecard_note=card.missing,
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


def incident_list_view(data: RoutingData, f: IncidentFilters) -> IncidentListView:
    if f.type and f.type not in TYPE_LABELS:
        raise ApiError(400, f"unknown incident type {f.type!r}", hint=" | ".join(TYPE_LABELS))
    t0, t1 = parse_time(f.from_, "from"), parse_time(f.to, "to")
    if t0 and t1 and t1 < t0:
        raise ApiError(400, "to is before from", hint="swap the dates")
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
        title="Routing incidents",
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


class IncidentView(BaseModel):
    title: str
    simulated: bool
    incident: IncidentRow
    peers: list[str]
    peer_count: int
    paths: list[PathRow]
    explanation: str
    detail: str | None
    links: PageLinks


def explain(r: dict[str, Any]) -> str:
    """Why the detector flagged it, in one sentence a reader can check against the paths."""
    rpki = f" RPKI: {r['rpki_state']}." if r.get("rpki_state") else ""
    victims = ", ".join(f"AS{v}" for v in r["victim_asns"] or []) or "another AS"
    kind, culprit = r["type"], f"AS{r['culprit_asn']}"
    if kind == "moas":
        text = f"{culprit} originated {r['prefix']}, which {victims} originated before."
    elif kind == "subprefix_hijack":
        text = f"{culprit} originated {r['prefix']}, a more-specific of {victims}'s prefix."
    elif kind == "route_leak":
        text = (
            f"{culprit} passed routes learnt from a provider or peer on to another provider "
            f"or peer (valley-free violation), affecting {len(r['prefixes'] or [])} "
            f"prefix(es) of {victims}."
        )
    elif kind == "bogon_prefix":
        text = f"{culprit} originated {r['prefix']}, a prefix that must not be routed globally."
    elif kind == "bogon_asn":
        text = f"A reserved AS number appeared in the AS path of {r['prefix']}."
    else:
        text = f"{culprit}: {kind}."
    return text + rpki


def incident_view(data: RoutingData, incident_id: str) -> IncidentView:
    rows = data.query("routing_incidents", "SELECT * FROM {t} WHERE id = ?", [incident_id])
    if not rows:  # the routing API's wording
        raise ApiError(404, f"no incident {incident_id!r}")
    r = rows[0]
    peers = [p for p in r["peers"] or [] if p]
    # The dataset keeps distinct paths and distinct peers, not their pairing: a path is only
    # attributed to a peer when one peer saw the incident.
    single = peers[0] if len(peers) == 1 else None
    paths = [
        PathRow(peer=single, path=p, origin=(p.split() or [None])[-1]) for p in r["paths"] or []
    ]
    row = incident_row(r)
    return IncidentView(
        title=f"{row.type_label}: {r['prefix'] or incident_id}",
        simulated=data.simulated("routing_route_states"),
        incident=row,
        peers=peers,
        peer_count=int(r["peer_count"] or 0),
        paths=paths,
        explanation=explain(r),
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


class CountryRouting(BaseModel):
    cc: str
    snapshot: dt.date | None
    simulated: bool
    coverage: list[FamilyCoverage]
    states: list[StateShare]
    top_invalid: list[InvalidOrigin]
    top_invalid_available: bool
    links: PageLinks


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
    return CountryRouting(
        cc=cc,
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
