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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nethealth.outages.episodes import Episode, runs, trailing_max, trailing_stats
from nethealth.outages.series import Series, signal_family

NAME = "ioda"
CRITICAL_NAME = "ioda-critical"  # the same, alerting on the critical level only
METHOD_VERSION = "ioda-baseline/1"
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


def detect(
    series: Series, params: IodaParams | None = None, min_level: int = WARNING
) -> list[Episode]:
    """Alert episodes of one series: runs of bins at `min_level` or above (warning or
    critical by default; `min_level=CRITICAL` scores the critical alerts alone)."""
    p = params or params_for(series.signal)
    v = series.values
    hist = history(v, series.step, p)
    lv = levels(v, hist, p)
    out: list[Episode] = []
    n = len(v)
    name = NAME if min_level <= WARNING else CRITICAL_NAME
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
            )
        )
    return out
