"""Correlation and summary statistics used by the cost comparison (no SciPy needed)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when fewer than 3 pairs or a constant series."""
    if len(xs) != len(ys):
        raise ValueError("series of different lengths")
    if len(xs) < 3:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks; ties share the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho: Pearson's r of the tie-averaged ranks."""
    if len(xs) != len(ys):
        raise ValueError("series of different lengths")
    return pearson(ranks(xs), ranks(ys))


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def geometric_mean(values: Sequence[float]) -> float | None:
    positive = [v for v in values if v > 0]
    if not positive or len(positive) != len(values):
        return None
    return math.exp(statistics.fmean(math.log(v) for v in positive))
