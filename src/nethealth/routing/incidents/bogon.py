"""Bogon routes: prefixes in non-globally-reachable special-purpose space, and paths with
special-purpose or reserved AS numbers (tables and sources in `nethealth.routing.bogons`).

Prefix checks reuse the vectorised RFC 6811 index: the bogon blocks are compiled as AS0 VRPs,
so "covered by an AS0-only VRP" is "inside a bogon block". Every interval counts, the initial
RIB included: a bogon is an incident whenever it is routed.

`detect_unallocated` adds routes for space no RIR has delegated (type `bogon_prefix`, detail
starting "unallocated"), given the allocated space of complete delegation files.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.common.prefixes import from_range_columns, parse_prefixes
from nethealth.routing.bogons import (
    MAX_UNALLOCATED_SHARE,
    SPECIAL_V4,
    SPECIAL_V6,
    UNALLOCATED_REASON,
    AllocatedSpace,
    allocated_mask,
    bogon_asn_mask,
    bogon_asn_reason,
    bogon_prefix_reason,
)
from nethealth.routing.incidents.model import (
    confidence,
    finish,
    full_feed_peers,
    group_hits,
    incident_id,
)
from nethealth.routing.relationships import collapse
from nethealth.rpki.rov import INVALID, VrpIndex

# IPv6 outside 2000::/3 as three blocks, so that one index answers both questions
_OUTSIDE_GLOBAL_V6 = ("::/3", "4000::/2", "8000::/1")
_ORIGIN = ", any_value(origin_asn) AS origin"


def _index() -> VrpIndex:
    blocks = [b for b, _, _ in SPECIAL_V4 + SPECIAL_V6] + list(_OUTSIDE_GLOBAL_V6)
    p = parse_prefixes(blocks)
    full = np.where(p.af == 4, 32, 128).astype(np.uint8)
    return VrpIndex.from_arrays(p.af, p.hi, p.lo, p.length, full, np.zeros(len(blocks), np.int64))


def _group(hits: pa.Table, key: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = group_hits(hits, key, _ORIGIN).to_pylist()
    return rows


def _special_mask(intervals: pa.Table) -> npt.NDArray[np.bool_]:
    af = intervals["af"].to_numpy().astype(np.uint8)
    hi, lo = from_range_columns(af, intervals["start"].to_numpy(), intervals["start_lo"].to_numpy())
    res = _index().validate(
        af, hi, lo, intervals["prefix_length"].to_numpy(), np.full(len(af), -1, np.int64)
    )
    out: npt.NDArray[np.bool_] = res.state == INVALID
    return out


def detect(intervals: pa.Table) -> pa.Table:
    ff = full_feed_peers(intervals)
    rows: list[dict[str, object]] = []
    for r in _group(intervals.filter(pa.array(_special_mask(intervals))), "prefix"):
        rows.append(_row("bogon_prefix", r, r["origin"], bogon_prefix_reason(str(r["prefix"])), ff))
    v, off = collapse(intervals["as_path"].combine_chunks())
    bad = bogon_asn_mask(v)
    path_of = np.repeat(np.arange(len(off) - 1), np.diff(off))
    first_bad = np.zeros(len(off) - 1, np.int64) - 1
    first_bad[path_of[bad][::-1]] = v[bad][::-1].astype(np.int64)  # first bogon ASN per path
    hits = intervals.append_column("bogon_asn", pa.array(first_bad)).filter(
        pa.array(first_bad >= 0)
    )
    for r in _group(hits, "bogon_asn"):
        asn = int(r["bogon_asn"])  # type: ignore[call-overload]
        rows.append(_row("bogon_asn", r, asn, bogon_asn_reason(asn), ff))
    return finish(rows)


def _row(
    kind: str, r: dict[str, object], culprit: object, why: str | None, ff: int
) -> dict[str, object]:
    prefixes = r["prefixes"]
    assert isinstance(prefixes, list)
    return {
        "id": incident_id(kind, r.get("prefix", r.get("bogon_asn")), r["start"]), "type": kind,
        "prefix": prefixes[0], "origin_asn": r["origin"], "culprit_asn": culprit,
        "victim_asns": [], "prefixes": prefixes, "start": r["start"],
        "end": None if r["ongoing"] else r["end"], "ongoing": r["ongoing"], "peers": r["peers"],
        "peer_count": r["peer_count"], "paths": r["paths"], "sightings": r["sightings"],
        "rpki_state": None,
        "confidence": confidence(int(r["peer_count"]), ff, None),  # type: ignore[call-overload]
        "detail": why or "",
    }  # fmt: skip


def detect_unallocated(
    intervals: pa.Table, spaces: Sequence[AllocatedSpace]
) -> tuple[pa.Table, list[str]]:
    """Incidents for routes outside the allocated space of each checkable family, and the
    reasons a family was not checked. Special-purpose blocks are left to `detect` (they are
    unallocated too, but their registry entry is the better reason)."""
    reasons: list[str] = []
    keep = np.zeros(intervals.num_rows, bool)
    af = intervals["af"].to_numpy().astype(np.uint8)
    special = _special_mask(intervals)
    for space in spaces:
        name = f"IPv{space.af}"
        if space.refused is not None:
            reasons.append(f"{name} unallocated space not checked: {space.refused}")
            continue
        fam = (af == space.af) & ~special
        start = intervals["start"].to_numpy()[fam]
        end = intervals["end"].to_numpy()[fam]
        outside = ~allocated_mask(space, start, end)
        prefixes = pc.unique(intervals["prefix"].filter(pa.array(fam)))
        bad = pc.unique(intervals["prefix"].filter(pa.array(fam)).filter(pa.array(outside)))
        share = len(bad) / len(prefixes) if len(prefixes) else 0.0
        if share > MAX_UNALLOCATED_SHARE:
            reasons.append(
                f"{name} unallocated space not checked: {len(bad)} of {len(prefixes)} routed "
                f"prefixes ({share:.0%}) would be unallocated, more than "
                f"{MAX_UNALLOCATED_SHARE:.0%}: the delegation data cannot be complete"
            )
            continue
        idx = np.flatnonzero(fam)[outside]
        keep[idx] = True
    if not keep.any():
        return finish([]), reasons
    ff = full_feed_peers(intervals)
    rows = [
        _row("bogon_prefix", r, r["origin"], UNALLOCATED_REASON, ff)
        for r in _group(intervals.filter(pa.array(keep)), "prefix")
    ]
    return finish(rows), reasons
