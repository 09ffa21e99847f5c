"""The index's arithmetic, free of I/O: outlier capping, min–max scaling, weighted means up the
tree, coverage, ranks and the Monte Carlo rank interval (docs/methodology/resilience.md).

- Quartiles are the linear-interpolation ones (Hyndman & Fan type 7: numpy's default, Excel's
  QUARTILE.INC, R's default): position (n − 1)·p in the sorted values.
- Outliers are capped at Q1 − 1.5·IQR and Q3 + 1.5·IQR: a value beyond a fence is replaced by the
  fence itself, so capping never reorders countries (Pulse's rule since its 11 April 2025 notes).
  With an IQR of 0 the fences coincide and would flatten every value onto them: no capping then.
- Min–max scales the capped values to 0–100 across the countries that have one; an input whose
  capped values are all equal cannot rank anyone and is left out (`None`).
- A higher-is-worse input is turned around (100 − score) after scaling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nethealth.resilience.config import Config, Direction, Missing

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Bounds:
    """What normalising one input across countries used, for the record."""

    q1: float
    q3: float
    low: float  # Q1 − 1.5·IQR
    high: float  # Q3 + 1.5·IQR
    min: float  # of the capped values
    max: float
    countries: int


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    """Q1 and Q3 by linear interpolation between order statistics (type 7)."""
    if not values:
        raise ValueError("quartiles of no values")
    q1, q3 = np.percentile(np.asarray(values, dtype=np.float64), [25.0, 75.0])
    return float(q1), float(q3)


def fences(values: Sequence[float]) -> tuple[float, float]:
    q1, q3 = quartiles(values)
    iqr = q3 - q1
    return q1 - 1.5 * iqr, q3 + 1.5 * iqr


def cap(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def normalise(
    values: Mapping[str, float], direction: Direction, capping: bool = True
) -> tuple[Bounds, dict[str, float], dict[str, float]] | None:
    """(bounds, capped value, score 0–100) per country, or None when the capped values are all
    equal (min–max is undefined: the input says nothing about who is more resilient).
    `capping=False`, or an IQR of 0, scales the values as they are (the fences are recorded)."""
    if not values:
        return None
    raw = list(values.values())
    q1, q3 = quartiles(raw)
    low, high = fences(raw)
    # IQR 0 (half the countries or more share one value, e.g. no IXP at all): the fences would
    # flatten every other value onto that one; such an input is scaled uncapped
    capped = {cc: cap(v, low, high) if capping and q3 > q1 else v for cc, v in values.items()}
    lo, hi = min(capped.values()), max(capped.values())
    if hi == lo:
        return None
    scores = {cc: 100.0 * (v - lo) / (hi - lo) for cc, v in capped.items()}
    if direction is Direction.HIGHER_IS_WORSE:
        scores = {cc: 100.0 - s for cc, s in scores.items()}
    bounds = Bounds(q1, q3, low, high, lo, hi, len(values))
    return bounds, capped, scores


@dataclass(frozen=True)
class Tree:
    """The configuration as index arrays: input k sits in dimension dim_of[k], dimension j in
    pillar pillar_of[j]; weights as configured (relative among siblings)."""

    input_w: Array
    dim_of: npt.NDArray[np.int64]
    dim_w: Array
    pillar_of: npt.NDArray[np.int64]
    pillar_w: Array
    required: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, config: Config) -> Tree:
        dims = [d for p in config.pillars for d in p.dimensions]
        dim_index = {d.id: j for j, d in enumerate(dims)}
        pillar_of = [pi for pi, p in enumerate(config.pillars) for _d in p.dimensions]
        rows = config.inputs()
        return cls(
            input_w=np.array([i.weight for _p, _d, i in rows], dtype=np.float64),
            dim_of=np.array([dim_index[d.id] for _p, d, _i in rows], dtype=np.int64),
            dim_w=np.array([d.weight for d in dims], dtype=np.float64),
            pillar_of=np.array(pillar_of, dtype=np.int64),
            pillar_w=np.array([p.weight for p in config.pillars], dtype=np.float64),
            required=np.array([i.missing is Missing.REQUIRED for _p, _d, i in rows]),
        )

    def effective(self) -> Array:
        """Each input's share of the index when every input is measured (sums to 1)."""
        wi = self.input_w / _group_sum(self.input_w, self.dim_of, len(self.dim_w))[self.dim_of]
        wd = self.dim_w / _group_sum(self.dim_w, self.pillar_of, len(self.pillar_w))[self.pillar_of]
        wp = self.pillar_w / self.pillar_w.sum()
        out: Array = wi * wd[self.dim_of] * wp[self.pillar_of[self.dim_of]]
        return out


def _group_sum(w: Array, group: npt.NDArray[np.int64], n: int) -> Array:
    return np.bincount(group, weights=w, minlength=n).astype(np.float64)


def _weighted_mean(scores: Array, w: Array, group: npt.NDArray[np.int64], n: int) -> Array:
    """Per row, the weighted mean of the measured (non-NaN) columns of each group, weights
    renormalised over them; NaN where a group has nothing measured. scores: (rows, columns)."""
    present = ~np.isnan(scores)
    filled = np.where(present, scores, 0.0)
    onehot = np.zeros((len(group), n), dtype=np.float64)
    onehot[np.arange(len(group)), group] = 1.0
    num = (filled * w) @ onehot
    den = (present * w) @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        out: Array = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


@dataclass(frozen=True)
class Scores:
    dims: Array  # (countries, dimensions)
    pillars: Array  # (countries, pillars)
    index: Array  # (countries,), NaN: no index
    coverage: Array  # (countries,) share of the configured weight measured, 0–1


def aggregate(
    scores: Array, tree: Tree, min_coverage: float,
    input_w: Array | None = None, dim_w: Array | None = None, pillar_w: Array | None = None,
) -> Scores:  # fmt: skip
    """Weighted means up the tree over the measured inputs (renormalised at each level).
    Coverage is always judged with the configured weights; a country below `min_coverage`, or
    missing a required input, gets no index (NaN)."""
    wi = tree.input_w if input_w is None else input_w
    wd = tree.dim_w if dim_w is None else dim_w
    wp = tree.pillar_w if pillar_w is None else pillar_w
    dims = _weighted_mean(scores, wi, tree.dim_of, len(tree.dim_w))
    pillars = _weighted_mean(dims, wd, tree.pillar_of, len(tree.pillar_w))
    index = _weighted_mean(pillars, wp, np.zeros(len(wp), dtype=np.int64), 1)[:, 0]
    measured = ~np.isnan(scores)
    coverage = measured.astype(np.float64) @ tree.effective()
    lacking = (~measured & tree.required).any(axis=1)
    index = np.where((coverage + 1e-12 >= min_coverage) & ~lacking, index, np.nan)
    return Scores(dims, pillars, index, coverage)


def ranks(values: Array) -> npt.NDArray[np.int64]:
    """Competition ranks, highest first (1 + the number of strictly higher values); only for
    finite values (callers pass the countries that have an index)."""
    v = np.asarray(values, dtype=np.float64)
    out: npt.NDArray[np.int64] = (1 + (v[None, :] > v[:, None]).sum(axis=1)).astype(np.int64)
    return out


def _dirichlet(rng: np.random.Generator, w: Array, group: npt.NDArray[np.int64], n: int,
               concentration: float) -> Array:  # fmt: skip
    """Weights drawn around `w` within each sibling group: Dirichlet(concentration · share)."""
    out = np.empty_like(w)
    for g in range(n):
        members = np.flatnonzero(group == g)
        if len(members) == 1:
            out[members] = 1.0
            continue
        share = w[members] / w[members].sum()
        out[members] = rng.dirichlet(concentration * share)
    return out


@dataclass(frozen=True)
class RankInterval:
    rank: int
    low: int
    high: int


def rank_intervals(scores: Array, tree: Tree, config: Config) -> list[RankInterval | None]:
    """The point rank of each country with an index and the interval its rank stays in when the
    weights of every sibling group are drawn from a Dirichlet around the configured ones
    (`config.draws` draws, fixed `config.seed`): the `config.interval` percentiles of its
    simulated ranks, widened to include the point rank. Only countries with an index under the
    configured weights are ranked, in every draw."""
    point = aggregate(scores, tree, config.min_coverage)
    ok = np.flatnonzero(~np.isnan(point.index))
    out: list[RankInterval | None] = [None] * scores.shape[0]
    if len(ok) == 0:
        return out
    sub = scores[ok]
    point_rank = ranks(point.index[ok])
    rng = np.random.default_rng(config.seed)
    single = np.zeros(len(tree.pillar_w), dtype=np.int64)
    drawn = np.empty((config.draws, len(ok)), dtype=np.int64)
    for n in range(config.draws):
        wi = _dirichlet(rng, tree.input_w, tree.dim_of, len(tree.dim_w), config.concentration)
        wd = _dirichlet(rng, tree.dim_w, tree.pillar_of, len(tree.pillar_w), config.concentration)
        wp = _dirichlet(rng, tree.pillar_w, single, 1, config.concentration)
        s = aggregate(sub, tree, 0.0, wi, wd, wp).index
        drawn[n] = ranks(s)
    lo_p, hi_p = config.interval
    lows = np.percentile(drawn, lo_p, axis=0, method="lower")
    highs = np.percentile(drawn, hi_p, axis=0, method="higher")
    for k, idx in enumerate(ok):
        r = int(point_rank[k])
        out[idx] = RankInterval(r, min(int(lows[k]), r), max(int(highs[k]), r))
    return out
