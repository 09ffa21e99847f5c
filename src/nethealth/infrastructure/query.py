"""The IXP tracker's read model: every query its API and its pages make (datasets
`ixp_snapshots` and `ixp_members` of the `ixp_tracker` step, names from `as_names`).

A list or an IXP page shows one PeeringDB snapshot: the latest one on or before the date asked
for (default: the latest stored). Every value carries that snapshot's date, and the dates of the
comparison snapshot, the anchor list and the MANRS list it was computed with.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from nethealth.errors import InputError, NotFoundError
from nethealth.lake.reader import LakeReader

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
