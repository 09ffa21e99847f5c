"""Bogon routes: prefixes in non-globally-reachable special-purpose space, and paths with
special-purpose or reserved AS numbers (tables and sources in `nethealth.routing.bogons`).

Prefix checks reuse the vectorised RFC 6811 index: the bogon blocks are compiled as AS0 VRPs,
so "covered by an AS0-only VRP" is "inside a bogon block". Every interval counts, the initial
RIB included: a bogon is an incident whenever it is routed.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from nethealth.routing.bogons import (
    SPECIAL_V4,
    SPECIAL_V6,
    bogon_asn_mask,
    bogon_asn_reason,
    bogon_prefix_reason,
)
from nethealth.routing.incidents.model import confidence, finish, full_feed_peers, incident_id
from nethealth.routing.relationships import collapse
from nethealth.rpki.prefixes import from_range_columns, parse_prefixes
from nethealth.rpki.rov import INVALID, VrpIndex

# IPv6 outside 2000::/3 as three blocks, so that one index answers both questions
_OUTSIDE_GLOBAL_V6 = ("::/3", "4000::/2", "8000::/1")
GROUP_SQL = """
SELECT {key}, min(t0) AS start, max(t1) AS "end", bool_or(open_end) AS ongoing,
       list(DISTINCT peer ORDER BY peer) AS peers, count(DISTINCT peer) AS peer_count,
       list(DISTINCT path_text ORDER BY path_text) AS paths,
       list(DISTINCT prefix ORDER BY prefix) AS prefixes, any_value(origin_asn) AS origin
FROM hits GROUP BY {key} ORDER BY start, {key}
"""


def _index() -> VrpIndex:
    blocks = [b for b, _, _ in SPECIAL_V4 + SPECIAL_V6] + list(_OUTSIDE_GLOBAL_V6)
    p = parse_prefixes(blocks)
    full = np.where(p.af == 4, 32, 128).astype(np.uint8)
    return VrpIndex.from_arrays(p.af, p.hi, p.lo, p.length, full, np.zeros(len(blocks), np.int64))


def _group(hits: pa.Table, key: str) -> list[dict[str, object]]:
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("hits", hits)
        rows: list[dict[str, object]] = (
            con.sql(GROUP_SQL.format(key=key)).to_arrow_table().to_pylist()
        )
        return rows
    finally:
        con.close()


def detect(intervals: pa.Table) -> pa.Table:
    ff = full_feed_peers(intervals)
    rows: list[dict[str, object]] = []
    af = intervals["af"].to_numpy().astype(np.uint8)
    hi, lo = from_range_columns(af, intervals["start"].to_numpy(), intervals["start_lo"].to_numpy())
    res = _index().validate(
        af, hi, lo, intervals["prefix_length"].to_numpy(), np.full(len(af), -1, np.int64)
    )
    for r in _group(intervals.filter(pa.array(res.state == INVALID)), "prefix"):
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
        "peer_count": r["peer_count"], "paths": r["paths"], "rpki_state": None,
        "confidence": confidence(int(r["peer_count"]), ff, None),  # type: ignore[call-overload]
        "detail": why or "",
    }  # fmt: skip
