"""The IXP tracker's read model: every query its API and its pages make (datasets
`ixp_snapshots` and `ixp_members` of the `ixp_tracker` step, names from `as_names`).

A list or an IXP page shows one PeeringDB snapshot: the latest one on or before the date asked
for (default: the latest stored). Every value carries that snapshot's date, and the dates of the
comparison snapshot, the anchor list and the MANRS list it was computed with.

The communities part (below) reads the curated records (`community_store`) and what the lake
measured about the networks among them that have an AS number.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from nethealth.bgp import query as bgp_query
from nethealth.common.status import Status, of_value
from nethealth.errors import DatasetNotBuiltError, InputError, LakeUnavailableError, NotFoundError
from nethealth.infrastructure.community_store import CommunityStore, Record
from nethealth.infrastructure.community_store import LogEntry as CommunityEntry
from nethealth.lake.reader import LakeReader
from nethealth.outages.query import EventFilter, list_events
from nethealth.settings import Settings

MAX_ID = 2**31 - 1
HINT = "run `nethealth load peeringdb FILE…` (or fetch it), then `nethealth build`"


class Ixp(BaseModel):
    """One IXP in one PeeringDB snapshot. A null value is not measured; `*_status` and
    `*_reason` say why (`nethealth.common.status`)."""

    snapshot: date = Field(description="The PeeringDB snapshot every value below comes from")
    ix_id: int = Field(description="PeeringDB ix id")
    name: str
    name_long: str | None = None
    city: str | None = None
    country: str = Field(description="ISO 3166-1 alpha-2, as PeeringDB lists it")
    website: str | None = None
    members: int | None = Field(None, description="Distinct member ASNs (netixlan, status ok)")
    active: bool | None = Field(None, description="At least 3 members (Pulse's rule)")
    members_status: str
    members_reason: str
    rs_peers: int | None = Field(None, description="Members peering with the route server")
    rs_peer_rate: float | None = Field(None, description="rs_peers / members (0..1)")
    rs_status: str
    rs_reason: str
    prefixes4: int | None = Field(None, description="IPv4 peering-LAN prefixes (ixpfx)")
    prefixes6: int | None = Field(None, description="IPv6 peering-LAN prefixes (ixpfx)")
    compared_snapshot: date | None = Field(
        None, description="The snapshot in force 12 months earlier (as-of rule)"
    )
    members_then: int | None = None
    joined: int | None = Field(None, description="Members now that were not members then")
    left: int | None = Field(None, description="Members then that are not members now")
    growth: float | None = Field(None, description="members / members_then")
    fast_growing: bool | None = Field(
        None, description="Up ≥ 20 % and ≥ 5 members in 12 months (needs ≥ 1 member then)"
    )
    change_status: str
    change_reason: str
    anchor_hosted: bool | None = Field(
        None, description="An enabled RIPE Atlas anchor in a member's (or the route server's) "
        "network, in the IXP's country",
    )  # fmt: skip
    anchor_ids: list[int] = Field(default_factory=list)
    anchor_snapshot: date | None = None
    anchor_status: str
    anchor_reason: str
    manrs: bool | None = Field(None, description="Listed in the MANRS IXP participant list")
    manrs_snapshot: date | None = None
    manrs_status: str
    manrs_reason: str
    simulated: bool


class Member(BaseModel):
    asn: int
    name: str | None = Field(None, description="AS name (RIPE NCC asn.txt), else PeeringDB's")
    is_rs_peer: bool | None = Field(None, description="Null: the snapshot lacks the field")


class HistoryPoint(BaseModel):
    snapshot: date
    members: int | None
    members_status: str
    rs_peer_rate: float | None = None


FIELDS = tuple(Ixp.model_fields)
COLUMNS = ", ".join(f'"{f}"' for f in FIELDS)  # `left` is an SQL keyword


def check_country(text: str | None) -> str | None:
    if text is None or text.strip() == "":
        return None
    cc = text.strip().upper()
    if len(cc) != 2 or not cc.isascii() or not cc.isalpha():
        raise InputError(f"{text!r} is not an ISO 3166-1 alpha-2 code", field="country",
                         hint="e.g. country=KE")  # fmt: skip
    return cc


def check_active(text: str | None) -> bool | None:
    if text is None or text == "":
        return None
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise InputError(f"{text!r} is not true or false", field="active", hint="active=true")


def check_id(ix_id: int) -> int:
    if not 1 <= ix_id <= MAX_ID:
        raise InputError(f"{ix_id} is not a PeeringDB ix id", field="ix_id",
                         hint=f"give 1 to {MAX_ID}")  # fmt: skip
    return ix_id


def built(lake: LakeReader) -> bool:
    """Whether the catalog has the tracker's datasets (a lake built before it, or without it)."""
    return _has(lake, "ixp_snapshots") and _has(lake, "ixp_members")


def snapshots(lake: LakeReader) -> list[date]:
    return [r[0] for r in lake.query("SELECT DISTINCT snapshot FROM ixp_snapshots ORDER BY 1")]


def snapshot_for(lake: LakeReader, day: date | None) -> date:
    """The latest tracker snapshot on or before `day` (default: the latest of all)."""
    snaps = snapshots(lake)
    if not snaps:
        raise NotFoundError("no PeeringDB snapshot has been built", hint=HINT)
    if day is None:
        return snaps[-1]
    before = [s for s in snaps if s <= day]
    if not before:
        raise NotFoundError(f"no PeeringDB snapshot on or before {day}",
                            hint=f"the earliest is {snaps[0]}")  # fmt: skip
    return before[-1]


def _ixp(row: tuple[Any, ...]) -> Ixp:
    values = dict(zip(FIELDS, row, strict=True))
    values["anchor_ids"] = values["anchor_ids"] or []
    return Ixp.model_validate(values)


def ixps(
    lake: LakeReader, day: date | None = None, country: str | None = None,
    active: bool | None = None,
) -> tuple[date, list[Ixp]]:  # fmt: skip
    """The IXPs of one snapshot, by country then name; `active` keeps only IXPs whose activity
    is measured and equal to it."""
    snap = snapshot_for(lake, day)
    sql = f"SELECT {COLUMNS} FROM ixp_snapshots WHERE snapshot = ?"
    params: list[object] = [snap]
    if country is not None:
        sql += " AND country = ?"
        params.append(country)
    if active is not None:
        sql += " AND active = ?"
        params.append(active)
    rows = lake.query(sql + " ORDER BY country, lower(name), ix_id", params)
    return snap, [_ixp(r) for r in rows]


def ixp(lake: LakeReader, ix_id: int, day: date | None = None) -> Ixp:
    snap = snapshot_for(lake, day)
    rows = lake.query(f"SELECT {COLUMNS} FROM ixp_snapshots WHERE snapshot = ? AND ix_id = ?",
                      [snap, check_id(ix_id)])  # fmt: skip
    if not rows:
        seen = lake.query("SELECT max(snapshot) FROM ixp_snapshots WHERE ix_id = ?", [ix_id])
        last = seen[0][0] if seen else None
        hint = f"it was last listed in the snapshot of {last}" if last else "see /ixps"
        raise NotFoundError(f"no IXP {ix_id} in the PeeringDB snapshot of {snap}", hint=hint)
    return _ixp(rows[0])


def _has(lake: LakeReader, view: str) -> bool:
    rows = lake.query("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [view])
    return bool(rows[0][0])


MEMBERS = """
SELECT m.asn, m.net_name, m.is_rs_peer FROM ixp_members m
WHERE m.snapshot = ? AND m.ix_id = ? ORDER BY m.asn
"""
# AS names from the latest RIPE NCC list (names are labels, not measurements)
NAMED_MEMBERS = """
WITH names AS (SELECT asn, name FROM as_names
               WHERE snapshot = (SELECT max(snapshot) FROM as_names))
SELECT m.asn, coalesce(names.name, m.net_name), m.is_rs_peer FROM ixp_members m
LEFT JOIN names ON names.asn = m.asn
WHERE m.snapshot = ? AND m.ix_id = ? ORDER BY m.asn
"""


def members(lake: LakeReader, ix: Ixp) -> list[Member]:
    """The members of `ix` in its snapshot (empty when members are not measured)."""
    sql = NAMED_MEMBERS if _has(lake, "as_names") else MEMBERS
    rows = lake.query(sql, [ix.snapshot, ix.ix_id])
    return [Member(asn=a, name=n, is_rs_peer=rs) for a, n, rs in rows]


def history(lake: LakeReader, ix_id: int) -> list[HistoryPoint]:
    """Member counts of the IXP in every snapshot that lists it, oldest first."""
    rows = lake.query("SELECT snapshot, members, members_status, rs_peer_rate FROM ixp_snapshots "
                      "WHERE ix_id = ? ORDER BY snapshot", [check_id(ix_id)])  # fmt: skip
    return [HistoryPoint(snapshot=s, members=m, members_status=st, rs_peer_rate=r)
            for s, m, st, r in rows]  # fmt: skip


def countries_listed(lake: LakeReader, snap: date) -> list[str]:
    rows = lake.query("SELECT DISTINCT country FROM ixp_snapshots WHERE snapshot = ? ORDER BY 1",
                      [snap])  # fmt: skip
    return [r[0] for r in rows]


# Communities: NRENs, NOGs, community networks and their enabling environment -------------------
# The curated records come from `community_store` (seed data plus the curators' log); what is
# measured about them (PeeringDB's research networks, upstreams, IXP presence, outages) comes
# from the lake, each part dated and with its status (docs/methodology/communities.md).

NREN_INFO_TYPE = "Educational/Research"  # PeeringDB net.info_type of research networks
MAX_OUTAGES = 20  # outage events listed per network, newest first
MAX_UPSTREAMS = 50


class Part(BaseModel):
    """One measured part of a network's connectivity: its status, why, and its input's date."""

    status: str = Field(description="measured, zero measured or not measured")
    reason: str = ""
    as_of: date | None = Field(default=None, description="The input's snapshot or RIB date")


class Upstream(BaseModel):
    asn: int
    hegemony: float | None = Field(None, description="AS hegemony of this transit AS (0..1)")


class Upstreams(Part):
    providers: list[int] = Field(default_factory=list,
                                 description="Providers in the CAIDA AS relationships")  # fmt: skip


class Transit(Part):
    af: int | None = None
    transit: list[Upstream] = Field(default_factory=list,
                                    description="Transit ASes by hegemony (the AS itself left out)")  # fmt: skip


class Presence(BaseModel):
    ix_id: int
    name: str
    country: str
    asn: int


class IxpPresence(Part):
    ixps: list[Presence] = Field(default_factory=list)


class OutageRef(BaseModel):
    event_id: str
    start: str
    end: str | None
    status: str
    scope: str
    severity: str
    asn: int | None


class Outages(Part):
    events: list[OutageRef] = Field(default_factory=list,
                                    description=f"At most {MAX_OUTAGES}, newest first")  # fmt: skip


class Connectivity(BaseModel):
    asns: list[int]
    upstreams: Upstreams
    transit: Transit
    ixps: IxpPresence
    outages: Outages


class PdbNetwork(BaseModel):
    asn: int
    name: str
    website: str | None = None
    country: str | None = Field(None, description="Its organisation's country (PeeringDB org)")


class PdbNrens(Part):
    networks: list[PdbNetwork] = Field(default_factory=list)


P = TypeVar("P", bound=Part)


def _not_measured(cls: type[P], reason: str, as_of: date | None = None) -> P:
    return cls(status=Status.NOT_MEASURED, reason=reason, as_of=as_of)


def community_records(settings: Settings, kind: str, country: str | None = None,
                      retracted: bool = False) -> list[Record]:  # fmt: skip
    """The kind's records (retracted ones only when asked), by id; `country` filters."""
    recs = CommunityStore.for_settings(settings).records(kind)
    return [r for r in recs if (retracted or not r.retracted)
            and (country is None or r.fields.get("country") == country)]  # fmt: skip


def community_record(settings: Settings, kind: str, record_id: str) -> Record:
    return CommunityStore.for_settings(settings).get(kind, record_id)


def community_log(settings: Settings, kind: str | None = None,
                  record_id: str | None = None) -> list[CommunityEntry]:  # fmt: skip
    return CommunityStore.for_settings(settings).entries(kind, record_id)


def _view_rows(lake: LakeReader, view: str, sql: str, params: list[object]) -> list[Any] | None:
    """Rows, or None when the lake or the view does not exist."""
    try:
        if not _has(lake, view):
            return None
        return lake.query(sql, params)
    except LakeUnavailableError:
        return None


def peeringdb_nrens(lake: LakeReader, day: date | None = None) -> PdbNrens:
    """PeeringDB networks of type Educational/Research in the snapshot on or before `day`
    (default the latest): not measured when that snapshot holds no `net` records."""
    snaps = _view_rows(lake, "peeringdb_ix", "SELECT DISTINCT snapshot FROM peeringdb_ix "
                       "ORDER BY 1", [])  # fmt: skip
    nets = _view_rows(lake, "peeringdb_net", "SELECT DISTINCT snapshot FROM peeringdb_net", [])
    dates = sorted({r[0] for r in snaps or []} | {r[0] for r in nets or []})
    dates = [d for d in dates if day is None or d <= day]
    if not dates:
        return _not_measured(PdbNrens, "no PeeringDB snapshot loaded" + (
            f" on or before {day}" if day else ""))  # fmt: skip
    snap = dates[-1]
    if snap not in {r[0] for r in nets or []}:
        return _not_measured(PdbNrens, f"the PeeringDB snapshot of {snap} holds no net records",
                             as_of=snap)  # fmt: skip
    org_join = _has(lake, "peeringdb_org")
    sql = ("SELECT n.asn, n.name, n.website, " + ("o.country" if org_join else "NULL") +
           " FROM peeringdb_net n " +
           ("LEFT JOIN peeringdb_org o ON o.id = n.org_id AND o.snapshot = n.snapshot "
            if org_join else "") +
           "WHERE n.snapshot = ? AND n.info_type = ? AND coalesce(n.status, 'ok') = 'ok' "
           "ORDER BY n.asn")  # fmt: skip
    rows = lake.query(sql, [snap, NREN_INFO_TYPE])
    nets_found = [PdbNetwork(asn=a, name=n, website=w, country=c) for a, n, w, c in rows]
    return PdbNrens(status=of_value(len(nets_found)), as_of=snap, networks=nets_found)


def _upstreams(lake: LakeReader, asns: list[int]) -> Upstreams:
    latest = _view_rows(lake, "as_customer_links", "SELECT max(snapshot) FROM as_customer_links",
                        [])  # fmt: skip
    if not latest or latest[0][0] is None:
        return _not_measured(Upstreams, "no CAIDA AS-relationship file loaded")
    snap = latest[0][0]
    marks = ", ".join("?" for _ in asns)
    rows = lake.query(f"SELECT DISTINCT provider, customer FROM as_customer_links WHERE "
                      f"snapshot = ? AND (customer IN ({marks}) OR provider IN ({marks}))",
                      [snap, *asns, *asns])  # fmt: skip
    providers = sorted({p for p, c in rows if c in asns and p not in asns})
    if providers:
        return Upstreams(status=Status.MEASURED, as_of=snap, providers=providers[:MAX_UPSTREAMS])
    if rows:  # in the file, as someone's provider only: it buys no transit
        return Upstreams(status=Status.ZERO_MEASURED, as_of=snap,
                         reason="listed only as a provider in this file")  # fmt: skip
    return _not_measured(Upstreams, f"no provider-to-customer link of the CAIDA file of {snap} "
                         "names these ASes (they may have peers only)", as_of=snap)  # fmt: skip


def _transit(settings: Settings, asns: list[int]) -> Transit:
    lake = bgp_query.BgpLake(settings.lake_dir)
    scores: dict[int, float] = {}
    found: dict[str, Any] | None = None
    for asn in asns:
        try:
            body = bgp_query.hegemony(lake, scope=asn)
        except (DatasetNotBuiltError, NotFoundError) as exc:
            return _not_measured(Transit, exc.message)
        found = body
        for row in body["hegemony"]:
            if row["asn"] not in asns:
                scores[row["asn"]] = max(scores.get(row["asn"], 0.0), row["hegemony"])
    if found is None:
        return _not_measured(Transit, "no AS number")
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_UPSTREAMS]
    if not ranked:
        return Transit(status=Status.NOT_MEASURED, as_of=found["date"], af=found["af"],
                       reason=found.get("reason") or "no transit AS scored")  # fmt: skip
    return Transit(status=Status.MEASURED, as_of=found["date"], af=found["af"],
                   transit=[Upstream(asn=a, hegemony=h) for a, h in ranked])  # fmt: skip


def _ixp_presence(lake: LakeReader, asns: list[int]) -> IxpPresence:
    if not _lake_ok(lake) or not built(lake):
        return _not_measured(IxpPresence, "the IXP tracker has not been built")
    snap = snapshot_for(lake, None)
    measured = lake.query("SELECT count(*) FROM ixp_snapshots WHERE snapshot = ? AND "
                          "members IS NOT NULL", [snap])[0][0]  # fmt: skip
    if not measured:
        return _not_measured(IxpPresence, f"the PeeringDB snapshot of {snap} holds no "
                             "memberships (netixlan)", as_of=snap)  # fmt: skip
    marks = ", ".join("?" for _ in asns)
    rows = lake.query(f"SELECT DISTINCT s.ix_id, s.name, s.country, m.asn FROM ixp_members m "
                      f"JOIN ixp_snapshots s ON s.snapshot = m.snapshot AND s.ix_id = m.ix_id "
                      f"WHERE m.snapshot = ? AND m.asn IN ({marks}) ORDER BY s.country, "
                      f"lower(s.name), m.asn", [snap, *asns])  # fmt: skip
    found = [Presence(ix_id=i, name=n, country=c, asn=a) for i, n, c, a in rows]
    return IxpPresence(status=of_value(len(found)), as_of=snap, ixps=found)


def _lake_ok(lake: LakeReader) -> bool:
    try:
        lake.query("SELECT 1")
    except LakeUnavailableError:
        return False
    return True


def _outages(settings: Settings, asns: list[int]) -> Outages:
    events: dict[str, dict[str, Any]] = {}
    try:
        for asn in asns:
            for ev in list_events(settings, EventFilter(asn=asn, exclude_dismissed=True,
                                                        limit=MAX_OUTAGES)):  # fmt: skip
                events[ev["event_id"]] = ev
    except DatasetNotBuiltError as exc:
        return _not_measured(Outages, exc.message)
    newest = sorted(events.values(), key=lambda e: str(e["start"]), reverse=True)[:MAX_OUTAGES]
    refs = [OutageRef(event_id=e["event_id"], start=str(e["start"]),
                      end=None if e.get("end") is None else str(e["end"]), status=e["status"],
                      scope=e["scope"], severity=e["severity"], asn=e.get("asn"))
            for e in newest]  # fmt: skip
    return Outages(status=of_value(len(refs)), events=refs,
                   reason="" if refs else "no published outage event names these ASes")  # fmt: skip


def connectivity(settings: Settings, lake: LakeReader, asns: list[int]) -> Connectivity | None:
    """Upstreams (CAIDA), transit (AS hegemony), IXP presence and outage events of a curated
    network's ASes; None for a network without an AS number."""
    if not asns:
        return None
    return Connectivity(asns=asns, upstreams=_upstreams(lake, asns) if _lake_ok(lake) else
                        _not_measured(Upstreams, "the lake has not been built"),
                        transit=_transit(settings, asns), ixps=_ixp_presence(lake, asns),
                        outages=_outages(settings, asns))  # fmt: skip
