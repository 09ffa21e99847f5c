"""AS relationships inferred from AS paths with AS-Rank (Luckie et al., IMC 2013).

M. Luckie, B. Huffaker, A. Dhamdhere, V. Giotsas, k. claffy, "AS Relationships, Customer Cones,
and Validation", ACM IMC 2013 — the algorithm behind CAIDA's AS-Rank and serial-1/2 as-rel
files. It assumes (1) an AS buys transit to become globally reachable, (2) a peering clique sits
at the top of the hierarchy and (3) there is no cycle of provider-to-customer (p2c) links; it
does not try to make paths valley-free. Steps, in the paper's order:

1. Sanitise: drop duplicate paths, collapse prepending, drop paths with a loop or a reserved /
   private AS number (`nethealth.routing.bogons`).
2. Rank ASes by transit degree (distinct neighbours an AS sits between in some path), then by
   degree, then by AS number.
3. Clique: among the ten top-ranked ASes, the maximal cliques of the linked pairs
   (Bron–Kerbosch); of those and their subsets, the one with the largest sum of transit degrees
   in which no member passed another member's routes to a third (peers never would); then every
   further AS, in rank order, that is linked to all members without such a sign joins.
4. Discard poisoned paths: two clique members separated by a non-member.
5. Top-down c2p: visiting ASes in rank order, Y is a provider of X when Y passed X's routes to
   one of Y's providers or peers (a triplet Z-Y-X, collector side first), or passed routes of
   one of its providers or peers to X (X-Y-Z) — unless that closes a p2c cycle or X is in the
   clique.
6. Partial vantage points: a VP whose paths reach few origins exports only customer routes; in
   its three-AS paths VP-Y-Z with Z a stub, Y provides Z.
7. Providers with larger customers: for triplets X-Y-Z with X a provider of Y, Z an origin and Z
   of larger transit degree than Y (step 5 could not decide Y-Z), Y provides Z when the triplet
   is seen in at least three paths, most frequent first, then down from Z.
8. Provider-less ASes (not in the clique, no provider inferred, transit degree >= 10): each such
   AS peers with its neighbours in rank order and provides the ASes on the far side of it.
9. Stubs linked to a clique member are its customers.
10. Every other link is a peering (p2p).

Simplifications (also in docs/routing-security.md): step 5's second case (X-Y-Z) is the
valley-free mirror of the first; the paper's code uses it for peers seen in more than two
paths, here for providers and peers at one path; no IXP route-server AS list (step 1 would
skip them; the simulator's route servers are transparent); the clique-candidate "sign of transit"
is a triplet seen with more than two distinct continuations (the published code adds a
looser exception for rarely seen triplets); step 6 calls a VP partial when it reaches fewer
than half the origins the best-placed VP reaches (the paper: fewer than 2 % of all ASes, which
at the simulator's scale — tens to thousands of ASes — marks no VP at all); the published code's
extra "fold p2p" pass, which is not in the paper's step list, is left out; customer cones are
not output (only the relationships).

Output: REL_SCHEMA rows (asn1, asn2, rel): rel -1 = asn1 provides transit to asn2, 0 = peers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.routing.bogons import bogon_asn_mask
from nethealth.routing.relationships import REL_SCHEMA, collapse

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
CLIQUE_CANDIDATES = 10  # top-ranked ASes searched for the clique (the paper's value)
CLIQUE_SIGN_CONTINUATIONS = 2  # more distinct continuations than this = a sign of transit
PARTIAL_VP_SHARE = 0.5  # of the origins the best-placed VP reaches
LARGER_CUSTOMER_MIN_PATHS = 3  # step 7 (the paper's value)
PROVIDERLESS_MIN_TRANSIT = 10  # step 8 (the paper's value)


def sanitise(paths: pa.Array) -> tuple[U64, I64]:
    """Distinct paths, prepending collapsed, without loops or reserved ASNs: (values, offsets)."""
    if len(paths) == 0:
        return np.zeros(0, np.uint64), np.zeros(1, np.int64)
    # distinct paths first: a RIB repeats each path for many prefixes and peers
    text = pc.binary_join(pc.cast(paths, pa.list_(pa.string())), " ")
    codes = pc.dictionary_encode(text).indices.to_numpy(zero_copy_only=False)
    _, first = np.unique(codes, return_index=True)
    v, off = collapse(paths.take(pa.array(np.sort(first))))
    lengths = np.diff(off)
    path_of = np.repeat(np.arange(len(lengths)), lengths)
    bad = np.zeros(len(lengths), bool)
    bad[path_of[bogon_asn_mask(v)]] = True
    # a loop: the same AS twice in one path once prepending is gone
    order = np.lexsort((v, path_of))
    dup = (path_of[order][1:] == path_of[order][:-1]) & (v[order][1:] == v[order][:-1])
    bad[path_of[order][1:][dup]] = True
    bad |= lengths == 0
    return _keep_paths(v, off, ~bad)


def _keep_paths(v: U64, off: I64, keep: npt.NDArray[np.bool_]) -> tuple[U64, I64]:
    lengths = np.diff(off)
    path_of = np.repeat(np.arange(len(lengths)), lengths)
    new_off = np.concatenate([[0], np.cumsum(lengths[keep])]).astype(np.int64)
    return v[keep[path_of]], new_off


@dataclass
class _Graph:
    """Counts over a path set, on dense AS ids (index into `asn`)."""

    asn: U64
    transit: I64  # transit degree
    degree: I64  # global degree
    neighbours: list[set[int]]
    # (a, x, b) triplets, collector side first: x passed b's routes to a
    upstream: dict[int, list[tuple[int, int]]]  # b -> [(x, a)]
    downstream: dict[int, list[tuple[int, int]]]  # a -> [(x, b)]
    triplet_paths: dict[tuple[int, int, int], int]  # (a, x, b) -> paths
    triplet_ends: set[tuple[int, int, int]]  # (a, x, b) with b the origin of some path
    continuations: dict[tuple[int, int, int], int]  # distinct ASes after b (end counts as one)
    around: dict[tuple[int, int], set[int]]  # (y, x) -> z: y-x-z in some path, either direction
    vp_origins: dict[int, int]  # VP -> distinct origins
    short: list[tuple[int, int, int]]  # three-AS paths


def _graph(v: U64, off: I64) -> _Graph:
    asn, ids = np.unique(v, return_inverse=True)
    ids = ids.astype(np.int64)
    n = len(asn)
    lengths = np.diff(off)
    path_of = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(len(v)) - off[path_of]
    plen = lengths[path_of]
    i2 = np.flatnonzero(pos < plen - 1)  # first AS of each link
    a, b = ids[i2], ids[i2 + 1]
    und = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
    lo, hi = und // n, und % n
    degree = np.bincount(np.concatenate([lo, hi]), minlength=n).astype(np.int64)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for p, q in zip(lo.tolist(), hi.tolist(), strict=True):
        neighbours[p].add(q)
        neighbours[q].add(p)
    i3 = np.flatnonzero(pos < plen - 2)
    ta, tx, tb = ids[i3], ids[i3 + 1], ids[i3 + 2]
    side = np.unique(np.concatenate([tx * n + ta, tx * n + tb]))
    transit = np.bincount(side // n, minlength=n).astype(np.int64)
    tkey = (ta * n + tx) * n + tb
    end = pos[i3] + 3 == plen[i3]
    nxt = np.where(end, -1, ids[np.minimum(i3 + 3, len(ids) - 1)])
    keys, counts = np.unique(tkey, return_counts=True)
    ends = set(np.unique(tkey[end]).tolist())
    quad = np.unique(np.stack([tkey, nxt], axis=1), axis=0)
    qk, qc = np.unique(quad[:, 0], return_counts=True)
    g = _Graph(asn, transit, degree, neighbours, defaultdict(list), defaultdict(list), {},
               set(), {}, defaultdict(set), {}, [])  # fmt: skip
    for k, c in zip(keys.tolist(), counts.tolist(), strict=True):
        t = (k // (n * n), (k // n) % n, k % n)
        g.triplet_paths[t] = c
        g.upstream[t[2]].append((t[1], t[0]))
        g.downstream[t[0]].append((t[1], t[2]))
        g.around[(t[0], t[1])].add(t[2])
        g.around[(t[2], t[1])].add(t[0])
        if k in ends:
            g.triplet_ends.add(t)
    for k, c in zip(qk.tolist(), qc.tolist(), strict=True):
        g.continuations[(k // (n * n), (k // n) % n, k % n)] = c
    vp, origin = ids[off[:-1]], ids[off[1:] - 1]
    pairs = np.unique(vp * n + origin)
    vps, per_vp = np.unique(pairs // n, return_counts=True)
    g.vp_origins = dict(zip(vps.tolist(), per_vp.tolist(), strict=True))
    s3 = np.flatnonzero(lengths == 3)
    g.short = [(int(ids[off[p]]), int(ids[off[p] + 1]), int(ids[off[p] + 2])) for p in s3.tolist()]
    return g


def _rank(g: _Graph, clique: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Dense ids, top of the hierarchy first: clique, transit degree, degree, AS number."""
    in_clique = np.zeros(len(g.asn), bool)
    in_clique[list(clique)] = True
    return np.lexsort((g.asn, -g.degree, -g.transit, ~in_clique)).tolist()  # type: ignore[no-any-return]


def _transit_sign(g: _Graph, x: int, y: int, z: int) -> bool:
    """Did y pass x's routes to z, in enough distinct paths to be more than noise?"""
    return g.continuations.get((z, y, x), 0) > CLIQUE_SIGN_CONTINUATIONS


def bron_kerbosch(adj: dict[int, set[int]]) -> list[frozenset[int]]:
    """All maximal cliques of a small undirected graph (Bron–Kerbosch with pivoting)."""
    out: list[frozenset[int]] = []

    def expand(r: set[int], p: set[int], x: set[int]) -> None:
        if not p and not x:
            out.append(frozenset(r))
            return
        pivot = max(p | x, key=lambda u: len(adj[u] & p))
        for u in sorted(p - adj[pivot]):
            expand(r | {u}, p & adj[u], x & adj[u])
            p = p - {u}
            x = x | {u}

    expand(set(), set(adj), set())
    return out


def _valid(g: _Graph, members: tuple[int, ...] | list[int]) -> bool:
    """No member passes another member's routes to a third (peers never would)."""
    return not any(
        _transit_sign(g, x, y, z)
        for x in members for y in members for z in members if len({x, y, z}) == 3
    )  # fmt: skip


def _clique(g: _Graph, rank: list[int]) -> set[int]:
    top = rank[:CLIQUE_CANDIDATES]
    adj = {x: {y for y in top if y != x and y in g.neighbours[x]} for x in top}
    best: tuple[int, ...] = ()
    for maximal in bron_kerbosch(adj):
        # the transit condition is over triples, so test the subsets of each maximal clique
        ms = sorted(maximal)
        for mask in range(1, 1 << len(ms)):
            sub = tuple(m for i, m in enumerate(ms) if mask >> i & 1)
            if _clique_key(g, sub) > _clique_key(g, best) and _valid(g, sub):
                best = sub
    members = list(best)
    for x in rank[CLIQUE_CANDIDATES:]:
        if g.degree[x] < len(members):
            break  # cannot be linked to every member, nor can anyone below
        if all(y in g.neighbours[x] for y in members) and _valid(g, [*members, x]):
            members.append(x)
    return set(members)


def _clique_key(g: _Graph, c: tuple[int, ...]) -> tuple[int, int, list[int]]:
    """Largest transit-degree sum, then more members, then lower AS numbers."""
    return int(g.transit[list(c)].sum()), len(c), sorted((-g.asn[list(c)]).tolist())


def _poisoned(v: U64, off: I64, clique_asns: U64) -> npt.NDArray[np.bool_]:
    """Paths where clique members are not adjacent to one another (a non-member between)."""
    lengths = np.diff(off)
    path_of = np.repeat(np.arange(len(lengths)), lengths)
    member = np.isin(v, clique_asns)
    idx = np.flatnonzero(member)
    # consecutive members within one path must sit next to each other
    same = path_of[idx][1:] == path_of[idx][:-1]
    gap = same & (np.diff(idx) > 1)
    bad = np.zeros(len(lengths), bool)
    bad[path_of[idx][1:][gap]] = True
    return bad


@dataclass
class _Rels:
    clique: set[int]
    providers: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    customers: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    peers: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    def known(self, a: int, b: int) -> bool:
        return b in self.providers[a] or b in self.customers[a] or b in self.peers[a]

    def in_cone(self, top: int, x: int) -> bool:
        """Is x in top's customer cone (reachable down p2c links)?"""
        seen, stack = {top}, [top]
        while stack:
            for c in self.customers[stack.pop()]:
                if c == x:
                    return True
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return False

    def p2c(self, p: int, c: int) -> bool:
        """Record p as c's provider unless known, c is in the clique, or it closes a cycle."""
        if p == c or self.known(p, c) or c in self.clique or self.in_cone(c, p):
            return False
        self.providers[c].add(p)
        self.customers[p].add(c)
        return True

    def p2p(self, a: int, b: int) -> None:
        if not self.known(a, b):
            self.peers[a].add(b)
            self.peers[b].add(a)


def _top_down(g: _Graph, rank: list[int], r: _Rels) -> None:
    """Step 5: Y provides X when Y passed X's routes to a provider or peer of Y."""
    order = {x: i for i, x in enumerate(rank)}
    for x in rank:
        if x in r.clique:
            continue
        for y, z in sorted(g.upstream.get(x, []), key=lambda t: (order[t[0]], t[1])):
            if not r.known(x, y) and (z in r.providers[y] or z in r.peers[y]):
                r.p2c(y, x)
        # and the mirror: Y passed routes of its provider or peer Z to X
        for y, z in sorted(g.downstream.get(x, []), key=lambda t: (order[t[0]], t[1])):
            if not r.known(x, y) and (z in r.providers[y] or z in r.peers[y]):
                r.p2c(y, x)


def _partial_vps(g: _Graph, r: _Rels) -> None:
    """Step 6: a partial VP's three-AS paths VP-Y-Z with Z a stub: Y provides Z."""
    if not g.vp_origins:
        return
    most = max(g.vp_origins.values())
    partial = {vp for vp, k in g.vp_origins.items() if k < PARTIAL_VP_SHARE * most}
    for vp, y, z in g.short:
        if vp in partial and g.transit[z] == 0 and not r.known(y, z):
            r.p2c(y, z)


def _down_from(g: _Graph, r: _Rels, p: int, x: int, fewer: bool) -> list[tuple[int, int, int]]:
    """After p became x's provider: x provides each neighbour whose routes x passed to p (when
    of smaller transit degree, or of any if `fewer` is False); the others are returned."""
    deferred = []
    for zz in g.around.get((p, x), set()):
        if r.known(x, zz) or (p, x, zz) not in g.triplet_paths:
            continue
        if fewer and g.transit[zz] > g.transit[x]:
            deferred.append((p, x, zz))
        else:
            r.p2c(x, zz)
    return deferred


def _larger_customers(g: _Graph, r: _Rels) -> None:
    """Step 7: X-Y-Z, X provides Y, Z an origin with a larger transit degree than Y."""
    queue: dict[tuple[int, int, int], int] = {}
    for (x, y, z), c in g.triplet_paths.items():
        if (
            y in r.customers[x] and not r.known(y, z) and (x, y, z) in g.triplet_ends
            and g.transit[y] <= g.transit[z]
        ):  # fmt: skip
            queue[(x, y, z)] = c
    while queue:
        (x, y, z), c = max(queue.items(), key=lambda kv: (kv[1], kv[0]))
        del queue[(x, y, z)]
        if c < LARGER_CUSTOMER_MIN_PATHS or r.known(y, z):
            continue
        if r.p2c(y, z):
            for t in _down_from(g, r, y, z, fewer=True):
                queue[t] = g.triplet_paths[t]


def _providerless(g: _Graph, rank: list[int], r: _Rels) -> None:
    """Step 8: an AS outside the clique with no provider but transit: peers above, customers
    on the far side."""
    order = {x: i for i, x in enumerate(rank)}
    for x in rank:
        if x in r.clique or r.providers[x] or g.transit[x] < PROVIDERLESS_MIN_TRANSIT:
            continue
        for y in sorted(g.neighbours[x], key=order.__getitem__):
            if r.known(x, y) or not g.around.get((y, x)):
                continue
            r.p2p(x, y)
            for z in g.around[(y, x)]:
                if not r.known(x, z) and r.p2c(x, z):
                    for zz in g.around.get((x, z), set()):
                        if (
                            (x, z, zz) in g.triplet_paths and not r.known(z, zz)
                            and g.transit[zz] < g.transit[z]
                        ):  # fmt: skip
                            r.p2c(z, zz)


def infer_asrank(paths: pa.Array) -> pa.Table:
    """Relationships inferred from AS paths (list<uint32>, collector side first) by AS-Rank."""
    v, off = sanitise(paths)
    if len(v) == 0:
        return REL_SCHEMA.empty_table()
    g = _graph(v, off)
    clique = _clique(g, _rank(g))
    bad = _poisoned(v, off, g.asn[sorted(clique)])
    if bad.any():  # counts and ranking again without the poisoned paths
        v, off = _keep_paths(v, off, ~bad)
        ids = set(g.asn[sorted(clique)].tolist())
        g = _graph(v, off)
        clique = {int(i) for i in np.flatnonzero(np.isin(g.asn, list(ids)))}
    rank = _rank(g, clique)
    r = _Rels(clique)
    members = sorted(clique)
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            if b in g.neighbours[a]:
                r.p2p(a, b)
    _top_down(g, rank, r)
    _partial_vps(g, r)
    _larger_customers(g, r)
    _providerless(g, rank, r)
    for x in members:  # step 9
        for y in g.neighbours[x]:
            if g.transit[y] == 0 and not r.known(x, y):
                r.p2c(x, y)
    return _table(g, r)


def _table(g: _Graph, r: _Rels) -> pa.Table:
    a1: list[int] = []
    a2: list[int] = []
    rel: list[int] = []
    for x in range(len(g.asn)):
        for y in g.neighbours[x]:
            if y in r.customers[x]:
                a1.append(x)
                a2.append(y)
                rel.append(-1)
            elif x < y and y not in r.providers[x]:  # step 10: the rest peer
                a1.append(x)
                a2.append(y)
                rel.append(0)
    return pa.table(
        {"asn1": g.asn[np.array(a1, np.int64)].astype(np.uint32),
         "asn2": g.asn[np.array(a2, np.int64)].astype(np.uint32),
         "rel": np.array(rel, np.int8)},
        schema=REL_SCHEMA,
    )  # fmt: skip
