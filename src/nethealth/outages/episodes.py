"""What a detector reports: episodes (an entity's signal below normal from `start` to `end`),
and the helpers every detector shares (runs of flagged bins, trailing-window statistics)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

CHUNK_ROWS = 2048  # windows materialised at once: bounds memory for long series


@dataclass(frozen=True)
class Episode:
    """One alert episode of one signal of one entity.

    `start` is the start of the first anomalous bin; `end` the start of the first bin back to
    normal, or None while ongoing (the data end inside it). `known_at` is when a detector
    running live would have raised it (the end of the bin that confirmed it): onset delay is
    measured from there.
    """

    detector: str
    signal: str
    entity: str
    start: int
    end: int | None
    known_at: int
    severity: str  # "warning" or "critical"
    max_drop: float  # largest relative drop below the reference, 0..1
    reference: float  # the reference (history / baseline) value at onset
    minimum: float  # the lowest value seen in the episode
    alert_area: float  # IODA's: sum over bins of relative drop (%) times minutes
    score: float  # strength of the evidence, 0..1 (detector-specific)
    evidence: dict[str, float] = field(default_factory=dict)

    def end_or(self, data_end: int) -> int:
        return data_end if self.end is None else self.end


def runs(mask: np.ndarray) -> np.ndarray:
    """(k, 2) array of [first, last+1) index pairs of the runs of True in a 1-D mask."""
    m = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])
    return edges.reshape(-1, 2)


def close_gaps(mask: np.ndarray, gap: int) -> np.ndarray:
    """Fill runs of False shorter than `gap` that lie between two True runs (hysteresis)."""
    if gap <= 1 or not mask.any():
        return mask.copy()
    out = mask.copy()
    holes = runs(~mask)
    for a, b in holes:
        if a > 0 and b < len(mask) and b - a < gap:
            out[a:b] = True
    return out


def _windows(values: np.ndarray, width: int) -> np.ndarray:
    """View whose row i is values[i-width : i] (NaN before the series starts)."""
    padded = np.concatenate([np.full(width, np.nan), values])
    return sliding_window_view(padded, width)[: len(values)]


def trailing_max(values: np.ndarray, width: int) -> np.ndarray:
    """Max of the `width` bins before each bin (NaN ignored; -inf when none), in linear time
    (van Herk / Gil-Werman: running maxima within blocks of `width`, forwards and backwards;
    a window is the tail of one block and the head of the next)."""
    n = len(values)
    if n == 0 or width <= 0:
        return np.full(n, -np.inf)
    clean = np.where(np.isnan(values), -np.inf, values)
    blocks = -(-(n + width) // width)
    padded = np.full(blocks * width, -np.inf)
    padded[width : width + n] = clean  # window of bin i: padded[i : i + width]
    grid = padded.reshape(blocks, width)
    ahead = np.maximum.accumulate(grid, axis=1).ravel()  # max from the block's start
    behind = np.maximum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()  # to its end
    out: np.ndarray = np.maximum(behind[:n], ahead[width - 1 : width - 1 + n])
    return out


def trailing_stats(
    values: np.ndarray,
    width: int,
    at: np.ndarray,
    min_count: int,
    *,
    mad: bool = False,
    quantile: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, MAD and a low quantile of the `width` bins before each index in `at`, NaN
    ignored (MAD and quantile only when asked for; the quantile q only with 1/q values).

    Returns full-length arrays, NaN where not computed or with fewer than `min_count` values.
    Evaluating only at candidate bins keeps the cost proportional to the bins that matter.
    """
    med = np.full(len(values), np.nan)
    dev = np.full(len(values), np.nan)
    low = np.full(len(values), np.nan)
    if len(at) == 0:
        return med, dev, low
    view = _windows(values, width)
    for lo in range(0, len(at), CHUNK_ROWS):
        idx = at[lo : lo + CHUNK_ROWS]
        win = view[idx]
        count = np.count_nonzero(~np.isnan(win), axis=1)
        ok = count >= max(1, min_count)
        if not ok.any():
            continue
        rows = np.sort(win[ok], axis=1)  # NaN last
        n = count[ok]
        m = _sorted_median(rows, n)
        med[idx[ok]] = m
        if mad:
            dev[idx[ok]] = _sorted_median(np.sort(np.abs(rows - m[:, None]), axis=1), n)
        if quantile is not None:
            # A q-quantile means something only with at least 1/q values.
            enough = n >= int(np.ceil(1.0 / quantile))
            if enough.any():
                # numpy's method "lower": the value at floor(q (n - 1)) of the sorted values
                at_q = np.floor(quantile * (n[enough] - 1)).astype(np.int64)
                low[idx[ok][enough]] = rows[enough][np.arange(int(enough.sum())), at_q]
    return med, dev, low


def _sorted_median(rows: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Per row, the median of its first `n` values (rows sorted, NaN last): what
    `np.nanmedian(axis=1)` returns, to the bit (the mean of the two middle values is their sum
    halved, as numpy computes it), without its per-row fallback on small arrays."""
    r = np.arange(len(rows))
    lo = np.maximum((n - 1) // 2, 0)
    hi = np.maximum(n // 2, 0)
    with np.errstate(invalid="ignore"):
        out: np.ndarray = (rows[r, lo] + rows[r, hi]) / 2.0
    out[n == 0] = np.nan
    return out
