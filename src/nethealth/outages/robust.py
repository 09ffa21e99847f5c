"""nethealth's own detector: a seasonal, robust baseline with persistence and corroboration.

Per bin the *reference* is the median of the same time of day (± `season_halfwidth_bins`) on
the previous `season_days` days when at least `min_season_days` of them have data (diurnal
signals such as active probing are compared with like), else the median of the trailing
`window_seconds`. The noise scale is the MAD of that reference set (×1.4826), floored by a
share of the reference and an absolute amount, so a flat series is not infinitely sensitive.
A bin is anomalous when it is `min_drop` below the reference and `z` noise scales below it;
an anomaly must moreover *start* below the `low_quantile` of the trailing window (lower than
the series has recently been), when that window holds enough values to define it.

Long anomalies (an hour or more) are removed from the history and the reference recomputed,
so a long outage cannot drag its own baseline down (IODA's moving median absorbs an outage
after half a window). Runs of anomalous bins (gaps shorter than `recover_bins` closed) become episodes
only when *confirmed*: `persist_bins` anomalous bins in a row, or one bin with a drop of at
least `strong_drop`, or a bin where another signal of the same entity is anomalous too
(corroboration). A signal counted in few independent units (Atlas probes) may confirm on its
own only when at least `min_lost` units are gone and its reference holds at least
`alone_min_reference` units; otherwise it needs corroboration.
Confirmation, not the first bin, is when the episode is known.

Before any of that, a bin must show a minimum *effect* for the entity's scope (`EFFECTS`): a
relative drop and an absolute number of units lost (a country losing 1 % of its space is not
a national outage, however clear the signal; a network must lose a real share of its routes).
The absolute floor is what makes the rule aware of the entity's size: a small network
counts whole /24s, a large country's percent is thousands of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nethealth.outages.episodes import Episode, close_gaps, runs, trailing_max, trailing_stats
from nethealth.outages.series import Series, signal_family

NAME = "nethealth"
METHOD_VERSION = "nethealth-robust/4"
MAD_TO_SIGMA = 1.4826
MAX_PASSES = 4


@dataclass(frozen=True)
class RobustParams:
    min_drop: float  # relative drop below the reference for a bin to be anomalous
    rel_floor: float  # noise floor as a share of the reference
    abs_floor: float  # noise floor in the signal's unit
    z: float = 3.0
    window_seconds: int = 24 * 3600
    season_days: int = 7
    season_halfwidth_bins: int = 1
    min_season_days: int = 3
    min_history_bins: int = 12
    persist_bins: int = 2
    strong_drop: float = 0.5
    recover_bins: int = 2
    critical_drop: float = 0.5
    # Fewest units (probes, targets) that must be lost before this signal alone may confirm
    # an episode: one silent Atlas probe is evidence about the probe, not its network.
    min_lost: float = 0.0
    # A bin must also lie below this quantile of the trailing window: dips that recur in the
    # recent history (two of forty probes offline now and then) are not anomalies.
    low_quantile: float = 0.01
    freeze_bins: int = 12  # anomalies this long leave the history (the baseline is frozen)
    # Without corroboration, a bin of this signal may confirm only with a drop this large
    # when the entity's BGP signal is measured and normal: a minority of home probes going
    # silent while every route stays up is a power or last-mile matter, not a network outage.
    alone_min_drop: float = 0.0
    # Without corroboration, a bin may confirm only when the reference holds this many units:
    # the same minimum under which IODA's active-probing thresholds are not applied
    # (ioda.MIN_PROBES) — a thin series may support another signal, not speak alone.
    alone_min_reference: float = 0.0


# BGP visibility counts routed /24s (/48s) seen by most full-feed peers: a tenth of an entity's
# space gone within one bin is far outside what routine churn moves in five minutes, so it
# confirms at once (chosen on simulated seeds 1, 4 and 5; reported on held-out seeds). Atlas
# reachability is counted in few probes and is noisier: one bin must lose half of it.
BGP = RobustParams(min_drop=0.01, rel_floor=0.002, abs_floor=0.25, strong_drop=0.1)
ACTIVE = RobustParams(
    min_drop=0.10,
    rel_floor=0.02,
    abs_floor=0.3,
    min_lost=3.0,
    alone_min_drop=0.5,
    alone_min_reference=10.0,
)
PARAMS: dict[str, RobustParams] = {
    "bgp": BGP,
    "bgp6": BGP,
    "bgp_weighted": BGP,
    "bgp6_weighted": BGP,
    "atlas": ACTIVE,
    "atlas_targets": ACTIVE,
    "user": replace(
        ACTIVE, abs_floor=0.0, min_lost=0.0, alone_min_drop=0.0, alone_min_reference=0.0
    ),
}


def params_for(signal: str) -> RobustParams:
    return PARAMS.get(signal_family(signal), ACTIVE)


@dataclass(frozen=True)
class Effect:
    """The least a bin must show before it can be part of a public alert."""

    min_drop: float = 0.0  # relative drop below the reference
    min_units: float = 0.0  # units lost (the signal's unit: /24s, /48s, probes)


NO_EFFECT = Effect()
# BGP, per scope. Country and region: 5 % of the routed space and 4 units — an outage of a
# part of a country is first its networks'; a network: half of its space (IODA's critical
# level) and one unit (a /24; smaller prefixes are not counted at all) — a network losing a
# minority of its routes is doing traffic engineering or renumbering as often as failing.
_BGP_EFFECT = {
    "country": Effect(0.05, 4.0),
    "region": Effect(0.05, 4.0),
    "asn": Effect(0.5, 1.0),
}
EFFECTS: dict[str, dict[str, Effect]] = {
    "bgp": _BGP_EFFECT,
    "bgp6": _BGP_EFFECT,
    "bgp_weighted": _BGP_EFFECT,
    "bgp6_weighted": _BGP_EFFECT,
}


def effect_for(signal: str, entity: str) -> Effect:
    return EFFECTS.get(signal_family(signal), {}).get(entity.partition(":")[0], NO_EFFECT)


@dataclass(frozen=True)
class Scores:
    """Per-bin evidence of one series."""

    reference: np.ndarray
    noise: np.ndarray
    drop: np.ndarray
    z: np.ndarray
    anomalous: np.ndarray


def _seasonal(
    values: np.ndarray, step: int, p: RobustParams, at: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """(median, MAD, no quantile) of the same time of day on previous days; NaN where fewer
    than `min_season_days` days have data, and outside the bins `at` (default: every bin)."""
    n = len(values)
    per_day = 86400 // step
    hw = p.season_halfwidth_bins
    nan = np.full(n, np.nan)
    if n == 0 or per_day * p.min_season_days >= n:
        return nan, nan.copy(), nan.copy()
    rows_at = np.arange(n) if at is None else at
    days = np.arange(1, p.season_days + 1)
    offsets = (days[:, None] * per_day + np.arange(-hw, hw + 1)[None, :]).ravel()
    idx = rows_at[:, None] - offsets[None, :]
    gathered = np.where(idx >= 0, values[np.clip(idx, 0, n - 1)], np.nan)
    per = gathered.reshape(len(rows_at), p.season_days, 2 * hw + 1)
    days_with = np.count_nonzero(np.any(~np.isnan(per), axis=2), axis=1)
    use = days_with >= p.min_season_days
    med, mad = nan, nan.copy()
    if use.any():
        rows = gathered[use]
        m = np.nanmedian(rows, axis=1)
        med[rows_at[use]] = m
        mad[rows_at[use]] = np.nanmedian(np.abs(rows - m[:, None]), axis=1)
    # Too few values at one time of day for a low quantile: the MAD speaks for the spread.
    return med, mad, np.full(n, np.nan)


def _reference(
    history: np.ndarray,
    values: np.ndarray,
    step: int,
    p: RobustParams,
    at: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference, MAD and low quantile for the bins of `values` (those `at`, default all;
    NaN elsewhere), from `history` (earlier bins): of the same time on previous days where
    there are enough, else of the trailing window."""
    med, mad, low = _seasonal(history, step, p, at)
    need = np.isnan(med) & ~np.isnan(values)
    if at is not None:
        need &= np.isin(np.arange(len(values)), at)
    width = max(1, p.window_seconds // step)
    upper = trailing_max(history, width)
    # A bin can only be anomalous below (1 - min_drop) * reference <= that share of the max.
    cand = np.flatnonzero(need & (values < (1.0 - p.min_drop) * upper))
    rmed, rmad, rlow = trailing_stats(
        history, width, cand, p.min_history_bins, mad=True, quantile=p.low_quantile
    )
    return (np.where(need, rmed, med), np.where(need, rmad, mad), np.where(need, rlow, low))


def _score(
    values: np.ndarray,
    ref: np.ndarray,
    mad: np.ndarray,
    low: np.ndarray | None,
    p: RobustParams,
    effect: Effect = NO_EFFECT,
    started: bool = False,
) -> Scores:
    """`started`: the bin before the first was anomalous, so a run at the first bin has had
    its onset already (scoring the tail of a series whose earlier bins are settled)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        noise = np.fmax(np.fmax(MAD_TO_SIGMA * mad, p.rel_floor * ref), p.abs_floor)
        noise = np.where(noise > 0, noise, np.nan)
        gap = ref - values
        drop = np.where(ref > 0, gap / ref, np.nan)
        z = gap / noise
        big = (drop >= max(p.min_drop, effect.min_drop)) & (gap >= effect.min_units)
        anomalous = np.nan_to_num((ref > 0) & big & (z >= p.z), nan=0)
        anomalous = anomalous.astype(bool)
        if low is not None:
            # An anomaly must *start* lower than the recent history went (an unknown
            # quantile does not block); once started it lasts while below the reference.
            onset = anomalous & ~(values >= low)
            for a, b in runs(anomalous):
                if started and a == 0:
                    continue
                first = np.flatnonzero(onset[a:b])
                anomalous[a : b if not len(first) else a + int(first[0])] = False
    return Scores(ref, noise, drop, z, anomalous)


def score(
    series: Series, params: RobustParams | None = None, effect: Effect | None = None
) -> Scores:
    """Bins scored against a history without long anomalies, causally: the score of a bin
    depends on that bin and earlier ones only (what a detector running live would compute).

    The first pass, on the raw history and without the quantile test, finds long anomalies
    (at least `freeze_bins`); their bins leave the history and the series is scored again,
    quantile test included, until no new long anomaly appears (a few passes at most). A run
    leaves the history of a bin only once it has lasted `freeze_bins` by that bin: before, a
    live detector could not know it would be long. Short dips stay in the history, so dips
    that recur are judged normal.
    """
    p = params or params_for(series.signal)
    eff = effect if effect is not None else effect_for(series.signal, series.entity)
    v = series.values.astype(np.float64)
    ref = _reference(v, v, series.step, p)
    current = _score(v, ref[0], ref[1], None, p, eff)
    frozen = np.zeros(len(v), dtype=bool)
    for k in range(MAX_PASSES):
        long_runs = [(int(a), int(b)) for a, b in runs(current.anomalous) if b - a >= p.freeze_bins]
        grown = np.zeros(len(v), dtype=bool)
        for a, b in long_runs:
            grown[a:b] = True
        if k > 0 and (grown == frozen).all():
            break
        frozen = grown
        ref = _causal_reference(v, frozen, long_runs, series.step, p) if frozen.any() else ref
        current = _score(v, *ref, p, eff)
    return current


def _causal_reference(
    v: np.ndarray,
    frozen: np.ndarray,
    long_runs: list[tuple[int, int]],
    step: int,
    p: RobustParams,
    at: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """References (of the bins `at`, default all) with the long runs out of the history,
    except that during the first `freeze_bins` bins of a run the run itself is still history
    (it was not known to be long yet); runs before it, already known long, stay out."""
    med, mad, low = (a.copy() for a in _reference(np.where(frozen, np.nan, v), v, step, p, at))
    idx = np.arange(len(v))
    for a, b in long_runs:
        early = (idx >= a) & (idx < min(b, a + p.freeze_bins))
        if at is not None:
            early &= np.isin(idx, at)
        if not early.any():
            continue
        hist = np.where(frozen & (idx < a), np.nan, v)
        m2, d2, l2 = _reference(hist, np.where(early, v, np.nan), step, p, np.flatnonzero(early))
        med[early], mad[early], low[early] = m2[early], d2[early], l2[early]
    return med, mad, low


def score_tail(
    series: Series,
    start: int,
    settled: np.ndarray,
    params: RobustParams | None = None,
    effect: Effect | None = None,
) -> Scores:
    """The scores of bins `start`… of `series` given the final anomaly flags of the bins
    before (`settled`, from an earlier run): what `score` over the whole series gives for
    those bins, since scoring is causal — at the cost of the tail (and a history as long as
    the reference looks back), not of the whole series. Long runs are judged over settled
    and new bins together (a run that began before `start` may become long in the tail)."""
    p = params or params_for(series.signal)
    eff = effect if effect is not None else effect_for(series.signal, series.entity)
    v = series.values.astype(np.float64)
    n, step = len(v), series.step
    at = np.arange(start, n)
    started = bool(start > 0 and settled[-1])
    ref = _reference(v, v, step, p, at)
    current = _score(v[start:], ref[0][start:], ref[1][start:], None, p, eff)
    frozen = np.zeros(n, dtype=bool)
    for k in range(MAX_PASSES):
        flags = np.concatenate([settled.astype(bool), current.anomalous])
        long_runs = [(int(a), int(b)) for a, b in runs(flags) if b - a >= p.freeze_bins]
        grown = np.zeros(n, dtype=bool)
        for a, b in long_runs:
            grown[a:b] = True
        if k > 0 and (grown == frozen).all():
            break
        frozen = grown
        if frozen.any():
            ref = _causal_reference(v, frozen, long_runs, step, p, at)
        tail = tuple(r[start:] for r in ref)
        current = _score(v[start:], tail[0], tail[1], tail[2], p, eff, started=started)
    return current


def episodes(
    series: Series,
    scores: Scores,
    params: RobustParams | None = None,
    support: np.ndarray | None = None,
    routed: bool = False,
) -> list[Episode]:
    """Confirmed episodes; `support[i]` = another signal of the entity is anomalous in bin i;
    `routed` = the entity has a measured BGP signal (so `alone_min_drop` applies)."""
    p = params or params_for(series.signal)
    v = series.values
    n = len(v)
    merged = close_gaps(scores.anomalous, p.recover_bins)
    out: list[Episode] = []
    for a, b in runs(merged):
        a, b = int(a), int(b)
        anom = scores.anomalous[a:b]
        lost = scores.reference[a:b] - v[a:b]
        alone = anom & (lost >= p.min_lost)  # bins that may confirm without support
        if p.alone_min_reference > 0:
            alone &= np.nan_to_num(scores.reference[a:b], nan=0.0) >= p.alone_min_reference
        if routed and p.alone_min_drop > 0:
            alone &= scores.drop[a:b] >= p.alone_min_drop
        run_ok = np.convolve(alone, np.ones(p.persist_bins, dtype=int), "valid") >= p.persist_bins
        confirm = [a + int(np.argmax(run_ok)) + p.persist_bins - 1] if run_ok.any() else []
        strong = np.flatnonzero(alone & (scores.drop[a:b] >= p.strong_drop))
        if len(strong):
            confirm.append(a + int(strong[0]))
        if support is not None:
            backed = np.flatnonzero(anom & support[a:b])
            if len(backed):
                if not confirm:
                    # Confirmed only by another signal: the episode begins where that support
                    # does, not hours earlier with a thin series' own dip (one silent probe).
                    a = a + int(backed[0])
                    anom = scores.anomalous[a:b]
                confirm.append(a + int(backed[0]) if confirm else a)
        if not confirm:
            continue
        c = min(confirm)
        drop = np.where(anom, scores.drop[a:b], 0.0)
        zmax = float(np.nanmax(np.where(anom, scores.z[a:b], 0.0)))
        max_drop = float(np.nanmax(drop))
        worst = a + int(np.nanargmax(drop))
        ongoing = n - b < p.recover_bins
        out.append(
            Episode(
                detector=NAME,
                signal=series.signal,
                entity=series.entity,
                start=series.start + a * series.step,
                end=None if ongoing else series.start + b * series.step,
                known_at=series.start + (c + 1) * series.step,
                severity="critical" if max_drop >= p.critical_drop else "warning",
                max_drop=max_drop,
                reference=float(scores.reference[a]),
                minimum=float(np.nanmin(v[a:b])) if np.isfinite(v[a:b]).any() else 0.0,
                alert_area=float(np.nansum(drop) * 100.0 * series.step / 60.0),
                score=evidence_strength(zmax, p.z),
                evidence={
                    "max_drop": max_drop,
                    "max_z": zmax,
                    "worst_at": float(series.start + worst * series.step),
                },
            )
        )
    return out


def evidence_strength(zmax: float, z: float) -> float:
    """0..0.99: 0.63 at the threshold, 0.86 at twice it, 0.95 at three times."""
    return float(min(0.99, 1.0 - np.exp(-max(zmax, 0.0) / z)))


def detect(
    series: Series, params: RobustParams | None = None, effect: Effect | None = None
) -> list[Episode]:
    """Episodes of one series on its own (no corroboration from other signals)."""
    return episodes(series, score(series, params, effect), params)
