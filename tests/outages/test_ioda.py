"""The IODA baseline against the method IODA publishes (moving median of a trailing window;
warning/critical thresholds; alert area = relative drop % x minutes)."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from nethealth.outages import ioda
from nethealth.outages.series import Series

T0 = 1_748_736_000  # 2025-06-01T00:00Z
STEP = 300


def series(values: np.ndarray, signal: str = "bgp") -> Series:
    return Series(signal, "country:ET", T0, STEP, np.asarray(values, dtype=float))


def naive_history(values: np.ndarray, width: int, min_count: int) -> list[float | None]:
    """Reference: the median of the previous `width` bins, written the obvious way."""
    out: list[float | None] = []
    for i in range(len(values)):
        window = [v for v in values[max(0, i - width) : i] if not np.isnan(v)]
        out.append(statistics.median(window) if len(window) >= min_count else None)
    return out


def naive_levels(values: np.ndarray, p: ioda.IodaParams) -> list[int]:
    hist = naive_history(values, p.window_seconds // STEP, p.min_history_bins)
    out = []
    for v, h in zip(values, hist, strict=True):
        if h is None or np.isnan(v) or h <= 0:
            out.append(0)
        elif v < p.critical * h:
            out.append(2)
        elif v < p.warning * h:
            out.append(1)
        else:
            out.append(0)
    return out


@pytest.mark.parametrize("signal", ["bgp", "atlas"])
def test_levels_equal_a_naive_moving_median(signal: str) -> None:
    rng = np.random.default_rng(7)
    v = 1000 + np.cumsum(rng.normal(0, 8, 3 * 288))
    v[rng.random(len(v)) < 0.05] = np.nan
    v[500:520] *= 0.3  # an outage
    v[700:705] *= 0.9
    p = ioda.params_for(signal)
    got = ioda.levels(v, ioda.history(v, STEP, p), p)
    assert got.tolist() == naive_levels(v, p)
    assert (got == ioda.CRITICAL).sum() >= 20


def test_thresholds_are_strict_and_published() -> None:
    assert (ioda.BGP.window_seconds, ioda.BGP.warning, ioda.BGP.critical) == (86400, 0.99, 0.5)
    assert (ioda.ACTIVE.window_seconds, ioda.ACTIVE.warning, ioda.ACTIVE.critical) == (
        7 * 86400,
        0.80,
        0.5,
    )
    v = np.full(100, 1000.0)
    v[50], v[60], v[70], v[80] = 990.0, 989.0, 500.0, 499.0
    lv = ioda.levels(v, ioda.history(v, STEP, ioda.BGP), ioda.BGP)
    assert (lv[50], lv[60], lv[70], lv[80]) == (0, 1, 1, 2)


def test_alert_area_is_relative_drop_times_minutes() -> None:
    v = np.full(200, 200.0)
    v[100:106] = 120.0  # 40 % below the history for 30 minutes
    (ep,) = ioda.detect(series(v, "atlas"))
    assert ep.alert_area == pytest.approx(40.0 * 30)
    assert (ep.start, ep.end) == (T0 + 100 * STEP, T0 + 106 * STEP)
    assert ep.known_at == T0 + 101 * STEP  # raised at the end of the first alert bin
    assert ep.severity == "warning" and ep.max_drop == pytest.approx(0.4)


def test_history_window_is_24_hours_for_bgp() -> None:
    v = np.concatenate([np.full(300, 500.0), np.full(300, 1000.0)])
    hist = ioda.history(np.r_[v, 600.0], STEP, ioda.BGP)
    # the last bin's history only sees the 288 bins before it: all at the new level
    assert hist[-1] == 1000.0


def test_no_alert_without_minimum_history_and_ongoing_at_the_end() -> None:
    v = np.full(40, 100.0)
    v[5:8] = 0.0  # before 12 bins of history: no alert possible
    v[30:] = 10.0  # runs into the end of the data
    eps = ioda.detect(series(v))
    assert len(eps) == 1
    assert eps[0].start == T0 + 30 * STEP and eps[0].end is None


def test_long_outage_is_absorbed_by_the_moving_median() -> None:
    """IODA's history follows a long outage after half a window: the alert stops early."""
    v = np.r_[np.full(400, 100.0), np.full(16 * 12, 30.0), np.full(100, 100.0)]
    eps = ioda.detect(series(v))
    assert eps[0].start == T0 + 400 * STEP
    assert eps[0].end is not None and eps[0].end < T0 + (400 + 16 * 12) * STEP


def test_critical_only_level_keeps_the_critical_runs() -> None:
    v = np.full(400, 100.0)
    v[300:310] = 90.0  # warning only (active probing: < 80 % is a warning... 90 % is not)
    v[320:330] = 70.0  # warning
    v[350:355] = 40.0  # critical
    s = series(v, "atlas")
    warn = ioda.detect(s)
    crit = ioda.detect(s, min_level=ioda.CRITICAL)
    assert [(e.start - T0) // STEP for e in warn] == [320, 350]
    assert [(e.start - T0) // STEP for e in crit] == [350]
    assert crit[0].detector == ioda.CRITICAL_NAME and crit[0].severity == "critical"
    assert crit[0].end == T0 + 355 * STEP
