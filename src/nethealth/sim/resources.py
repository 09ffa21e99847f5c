"""IP address delegations (RIR records) and announced prefixes with realistic de-aggregation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nethealth.sim.addressing import (
    Block,
    allocate_aligned,
    v4_pool_blocks,
    v6_pool_blocks,
)
from nethealth.sim.geo import RIRS
from nethealth.sim.rng import stream
from nethealth.sim.world import CLIQUE, CONTENT, LARGE, ROUTESERVER, STUB, World

# Relative announced-prefix counts per tier (times the AS's lognormal size).
_V4_BASE = np.array([150.0, 60.0, 30.0, 10.0, 6.0, 1.0, 0.0])
_V6_BASE = np.array([40.0, 15.0, 6.0, 3.0, 3.0, 1.0, 0.0])
_P_V6 = np.array([1.0, 0.95, 0.7, 0.45, 0.6, 0.25, 0.0])
_MAX_ALLOCS = np.array([6, 4, 3, 3, 2, 1, 0])
# More-specific length weights (v4: /16../24; v6: /33../48).
_V4_MS_LEN = {16: 3, 17: 2, 18: 2, 19: 3, 20: 5, 21: 5, 22: 10, 23: 10, 24: 60}
_V6_MS_LEN = {33: 2, 34: 2, 35: 2, 36: 8, 40: 12, 44: 14, 46: 4, 47: 4, 48: 52}


@dataclass
class Resources:
    """RIR delegations (one row per record) and announced prefixes (sorted by af, net, len)."""

    al_af: np.ndarray
    al_net: np.ndarray  # v4 address or v6 top 64 bits
    al_len: np.ndarray
    al_org: np.ndarray
    al_cc: np.ndarray  # country index
    al_date: np.ndarray  # date ordinal
    al_as: np.ndarray  # AS index, -1 for IXP assignments
    al_rir: np.ndarray  # RIR index
    free: dict[tuple[str, int], list[Block]]  # (rir, af) -> never-delegated space
    pf_af: np.ndarray
    pf_net: np.ndarray
    pf_len: np.ndarray
    pf_origin: np.ndarray  # AS index
    pf_alloc: np.ndarray  # delegation row
    ix_v4: np.ndarray  # per IXP: delegation row of its peering LAN (v4)
    ix_v6: np.ndarray

    def prefixes(self, af: int) -> np.ndarray:
        return np.flatnonzero(self.pf_af == af)


def _scale_counts(weights: np.ndarray, target: int) -> np.ndarray:
    """Integer counts >= 1 (where weight > 0) summing to about ``target``."""
    active = weights > 0
    if not active.any():
        return np.zeros(len(weights), dtype=np.int64)
    lo, hi = 0.0, float(target) / weights[active].min() + 1.0
    for _ in range(60):
        k = (lo + hi) / 2
        total = np.where(active, np.maximum(1, np.round(weights * k)), 0).sum()
        lo, hi = (k, hi) if total < target else (lo, k)
    return np.where(active, np.maximum(1, np.round(weights * hi)), 0).astype(np.int64)


@dataclass
class _Requests:
    af: list[int]
    length: list[int]
    owner_as: list[int]
    org: list[int]
    cc: list[int]
    date: list[int]
    count: list[int]  # announced prefixes wanted inside the block

    def add(
        self, af: int, length: int, owner: int, org: int, cc: int, date: int, count: int
    ) -> None:
        self.af.append(af)
        self.length.append(length)
        self.owner_as.append(owner)
        self.org.append(org)
        self.cc.append(cc)
        self.date.append(date)
        self.count.append(count)


def _v4_requests(w: World, rng: np.random.Generator, counts: np.ndarray, req: _Requests) -> None:
    for i in np.flatnonzero(counts > 0):
        n = int(counts[i])
        tier = int(w.tier[i])
        k = int(min(_MAX_ALLOCS[tier], max(1, n // 4))) if tier != STUB else 1
        k = max(1, int(rng.integers(1, k + 1)))
        if tier == STUB and n == 1:
            capacity = [int(rng.choice([1, 2, 4], p=[0.5, 0.2, 0.3]))]
        else:
            share = rng.dirichlet(np.ones(k))
            total = n * rng.uniform(1.3, 4.0)
            capacity = [max(1, int(np.ceil(total * s))) for s in share]
        per = np.maximum(1, np.round(n * np.array(capacity) / sum(capacity))).astype(int)
        dates = _alloc_dates(rng, int(w.born[i]), w.start, len(capacity))
        for cap, m, date in zip(capacity, per, dates, strict=True):
            length = max(10, 24 - int(np.ceil(np.log2(max(cap, int(m) + 1 if m > 1 else 1)))))
            req.add(4, length, int(i), int(w.org[i]), int(w.country[i]), date, int(m))


def _v6_requests(w: World, rng: np.random.Generator, counts: np.ndarray, req: _Requests) -> None:
    for i in np.flatnonzero(counts > 0):
        tier = int(w.tier[i])
        n = int(counts[i])
        if tier == STUB or (tier == CONTENT and n <= 2):
            length = int(rng.choice([48, 44, 40], p=[0.7, 0.2, 0.1]))
            n = 1 if length == 48 else n
        elif tier in (CLIQUE, LARGE):
            length = int(rng.choice([29, 32], p=[0.6, 0.4]))
        else:
            length = int(rng.choice([32, 29, 30], p=[0.8, 0.15, 0.05]))
        date = max(int(w.born[i]), _V6_FROM) + int(rng.integers(0, 900))
        req.add(6, length, int(i), int(w.org[i]), int(w.country[i]), min(date, w.start - 1), n)


_V6_FROM = 731000  # 2002-06-30; RIRs delegated IPv6 broadly from then


def _alloc_dates(rng: np.random.Generator, born: int, start: int, k: int) -> list[int]:
    first = born
    later = sorted(int(x) for x in rng.integers(born, max(born + 1, start), size=k - 1))
    return [first, *later]


def _ix_requests(w: World, req: _Requests) -> tuple[list[int], list[int]]:
    members = np.bincount(w.mem_ix, minlength=len(w.ixps))
    cc_index = {c.cc: i for i, c in enumerate(w.countries)}
    v4_rows, v6_rows = [], []
    for k, ix in enumerate(w.ixps):
        length = 22 if members[k] > 400 else 23 if members[k] > 150 else 24
        v4_rows.append(len(req.af))
        req.add(4, length, -1, ix.org, cc_index[ix.cc], ix.born, 0)
        v6_rows.append(len(req.af))
        req.add(6, 48, -1, ix.org, cc_index[ix.cc], max(ix.born, _V6_FROM), 0)
    return v4_rows, v6_rows


def _place(w: World, req: _Requests) -> tuple[np.ndarray, dict[tuple[str, int], list[Block]]]:
    """Give every request an aligned block in its RIR's pool; shrink requests if a pool is
    too small (keeps the full scale inside the real RIR /8s)."""
    rir_of_cc = np.array([RIRS.index(c.rir) for c in w.countries], dtype=np.int8)
    af = np.array(req.af)
    length = np.array(req.length)
    rir = rir_of_cc[np.array(req.cc)]
    nets = np.full(len(af), -1, dtype=np.int64)
    free: dict[tuple[str, int], list[Block]] = {}
    for r, name in enumerate(RIRS):
        for fam, pool in ((4, v4_pool_blocks(name)), (6, v6_pool_blocks(name))):
            sel = np.flatnonzero((rir == r) & (af == fam))
            bits = 32 if fam == 4 else 64
            cap = sum(1 << (bits - b.length) for b in pool)
            lens = length[sel].copy()
            while sel.size and sum(1 << (bits - int(x)) for x in lens) > 0.9 * cap:
                lens = np.minimum(lens + 1, 24 if fam == 4 else 48)
            got, rest = allocate_aligned(pool, lens) if sel.size else (lens, pool)
            nets[sel] = got
            length[sel] = lens
            free[(name, fam)] = rest
    req.length = [int(x) for x in length]
    return nets, free


def _more_specifics(
    rng: np.random.Generator, af: int, net: int, length: int, m: int, with_aggregate: bool
) -> list[tuple[int, int]]:
    bits, maxlen, table = (32, 24, _V4_MS_LEN) if af == 4 else (64, 48, _V6_MS_LEN)
    out: set[tuple[int, int]] = {(net, length)} if with_aggregate else set()
    lens = np.array([x for x in table if length < x <= maxlen])
    if len(lens) == 0:
        return [(net, length)]
    p = np.array([table[int(x)] for x in lens], dtype=float)
    p /= p.sum()
    for _ in range(6):
        need = m - len(out)
        if need <= 0:
            break
        draw = rng.choice(lens, size=2 * need + 2, p=p)
        offs = (rng.random(len(draw)) * (2.0 ** (draw - length))).astype(np.int64)
        for ln, off in zip(draw, offs, strict=True):
            out.add((net + (int(off) << (bits - int(ln))), int(ln)))
            if len(out) >= m:
                break
    if not out:
        out.add((net, length))
    return sorted(out)


def build_resources(w: World) -> Resources:
    rng = stream(w.seed, "resources")
    p = w.params
    active = w.tier != ROUTESERVER
    v4_counts = _scale_counts(np.where(active, _V4_BASE[w.tier] * w.size, 0.0), p.v4_prefixes)
    has_v6 = active & (rng.random(w.n_as) < _P_V6[w.tier])
    v6_counts = _scale_counts(np.where(has_v6, _V6_BASE[w.tier] * w.size, 0.0), p.v6_prefixes)
    req = _Requests([], [], [], [], [], [], [])
    _v4_requests(w, rng, v4_counts, req)
    _v6_requests(w, rng, v6_counts, req)
    ix_v4, ix_v6 = _ix_requests(w, req)
    nets, free = _place(w, req)
    placed = nets >= 0
    rows: list[tuple[int, int, int, int, int]] = []  # af, net, len, origin, alloc
    for j in np.flatnonzero(placed):
        m = req.count[j]
        if m <= 0:
            continue
        af, net, length = req.af[j], int(nets[j]), req.length[j]
        agg = m == 1 or rng.random() < 0.85
        for pnet, plen in _more_specifics(rng, af, net, length, m, agg):
            rows.append((af, pnet, plen, req.owner_as[j], int(j)))
    rows.sort()
    arr = np.array(rows, dtype=np.int64).reshape(-1, 5)
    rir_of_cc = np.array([RIRS.index(c.rir) for c in w.countries], dtype=np.int8)
    keep = np.flatnonzero(placed)
    remap = np.full(len(nets), -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    cc = np.array(req.cc, dtype=np.int16)
    return Resources(
        al_af=np.array(req.af, dtype=np.int8)[keep],
        al_net=nets[keep],
        al_len=np.array(req.length, dtype=np.int8)[keep],
        al_org=np.array(req.org, dtype=np.int32)[keep],
        al_cc=cc[keep],
        al_date=np.array(req.date, dtype=np.int32)[keep],
        al_as=np.array(req.owner_as, dtype=np.int32)[keep],
        al_rir=rir_of_cc[cc[keep]],
        free=free,
        pf_af=arr[:, 0].astype(np.int8),
        pf_net=arr[:, 1],
        pf_len=arr[:, 2].astype(np.int8),
        pf_origin=arr[:, 3].astype(np.int32),
        pf_alloc=remap[arr[:, 4]],
        ix_v4=remap[np.array(ix_v4, dtype=np.int64)],
        ix_v6=remap[np.array(ix_v6, dtype=np.int64)],
    )
