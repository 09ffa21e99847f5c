"""Dates of the simulation: registry snapshot days and the update timeline."""

from __future__ import annotations

import datetime as dt


def month_firsts(start: dt.date, months: int) -> list[dt.date]:
    """The 1st of each of the ``months`` months up to and including ``start``'s month."""
    out = []
    year, month = start.year, start.month
    for _ in range(months):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(out)


def ymd(day: dt.date | int) -> str:
    d = dt.date.fromordinal(day) if isinstance(day, int) else day
    return d.strftime("%Y%m%d")


def iso_stamp(day: int, seconds: int = 0) -> str:
    """PeeringDB-style UTC timestamp of a date ordinal plus seconds."""
    t = dt.datetime.combine(dt.date.fromordinal(day), dt.time()) + dt.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(day: dt.date, seconds: int = 0) -> int:
    """Unix time of a UTC date plus seconds."""
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()) + seconds
