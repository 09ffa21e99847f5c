"""The shutdown views' pure pieces (nethealth.shutdowns.views*, query): durations, the 12-month window of distinct events, year counts
and their sentence, the bar chart's geometry, money."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest

from nethealth.shutdowns.events import Clock, DistinctEvent, group
from nethealth.shutdowns.query import layer_counts, layer_window
from nethealth.shutdowns.store import EventState, StoreState
from nethealth.shutdowns.views import Names, YearCount, event_duration, year_counts, year_summary
from nethealth.shutdowns.views_list import ListFilters, Records, Unit, describe
from nethealth.ui.charts import WIDE, bar_chart, count_ticks
from nethealth.ui.formatting import fmt_usd

TODAY = date(2026, 3, 15)
CLOCK = Clock(today=TODAY, snapshot=date(2026, 3, 1))
IMPORTED: dict[str, object] = {"raw": "access-now/2026-03-01/stop.csv", "snapshot": "2026-03-01"}


def event(
    event_id: str = "cu-1",
    retracted: bool = False,
    provenance: dict[str, object] | None = None,
    changed: str = "2026-03-14",
    **fields: object,
) -> EventState:
    """A curated event last changed on `changed`, or an imported one (with `provenance`)."""
    f = {"countries": ["IR"], "status": "ended", "retracted": retracted, **fields}
    changed_at = f"{changed}T09:00:00Z"
    return EventState(event_id, "curated", f, {}, changed_at, "t", changed_at, "t", provenance)


@pytest.mark.parametrize(
    ("fields", "long", "short"),
    [
        (
            {"start_date": "2024-02-01", "end_date": "2024-02-01"},
            "one day or less (a single date)",
            "1 day or less",
        ),
        (
            {"start_date": "2024-02-01", "end_date": "2024-02-05"},
            "between 4 and 5 days (dates are whole days)",
            "4–5 days",
        ),
        (
            {"start_date": "2025-01-01", "end_date": "2025-12-31"},
            "between 364 and 365 days (dates are whole days)",
            "364–365 days",
        ),
        (
            {"start_date": "2026-03-14", "status": "ongoing", "changed": "2026-03-15"},
            "ongoing: 1 day so far (on 2026-03-15)",
            "ongoing, 1 day",
        ),
        # Known only as far as its information: a curator's last change, an import's snapshot.
        (
            {"start_date": "2026-03-10", "status": "ongoing", "changed": "2026-03-12"},
            "ongoing as of 2026-03-12, the latest information: 2 days by then",
            "ongoing, 2 days",
        ),
        (
            {"start_date": "2026-02-01", "status": "ongoing", "provenance": IMPORTED},
            "ongoing as of 2026-03-01, the latest information: 28 days by then",
            "ongoing, 28 days",
        ),
        (
            {"start_date": "2024-02-01", "status": "unknown"},
            "unknown: status unknown since 2026 (no end date recorded)",
            "unknown",
        ),
        # Listed as ongoing in 2024 by a sheet of 2026: too old to count as ongoing.
        (
            {"start_date": "2023-02-01", "status": "ongoing", "year": 2024, "provenance": IMPORTED},
            "status unknown since 2024 (last listed as ongoing in 2024): at least until the end "
            "of 2024",
            "unknown since 2024",
        ),
        (
            {"start_date": "2024-02-05", "end_date": "2024-02-01"},
            "unknown: the end date is before the start date",
            "unknown",
        ),
        ({}, "unknown: no start date recorded", "unknown"),
    ],
)
def test_duration_reads_whole_days(fields: dict[str, Any], long: str, short: str) -> None:
    one = DistinctEvent("ev-t", [event(**fields)])
    assert event_duration(one, CLOCK) == long
    assert event_duration(one, CLOCK, short=True) == short


def test_an_event_of_several_records_lasts_from_its_first_start() -> None:
    """Two yearly records of one block: one event, ongoing, counted from its start."""
    records = [
        event(f"an-{y}", start_date="2025-06-01", status="ongoing", year=y,
              provenance={**IMPORTED, "line": y}, scope="national", types=["service-blocking"])
        for y in (2025, 2026)
    ]  # fmt: skip
    (one,) = group(records).events
    assert [r.event_id for r in one.records] == ["an-2025", "an-2026"]
    assert event_duration(one, CLOCK) == (
        "ongoing as of 2026-03-01, the latest information: 273 days by then"
    )


def test_layer_window_is_365_days_to_today_inclusive() -> None:
    first, last = layer_window(TODAY)
    assert (last - first).days + 1 == 365 and last == TODAY
    before = first - timedelta(days=1)
    state = StoreState()
    for ev in (
        event("a", start_date="2024-01-01", end_date=first.isoformat()),  # ends on the first day
        event("b", start_date="2024-01-01", end_date=before.isoformat()),  # the day before: out
        event(
            "c",
            start_date="2023-01-01",
            status="ongoing",
            countries=["IN", "PK"],
            changed=TODAY.isoformat(),
        ),
        event("d", start_date=TODAY.isoformat(), retracted=True),
        event("e", start_date=before.isoformat()),  # no end, not ongoing: its start only
        event("f", start_date=(TODAY + timedelta(days=1)).isoformat()),  # not yet begun
        event("g", start_date=TODAY.isoformat(), countries=["IR"]),
        # "Ongoing" in a sheet whose snapshot is older than the window: not known to overlap it.
        event(
            "h", start_date="2024-01-01", status="ongoing", countries=["SD"], provenance=IMPORTED
        ),
    ):
        state.events[ev.event_id] = ev
    stale = Clock(today=TODAY, snapshot=first - timedelta(days=1))
    assert "SD" not in layer_counts(state, stale)
    counts = layer_counts(state, Clock(today=TODAY, snapshot=TODAY))
    assert {cc: (n.count, n.ongoing) for cc, n in counts.items()} == {
        "IR": (2, 0),
        "IN": (1, 1),
        "PK": (1, 1),
        "SD": (1, 1),
    }
    assert counts["IR"].latest_start == TODAY  # the latest start, not the first
    assert counts["IN"].latest_start == date(2023, 1, 1)


def test_year_counts_fill_gaps_and_summary_says_what_the_chart_shows() -> None:
    evs = [
        event("a", year=2019),
        event("b", year=2019),
        event("c", year=2022),
        event("d", year=None),
    ]
    years = year_counts(evs, selected=2022, through=2023)
    assert [(y.year, y.count, y.selected) for y in years] == [
        (2019, 2, False),
        (2020, 0, False),
        (2021, 0, False),
        (2022, 1, True),
        (2023, 0, False),
    ]
    assert year_summary(years, date(2023, 5, 1), "records") == (
        "3 records counted in 2019 to 2023; the most in 2019 (2), the fewest in 2020 (0). "
        "2023 is not over: 0 records so far. Selected year 2022: 1 record."
    )
    # Distinct events active per year do not add up: the sentence says so, and how many.
    assert year_summary(years, date(2023, 5, 1), distinct=2) == (
        "Events per count year, 2019 to 2023: the most in 2019 (2), the fewest in 2020 (0). "
        "An event that runs over several years counts in each of them: 2 distinct events in "
        "all. 2023 is not over: 0 events so far. Selected year 2022: 1 event."
    )
    one = [YearCount(year=2020, count=1)]
    assert year_summary(one, TODAY, "records") == "1 record counted in 2020."
    assert year_summary([], TODAY) == "No events recorded."


def test_filters_in_words() -> None:
    names = Names(by_cc={"IR": "Iran, Islamic Republic of"}, pages=True)
    assert describe(ListFilters(), names) == "All events"
    assert describe(ListFilters(unit=Unit.records), names) == "All current records"
    assert (
        describe(ListFilters(records=Records.all, unit=Unit.records), names)
        == "Current and retracted records"
    )
    text = describe(
        ListFilters(country="IR", type="throttling", scope="national", year=2019, source="curated"),
        names,
    )
    assert text == (
        "Events of type throttling in Iran, Islamic Republic of, scope national, with a record "
        "counted in 2019, curated by nethealth"
    )


def test_count_ticks_are_whole_numbers_covering_the_top() -> None:
    for top in (0, 1, 2, 3, 7, 9, 32, 120, 801):
        ticks = count_ticks(top)
        assert ticks[0] == 0 and ticks[-1] >= max(top, 1) and len(ticks) <= 6
        assert all(isinstance(t, int) for t in ticks)
        assert len({b - a for a, b in itertools.pairwise(ticks)}) == 1  # even steps


def test_bar_chart_heights_are_proportional_and_share_a_baseline() -> None:
    chart = bar_chart([("2020", 5), ("2021", 0), ("2022", 10)], WIDE, highlight="2022")
    assert chart is not None
    plot = chart.bottom - chart.top
    top_tick = int(chart.y_ticks[-1].label)
    for bar, value in zip(chart.bars, (5, 0, 10), strict=True):
        assert bar.y + bar.height == pytest.approx(chart.bottom, abs=0.11)
        assert bar.height == pytest.approx(plot * value / top_tick, abs=0.11)
    assert [b.highlight for b in chart.bars] == [False, False, True]
    assert chart.bars[0].x < chart.bars[1].x < chart.bars[2].x
    assert chart.bars[2].x + chart.bars[2].width <= chart.right
    assert bar_chart([], WIDE) is None
    many = bar_chart([(str(y), 1) for y in range(1990, 2027)], WIDE)
    assert many is not None and len(many.x_ticks) < len(many.bars)  # labels thinned, not crowded


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "US$ 0"),
        (950, "US$ 950"),
        (24_677.68, "US$ 24,700"),
        (345_205_479.45, "US$ 345 million"),
        (2.5e9, "US$ 2.5 billion"),
        (1.234e12, "US$ 1.23 trillion"),
    ],
)
def test_money_reads_at_the_models_precision(value: float, text: str) -> None:
    assert fmt_usd(value) == text
