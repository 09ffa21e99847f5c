"""Sub-prefix hijack candidates: a more-specific of a routed prefix, announced during the window
by an origin that none of its covering routes has.

The initial RIB's routes act as "VRPs" (maxLength = full length) so one vectorised RFC 6811 pass
over the new routes finds them: "invalid" = covered by routed prefixes, none with this origin.
Suppressed when real RPKI says the new origin is valid.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from nethealth.common.prefixes import from_range_columns, mask
from nethealth.routing.incidents.model import (
    confidence,
    finish,
    full_feed_peers,
    group_hits,
    incident_id,
    rpki_lookup,
)
from nethealth.rpki.rov import INVALID, VrpIndex

NEW_SQL = """
SELECT * FROM iv WHERE NOT baseline AND origin_asn IS NOT NULL
  AND prefix NOT IN (SELECT prefix FROM iv WHERE baseline)
"""
BASE_SQL = """
SELECT DISTINCT af, start, start_lo, prefix_length, origin_asn FROM iv
WHERE baseline AND origin_asn IS NOT NULL
"""


def _words(t: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    af = t["af"].to_numpy().astype(np.uint8)
    hi, lo = from_range_columns(af, t["start"].to_numpy(), t["start_lo"].to_numpy())
    return af, hi, lo, t["prefix_length"].to_numpy().astype(np.uint8)


def _victims(base: pa.Table, new: pa.Table) -> list[list[int]]:
    """Origins of the most specific routed prefix covering each new route (few candidates)."""
    baf, bhi, blo, blen = _words(base)
    owners: dict[tuple[int, int, int, int], list[int]] = {}
    for key, o in zip(
        zip(baf.tolist(), bhi.tolist(), blo.tolist(), blen.tolist(), strict=True),
        base["origin_asn"].to_pylist(),
        strict=True,
    ):
        owners.setdefault(key, []).append(o)
    naf, nhi, nlo, nlen = _words(new)
    out = []
    for i in range(len(naf)):
        found: list[int] = []
        for length in range(int(nlen[i]) - 1, -1, -1):
            h, lw = mask(nhi[i : i + 1], nlo[i : i + 1], np.array([length], np.uint8))
            found = owners.get((int(naf[i]), int(h[0]), int(lw[0]), length), [])
            if found:
                break
        out.append(sorted(set(found)))
    return out


def detect(intervals: pa.Table, vrps: pa.Table | None = None) -> pa.Table:
    con = duckdb.connect()
    try:
        con.register("iv", intervals)
        new = con.sql(NEW_SQL).to_arrow_table()
        base = con.sql(BASE_SQL).to_arrow_table()
    finally:
        con.close()
    if new.num_rows == 0 or base.num_rows == 0:
        return finish([])
    baf, bhi, blo, blen = _words(base)
    full = np.where(baf == 4, 32, 128).astype(np.uint8)
    index = VrpIndex.from_arrays(baf, bhi, blo, blen, full, base["origin_asn"].to_numpy())
    naf, nhi, nlo, nlen = _words(new)
    res = index.validate(naf, nhi, nlo, nlen, new["origin_asn"].to_numpy().astype(np.int64))
    hits = new.filter(pa.array(res.state == INVALID))
    hits = hits.rename_columns(
        ["range_" + c if c in ("start", "end") else c for c in hits.column_names]
    )
    groups = group_hits(
        hits,
        "prefix, origin_asn",
        ", any_value(af) AS af, any_value(range_start) AS range_start, "
        "any_value(start_lo) AS start_lo, any_value(prefix_length) AS prefix_length",
    )
    words = groups.select(["af", "range_start", "start_lo", "prefix_length", "origin_asn"])
    victims = _victims(
        base, words.rename_columns(["af", "start", "start_lo", "prefix_length", "origin_asn"])
    )
    g = groups.to_pylist()
    states = rpki_lookup([r["prefix"] for r in g], [r["origin_asn"] for r in g], vrps)
    ff = full_feed_peers(intervals)
    rows = []
    for r, vic, state in zip(g, victims, states, strict=True):
        if state == "valid":
            continue
        rows.append({
            "id": incident_id("subprefix_hijack", r["prefix"], r["origin_asn"], r["start"]),
            "type": "subprefix_hijack", "prefix": r["prefix"], "origin_asn": r["origin_asn"],
            "culprit_asn": r["origin_asn"], "victim_asns": vic, "prefixes": [r["prefix"]],
            "start": r["start"], "end": None if r["ongoing"] else r["end"],
            "ongoing": r["ongoing"], "peers": r["peers"], "peer_count": r["peer_count"],
            "paths": r["paths"], "rpki_state": state, "sightings": r["sightings"],
            "confidence": confidence(r["peer_count"], ff, state),
            "detail": f"AS{r['origin_asn']} announced {r['prefix']}, inside space routed by "
            + ", ".join(f"AS{v}" for v in vic),
        })  # fmt: skip
    return finish(rows)
