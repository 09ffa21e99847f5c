"""Route leaks: valley-free violations (RFC 7908) in paths that appeared during the window.

An AS X on a path leaks when it got the route from a provider or a peer (the next AS towards the
origin is X's provider or peer) and passed it to a provider or a peer (the next AS towards the
collector is one). Only paths no peer had in the initial RIB are checked, so a standing valley
that comes from a wrong inferred relationship does not alert at every update. A link the
relationships do not have (often the very link a leak creates) is guessed by Gao's principle:
the AS with more neighbours provides transit, equal degrees peer. Of several new valleys on one
path, one is blamed (`blame`: stated relationships beat guesses; then the valley nearest the
origin, the first export that broke the rule, RFC 7908). One incident per leaker (over the
window). The relationships come from a CAIDA as-rel file when one is stored, else inference.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from nethealth.routing.incidents.model import (
    confidence,
    finish,
    full_feed_peers,
    group_hits,
    incident_id,
)
from nethealth.routing.relationships import PEER, PROVIDER, Relations, collapse

NEW_PATHS_SQL = """
SELECT * FROM iv WHERE NOT baseline AND origin_asn IS NOT NULL AND len(as_path) > 2
  AND NOT EXISTS (SELECT 1 FROM iv b WHERE b.baseline AND b.prefix = iv.prefix
                  AND b.path_text = iv.path_text)
"""


def valleys(
    paths: pa.Array, rel: Relations
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every valley: (path index, position of the leaking AS from the collector side, AS towards
    the collector, leaking AS, AS towards the origin, how many of its two links were guessed).
    A link the relationships do not have gets `Relations.lookup_or_guess`'s degree guess."""
    v, off = collapse(paths)
    n_paths = len(off) - 1
    lengths = np.diff(off)
    path_of = np.repeat(np.arange(n_paths), lengths)
    pos = np.arange(len(v)) - off[path_of]
    mid = np.flatnonzero((pos > 0) & (pos < lengths[path_of] - 1))
    x, to, frm = v[mid], v[mid - 1], v[mid + 1]
    got_from, g1 = rel.lookup_or_guess(x, frm)  # what the sender is to x
    sent_to, g2 = rel.lookup_or_guess(x, to)
    leak = np.isin(got_from, (PROVIDER, PEER)) & np.isin(sent_to, (PROVIDER, PEER))
    guessed = g1.astype(np.int64) + g2
    return path_of[mid[leak]], pos[mid[leak]], to[leak], x[leak], frm[leak], guessed[leak]


def blame(found: list[tuple[int, int, int]], rel: Relations) -> int:
    """The leaker among one path's new valleys [(position, leaking AS, guessed links)].

    A relationship the table states beats a degree guess (`Relations.lookup_or_guess`), so
    only the valleys with the fewest guessed links compete. RFC 7908: a leak is the first
    export that breaks the valley-free rule, so of those the valley nearest the origin is
    blamed — unless the valley beside it towards the collector is the better explanation. Two
    adjacent valleys at c (collector side) and o share the link c-o, which both must see as a
    peering or as their provider: the mark of a provider link taken for a peering, which makes
    a second valley beside the real one. If o has more neighbours than c (Gao's principle: o
    is likely c's provider), c got the route from its provider and is the leaker.
    """
    fewest = min(g for _k, _a, g in found)
    cand = sorted((k, a) for k, a, g in found if g == fewest)
    i = len(cand) - 1
    while i > 0 and cand[i - 1][0] == cand[i][0] - 1:
        deg = rel.degree_of(np.array([cand[i - 1][1], cand[i][1]], np.uint64))
        if deg[1] <= deg[0]:
            break
        i -= 1
    return cand[i][1]


def leakers(paths: pa.Array, rel: Relations, baseline: pa.Array | None = None) -> np.ndarray:
    """Per path the leaking AS (0 if none); paths collector side first.

    A valley (to, x, from) that a baseline path already has is not new and is ignored: it is
    far more often a wrongly inferred link than a leak that lasts the whole window. Of several
    new valleys on one path, `blame` picks one.
    """
    n_paths = len(paths)
    out = np.zeros(n_paths, np.uint64)
    p, pos, to, x, frm, guessed = valleys(paths, rel)
    if baseline is not None and len(p):
        _, _, bto, bx, bfrm, _ = valleys(baseline, rel)
        old = set(zip(bto.tolist(), bx.tolist(), bfrm.tolist(), strict=True))
        keep = np.array(
            [t not in old for t in zip(to.tolist(), x.tolist(), frm.tolist(), strict=True)], bool
        )  # valleys are few: a Python set test per valley, not per route
        p, pos, x, guessed = p[keep], pos[keep], x[keep], guessed[keep]
    per_path: dict[int, list[tuple[int, int, int]]] = {}
    for i, k, a, g in zip(p.tolist(), pos.tolist(), x.tolist(), guessed.tolist(), strict=True):
        per_path.setdefault(i, []).append((k, a, g))
    for i, found in per_path.items():
        out[i] = blame(found, rel)
    return out


def detect(intervals: pa.Table, rel: Relations, basis: str = "given") -> pa.Table:
    """Route-leak incidents; `basis` (where the relationships came from) goes in `detail`."""
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
    finally:
        con.close()
    victims = ", list(DISTINCT origin_asn ORDER BY origin_asn) AS victims"
    groups = group_hits(hits, "leaker", victims).to_pylist()
    ff = full_feed_peers(intervals)
    rows = []
    for r in groups:  # one row per incident
        rows.append({
            "id": incident_id("route_leak", r["leaker"], r["start"]), "type": "route_leak",
            "prefix": r["prefixes"][0], "origin_asn": None, "culprit_asn": r["leaker"],
            "victim_asns": r["victims"], "prefixes": r["prefixes"], "start": r["start"],
            "end": None if r["ongoing"] else r["end"], "ongoing": r["ongoing"],
            "peers": r["peers"], "peer_count": r["peer_count"], "paths": r["paths"],
            "sightings": r["sightings"], "rpki_state": None, "confidence": confidence(r["peer_count"], ff, None),
            "detail": f"AS{r['leaker']} passed routes from a provider or peer to a provider or "
            f"peer ({len(r['prefixes'])} prefixes; relationships: {basis})",
        })  # fmt: skip
    return finish(rows)
