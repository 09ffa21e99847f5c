"""The IXP tracker: per IXP and PeeringDB snapshot, members, activity, route-server peering,
peering-LAN prefixes, a year's joins and departures, growth, RIPE Atlas anchors and MANRS
participation (docs/methodology/ixps.md states every rule).

Every snapshot in `peeringdb_ix` (CAIDA archive dumps and API dumps alike) is a date of the
tracker. A snapshot without memberships (`netixlan`: the real 2020-09 API set has none) says
nothing about members: members, activity and everything derived are null with the reason, not
zero. The comparison snapshot for "12 months earlier" and the anchor and MANRS lists in force are
chosen by the one as-of rule (`nethealth.common.asof`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.common.asof import AsOf, pick
from nethealth.common.status import Status
from nethealth.errors import BuildError
from nethealth.lake.build import Step, StepContext

ACTIVE_MIN = 3  # Pulse's IXP tracker: an IXP is active with at least 3 PeeringDB members
FAST_RATE = 0.20  # fast-growing: members up by ≥ 20 % over 12 months …
FAST_MIN = 5  # … and by at least 5 networks (small IXPs do not qualify on one newcomer)
INPUTS = ("peeringdb_ix", "peeringdb_ixlan", "peeringdb_ixpfx", "peeringdb_netixlan",
          "peeringdb_net", "atlas_anchors", "manrs_ixps")  # fmt: skip

SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("ix_id", pa.int64()), ("name", pa.string()),
    ("name_long", pa.string()), ("city", pa.string()), ("country", pa.string()),
    ("website", pa.string()),
    ("members", pa.int64()), ("active", pa.bool_()), ("members_reason", pa.string()),
    ("rs_peers", pa.int64()), ("rs_peer_rate", pa.float64()), ("rs_reason", pa.string()),
    ("prefixes4", pa.int64()), ("prefixes6", pa.int64()),
    ("compared_snapshot", pa.date32()), ("members_then", pa.int64()), ("joined", pa.int64()),
    ("left", pa.int64()), ("growth", pa.float64()), ("fast_growing", pa.bool_()),
    ("change_reason", pa.string()),
    ("anchor_hosted", pa.bool_()), ("anchor_ids", pa.list_(pa.int64())),
    ("anchor_snapshot", pa.date32()), ("anchor_reason", pa.string()),
    ("manrs", pa.bool_()), ("manrs_snapshot", pa.date32()), ("manrs_reason", pa.string()),
    ("members_status", pa.string()), ("rs_status", pa.string()), ("change_status", pa.string()),
    ("anchor_status", pa.string()), ("manrs_status", pa.string()),
    ("simulated", pa.bool_()),
])  # fmt: skip
MEMBERS = pa.schema([
    ("snapshot", pa.date32()), ("ix_id", pa.int64()), ("asn", pa.int64()),
    ("is_rs_peer", pa.bool_()), ("net_name", pa.string()), ("simulated", pa.bool_()),
])  # fmt: skip

IXPS = """
SELECT snapshot, id AS ix_id, name, name_long, city, upper(country) AS country, website,
       simulated
FROM peeringdb_ix WHERE coalesce(status, 'ok') = 'ok' ORDER BY snapshot, id
"""
# A member is an ASN with a membership (status ok) on one of the IXP's peering LANs (status ok);
# it peers with the route server when any of its memberships says so (NULL: field absent).
MEMBER_ROWS = """
SELECT n.snapshot, l.ix_id, n.asn, bool_or(n.is_rs_peer) AS is_rs_peer,
       min(net.name) AS net_name, bool_or(n.simulated) AS simulated
FROM peeringdb_netixlan n
JOIN peeringdb_ixlan l ON l.snapshot = n.snapshot AND l.id = n.ixlan_id
LEFT JOIN peeringdb_net net ON net.snapshot = n.snapshot AND net.id = n.net_id
WHERE coalesce(n.status, 'ok') = 'ok' AND coalesce(l.status, 'ok') = 'ok'
GROUP BY ALL ORDER BY ALL
"""
MEMBER_SNAPSHOTS = """
SELECT snapshot, count(*) AS memberships, count(is_rs_peer) AS with_rs_field
FROM peeringdb_netixlan GROUP BY ALL
"""
MEMBER_COUNTS = """
SELECT snapshot, ix_id, count(*) AS members, count(*) FILTER (WHERE is_rs_peer) AS rs_peers
FROM members GROUP BY ALL
"""
PREFIXES = """
SELECT p.snapshot, l.ix_id,
       count(*) FILTER (WHERE lower(p.protocol) = 'ipv4') AS v4,
       count(*) FILTER (WHERE lower(p.protocol) = 'ipv6') AS v6
FROM peeringdb_ixpfx p
JOIN peeringdb_ixlan l ON l.snapshot = p.snapshot AND l.id = p.ixlan_id
WHERE coalesce(p.status, 'ok') = 'ok' AND coalesce(l.status, 'ok') = 'ok'
GROUP BY ALL
"""
PREFIX_SNAPSHOTS = "SELECT DISTINCT snapshot FROM peeringdb_ixpfx"
RS_ASNS = """
SELECT snapshot, ix_id, list(DISTINCT rs_asn) AS rs_asns FROM peeringdb_ixlan
WHERE rs_asn > 0 AND coalesce(status, 'ok') = 'ok' GROUP BY ALL
"""
# Set differences against the comparison snapshot: pairs (s, p) say which p each s uses.
CHANGES = """
WITH cur AS (SELECT pairs.s, m.ix_id, m.asn FROM pairs JOIN members m ON m.snapshot = pairs.s),
prev AS (SELECT pairs.s, m.ix_id, m.asn FROM pairs JOIN members m ON m.snapshot = pairs.p),
listed AS (SELECT pairs.s, ix.id AS ix_id FROM pairs JOIN peeringdb_ix ix
           ON ix.snapshot = pairs.p AND coalesce(ix.status, 'ok') = 'ok'),
joined AS (SELECT s, ix_id, count(*) AS n FROM (SELECT * FROM cur EXCEPT SELECT * FROM prev)
           GROUP BY ALL),
gone AS (SELECT s, ix_id, count(*) AS n FROM (SELECT * FROM prev EXCEPT SELECT * FROM cur)
         GROUP BY ALL),
before AS (SELECT s, ix_id, count(*) AS n FROM prev GROUP BY ALL)
SELECT k.s, k.ix_id, coalesce(before.n, 0), coalesce(joined.n, 0), coalesce(gone.n, 0),
       listed.ix_id IS NOT NULL
FROM (SELECT s, ix_id FROM cur UNION SELECT s, ix_id FROM prev UNION SELECT * FROM listed) k
LEFT JOIN before USING (s, ix_id) LEFT JOIN joined USING (s, ix_id)
LEFT JOIN gone USING (s, ix_id) LEFT JOIN listed USING (s, ix_id)
"""
# `listed` counts every anchor of the list (disabled ones too) against the API's `count`
ANCHORS = """
SELECT snapshot, id, as_v4, as_v6, country, declared, listed
FROM (SELECT *, count(*) OVER (PARTITION BY snapshot) AS listed FROM atlas_anchors)
WHERE NOT coalesce(is_disabled, false)
"""


def year_before(day: date) -> date:
    """The same day a year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def is_fast_growing(now: int, then: int) -> bool | None:
    """The rule of docs/methodology/ixps.md; None when there is no base to grow from."""
    if then < 1:
        return None
    return now - then >= FAST_MIN and (now - then) / then >= FAST_RATE


@dataclass(frozen=True)
class Change:
    then: int
    joined: int
    left: int
    listed: bool


@dataclass(frozen=True)
class Anchor:
    id: int
    asns: frozenset[int]
    country: str | None


@dataclass(frozen=True)
class AnchorList:
    anchors: tuple[Anchor, ...]
    complete: bool
    listed: int
    declared: int | None


def _connect(ctx: StepContext) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in INPUTS:
        path = ctx.dataset_path(name)
        if not path.is_file():
            raise BuildError(f"dataset {name!r} is missing", hint="run `nethealth build` fully")
        literal = "'" + str(path).replace("'", "''") + "'"  # our own path, quoted
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({literal})')
    return con


def _changes(
    con: duckdb.DuckDBPyConnection, pairs: dict[date, date]
) -> dict[tuple[date, int], Change]:
    if not pairs:
        return {}
    table = pa.table({"s": pa.array(list(pairs), pa.date32()),
                      "p": pa.array(list(pairs.values()), pa.date32())})  # fmt: skip
    con.register("pairs", table)
    rows = con.sql(CHANGES).fetchall()
    con.unregister("pairs")
    return {
        (s, ix): Change(then, joined, left, listed) for s, ix, then, joined, left, listed in rows
    }


def _anchor_lists(con: duckdb.DuckDBPyConnection) -> dict[date, AnchorList]:
    found: dict[date, list[Anchor]] = {}
    meta: dict[date, tuple[int, int | None]] = {}
    for snap, aid, v4, v6, cc, declared, listed in con.sql(ANCHORS).fetchall():
        asns = frozenset(a for a in (v4, v6) if a is not None)
        found.setdefault(snap, []).append(Anchor(aid, asns, cc))
        meta[snap] = (listed, declared)
    out = {}
    for snap, anchors in found.items():
        listed, declared = meta[snap]
        complete = declared is None or listed >= declared  # a bare list is taken as whole
        out[snap] = AnchorList(tuple(anchors), complete, listed, declared)
    return out


def _anchor(
    ix_cc: str, members: set[int] | None, rs_asns: Iterable[int], asof: AsOf,
    lists: dict[date, AnchorList],
) -> tuple[bool | None, list[int], str]:  # fmt: skip
    """(hosted, anchor ids, reason): an enabled anchor whose IPv4 or IPv6 ASN is a member's or
    the route server's, located in the IXP's country."""
    if asof.snapshot is None:
        return None, [], asof.reason
    al = lists[asof.snapshot]
    asns = set(rs_asns) | (members or set())
    ids = sorted(a.id for a in al.anchors if a.asns & asns and a.country == ix_cc)
    label = f"RIPE Atlas anchor list {asof.snapshot}"
    if ids:
        return True, ids, f"{label}: anchor(s) in a member's network in the IXP's country"
    if members is None:
        return None, [], f"{label}: no anchor in the route server's network; members not measured"
    if not al.complete:
        return None, [], (f"{label} holds {al.listed} of the {al.declared} anchors: none found, "
                          "but the list is incomplete")  # fmt: skip
    return False, [], f"{label}: no anchor in a member's network in the IXP's country"


def _manrs(ix_id: int, asof: AsOf, lists: dict[date, set[int]]) -> tuple[bool | None, str]:
    if asof.snapshot is None:
        return None, asof.reason
    listed = ix_id in lists[asof.snapshot]
    word = "listed" if listed else "not listed"
    return listed, f"{word} in the MANRS IXP participant list {asof.snapshot}"


def build(ctx: StepContext) -> None:
    con = _connect(ctx)
    try:
        snapshots, members = _compute(con, ctx)
    finally:
        con.close()
    ctx.write_dataset("ixp_snapshots", snapshots)
    ctx.write_dataset("ixp_members", members)


def _compute(con: duckdb.DuckDBPyConnection, ctx: StepContext) -> tuple[pa.Table, pa.Table]:
    members_t = con.sql(MEMBER_ROWS).to_arrow_table().cast(MEMBERS)
    con.register("members", members_t)
    with_members = {s: (n, rs) for s, n, rs in con.sql(MEMBER_SNAPSHOTS).fetchall() if n}
    counts = {(s, ix): (n, rs) for s, ix, n, rs in con.sql(MEMBER_COUNTS).fetchall()}
    prefix_snaps = {r[0] for r in con.sql(PREFIX_SNAPSHOTS).fetchall()}
    prefixes = {(s, ix): (v4, v6) for s, ix, v4, v6 in con.sql(PREFIXES).fetchall()}
    rs_asns = {(s, ix): asns for s, ix, asns in con.sql(RS_ASNS).fetchall()}
    ixps = con.sql(IXPS).to_arrow_table().to_pylist()
    days = sorted({r["snapshot"] for r in ixps})
    compared = {d: pick("peeringdb", year_before(d), with_members,
                        what="PeeringDB snapshot with memberships") for d in days}  # fmt: skip
    pairs = {
        d: a.snapshot for d, a in compared.items() if a.snapshot is not None and d in with_members
    }
    changes = _changes(con, pairs)
    anchor_lists = _anchor_lists(con)
    manrs_lists: dict[date, set[int]] = {}
    for snap, ix in con.sql("SELECT snapshot, ix_id FROM manrs_ixps").fetchall():
        manrs_lists.setdefault(snap, set()).add(ix)
    # the anchor and MANRS lists in force, once per snapshot (not once per IXP)
    lists_asof = {d: (pick("atlas-anchors", d, anchor_lists), pick("manrs-ixps", d, manrs_lists))
                  for d in days}  # fmt: skip
    per_day_members: dict[date, dict[int, set[int]]] = {}
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(ixps):
        if i % 5000 == 0:
            ctx.progress("ixp tracker", i, len(ixps))
        day, ix = r["snapshot"], r["ix_id"]
        row = dict(r)
        anchors_asof, manrs_asof = lists_asof[day]
        member_set: set[int] | None = None
        if day in with_members:
            n, rs = counts.get((day, ix), (0, 0))
            row |= _member_columns(day, n, rs, with_rs=with_members[day][1] > 0)
            row |= _change_columns(n, compared[day], changes.get((day, ix)))
            if anchors_asof.snapshot is not None:
                member_set = _members_of(per_day_members, members_t, day).get(ix, set())
        else:
            row |= _unmeasured_columns(day)
        v4, v6 = prefixes.get((day, ix), (0, 0))
        known = day in prefix_snaps
        row |= {"prefixes4": v4 if known else None, "prefixes6": v6 if known else None}
        hosted, ids, why_anchor = _anchor(r["country"], member_set, rs_asns.get((day, ix), []),
                                          anchors_asof, anchor_lists)  # fmt: skip
        manrs, why_manrs = _manrs(ix, manrs_asof, manrs_lists)
        row |= {"anchor_hosted": hosted, "anchor_ids": ids, "anchor_snapshot": anchors_asof.snapshot,
                "anchor_reason": why_anchor, "manrs": manrs, "manrs_snapshot": manrs_asof.snapshot,
                "manrs_reason": why_manrs}  # fmt: skip
        row |= _statuses(row, compared.get(day), anchors_asof, manrs_asof)
        rows.append(row)
    ctx.progress("ixp tracker", len(ixps), len(ixps))
    con.unregister("members")
    table = pa.Table.from_pylist(rows, SCHEMA) if rows else SCHEMA.empty_table()
    return table, members_t


def _member_columns(day: date, n: int, rs: int, *, with_rs: bool) -> dict[str, Any]:
    """Members, activity and route-server peering of one IXP in a snapshot with memberships."""
    return {
        "members": n, "active": n >= ACTIVE_MIN,
        "members_reason": f"PeeringDB snapshot {day}: distinct ASNs with a membership "
        "(netixlan) on the IXP's peering LANs",
        "rs_peers": rs if with_rs else None,
        "rs_peer_rate": (rs / n if n else None) if with_rs else None,
        "rs_reason": (f"is_rs_peer of the memberships in PeeringDB snapshot {day}" if with_rs
                      else f"the memberships of PeeringDB snapshot {day} have no is_rs_peer "
                      "field"),
    }  # fmt: skip


def _unmeasured_columns(day: date) -> dict[str, Any]:
    """A snapshot without memberships: nothing derived from members, and why."""
    why = f"PeeringDB snapshot {day} has no memberships (netixlan): members not measured"
    return {"members": None, "active": None, "members_reason": why, "rs_peers": None,
            "rs_peer_rate": None, "rs_reason": why, "compared_snapshot": None,
            "members_then": None, "joined": None, "left": None, "growth": None,
            "fast_growing": None, "change_reason": why}  # fmt: skip


def _members_of(
    cache: dict[date, dict[int, set[int]]], members: pa.Table, day: date
) -> dict[int, set[int]]:
    if day not in cache:
        out: dict[int, set[int]] = {}
        mask = pc.equal(members["snapshot"], pa.scalar(day, pa.date32()))
        sub = members.filter(mask)
        for ix, asn in zip(sub["ix_id"].to_pylist(), sub["asn"].to_pylist(), strict=True):
            out.setdefault(ix, set()).add(asn)
        cache[day] = out
    return cache[day]


def _statuses(
    row: dict[str, Any], change: AsOf | None, anchors: AsOf, manrs: AsOf
) -> dict[str, str]:
    """Why each group of values exists or not (`nethealth.common.status`)."""

    def of(value: object, otherwise: Status) -> str:
        if value is None:
            return otherwise.value
        return (Status.ZERO_MEASURED if value == 0 else Status.MEASURED).value

    no = Status.NOT_MEASURED
    change_missing = change.status if row["members"] is not None and change else no
    return {
        "members_status": of(row["members"], no),
        "rs_status": of(row["rs_peer_rate"], no),
        "change_status": of(row["joined"], change_missing),
        "anchor_status": Status.MEASURED.value if row["anchor_hosted"] is not None
        else (anchors.status if anchors.snapshot is None else no).value,
        "manrs_status": Status.MEASURED.value if row["manrs"] is not None else manrs.status.value,
    }  # fmt: skip


def _change_columns(now: int, asof: AsOf, change: Change | None) -> dict[str, Any]:
    if asof.snapshot is None:
        return {"compared_snapshot": None, "members_then": None, "joined": None, "left": None,
                "growth": None, "fast_growing": None,
                "change_reason": f"12 months earlier: {asof.reason}"}  # fmt: skip
    c = change or Change(0, now, 0, False)
    why = f"compared with PeeringDB snapshot {asof.snapshot}"
    if not c.listed:
        why += " (the IXP was not listed then: every member joined since)"
    return {
        "compared_snapshot": asof.snapshot, "members_then": c.then, "joined": c.joined,
        "left": c.left, "growth": now / c.then if c.then else None,
        "fast_growing": is_fast_growing(now, c.then), "change_reason": why,
    }  # fmt: skip


STEP = Step(
    id="ixp_tracker",
    version="1",
    description="The IXP tracker: per IXP and PeeringDB snapshot (ixp_snapshots, ixp_members)",
    run=build,
    outputs=("ixp_snapshots", "ixp_members"),
    depends=("peeringdb", "atlas_anchors", "manrs_ixps"),
)
