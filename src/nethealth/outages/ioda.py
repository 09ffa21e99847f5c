"""The IODA baseline detector, as IODA publishes it.

Source: IODA help page, "Outage Detection" and "Outage Severity Scores"
(https://ioda.inetintel.cc.gatech.edu/help, formerly https://ioda.caida.org/ioda/help).
For each data source and entity the current value is compared with a *history* value: the
moving median of the values in a trailing window (BGP: 24 hours; active probing: 7 days).
An alert is raised when the current value falls below a share of the history — *warning*
below 99 % (BGP) / 80 % (active probing), *critical* below 50 % (both) — and the episode lasts
until the value is back above the warning threshold. Its severity score is the alert area:
the relative drop ((history - current) / history * 100) times the duration in minutes.

Two choices the page leaves open are fixed here and documented in
docs/methodology/outage-detection.md: the history excludes the current bin, and no history
(hence no alert) exists until `min_history_bins` bins of data precede a bin.

IODA's active-probing thresholds were made for Trinocular, which probes thousands of /24
blocks per country; applied to RIPE Atlas probe counts of one or two per network they turn a
single home probe's disconnection into a critical alert. So they are applied only where the
history holds at least `MIN_PROBES` units (bins below are not judged); the baseline on the
remaining, thinner Atlas series is scored apart as `ioda-few-probes`. BGP series are judged
whatever their size, as IODA does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nethealth.outages.episodes import Episode, runs, trailing_max, trailing_stats
from nethealth.outages.series import Series, signal_family

NAME = "ioda"
CRITICAL_NAME = "ioda-critical"  # the same, alerting on the critical level only
FEW_NAME = "ioda-few-probes"  # active probing where the history holds < MIN_PROBES units
METHOD_VERSION = "ioda-baseline/2"
MIN_PROBES = 10.0
ACTIVE_FAMILIES = ("atlas", "atlas_targets", "user")
NORMAL, WARNING, CRITICAL = 0, 1, 2


@dataclass(frozen=True)
class IodaParams:
    window_seconds: int
    warning: float  # alert when current < warning * history
    critical: float
    min_history_bins: int = 12


BGP = IodaParams(window_seconds=24 * 3600, warning=0.99, critical=0.50)
ACTIVE = IodaParams(window_seconds=7 * 86400, warning=0.80, critical=0.50)
# IODA publishes no thresholds for user-loaded series; they are treated like active probing.
PARAMS: dict[str, IodaParams] = {
    "bgp": BGP,
    "bgp6": BGP,
    "atlas": ACTIVE,
    "atlas_targets": ACTIVE,
    "user": ACTIVE,
}


def params_for(signal: str) -> IodaParams:
    return PARAMS.get(signal_family(signal), ACTIVE)


def history(values: np.ndarray, step: int, params: IodaParams) -> np.ndarray:
    """Moving median of the trailing window (NaN where there is not enough history).

    Only bins that could alert are evaluated: an alert needs current < warning * median, and
    the median never exceeds the window's maximum, so other bins keep NaN (no alert).
    """
    width = max(1, params.window_seconds // step)
    upper = trailing_max(values, width)
    cand = np.flatnonzero(~np.isnan(values) & (values < params.warning * upper))
    med, _, _ = trailing_stats(values, width, cand, params.min_history_bins)
    return med


def levels(values: np.ndarray, hist: np.ndarray, params: IodaParams) -> np.ndarray:
    """Per bin: 0 normal, 1 warning, 2 critical (no data or no history: normal)."""
    out = np.zeros(len(values), dtype=np.int8)
    ok = ~np.isnan(values) & ~np.isnan(hist) & (hist > 0)
    v, h = values[ok], hist[ok]
    out[ok] = np.where(
        v < params.critical * h, CRITICAL, np.where(v < params.warning * h, WARNING, NORMAL)
    )
    return out


def judged(signal: str, hist: np.ndarray, few: bool = False) -> np.ndarray:
    """Bins whose history is large enough for the signal's thresholds (`few`: the others)."""
    if signal_family(signal) not in ("atlas", "atlas_targets"):
        return np.full(len(hist), not few)
    with np.errstate(invalid="ignore"):
        enough: np.ndarray = np.nan_to_num(hist, nan=0.0) >= MIN_PROBES
    return np.logical_not(enough) if few else enough


def detect(
    series: Series, params: IodaParams | None = None, min_level: int = WARNING, few: bool = False
) -> list[Episode]:
    """Alert episodes of one series: runs of bins at `min_level` or above (warning or
    critical by default; `min_level=CRITICAL` scores the critical alerts alone). Atlas bins
    whose history holds fewer than MIN_PROBES units are not judged (`few=True`: only those)."""
    p = params or params_for(series.signal)
    v = series.values
    hist = history(v, series.step, p)
    lv = np.where(judged(series.signal, hist, few), levels(v, hist, p), NORMAL).astype(np.int8)
    out: list[Episode] = []
    n = len(v)
    name = FEW_NAME if few else NAME if min_level <= WARNING else CRITICAL_NAME
    for a, b in runs(lv >= min_level):
        drop = (hist[a:b] - v[a:b]) / hist[a:b]
        area = float(np.sum(drop) * 100.0 * series.step / 60.0)
        critical = bool((lv[a:b] == CRITICAL).any())
        out.append(
            Episode(
                detector=name,
                signal=series.signal,
                entity=series.entity,
                start=series.start + int(a) * series.step,
                end=None if b == n else series.start + int(b) * series.step,
                known_at=series.start + (int(a) + 1) * series.step,
                severity="critical" if critical else "warning",
                max_drop=float(drop.max()),
                reference=float(hist[a]),
                minimum=float(np.nanmin(v[a:b])),
                alert_area=area,
                score=1.0 if critical else 0.5,
                evidence={
                    "worst_at": float(series.start + (int(a) + int(np.argmax(drop))) * series.step)
                },
            )
        )
    return out
