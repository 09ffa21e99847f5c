"""Everyday measurement nuisance for the evaluation's stress test (not used in detection).

The simulator's Atlas probes never fail on their own: a probe stops reporting only when an
injected outage cuts its network off. Real probes are home devices that lose power, resync
their line or upgrade, and single results arrive late or not at all. This module removes
results from a parsed result table accordingly, with a seeded generator, so both detectors
can be scored on the same perturbed data:

* probe disconnections: per probe a Poisson process of `disconnects_per_day`, each lasting a
  log-normal time (median `median_minutes`, shape `sigma`, at most `max_hours`);
* lost results: each result independently with probability `result_loss`.

The parameters are set once, before any scoring, to orders of magnitude typical of home
probes (a disconnection every few days, tens of minutes long); they are not fitted to make
either detector look good, and the evaluation reports the clean run next to this one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class ProbeChurn:
    disconnects_per_day: float = 0.33
    median_minutes: float = 30.0
    sigma: float = 1.0
    max_hours: float = 6.0
    result_loss: float = 0.01


def disconnections(
    prb_ids: np.ndarray, start: int, end: int, churn: ProbeChurn, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probe, from, to) of each disconnection in [start, end)."""
    days = (end - start) / 86400
    counts = rng.poisson(churn.disconnects_per_day * days, size=len(prb_ids))
    probe = np.repeat(prb_ids, counts)
    t = rng.uniform(start, end, size=len(probe)).astype(np.int64)
    minutes = rng.lognormal(np.log(churn.median_minutes), churn.sigma, size=len(probe))
    dur = np.minimum(minutes * 60, churn.max_hours * 3600).astype(np.int64)
    return probe, t, t + dur


def perturb(
    results: pa.Table, *, start: int, end: int, seed: int, churn: ProbeChurn | None = None
) -> tuple[pa.Table, dict[str, int]]:
    """The results without those of disconnected probes and without the lost ones."""
    c = churn or ProbeChurn()
    rng = np.random.default_rng([seed, 0x0A71A5])
    prb = results["prb_id"].to_numpy(zero_copy_only=False).astype(np.int64)
    t = pc.cast(results["timestamp"], pa.int64()).to_numpy(zero_copy_only=False)
    ids = np.unique(prb)
    probe, lo, hi = disconnections(ids, start, end, c, rng)
    probe, lo, hi = _merge(probe, lo, hi)
    # Per result: the last disconnection of its probe that started at or before it.
    key_iv = probe.astype(np.float64) * 1e10 + lo
    key_res = prb.astype(np.float64) * 1e10 + t
    i = np.searchsorted(key_iv, key_res, side="right") - 1
    j = np.clip(i, 0, None)
    gone = (i >= 0) & (probe[j] == prb) & (t < hi[j]) if len(hi) else np.zeros(len(prb), bool)
    lost = rng.random(len(prb)) < c.result_loss
    keep = ~(gone | lost)
    stats = {
        "disconnections": len(probe),
        "results_removed_disconnected": int(gone.sum()),
        "results_lost": int((lost & ~gone).sum()),
    }
    return results.filter(pa.array(keep)), stats


def _merge(
    probe: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping disconnections of one probe as one, sorted by (probe, start)."""
    if len(probe) == 0:
        return probe, lo, hi
    order = np.lexsort((lo, probe))
    probe, lo, hi = probe[order], lo[order], hi[order]
    rank = np.cumsum(np.r_[True, probe[1:] != probe[:-1]]) - 1
    big = int(hi.max()) + 1
    cm = np.maximum.accumulate(rank * big + hi) - rank * big
    new = np.r_[True, (probe[1:] != probe[:-1]) | (lo[1:] > cm[:-1])]
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, len(probe) - 1]
    return probe[first], lo[first], cm[last]
