"""AS hegemony (Fontugne et al., "AS Hegemony: a robust metric for AS centrality", PAM 2018;
the Internet Health Report's method) from decoded RIB elements, vectorised with NumPy.

The method (docs/methodology/hegemony.md says why each choice):

1. Routes: the RIB entries (`elem_type = 'rib'`) of one address family from full-feed peers
   (at least `derived.FULL_FEED_SHARE` of the largest peer's prefix count); the default route,
   paths with AS_SET or confederation segments and IPv6 prefixes longer than /64 are dropped
   and counted; prepending is removed. A peer is one BGP session (collector, peer IP).
2. Weights: each route weighs the addresses its prefix routes by longest-prefix match in that
   peer's table: the prefix's size minus its more-specifics in the same table (of any origin),
   so every address counts once per peer. IPv4 in addresses, IPv6 in /64s.
3. Transit ASes of a route: the ASes of its path other than the peer's own AS and the origin.
4. Per peer and scope (global: every route; local: the routes to one origin AS; country: the
   routes' addresses located in one country), the betweenness of AS x = weight of the routes
   crossing x / weight of all the scope's routes.
5. The peer IPs of one peer AS are averaged into one peer AS (an IP that sees the scope but
   not x gives 0).
6. Hegemony of x = the trimmed mean over the n peer ASes that see the scope, x's score being 0
   for a peer AS that does not see x: the floor(0.1 n) lowest and highest values are dropped.

Steps 1-4 and the sum of step 5 run per chunk of whole sessions (`peer_sums`), the rest over
their sums (`combine`); `compute` drives both over the RIBs of a day, one chunk at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.bgp.derived import FULL_FEED_SHARE
from nethealth.errors import InputError

TRIM = 0.1  # share of peer ASes dropped at each end of the sorted scores
MIN_PEERS = 2  # a scope seen by fewer peer ASes is not scored (IHR needs two as well)
GLOBAL = 0  # the scope id of the global graph (IHR's originasn 0)
UPSTREAM_THRESHOLD = 0.05  # hegemony at or above which a transit AS counts as an upstream
HHI_FLOOR = 0.01  # route diversity counts transit ASes above 1 % (Pulse)
BITS = {4: 32, 6: 64}  # width of the address numbers weighed: IPv4 addresses, IPv6 /64s
COLUMNS = ("collector", "elem_type", "peer_ip", "peer_asn", "af", "prefix_len", "range_start",
           "range_start_lo", "as_path", "as_path_segments")  # fmt: skip
Progress = Callable[[str, int, int], None]


@dataclass
class Skipped:
    """What `routes_of` left out, by reason (route counts)."""

    not_full_feed: int = 0
    default_route: int = 0
    as_set: int = 0
    too_long: int = 0
    duplicate: int = 0
    empty_path: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Routes:
    """One address family's cleaned routes, one row per (peer, prefix)."""

    af: int
    peer: np.ndarray  # int64 index into peer_ip / peer_asn
    peer_ip: list[str]  # "collector peer_ip" per peer index
    peer_asn: np.ndarray  # uint32 per peer index
    start: np.ndarray  # uint64: IPv4 address number, IPv6 top 64 bits
    plen: np.ndarray  # int64 prefix length
    origin: np.ndarray  # uint32
    t_off: np.ndarray  # int64 CSR offsets (len rows + 1) into t_asn
    t_asn: np.ndarray  # uint32: the transit ASes of each route, each once
    weight: np.ndarray  # float64: longest-match size (addresses, or /64s for IPv6)
    skipped: Skipped = field(default_factory=Skipped)

    def __len__(self) -> int:
        return len(self.peer)


@dataclass(frozen=True)
class Scores:
    """Hegemony per (scope, asn), with the number of peer ASes that see the scope."""

    scope: np.ndarray  # int64: an origin AS, GLOBAL, or a country index
    asn: np.ndarray  # uint32
    hegemony: np.ndarray  # float64
    peers: np.ndarray  # int64
    # every scope with a route, scored or not, and how many peer ASes see it
    seen_scope: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    seen_peers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def peers_of(self, scope: int) -> int:
        """How many peer ASes see `scope` (0 when none has a route to it)."""
        hit = np.flatnonzero(self.seen_scope == scope)
        return int(self.seen_peers[hit[0]]) if len(hit) else 0


# Routes ----------------------------------------------------------------------------------------


def _dedup_prepending(offsets: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lists with consecutive repeats collapsed (prepending removed), as CSR arrays."""
    n = len(offsets) - 1
    keep = np.ones(len(values), dtype=bool)
    if len(values) > 1:
        keep[1:] = values[1:] != values[:-1]
    keep[offsets[:-1][offsets[:-1] < offsets[1:]]] = True  # a list's first ASN always stays
    row = np.repeat(np.arange(n), np.diff(offsets))
    kept = np.bincount(row[keep], minlength=n)
    return np.concatenate([[0], np.cumsum(kept)]).astype(np.int64), values[keep]


def _full_feed(peer: np.ndarray, n_peers: int) -> np.ndarray:
    """Per peer index: whether its prefix count reaches FULL_FEED_SHARE of the largest."""
    counts = np.bincount(peer, minlength=n_peers)
    top = counts.max() if len(counts) else 0
    full: np.ndarray = counts >= FULL_FEED_SHARE * top
    return full & (counts > 0)


def _family(table: pa.Table, af: int) -> pa.Table:
    if af not in BITS:
        raise InputError(f"address family {af} is not 4 or 6", field="af")
    t = table.select([c for c in COLUMNS if c in table.column_names])
    mask = pc.and_(pc.equal(t["elem_type"].cast(pa.string()), "rib"), pc.equal(t["af"], af))
    if pc.all(mask.fill_null(False)).as_py() is True:
        return t  # a RIB of one family: no copy
    return t.filter(mask)


def _codes(column: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """A text column as (distinct values, each row's index), without touching every string
    when the column is dictionary-encoded already (the decoder's collector and peer_ip)."""
    if pa.types.is_dictionary(column.type) and column.null_count == 0 and column.num_chunks:
        unified = column.unify_dictionaries()
        idx = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in unified.chunks])
        return [str(v) for v in unified.chunk(0).dictionary.to_pylist()], idx.astype(np.int64)
    coded = pc.dictionary_encode(column.cast(pa.string()).fill_null("")).combine_chunks()
    return [str(v) for v in coded.dictionary.to_pylist()], coded.indices.to_numpy(
        zero_copy_only=False
    ).astype(np.int64)


def _sessions(t: pa.Table) -> tuple[list[str], np.ndarray]:
    """Each row's session ("collector peer_ip") as an index into the returned names."""
    ips, ip = _codes(t["peer_ip"])
    if "collector" not in t.column_names:
        return ips, ip
    colls, coll = _codes(t["collector"])
    pairs, session = np.unique(coll * max(len(ips), 1) + ip, return_inverse=True)
    names = [f"{colls[k // max(len(ips), 1)]} {ips[k % max(len(ips), 1)]}" for k in pairs.tolist()]
    return names, session.astype(np.int64)


def _prefixes(t: pa.Table, bits: int) -> tuple[np.ndarray, np.ndarray]:
    plen = t["prefix_len"].to_numpy(zero_copy_only=False).astype(np.int64)
    start = t["range_start"].to_numpy(zero_copy_only=False).astype(np.uint64)
    if bits < 64:  # the network number (range_start is already masked)
        start = start & np.uint64((1 << bits) - 1)
    return start, plen


def _first_per_prefix(peer: np.ndarray, start: np.ndarray, plen: np.ndarray) -> np.ndarray:
    """Rows that are the first listed of their (session, prefix): ADD-PATH lists several."""
    order = np.lexsort((np.arange(len(peer)), plen, start, peer))
    same = np.zeros(len(order), dtype=bool)
    if len(order) > 1:
        a, b = order[1:], order[:-1]
        same[1:] = (peer[a] == peer[b]) & (start[a] == start[b]) & (plen[a] == plen[b])
    keep = np.zeros(len(peer), dtype=bool)
    keep[order[~same]] = True
    return keep


def prefix_counts(table: pa.Table, af: int = 4) -> dict[str, int]:
    """Distinct prefixes per session of one family: what decides a full feed."""
    t = _family(table, af)
    names, peer = _sessions(t)
    start, plen = _prefixes(t, BITS[af])
    counts = np.bincount(peer[_first_per_prefix(peer, start, plen)], minlength=len(names))
    return dict(zip(names, counts.tolist(), strict=True))


def full_feed_sessions(counts: dict[str, int]) -> set[str]:
    """The sessions whose prefix count reaches FULL_FEED_SHARE of the largest."""
    top = max(counts.values(), default=0)
    return {k for k, n in counts.items() if n > 0 and n >= FULL_FEED_SHARE * top}


def routes_of(table: pa.Table, af: int = 4, full_feed: Collection[str] | None = None) -> Routes:
    """The routes of `table` (decoded elements, `formats.mrt_schema`) as step 1 above says.
    `full_feed` names the full-feed sessions when `table` holds only some of the RIBs' sessions
    (`full_feed_sessions` over all of them); by default they are judged within `table`."""
    t = _family(table, af)
    bits = BITS[af]
    skipped = Skipped()
    names, peer = _sessions(t)
    start, plen = _prefixes(t, bits)
    keep = _first_per_prefix(peer, start, plen)
    skipped.duplicate = int((~keep).sum())
    if full_feed is None:
        full = _full_feed(peer[keep], len(names))  # prefixes per peer, as the bgp step counts
    else:
        full = np.array([n in full_feed for n in names], dtype=bool)
    partial = keep & ~full[peer]
    skipped.not_full_feed = int(partial.sum())
    keep &= ~partial
    default = plen == 0
    skipped.default_route = int((keep & default).sum())
    keep &= ~default
    sets = t["as_path_segments"].is_valid().to_numpy(zero_copy_only=False)
    skipped.as_set = int((keep & sets).sum())
    keep &= ~sets
    long_ = plen > bits
    skipped.too_long = int((keep & long_).sum())
    keep &= ~long_
    lengths = pc.list_value_length(t["as_path"]).fill_null(0).to_numpy(zero_copy_only=False)
    empty = lengths == 0
    skipped.empty_path = int((keep & empty).sum())
    keep &= ~empty
    t = t.filter(pa.array(keep))
    peer, plen, start = peer[keep], plen[keep], start[keep]
    paths = t["as_path"].combine_chunks() if t.num_rows else pa.array([], pa.list_(pa.uint32()))
    offsets = paths.offsets.to_numpy().astype(np.int64)
    values = paths.values.to_numpy(zero_copy_only=False).astype(np.uint32)
    offsets, values = offsets - offsets[0], values[offsets[0] : offsets[-1]]
    offsets, values = _dedup_prepending(offsets, values)
    n = len(peer)
    origin = values[offsets[1:] - 1] if n else np.zeros(0, np.uint32)
    peer_asn_of = np.zeros(len(names), dtype=np.uint32)
    peer_asn_of[peer] = t["peer_asn"].to_numpy(zero_copy_only=False).astype(np.uint32)
    t_off, t_asn = _transit(offsets, values, origin, peer_asn_of[peer])
    return Routes(
        af=af, peer=peer, peer_ip=[str(x) for x in names], peer_asn=peer_asn_of, start=start,
        plen=plen, origin=origin, t_off=t_off, t_asn=t_asn,
        weight=exclusive_sizes(peer, start, plen, bits), skipped=skipped,
    )  # fmt: skip


def _transit(
    offsets: np.ndarray, values: np.ndarray, origin: np.ndarray, peer_asn: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each route's transit ASes (not its peer's AS, not its origin), each once, as CSR."""
    n = len(offsets) - 1
    row = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    keep = (values != origin[row]) & (values != peer_asn[row])
    row, asn = row[keep], values[keep]
    pair = np.sort((row << 32) | asn.astype(np.int64))  # a loop counts an AS once per path
    if len(pair) > 1:
        pair = pair[np.concatenate([[True], pair[1:] != pair[:-1]])]
    row, asn = pair >> 32, (pair & 0xFFFFFFFF).astype(np.uint32)
    counts = np.bincount(row, minlength=n)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), asn


def _top(start: np.ndarray, bits: int, level: int) -> np.ndarray:
    """The first `level` bits of each number (a shift by the full width is undefined)."""
    if level == 0:
        return np.zeros(len(start), dtype=np.uint64)
    out: np.ndarray = start >> np.uint64(bits - level)
    return out


def parents(group: np.ndarray, start: np.ndarray, plen: np.ndarray, bits: int) -> np.ndarray:
    """For each prefix, the row of the most specific other prefix of the same group covering
    it (-1: none). Prefixes of one group are distinct."""
    parent = np.full(len(plen), -1, dtype=np.int64)
    g_bits = max(int(group.max()).bit_length(), 1) if len(group) else 1
    for level in np.unique(plen):  # ascending: a longer covering prefix overwrites a shorter
        cand = np.flatnonzero(plen == level)
        query = np.flatnonzero(plen > level)
        if len(query) == 0:
            continue
        top_c, top_q = _top(start[cand], bits, int(level)), _top(start[query], bits, int(level))
        if g_bits + int(level) <= 63:  # (group, top bits) packed in one integer
            kc = (group[cand] << int(level)) | top_c.astype(np.int64)
            kq = (group[query] << int(level)) | top_q.astype(np.int64)
        else:  # long IPv6 levels: rank the top bits first
            keys, inv = np.unique(np.concatenate([top_c, top_q]), return_inverse=True)
            kc = group[cand] * len(keys) + inv[: len(cand)]
            kq = group[query] * len(keys) + inv[len(cand) :]
        order = np.argsort(kc, kind="stable")
        sorted_c = kc[order]
        pos = np.minimum(np.searchsorted(sorted_c, kq), len(kc) - 1)
        hit = sorted_c[pos] == kq
        parent[query[hit]] = cand[order[pos[hit]]]
    return parent


def exclusive_sizes(
    group: np.ndarray, start: np.ndarray, plen: np.ndarray, bits: int
) -> np.ndarray:
    """Each prefix's size minus the space of its more-specifics in the same group: what it
    routes by longest-prefix match."""
    size = np.exp2((bits - plen).astype(np.float64))
    parent = parents(group, start, plen, bits)
    child = parent >= 0
    covered = np.bincount(parent[child], weights=size[child], minlength=len(size))
    out: np.ndarray = size - covered
    return out


# Scores ----------------------------------------------------------------------------------------


def _dense(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inv = np.unique(values, return_inverse=True)
    return uniq, inv.astype(np.int64)


@dataclass(frozen=True)
class PeerSums:
    """Betweenness summed over the sessions of each peer AS, before averaging and trimming:
    what one chunk of sessions contributes (chunks never share a session, so parts add up)."""

    seen_asn: np.ndarray  # uint32 peer AS, per (peer AS, scope) that sees the scope
    seen_scope: np.ndarray  # int64
    seen_sessions: np.ndarray  # int64: its sessions that see the scope
    peer_asn: np.ndarray  # uint32, per (peer AS, scope, transit AS)
    scope: np.ndarray  # int64
    asn: np.ndarray  # uint32
    bc: np.ndarray  # float64: the sum of its sessions' betweenness


def peer_sums(routes: Routes, route: np.ndarray, scope: np.ndarray, weight: np.ndarray) -> PeerSums:
    """Steps 4 and the sum of step 5 for some routes: `route`, `scope` and `weight` are
    parallel (a route may count in several scopes, e.g. countries, with part of its weight in
    each)."""
    live = weight > 0
    route, scope, weight = route[live], scope[live], weight[live]
    scope_ids, s = _dense(scope)
    n_scope = max(len(scope_ids), 1)
    # per (session, scope): the scope's weight
    ps_ids, ps_inv = _dense(routes.peer[route] * n_scope + s)
    total = np.bincount(ps_inv, weights=weight)
    # per (session, scope, transit AS): the weight of the routes crossing it
    counts = routes.t_off[route + 1] - routes.t_off[route]
    rep = np.repeat(np.arange(len(route)), counts)
    idx = np.repeat(routes.t_off[route] - np.cumsum(counts) + counts, counts) + np.arange(len(rep))
    asn_ids, a = _dense(routes.t_asn[idx])
    n_asn = max(len(asn_ids), 1)
    key_ids, key_inv = _dense(ps_inv[rep] * n_asn + a)
    crossing = np.bincount(key_inv, weights=weight[rep])
    bc = crossing / total[key_ids // n_asn]  # betweenness per session
    # summed per peer AS
    pas_ids, pas_of_peer = _dense(routes.peer_asn.astype(np.int64))
    seen = pas_of_peer[ps_ids // n_scope] * n_scope + ps_ids % n_scope
    seen_ids, seen_inv = _dense(seen)
    ps = ps_ids[key_ids // n_asn]
    sas = (pas_of_peer[ps // n_scope] * n_scope + ps % n_scope) * n_asn + key_ids % n_asn
    sas_ids, sas_inv = _dense(sas)
    return PeerSums(
        seen_asn=pas_ids[seen_ids // n_scope].astype(np.uint32),
        seen_scope=scope_ids[seen_ids % n_scope].astype(np.int64),
        seen_sessions=np.bincount(seen_inv, minlength=len(seen_ids)).astype(np.int64),
        peer_asn=pas_ids[sas_ids // n_asn // n_scope].astype(np.uint32),
        scope=scope_ids[(sas_ids // n_asn) % n_scope].astype(np.int64),
        asn=asn_ids[sas_ids % n_asn].astype(np.uint32),
        bc=np.bincount(sas_inv, weights=bc, minlength=len(sas_ids)),
    )


def combine(parts: Sequence[PeerSums], *, min_peers: int = MIN_PEERS, trim: float = TRIM) -> Scores:
    """Steps 5 and 6 over every part: per peer AS the mean over its sessions that see the
    scope, then the trimmed mean over the peer ASes that see it."""

    def cat(name: str, dtype: type) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts] or [np.zeros(0, dtype)])

    seen_asn, seen_scope = cat("seen_asn", np.uint32), cat("seen_scope", np.int64)
    peer_asn, scope, asn = cat("peer_asn", np.uint32), cat("scope", np.int64), cat("asn", np.uint32)
    scope_ids, all_s = _dense(np.concatenate([seen_scope, scope]))
    _, all_p = _dense(np.concatenate([seen_asn, peer_asn]).astype(np.int64))
    n_scope = max(len(scope_ids), 1)
    n_seen = len(seen_asn)
    ps_seen = all_p[:n_seen] * n_scope + all_s[:n_seen]
    seen_ids, seen_inv = _dense(ps_seen)
    sessions = np.bincount(
        seen_inv, weights=cat("seen_sessions", np.int64), minlength=len(seen_ids)
    )
    seen_by = np.bincount(seen_ids % n_scope, minlength=n_scope).astype(np.int64)  # peer ASes
    asn_ids, a = _dense(asn)
    n_asn = max(len(asn_ids), 1)
    ps = all_p[n_seen:] * n_scope + all_s[n_seen:]
    sas_ids, sas_inv = _dense(ps * n_asn + a)
    bc_sum = np.bincount(sas_inv, weights=cat("bc", np.float64), minlength=len(sas_ids))
    avg = bc_sum / sessions[np.searchsorted(seen_ids, sas_ids // n_asn)]
    # trimmed mean over the peer ASes of each scope, zeros for those that do not see x
    group = ((sas_ids // n_asn) % n_scope) * n_asn + sas_ids % n_asn
    order = np.lexsort((avg, group))
    g, v = group[order], avg[order]
    first = np.ones(len(g), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    starts = np.flatnonzero(first)
    gid = np.cumsum(first) - 1
    rank = np.arange(len(g)) - starts[gid]
    c = np.bincount(gid, minlength=len(starts))
    gs = g[starts] // n_asn
    n = seen_by[gs]
    k = np.floor(n * trim + 1e-9).astype(np.int64)
    pos = (n - c)[gid] + rank
    kept = (pos >= k[gid]) & (pos < (n - k)[gid])
    sums = np.bincount(gid, weights=np.where(kept, v, 0.0), minlength=len(starts))
    heg = sums / np.maximum(n - 2 * k, 1)
    ok = (n >= max(min_peers, 1)) & (heg > 0)
    return Scores(
        scope=scope_ids[gs[ok]].astype(np.int64),
        asn=asn_ids[(g[starts] % n_asn)[ok]].astype(np.uint32),
        hegemony=heg[ok],
        peers=n[ok].astype(np.int64),
        seen_scope=scope_ids.astype(np.int64),
        seen_peers=seen_by[: len(scope_ids)],
    )


def scores(
    routes: Routes,
    route: np.ndarray,
    scope: np.ndarray,
    weight: np.ndarray,
    *,
    min_peers: int = MIN_PEERS,
    trim: float = TRIM,
) -> Scores:
    """Hegemony per scope of some routes (`peer_sums`, then `combine`)."""
    return combine([peer_sums(routes, route, scope, weight)], min_peers=min_peers, trim=trim)


def global_scores(routes: Routes, *, min_peers: int = MIN_PEERS) -> Scores:
    """Hegemony in the global graph (every route, scope GLOBAL)."""
    rows = np.arange(len(routes), dtype=np.int64)
    return scores(routes, rows, np.full(len(rows), GLOBAL, np.int64), routes.weight,
                  min_peers=min_peers)  # fmt: skip


def local_scores(
    routes: Routes, origins: Sequence[int] | None = None, *, min_peers: int = MIN_PEERS
) -> Scores:
    """Local hegemony of every origin AS (or only `origins`): the routes towards it, weighted
    as in the whole table (its prefixes minus more-specifics of other origins)."""
    rows = np.arange(len(routes), dtype=np.int64)
    if origins is not None:
        rows = rows[np.isin(routes.origin, np.asarray(list(origins), dtype=np.uint32))]
    return scores(routes, rows, routes.origin[rows].astype(np.int64), routes.weight[rows],
                  min_peers=min_peers)  # fmt: skip


# Countries -------------------------------------------------------------------------------------


def country_weights(
    routes: Routes, range_start: np.ndarray, range_end: np.ndarray, cc: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(route, country index, weight): how much of each route's longest-match space lies in
    each country. `range_*` are disjoint inclusive ranges sorted by start (address numbers in
    the routes' units: IPv4 addresses, IPv6 top 64 bits), `cc` their country indexes."""
    bits = BITS[routes.af]
    rs = range_start.astype(np.uint64)  # integers: IPv6 numbers do not fit a float's mantissa
    re_ = range_end.astype(np.uint64)
    ps = routes.start
    pe = ps + ((np.uint64(1) << (bits - routes.plen).astype(np.uint64)) - np.uint64(1))
    lo = np.searchsorted(re_, ps, side="left")  # first range ending at or after the start
    hi = np.searchsorted(rs, pe, side="right")  # ranges starting at or before the end
    n = np.maximum(hi - lo, 0)
    row = np.repeat(np.arange(len(ps)), n)
    rng = np.repeat(lo - np.cumsum(n) + n, n) + np.arange(len(row))
    overlap = (np.minimum(pe[row], re_[rng]) - np.maximum(ps[row], rs[rng])).astype(np.float64) + 1
    country = cc[rng].astype(np.int64)
    # longest match: a route's share of a country minus its more-specifics' shares
    parent = parents(routes.peer, routes.start, routes.plen, bits)
    up = parent[row]
    has = up >= 0
    all_row = np.concatenate([row, up[has]])
    all_cc = np.concatenate([country, country[has]])
    all_w = np.concatenate([overlap, -overlap[has]])
    n_cc = int(cc.max()) + 1 if len(cc) else 1
    ids, inv = _dense(all_row * n_cc + all_cc)
    w = np.bincount(inv, weights=all_w)
    live = w > 0.5  # whole addresses (or /64s); rounding noise below that is none
    return ids[live] // n_cc, ids[live] % n_cc, w[live]


def country_scores(
    routes: Routes,
    range_start: np.ndarray,
    range_end: np.ndarray,
    cc: Sequence[str],
    *,
    min_peers: int = MIN_PEERS,
) -> tuple[Scores, list[str]]:
    """Hegemony over the paths towards each country's address space (scope = country index
    into the returned list of codes)."""
    codes, cc_idx = np.unique(np.asarray(cc, dtype=object), return_inverse=True)
    route, country, weight = country_weights(routes, range_start, range_end, cc_idx)
    return scores(routes, route, country, weight, min_peers=min_peers), [str(c) for c in codes]


# Chunked over sessions --------------------------------------------------------------------------

# RIB entries per pass: memory follows a chunk, not the whole day. Smaller is faster too (the
# sorts stay in cache): 6.4M entries took 18 s / 1.0 GB in 1M chunks, 46 s / 2.4 GB in 4M.
CHUNK_ROWS = 1_000_000
Loader = Callable[[], pa.Table]


@dataclass
class Computed:
    """Every scope's scores of one address family, and what was read."""

    af: int
    global_scores: Scores
    local_scores: Scores | None
    country_scores: Scores | None
    codes: list[str]  # country index -> ISO code
    routes: int
    sessions: int
    peer_ases: int
    skipped: Skipped


def session_chunks(table: pa.Table, af: int, max_rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """`table`'s rows of one family in groups of whole sessions of about `max_rows` rows (a
    session is never split: its betweenness needs its whole table)."""
    t = _family(table, af)
    if t.num_rows <= max_rows:
        yield t
        return
    names, peer = _sessions(t)
    counts = np.bincount(peer, minlength=len(names))
    chunk_of = (np.cumsum(counts) - counts) // max(max_rows, 1)
    row_chunk = chunk_of[peer]
    for c in np.unique(row_chunk):
        yield t.filter(pa.array(row_chunk == c))


def compute(
    loaders: Sequence[Loader],
    af: int,
    *,
    local: bool = True,
    origins: Sequence[int] | None = None,
    geo: tuple[np.ndarray, np.ndarray, Sequence[str]] | None = None,
    min_peers: int = MIN_PEERS,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
) -> Computed:
    """Global, local (every origin, or `origins`) and country (`geo`: sorted disjoint ranges
    and their codes) scores of the RIBs the loaders give, one chunk of sessions at a time:
    a first pass counts each session's prefixes (full feeds), a second computes. Each loader
    is called twice; sessions must not repeat across loaders."""
    counts: dict[str, int] = {}
    for load in loaders:
        for name, n in prefix_counts(load(), af).items():
            counts[name] = counts.get(name, 0) + n
    full = full_feed_sessions(counts)
    codes: list[str] = []
    cc_idx = np.zeros(0, np.int64)
    if geo is not None:
        uniq, inv = np.unique(np.asarray(list(geo[2]), dtype=object), return_inverse=True)
        codes, cc_idx = [str(c) for c in uniq], inv.astype(np.int64)
    parts: dict[str, list[PeerSums]] = {"global": [], "local": [], "country": []}
    skipped = Skipped()
    n_routes, n_sessions, peer_ases = 0, 0, set()
    total = sum(counts.values())
    for load in loaders:
        for chunk in session_chunks(load(), af, chunk_rows):
            routes = routes_of(chunk, af, full)
            for k, v in routes.skipped.as_dict().items():
                setattr(skipped, k, getattr(skipped, k) + v)
            n_routes += len(routes)
            n_sessions += len(np.unique(routes.peer))
            peer_ases |= set(routes.peer_asn[routes.peer].tolist())
            rows = np.arange(len(routes), dtype=np.int64)
            parts["global"].append(peer_sums(routes, rows, np.full(len(rows), GLOBAL, np.int64),
                                             routes.weight))  # fmt: skip
            if local:
                mine = rows
                if origins is not None:
                    mine = rows[np.isin(routes.origin, np.asarray(list(origins), np.uint32))]
                parts["local"].append(peer_sums(routes, mine, routes.origin[mine].astype(np.int64),
                                                routes.weight[mine]))  # fmt: skip
            if geo is not None:
                route, cc, w = country_weights(routes, geo[0], geo[1], cc_idx)
                parts["country"].append(peer_sums(routes, route, cc, w))
            if progress is not None:
                progress(f"hegemony IPv{af}", min(n_routes, total), total)
    return Computed(
        af=af,
        global_scores=combine(parts["global"], min_peers=min_peers),
        local_scores=combine(parts["local"], min_peers=min_peers) if local else None,
        country_scores=combine(parts["country"], min_peers=min_peers) if geo is not None else None,
        codes=codes, routes=n_routes, sessions=n_sessions, peer_ases=len(peer_ases),
        skipped=skipped,
    )  # fmt: skip


# Diversity -------------------------------------------------------------------------------------


def upstream_diversity(hegemony: Sequence[float], threshold: float = UPSTREAM_THRESHOLD) -> int:
    """How many transit ASes of a scope have a hegemony of at least `threshold`."""
    return sum(1 for h in hegemony if h >= threshold)


def route_diversity(hegemony: Sequence[float], floor: float = HHI_FLOOR) -> float | None:
    """Herfindahl-Hirschman index (0-10,000) over the transit ASes above `floor`: their
    hegemony scores as shares of their sum, in percent, squared and summed. None when no AS
    is above the floor (no transit measured is not a diverse scope)."""
    kept = [h for h in hegemony if h > floor]
    total = sum(kept)
    if not kept or total <= 0:
        return None
    return sum((100.0 * h / total) ** 2 for h in kept)


def table_of(s: Scores) -> pa.Table:
    """Scores as an Arrow table sorted by scope, then hegemony (highest first), then AS."""
    order = np.lexsort((s.asn, -s.hegemony, s.scope))
    return pa.table({
        "scope": pa.array(s.scope[order], pa.int64()),
        "asn": pa.array(s.asn[order], pa.uint32()),
        "hegemony": pa.array(s.hegemony[order], pa.float64()),
        "peers": pa.array(s.peers[order], pa.int64()),
    })  # fmt: skip
