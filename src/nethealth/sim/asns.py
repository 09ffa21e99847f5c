"""ASN assignment: each RIR hands out numbers from its pools in order of registration date."""

from __future__ import annotations

import datetime as dt

import numpy as np

from nethealth.sim.addressing import asn16_blocks, asn_pool
from nethealth.sim.geo import RIRS
from nethealth.sim.rng import stream

_ASN32_FROM = dt.date(2007, 1, 1).toordinal()
_ASN32_ONLY = dt.date(2012, 1, 1).toordinal()


def _walk(
    rng: np.random.Generator, ranges: list[tuple[int, int]], n: int, span: float
) -> list[int]:
    """Up to n increasing numbers spread over the first ``span`` of the pool; numbers skipped
    become 'available' holes in the registry files."""
    total = sum(c for _, c in ranges)
    m = int(total * span)
    if n > m:
        m = total
    positions = np.sort(rng.choice(m, size=min(n, m), replace=False))
    starts = np.array([s for s, _ in ranges], dtype=np.int64)
    bounds = np.cumsum([c for _, c in ranges])
    k = np.searchsorted(bounds, positions, side="right")
    before = np.concatenate([[0], bounds[:-1]])
    return [int(v) for v in starts[k] + positions - before[k]]


def assign_asns(seed: int, tier: np.ndarray, born: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """One ASN per AS, unique, increasing with registration date within each RIR pool."""
    rng = stream(seed, "asns")
    asn = np.zeros(len(tier), dtype=np.int64)
    for r, name in enumerate(RIRS):
        idx = np.flatnonzero(rir == r)
        idx = idx[np.lexsort((idx, born[idx]))]
        old = (born[idx] < _ASN32_FROM) | (tier[idx] <= 1)
        mixed = (born[idx] < _ASN32_ONLY) & (rng.random(len(idx)) < 0.3)
        want16 = idx[old | mixed]
        want32 = idx[~(old | mixed)]
        got16 = _walk(rng, asn16_blocks(name), len(want16), 0.9)
        asn[want16[: len(got16)]] = got16
        spill = want16[len(got16) :]
        want32 = np.sort(np.concatenate([spill, want32]))
        want32 = want32[np.lexsort((want32, born[want32]))]
        ranges32 = asn_pool(name)[-1:]
        got32 = _walk(rng, ranges32, len(want32), 0.6)
        if len(got32) < len(want32):
            raise RuntimeError(f"ASN pool of {name} exhausted")
        asn[want32] = got32
    if len(np.unique(asn)) != len(asn):
        raise RuntimeError("duplicate ASN assignment")
    return asn
