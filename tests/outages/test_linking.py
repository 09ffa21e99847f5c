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


def _relisted() -> tuple[pa.Table, pa.Table]:
    """Two STOP-style events as the tracker groups them: IR's 2009 block re-listed in its
    2016..2025 yearly records (latest listed ongoing in 2025, so ongoing), and an AE block
    re-listed 2016..2019 whose status is unknown since 2019 (known until 2019-12-31)."""
    ir = [(f"ir-{y}", "ev-ir", "IR", dt.date(2009, 6, 13), y) for y in range(2016, 2026)]
    ae = [(f"ae-{y}", "ev-ae", "AE", dt.date(2016, 1, 1), y) for y in range(2016, 2020)]
    rows = ir + ae + [("ir-x", "ev-ir", "IR", dt.date(2009, 6, 13), 2020)]
    records = pa.table({
        "event_id": [r[0] for r in rows], "distinct_event_id": [r[1] for r in rows],
        "cc": [r[2] for r in rows], "countries": [[r[2]] for r in rows],
        "start_date": pa.array([r[3] for r in rows]), "end_date": pa.nulls(len(rows), pa.date32()),
        "status": ["ongoing"] * len(rows), "year": pa.array([r[4] for r in rows], pa.int32()),
        "retracted": [False] * (len(rows) - 1) + [True],
    })  # fmt: skip
    distinct = pa.table({
        "distinct_event_id": ["ev-ir", "ev-ae"], "countries": [["IR"], ["AE"]],
        "start_date": pa.array([dt.date(2009, 6, 13), dt.date(2016, 1, 1)]),
        "end_date": pa.nulls(2, pa.date32()), "status": ["ongoing", "unknown"],
        "known_until": pa.array([dt.date(2026, 5, 20), dt.date(2019, 12, 31)]),
    })  # fmt: skip
    return records, distinct


def test_a_relisted_event_links_once_per_year_of_the_detection() -> None:
    records, distinct = _relisted()
    ev = events([
        ("in-2020", "IR", dt.datetime(2020, 3, 1, tzinfo=U), dt.datetime(2020, 3, 1, 6, tzinfo=U)),
        ("in-2026", "IR", dt.datetime(2026, 2, 1, tzinfo=U), dt.datetime(2026, 2, 2, tzinfo=U)),
        ("ae-2018", "AE", dt.datetime(2018, 5, 1, tzinfo=U), dt.datetime(2018, 5, 2, tzinfo=U)),
        ("ae-2025", "AE", dt.datetime(2025, 5, 1, tzinfo=U), dt.datetime(2025, 5, 2, tzinfo=U)),
    ])  # fmt: skip
    got = link(ev, records, distinct=distinct)
    # the record of the detection's year only (the retracted 2020 duplicate left out)
    assert got["in-2020"] == ["ir-2020"]
    # past the latest record: the newest information about the still-ongoing event
    assert got["in-2026"] == ["ir-2025"]
    assert got["ae-2018"] == ["ae-2018"]
    # status unknown since 2019: the record no longer vouches for 2025
    assert "ae-2025" not in got
    # the old per-record rule linked every re-listing (each "ongoing", open-ended)
    assert len(link(ev, records)["in-2020"]) == 10
