"""Server-side SVG geometry of an outage's evidence: one signal's binned series in UTC time, the
detection interval shaded and the reference (baseline) drawn as a dashed line.

Geometry only, like web/charts.py: the template draws it, so every text goes through escaping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nethealth.ui.charts import BOTTOM, LEFT, RIGHT, TOP, Size, Tick, nice_ticks
from nethealth.ui.formatting import fmt_number

HOUR_STEPS = (1, 2, 3, 6, 12, 24, 48)  # tick spacing in hours: the smallest that fits


@dataclass(frozen=True)
class TimePoint:
    t: datetime
    value: float


@dataclass(frozen=True)
class Band:
    x: float
    width: float


@dataclass(frozen=True)
class TimeChart:
    name: str
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    path: str
    band: Band | None  # the detection interval
    baseline_y: float | None
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]


def hour_ticks(first: datetime, last: datetime, most: int) -> list[tuple[datetime, str]]:
    """Whole-hour ticks (at most `most`); midnight shows the date, other hours `HH:MM`."""
    hours = max((last - first).total_seconds() / 3600, 1.0)
    step = next((s for s in HOUR_STEPS if hours / s <= most), HOUR_STEPS[-1])
    tick = first.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if tick < first:
        tick += timedelta(hours=1)
    while tick.hour % step and step <= 24:
        tick += timedelta(hours=1)
    out = []
    while tick <= last:
        out.append((tick, tick.strftime("%m-%d") if tick.hour == 0 else tick.strftime("%H:%M")))
        tick += timedelta(hours=step)
    return out


def time_chart(
    points: Sequence[TimePoint],
    size: Size,
    interval: tuple[datetime, datetime] | None,
    baseline: float | None,
) -> TimeChart | None:
    """Scales and paths of a series in time order; None with fewer than two points."""
    if len(points) < 2:
        return None
    right, bottom = size.width - RIGHT, size.height - BOTTOM
    values = [p.value for p in points] + ([baseline] if baseline is not None else [])
    lo, hi = min(values), max(values)
    if lo >= 0 and hi > 0:
        lo = 0.0  # a drop is read against zero: anything else exaggerates or hides it
    y_ticks = nice_ticks(lo, hi)
    y_lo, y_hi = y_ticks[0], y_ticks[-1]
    t0, t1 = points[0].t, points[-1].t
    span = (t1 - t0).total_seconds()

    def sx(t: datetime) -> float:
        frac = min(max((t - t0).total_seconds() / span, 0.0), 1.0)
        return round(LEFT + frac * (right - LEFT), 1)

    def sy(v: float) -> float:
        return round(bottom - (v - y_lo) / (y_hi - y_lo) * (bottom - TOP), 1)

    path = "M" + " L".join(f"{sx(p.t)},{sy(p.value)}" for p in points)
    band = None
    if interval is not None and interval[0] < t1 and interval[1] > t0:
        x0, x1 = sx(interval[0]), sx(interval[1])
        band = Band(x0, max(round(x1 - x0, 1), 1.0))
    return TimeChart(
        name=size.name,
        width=size.width,
        height=size.height,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        path=path,
        band=band,
        baseline_y=sy(baseline) if baseline is not None else None,
        y_ticks=tuple(Tick(sy(v), fmt_number(v), "end") for v in y_ticks),
        x_ticks=tuple(
            Tick(sx(t), label, "end" if sx(t) > right - 20 else "middle")
            for t, label in hour_ticks(t0, t1, size.x_ticks + 2)
        ),
    )
