"""How often each source publishes, and what follows from it: when its newest data are stale,
when a snapshot's size is implausible next to the previous one, how `nethealth update` asks for
what is due, and how long `nethealth prune` keeps old snapshots by default.

Every source declares a `Cadence` (`nethealth.sources.base.Source.cadence`, filled in by each
area's source.py). The judgements here are pure functions of dates and sizes, so the build,
the about page, `GET /api/v1/status` and the run report of `nethealth update` say the same.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from nethealth.common.asof import gap_text

FetchBy = Literal["latest", "day", "month"]
DEFAULT_SIZE_BAND = (0.5, 2.0)  # a snapshot under half or over twice the previous one


@dataclass(frozen=True)
class Retention:
    """What `nethealth prune` keeps of a source: every file of the newest `daily` snapshot
    days, then the first snapshot of each earlier month, for `monthly` months (None: every
    month, 0: none). The newest file of every series is always kept."""

    daily: int = 31
    monthly: int | None = None

    def __post_init__(self) -> None:
        if self.daily < 1:
            raise ValueError("a retention keeps at least the newest snapshot day (daily >= 1)")
        if self.monthly is not None and self.monthly < 0:
            raise ValueError("monthly is a number of months >= 0, or None for every month")

    def describe(self) -> str:
        months = "every month" if self.monthly is None else f"{self.monthly} months"
        if self.monthly == 0:
            return f"the newest {self.daily} snapshot days"
        return f"the newest {self.daily} snapshot days, then the first of the month for {months}"


@dataclass(frozen=True)
class Cadence:
    """A publisher's rhythm. `every_days`: days between two snapshots (None: the data come
    with an installed package, whose age is the package's). `lag_days`: how long after its date
    a snapshot is complete and published. `fetch_by`: how `nethealth update` asks for what is
    due — the publisher's `latest` file, each `day`, or each `month` (dated the 1st); None: not
    fetched by update. `routine`: fetched by a plain `nethealth update` (the others only when
    the operator names them: they need a choice such as collectors, or are large).
    `check_days`: how often update asks a `latest` publisher again (a conditional GET).
    `size_band`: the plausible ratio of a snapshot's size to the previous one of the same
    series (None: sizes vary by nature); `sized`: a pattern of the stored names compared
    (empty: every name). `retention`: what prune keeps by default."""

    label: str
    every_days: int | None
    lag_days: int = 0
    fetch_by: FetchBy | None = None
    routine: bool = False
    check_days: int = 1
    size_band: tuple[float, float] | None = DEFAULT_SIZE_BAND
    sized: str = ""
    retention: Retention = field(default_factory=Retention)

    @property
    def packaged(self) -> bool:
        return self.every_days is None

    @property
    def stale_after_days(self) -> int | None:
        """The age (days) beyond which the newest snapshot is stale: one period plus the
        publication lag (a missed day is tolerated by the lag, two are not)."""
        return None if self.every_days is None else self.every_days + self.lag_days

    def compares(self, name: str) -> bool:
        return self.size_band is not None and (
            not self.sized or re.search(self.sized, name) is not None
        )


PACKAGED = Cadence("with its installed package", None)


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    NO_DATA = "no data"
    PACKAGED = "packaged"


@dataclass(frozen=True)
class FreshnessJudgement:
    """Whether a source's newest data are as recent as its cadence promises, on `today`."""

    source_id: str
    status: Freshness
    newest: date | None
    age_days: int | None
    stale_after_days: int | None
    reason: str

    @property
    def stale(self) -> bool:
        return self.status is Freshness.STALE


def judge_freshness(
    source_id: str, cadence: Cadence, newest: date | None, today: date
) -> FreshnessJudgement:
    """The freshness of a source whose newest stored snapshot is `newest` (None: nothing)."""
    limit = cadence.stale_after_days
    if limit is None:
        why = "installed with a package: as recent as the installed version"
        return FreshnessJudgement(source_id, Freshness.PACKAGED, newest, None, None, why)
    if newest is None:
        return FreshnessJudgement(source_id, Freshness.NO_DATA, None, None, limit,
                                  "no snapshot stored")  # fmt: skip
    age = (today - newest).days
    expected = f"published {cadence.label}, stale after {gap_text(limit)}"
    if age < 0:
        return FreshnessJudgement(source_id, Freshness.FRESH, newest, age, limit,
                                  f"newest snapshot {newest} is dated after {today}")  # fmt: skip
    if age > limit:
        why = f"newest snapshot {newest} is {gap_text(age)} old ({expected})"
        return FreshnessJudgement(source_id, Freshness.STALE, newest, age, limit, why)
    when = "today" if age == 0 else f"{gap_text(age)} old"
    return FreshnessJudgement(source_id, Freshness.FRESH, newest, age, limit,
                              f"newest snapshot {newest} is {when} ({expected})")  # fmt: skip


# A date or date-time inside a stored name: 20250601, 2025-06-01, 2025-06-01T0300, 0759 (HHMM).
_DATES = re.compile(r"\d{4}(?:-?\d{2}){0,2}(?:T\d{2}(?::?\d{2})?)?")


def series_of(name: str, compression: str = "") -> str:
    """The series a stored file belongs to: its name with dates masked (`rrc06.bview.#.#.gz`,
    `delegated-ripencc-extended`, `ix.json`), plus its compression (a compressed and a plain
    copy of one series are not comparable by size)."""
    masked = _DATES.sub("#", name)
    return f"{masked} [{compression}]" if compression else masked


@dataclass(frozen=True)
class SizedFile:
    snapshot: date
    name: str
    size: int
    compression: str = ""


@dataclass(frozen=True)
class SizeJump:
    """A snapshot whose size is implausible next to the previous one of the same series."""

    source_id: str
    series: str
    name: str
    snapshot: date
    size: int
    previous_name: str
    previous_snapshot: date
    previous_size: int

    @property
    def ratio(self) -> float:
        return self.size / self.previous_size

    def sentence(self) -> str:
        pct = self.ratio * 100
        share = f"{pct:.1f} %" if pct < 10 else f"{pct:.0f} %"
        return (
            f"{self.source_id}/{self.snapshot}/{self.name} is {self.size:,} bytes, {share} of "
            f"the previous {self.previous_snapshot}/{self.previous_name} ({self.previous_size:,} "
            "bytes)"
        )


def size_jumps(source_id: str, cadence: Cadence, files: Iterable[SizedFile]) -> list[SizeJump]:
    """Consecutive snapshots of one series (by date, then name) whose size ratio falls outside
    the cadence's band. Snapshots further apart than three periods (at least a week) are not
    compared: a year-old file may rightly be smaller."""
    if cadence.size_band is None:
        return []
    low, high = cadence.size_band
    span = max(7, 3 * (cadence.every_days or 1) + cadence.lag_days)
    by_series: dict[str, list[SizedFile]] = {}
    for f in files:
        if cadence.compares(f.name):
            by_series.setdefault(series_of(f.name, f.compression), []).append(f)
    out = []
    for series, items in sorted(by_series.items()):
        items.sort(key=lambda f: (f.snapshot, f.name))
        for prev, cur in itertools.pairwise(items):
            if prev.size <= 0 or (cur.snapshot - prev.snapshot).days > span:
                continue
            if not low <= cur.size / prev.size <= high:
                out.append(SizeJump(source_id, series, cur.name, cur.snapshot, cur.size,
                                    prev.name, prev.snapshot, prev.size))  # fmt: skip
    return out
