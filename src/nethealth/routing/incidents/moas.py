"""MOAS conflicts: a prefix announced, during the window, by an origin it did not have before.

A (prefix, origin) route that no peer had in the initial RIB, for a prefix that other origins did
have, is an exact-prefix hijack candidate (BGPalerter's `hijack`). Suppressed when RPKI says the
new origin is valid (the holder authorised it).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from nethealth.routing.incidents.model import (
    confidence,
    finish,
    full_feed_peers,
    group_hits,
    incident_id,
    rpki_lookup,
)

HITS_SQL = """
WITH base AS (SELECT DISTINCT prefix, origin_asn FROM iv WHERE baseline),
new AS (SELECT * FROM iv i WHERE NOT baseline AND i.origin_asn IS NOT NULL
        AND i.prefix IN (SELECT prefix FROM base)
        AND NOT EXISTS (SELECT 1 FROM base b WHERE b.prefix = i.prefix
                        AND b.origin_asn = i.origin_asn))
SELECT new.*, (SELECT list(DISTINCT b.origin_asn) FROM base b WHERE b.prefix = new.prefix)
       AS victims FROM new
"""


def detect(intervals: pa.Table, vrps: pa.Table | None = None) -> pa.Table:
    con = duckdb.connect()
    try:
        con.register("iv", intervals)
        hits = con.sql(HITS_SQL).to_arrow_table()
    finally:
        con.close()
    groups = group_hits(hits, "prefix, origin_asn", ", any_value(victims) AS victims")
    g = groups.to_pylist()
    states = rpki_lookup([r["prefix"] for r in g], [r["origin_asn"] for r in g], vrps)
    ff = full_feed_peers(intervals)
    rows = []
    for r, state in zip(g, states, strict=True):  # one row per incident, not per route
        if state == "valid":
            continue
        rows.append({
            "id": incident_id("moas", r["prefix"], r["origin_asn"], r["start"]),
            "type": "moas", "prefix": r["prefix"], "origin_asn": r["origin_asn"],
            "culprit_asn": r["origin_asn"], "victim_asns": sorted(r["victims"]),
            "prefixes": [r["prefix"]], "start": r["start"],
            "end": None if r["ongoing"] else r["end"], "ongoing": r["ongoing"],
            "peers": r["peers"], "peer_count": r["peer_count"], "paths": r["paths"], "sightings": r["sightings"],
            "rpki_state": state, "confidence": confidence(r["peer_count"], ff, state),
            "detail": f"AS{r['origin_asn']} announced {r['prefix']} held by "
            + ", ".join(f"AS{v}" for v in sorted(r["victims"])),
        })  # fmt: skip
    return finish(rows)
