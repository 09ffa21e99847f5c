"""Gao-Rexford policy routing over the simulated AS graph.

Each AS prefers routes learned from customers over peers over providers, then shorter AS
paths, then the neighbour with the lowest ASN; it exports customer routes (and its own) to
everyone and everything else only to customers (valley-free). Best routes are computed per AS
as numpy arrays over all origins, memoised up the provider hierarchy, so only the ASes that
feed collectors (and their providers) are ever solved.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from nethealth.sim.world import World

SELF, CUSTOMER, PEER, PROVIDER, NONE = 0, 1, 2, 3, 9
_INF = 255
MAX_HOPS = 48  # far above any valley-free path in the tiered graph


@dataclass
class Cone:
    """Breadth-first tree of an AS over customer links: nodes in BFS order."""

    nodes: np.ndarray
    dist: np.ndarray
    pred: np.ndarray


@dataclass
class Routes:
    """Best route of one AS towards every origin AS."""

    cls: np.ndarray  # int8 SELF/CUSTOMER/PEER/PROVIDER/NONE
    length: np.ndarray  # uint8, AS hops
    nexthop: np.ndarray  # int32 neighbour AS index (-1 for SELF/NONE)


def _csr(n: int, src: np.ndarray, dst: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.lexsort((key[dst], src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    return np.cumsum(indptr), dst[order].astype(np.int32)


class Topology:
    """Adjacency of the world with a relationship lookup; the route solver on top."""

    def __init__(self, w: World) -> None:
        self.n = w.n_as
        self.asn = w.asn
        prov, cust = w.p2c[:, 0], w.p2c[:, 1]
        self.cust_ptr, self.cust_idx = _csr(self.n, prov, cust, w.asn)
        self.prov_ptr, self.prov_idx = _csr(self.n, cust, prov, w.asn)
        a, b = w.p2p[:, 0], w.p2p[:, 1]
        self.peer_ptr, self.peer_idx = _csr(
            self.n, np.concatenate([a, b]), np.concatenate([b, a]), w.asn
        )
        self._rs_members: dict[int, np.ndarray] = {}
        self._ix_of_as: dict[int, list[int]] = {}
        rs = w.mem_rs
        for ix in np.unique(w.mem_ix[rs]):
            members = np.unique(w.mem_as[rs & (w.mem_ix == ix)])
            self._rs_members[int(ix)] = members
            for m in members:
                self._ix_of_as.setdefault(int(m), []).append(int(ix))
        self._cones: dict[int, Cone] = {}
        self._routes: dict[int, Routes] = {}
        self._pos_cache: dict[int, dict[int, int]] = {}
        self._sorted_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._scratch = np.full(self.n, -1, dtype=np.int32)

    # --- neighbours -------------------------------------------------------------------------
    def customers(self, x: int) -> np.ndarray:
        return self.cust_idx[self.cust_ptr[x] : self.cust_ptr[x + 1]]

    def providers(self, x: int) -> np.ndarray:
        return self.prov_idx[self.prov_ptr[x] : self.prov_ptr[x + 1]]

    def peers(self, x: int) -> np.ndarray:
        """Bilateral peers plus route-server peers (the RS ASN never enters the path)."""
        own = self.peer_idx[self.peer_ptr[x] : self.peer_ptr[x + 1]]
        parts = [own] + [self._rs_members[ix] for ix in self._ix_of_as.get(x, [])]
        allp = np.unique(np.concatenate(parts)) if len(parts) > 1 else own
        allp = allp[allp != x]
        out: np.ndarray = allp[np.argsort(self.asn[allp], kind="stable")]
        return out

    def relationship(self, a: int, b: int) -> str:
        """'p2c' if a is b's provider, 'c2p' if a is b's customer, 'p2p' or ''."""
        if b in set(self.customers(a).tolist()):
            return "p2c"
        if b in set(self.providers(a).tolist()):
            return "c2p"
        if b in set(self.peers(a).tolist()):
            return "p2p"
        return ""

    # --- solver -----------------------------------------------------------------------------
    def cone(self, x: int) -> Cone:
        """BFS over customer links from x; deterministic (customers sorted by ASN)."""
        hit = self._cones.get(x)
        if hit is not None:
            return hit
        nodes = [np.array([x], dtype=np.int32)]
        dists = [np.zeros(1, dtype=np.uint8)]
        preds = [np.full(1, -1, dtype=np.int32)]
        seen = self._scratch
        seen[x] = 0
        frontier = nodes[0]
        d = 0
        while len(frontier):
            starts, ends = self.cust_ptr[frontier], self.cust_ptr[frontier + 1]
            counts = ends - starts
            if counts.sum() == 0:
                break
            parents = np.repeat(frontier, counts)
            offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            nbrs = self.cust_idx[np.repeat(starts, counts) + offs]
            fresh = seen[nbrs] < 0
            nbrs, parents = nbrs[fresh], parents[fresh]
            uniq, first = np.unique(nbrs, return_index=True)
            # keep discovery order (parents in BFS order, children by ASN) for the tie-break
            order = np.sort(first)
            frontier = nbrs[order]
            d += 1
            seen[frontier] = d
            nodes.append(frontier)
            dists.append(np.full(len(frontier), min(d, _INF), dtype=np.uint8))
            preds.append(parents[order])
            del uniq
        cone = Cone(np.concatenate(nodes), np.concatenate(dists), np.concatenate(preds))
        seen[cone.nodes] = -1
        self._cones[x] = cone
        return cone

    def routes(self, x: int) -> Routes:
        hit = self._routes.get(x)
        if hit is not None:
            return hit
        cls = np.full(self.n, NONE, dtype=np.int8)
        length = np.full(self.n, _INF, dtype=np.uint8)
        nexthop = np.full(self.n, -1, dtype=np.int32)
        own = self.cone(x)
        cls[own.nodes] = CUSTOMER
        length[own.nodes] = own.dist
        cls[x] = SELF
        for q in self.peers(x):
            c = self.cone(int(q))
            cand = c.dist.astype(np.int16) + 1
            cur = cls[c.nodes]
            better = (cur > PEER) | ((cur == PEER) & (cand < length[c.nodes]))
            upd = c.nodes[better]
            cls[upd] = PEER
            length[upd] = np.minimum(cand[better], _INF)
            nexthop[upd] = q
        for y in self.providers(x):
            ry = self.routes(int(y))
            cand = ry.length.astype(np.int16) + 1
            better = (ry.cls != NONE) & ((cls > PROVIDER) | ((cls == PROVIDER) & (cand < length)))
            cls[better] = PROVIDER
            length[better] = np.minimum(cand[better], _INF)
            nexthop[better] = y
        r = Routes(cls, length, nexthop)
        self._routes[x] = r
        return r

    def down_path(self, x: int, origin: int) -> list[int]:
        c = self.cone(x)
        pos = self._cone_pos(x)
        out = [origin]
        node = origin
        while node != x:
            node = int(c.pred[pos[node]])
            out.append(node)
        out.reverse()
        return out

    def _cone_pos(self, x: int) -> dict[int, int]:
        """Position of each node in x's cone arrays (built once per cone)."""
        hit = self._pos_cache.get(x)
        if hit is None:
            c = self.cone(x)
            hit = dict(zip(c.nodes.tolist(), range(len(c.nodes)), strict=True))
            self._pos_cache[x] = hit
        return hit

    def _locate(self, x: int, nodes: np.ndarray) -> np.ndarray:
        """Positions of ``nodes`` (all in x's cone) in the cone arrays."""
        hit = self._sorted_cache.get(x)
        if hit is None:
            c = self.cone(x)
            order = np.argsort(c.nodes, kind="stable")
            hit = (c.nodes[order], order)
            self._sorted_cache[x] = hit
        srt, order = hit
        out: np.ndarray = order[np.searchsorted(srt, nodes)]
        return out

    def _down_matrix(self, x: int, targets: np.ndarray) -> np.ndarray:
        """Rows of customer-link paths x -> target (padded with -1), all targets at once."""
        c = self.cone(x)
        out = np.full((len(targets), MAX_HOPS), -1, dtype=np.int32)
        loc = self._locate(x, targets)
        depth = c.dist[loc].astype(np.int64)
        rows = np.arange(len(targets))
        cur = targets.astype(np.int32)
        while len(rows):
            out[rows, depth] = cur
            more = depth > 0
            rows, depth, loc = rows[more], depth[more] - 1, loc[more]
            cur = c.pred[loc]
            loc = self._locate(x, cur)
        return out

    def path_matrix(self, x: int, origins: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`path` for many origins: one row per origin, -1 padded; rows of
        unreachable origins are all -1. Same choices as :meth:`path`."""
        r = self.routes(x)
        cls, nh = r.cls[origins], r.nexthop[origins]
        out = np.full((len(origins), MAX_HOPS), -1, dtype=np.int32)
        out[cls == SELF, 0] = x
        down = np.flatnonzero(cls == CUSTOMER)
        if len(down):
            out[down] = self._down_matrix(x, origins[down])
        for kind in (PEER, PROVIDER):
            sel = np.flatnonzero(cls == kind)
            for via in np.unique(nh[sel]):
                sub = sel[nh[sel] == via]
                rest = (
                    self._down_matrix(int(via), origins[sub])
                    if kind == PEER
                    else self.path_matrix(int(via), origins[sub])
                )
                if np.any(rest[:, -1] >= 0):
                    raise RuntimeError("AS path longer than MAX_HOPS")
                out[sub, 0] = x
                out[sub, 1:] = rest[:, :-1]
        return out

    def path(self, x: int, origin: int) -> list[int] | None:
        """AS path from x to origin (x first, origin last), None when unreachable."""
        r = self.routes(x)
        c = int(r.cls[origin])
        if c == SELF:
            return [x]
        if c == CUSTOMER:
            return self.down_path(x, origin)
        if c == PEER:
            return [x, *self.down_path(int(r.nexthop[origin]), origin)]
        if c == PROVIDER:
            rest = self.path(int(r.nexthop[origin]), origin)
            return None if rest is None else [x, *rest]
        return None


def is_valley_free(path: list[int], rel: Topology) -> bool:
    """Valley-free: zero or more c2p, at most one p2p, then zero or more p2c (path read from the
    collector peer towards the origin, so traversal is opposite to propagation)."""
    phase = 0  # 0 = going up (towards providers), 1 = after peak
    for a, b in pairwise(path):
        kind = rel.relationship(a, b)
        if kind == "c2p":
            if phase:
                return False
        elif kind == "p2p":
            if phase:
                return False
            phase = 1
        elif kind == "p2c":
            phase = 1
        else:
            return False
    return True
