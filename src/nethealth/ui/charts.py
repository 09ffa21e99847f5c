"""Server-side SVG line charts and the sentence that says what each chart shows.

Geometry only: the template draws it, so every text in the SVG goes through Jinja's escaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from nethealth.ui.formatting import fmt_change, fmt_number, fmt_value

LEFT, RIGHT, TOP, BOTTOM = 56.0, 24.0, 14.0, 30.0
MAX_MARKERS = 60  # beyond this, point markers turn the line into a smudge


@dataclass(frozen=True)
class Size:
    """SVG text scales with the chart, so narrow screens get their own, narrower geometry."""

    name: str
    width: float
    height: float
    x_ticks: int


WIDE = Size("wide", 760.0, 250.0, 6)
NARROW = Size("narrow", 360.0, 220.0, 3)


@dataclass(frozen=True)
class Point:
    date: date
    value: float | None  # None: no measured value that date (the line breaks there)


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: labels at the right edge end there


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class LineChart:
    name: str
    width: float
    height: float
    left: float
    right: float  # x of the plot's right edge
    top: float
    bottom: float  # y of the plot's bottom edge
    path: str
    markers: tuple[Marker, ...]
    last: Marker
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]


def nice_ticks(lo: float, hi: float, target: int = 4) -> list[float]:
    """Round tick values from at or below `lo` to at or above `hi` (steps 1, 2 or 5 × 10^n)."""
    if hi <= lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / target
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(lo / step)
    ticks = [round(first * step, 10)]
    while ticks[-1] < hi:
        ticks.append(round((first + len(ticks)) * step, 10))
    return ticks


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def date_ticks(first: date, last: date, most: int) -> list[tuple[date, str]]:
    """Calendar ticks: years, else months, else the end dates; never more than `most`."""
    if first == last:
        return [(first, first.isoformat())]
    years = last.year - first.year
    if years >= 2:
        step = math.ceil((years + 1) / most)
        start = first.year if first == date(first.year, 1, 1) else first.year + 1
        return [(date(y, 1, 1), str(y)) for y in range(start, last.year + 1, step)]
    months = (last.year - first.year) * 12 + last.month - first.month
    if months >= 2:
        step = math.ceil((months + 1) / most)
        tick = first if first.day == 1 else _add_months(first, 1)
        out = []
        while tick <= last:
            out.append((tick, tick.strftime("%Y-%m")))
            tick = _add_months(tick, step)
        return out
    return [(first, first.isoformat()), (last, last.isoformat())]


def line_chart(points: Sequence[Point], unit: str, size: Size = WIDE) -> LineChart | None:
    """Scales and paths for a series in date order; None when there is nothing to draw.

    A point without a value (not measured, not comparable) keeps its place on the time axis and
    breaks the line: nothing is drawn across dates without a measurement."""
    measured = [p for p in points if p.value is not None]
    if not measured:
        return None
    right, bottom = size.width - RIGHT, size.height - BOTTOM
    values = [p.value for p in measured if p.value is not None]
    lo, hi = min(values), max(values)
    if lo >= 0 and hi > 0 and lo < hi * 0.5:
        lo = 0.0  # a baseline at zero when the data are near it anyway: honest proportions
    y_ticks = nice_ticks(lo, hi)
    y_lo, y_hi = y_ticks[0], y_ticks[-1]
    first, last = points[0].date.toordinal(), points[-1].date.toordinal()
    span = float(last - first)

    def sx(d: date) -> float:
        frac = 0.5 if span == 0 else (d.toordinal() - first) / span
        return round(LEFT + frac * (right - LEFT), 1)

    def sy(v: float) -> float:
        return round(bottom - (v - y_lo) / (y_hi - y_lo) * (bottom - TOP), 1)

    runs: list[list[Marker]] = [[]]
    for p in points:
        if p.value is None:
            if runs[-1]:
                runs.append([])
            continue
        label = f"{p.date.isoformat()}: {fmt_value(p.value, unit)}"
        runs[-1].append(Marker(sx(p.date), sy(p.value), label))
    runs = [run for run in runs if run]
    path = " ".join("M" + " L".join(f"{m.x},{m.y}" for m in run) for run in runs)
    labelled = [m for run in runs for m in run]
    # a lone measured point between gaps draws no line: its marker must show whatever the count
    lone = [run[0] for run in runs if len(run) == 1]
    y_axis = tuple(Tick(sy(v), fmt_number(v), "end") for v in y_ticks)
    x_axis = tuple(
        Tick(sx(d), label, "end" if sx(d) > right - 30 else "middle")
        for d, label in date_ticks(points[0].date, points[-1].date, size.x_ticks)
    )
    return LineChart(
        name=size.name,
        width=size.width,
        height=size.height,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        path=path,
        markers=tuple(labelled) if len(labelled) <= MAX_MARKERS else tuple(lone),
        last=labelled[-1],
        y_ticks=y_axis,
        x_ticks=x_axis,
    )


def summarise(points: Sequence[Point], unit: str) -> str:
    """Latest value, change since the first date, minimum and maximum, in one or two sentences
    (over the measured points only)."""
    got = [(p.date, p.value) for p in points if p.value is not None]
    if not got:
        return "No data."
    last_day, last = got[-1]
    text = f"Latest value {fmt_value(last, unit)} on {last_day.isoformat()}"
    if len(got) == 1:
        return text + " (a single measurement)."
    first_day, first = got[0]
    delta = last - first
    change = "unchanged" if delta == 0 else fmt_change(delta, unit)
    low = min(got, key=lambda x: x[1])
    high = max(got, key=lambda x: x[1])
    return (
        f"{text}; {change} since {first_day.isoformat()} "
        f"({fmt_value(first, unit)}). "
        f"Lowest {fmt_value(low[1], unit)} on {low[0].isoformat()}, "
        f"highest {fmt_value(high[1], unit)} on {high[0].isoformat()}; "
        f"{len(got)} values."
    )


# Bar charts of counts (events per year) --------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the category, e.g. a year
    value: int
    highlight: bool  # the category the page is filtered on


@dataclass(frozen=True)
class BarChart:
    name: str
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    value_labels: bool  # room for each bar's count above it


def count_ticks(top: int) -> list[int]:
    """Whole-number ticks from 0 to at least `top`: counts have no fractions."""
    ticks = [t for t in nice_ticks(0.0, float(max(top, 1))) if t == int(t)]
    if len(ticks) < 2:  # nice_ticks chose a step under one: count one by one
        return list(range(0, max(top, 1) + 1))
    return [int(t) for t in ticks]


def bar_chart(
    counts: Sequence[tuple[str, int]], size: Size = WIDE, highlight: str | None = None
) -> BarChart | None:
    """Bars in the given order (categories evenly spaced); None when there is nothing to draw."""
    if not counts:
        return None
    right, bottom = size.width - RIGHT, size.height - BOTTOM
    top_tick = count_ticks(max(v for _, v in counts))
    y_hi = top_tick[-1]
    band = (right - LEFT) / len(counts)
    width = round(min(band * 0.7, 56.0), 1)

    def sy(v: float) -> float:
        return round(bottom - v / y_hi * (bottom - TOP), 1)

    bars = []
    for i, (label, value) in enumerate(counts):
        x = round(LEFT + band * i + (band - width) / 2, 1)
        bars.append(Bar(x, sy(value), width, round(bottom - sy(value), 1), label, value,
                        label == highlight))  # fmt: skip
    # Category labels at the centre of their bar; every k-th when they would collide (~40px).
    step = math.ceil(len(counts) / max(1, int((right - LEFT) // 40)))
    x_ticks = tuple(
        Tick(round(b.x + b.width / 2, 1), b.label) for i, b in enumerate(bars) if i % step == 0
    )
    return BarChart(
        name=size.name,
        width=size.width,
        height=size.height,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        bars=tuple(bars),
        y_ticks=tuple(Tick(sy(v), f"{v:,}", "end") for v in top_tick),
        x_ticks=x_ticks,
        value_labels=band >= 22,
    )
