"""Route leaks: valley-free violations (RFC 7908) in paths that appeared during the window.

An AS X on a path leaks when it got the route from a provider or a peer (the next AS towards the
origin is X's provider or peer) and passed it to a provider or a peer (the next AS towards the
collector is one). Only paths no peer had in the initial RIB are checked, so a standing valley
that comes from a wrong inferred relationship does not alert at every update. Links of unknown
relationship never make a valley. One incident per leaker (over the window).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from nethealth.routing.incidents.model import confidence, finish, full_feed_peers, incident_id
from nethealth.routing.relationships import PEER, PROVIDER, Relations, collapse

NEW_PATHS_SQL = """
SELECT * FROM iv WHERE NOT baseline AND origin_asn IS NOT NULL AND len(as_path) > 2
  AND NOT EXISTS (SELECT 1 FROM iv b WHERE b.baseline AND b.prefix = iv.prefix
                  AND b.path_text = iv.path_text)
"""
GROUP_SQL = """
SELECT leaker, min(t0) AS start, max(t1) AS "end", bool_or(open_end) AS ongoing,
       list(DISTINCT peer ORDER BY peer) AS peers, count(DISTINCT peer) AS peer_count,
       list(DISTINCT path_text ORDER BY path_text) AS paths,
       list(DISTINCT prefix ORDER BY prefix) AS prefixes,
       list(DISTINCT origin_asn ORDER BY origin_asn) AS victims
FROM hits GROUP BY leaker ORDER BY start, leaker
"""


def valleys(
    paths: pa.Array, rel: Relations
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every valley: (path index, AS towards the collector, leaking AS, AS towards the origin)."""
    v, off = collapse(paths)
    n_paths = len(off) - 1
    lengths = np.diff(off)
    path_of = np.repeat(np.arange(n_paths), lengths)
    pos = np.arange(len(v)) - off[path_of]
    mid = np.flatnonzero((pos > 0) & (pos < lengths[path_of] - 1))
    x, to, frm = v[mid], v[mid - 1], v[mid + 1]
    got_from = rel.lookup(x, frm)  # what the sender is to x
    sent_to = rel.lookup(x, to)
    leak = np.isin(got_from, (PROVIDER, PEER)) & np.isin(sent_to, (PROVIDER, PEER))
    return path_of[mid[leak]], to[leak], x[leak], frm[leak]


def leakers(paths: pa.Array, rel: Relations, baseline: pa.Array | None = None) -> np.ndarray:
    """Per path the leaking AS (0 if none); paths collector side first.

    A valley (to, x, from) that a baseline path already has is not new and is ignored: it is
    far more often a wrongly inferred link than a leak that lasts the whole window. Of several
    new valleys on one path, the one nearest the collector is the export the peers saw.
    """
    n_paths = len(paths)
    out = np.zeros(n_paths, np.uint64)
    p, to, x, frm = valleys(paths, rel)
    if baseline is not None and len(p):
        _, bto, bx, bfrm = valleys(baseline, rel)
        old = set(zip(bto.tolist(), bx.tolist(), bfrm.tolist(), strict=True))
        keep = np.array(
            [t not in old for t in zip(to.tolist(), x.tolist(), frm.tolist(), strict=True)], bool
        )  # valleys are few: a Python set test per valley, not per route
        p, x = p[keep], x[keep]
    out[p[::-1]] = x[::-1]  # first valley from the collector side wins
    return out


def detect(intervals: pa.Table, rel: Relations) -> pa.Table:
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("iv", intervals)
        new = con.sql(NEW_PATHS_SQL).to_arrow_table()
        base = con.sql("SELECT DISTINCT as_path FROM iv WHERE baseline").to_arrow_table()
        who = (
            leakers(new["as_path"].combine_chunks(), rel, base["as_path"].combine_chunks())
            if new.num_rows
            else np.zeros(0)
        )
        hits = new.append_column("leaker", pa.array(who.astype(np.uint32))).filter(
            pa.array(who > 0)
        )
        con.register("hits", hits)
        groups = con.sql(GROUP_SQL).to_arrow_table().to_pylist()
    finally:
        con.close()
    ff = full_feed_peers(intervals)
    rows = []
    for r in groups:  # one row per incident
        rows.append({
            "id": incident_id("route_leak", r["leaker"], r["start"]), "type": "route_leak",
            "prefix": r["prefixes"][0], "origin_asn": None, "culprit_asn": r["leaker"],
            "victim_asns": r["victims"], "prefixes": r["prefixes"], "start": r["start"],
            "end": None if r["ongoing"] else r["end"], "ongoing": r["ongoing"],
            "peers": r["peers"], "peer_count": r["peer_count"], "paths": r["paths"],
            "rpki_state": None, "confidence": confidence(r["peer_count"], ff, None),
            "detail": f"AS{r['leaker']} passed routes from a provider or peer to a provider or "
            f"peer ({len(r['prefixes'])} prefixes)",
        })  # fmt: skip
    return finish(rows)
