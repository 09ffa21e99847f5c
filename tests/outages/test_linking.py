"""Linking outage events to curated shutdown records (the `shutdowns` dataset's columns)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from nethealth.outages.linking import link

U = dt.UTC
TS = pa.timestamp("s", tz="UTC")


def events(rows: list[tuple[str, str, dt.datetime, dt.datetime | None]]) -> pa.Table:
    return pa.table({
        "event_id": [r[0] for r in rows], "country": [r[1] for r in rows],
        "start": pa.array([r[2] for r in rows], TS), "end": pa.array([r[3] for r in rows], TS),
        "data_end": pa.array([dt.datetime(2024, 9, 10, tzinfo=U)] * len(rows), TS),
    })  # fmt: skip


SHUTDOWNS = pa.table(
    {
        "event_id": ["s-ended", "s-open", "s-ongoing", "s-retracted", "s-other"],
        "cc": ["ET", "ET", "IR", "ET", "ER"],
        "countries": [["ET"], ["ET"], ["IR"], ["ET"], ["ER", "ET"]],
        "start_date": pa.array(
            [
                dt.date(2024, 7, 2),
                dt.date(2024, 8, 1),
                dt.date(2024, 6, 1),
                dt.date(2024, 7, 1),
                dt.date(2024, 9, 5),
            ]
        ),
        "end_date": pa.array(
            [dt.date(2024, 7, 3), None, None, dt.date(2024, 7, 2), None], pa.date32()
        ),
        "status": ["ended", "unknown", "ongoing", "ended", "ended"],
        "retracted": [False, False, False, True, False],
    }
)


def test_links_by_country_and_overlapping_days() -> None:
    ev = events(
        [
            (
                "a",
                "ET",
                dt.datetime(2024, 7, 1, 22, tzinfo=U),
                dt.datetime(2024, 7, 2, 3, tzinfo=U),
            ),
            ("b", "ET", dt.datetime(2024, 8, 1, 10, tzinfo=U), None),  # ongoing
            ("c", "IR", dt.datetime(2024, 9, 1, tzinfo=U), dt.datetime(2024, 9, 1, 5, tzinfo=U)),
            (
                "d",
                "ET",
                dt.datetime(2024, 9, 5, 12, tzinfo=U),
                dt.datetime(2024, 9, 5, 14, tzinfo=U),
            ),
            ("e", "ET", dt.datetime(2024, 7, 20, tzinfo=U), dt.datetime(2024, 7, 21, tzinfo=U)),
            ("f", "DE", dt.datetime(2024, 7, 2, tzinfo=U), dt.datetime(2024, 7, 3, tzinfo=U)),
        ]
    )
    got = link(ev, SHUTDOWNS)
    assert got["a"] == ["s-ended"]  # a day of slack for local dates; retracted one left out
    # an ongoing event overlaps both the open-ended record and a later one of ET
    assert got["b"] == ["s-open", "s-other"]
    assert got["c"] == ["s-ongoing"]  # an ongoing record runs on
    assert got["d"] == ["s-other"]  # any of a record's countries
    assert "e" not in got and "f" not in got


def test_no_slack_and_empty_inputs() -> None:
    ev = events(
        [("a", "ET", dt.datetime(2024, 7, 1, 22, tzinfo=U), dt.datetime(2024, 7, 1, 23, tzinfo=U))]
    )
    assert link(ev, SHUTDOWNS, slack_days=0) == {}
    assert link(ev, SHUTDOWNS.slice(0, 0)) == {}
