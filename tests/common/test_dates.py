"""The one parser of user-given dates and times: forms, the UTC rule, the range, the errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nethealth.common.dates import (
    EARLIEST,
    LATEST,
    parse_date,
    parse_datetime,
    parse_month,
    parse_year,
)
from nethealth.errors import InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-01", datetime(2025, 6, 1, tzinfo=UTC)),
        ("2025-06-01T12:30", datetime(2025, 6, 1, 12, 30, tzinfo=UTC)),
        ("2025-06-01 12:30:15", datetime(2025, 6, 1, 12, 30, 15, tzinfo=UTC)),
        ("2025-06-01T12:30:15Z", datetime(2025, 6, 1, 12, 30, 15, tzinfo=UTC)),
        ("2025-06-01t12:30:15z", datetime(2025, 6, 1, 12, 30, 15, tzinfo=UTC)),
        ("2025-06-01T12:30:15+02:00", datetime(2025, 6, 1, 10, 30, 15, tzinfo=UTC)),
        ("2025-06-01T00:30:00+05:30", datetime(2025, 5, 31, 19, 0, tzinfo=UTC)),
        (
            "2025-06-01T12:30:15.123456789-01:00",
            datetime(2025, 6, 1, 13, 30, 15, 123456, tzinfo=UTC),
        ),
        ("1970-01-01T00:00:00Z", EARLIEST),
        ("2100-12-31T23:59:59.999999Z", LATEST),
        ("  2025-06-01  ", datetime(2025, 6, 1, tzinfo=UTC)),
    ],
)
def test_datetime_forms_and_the_utc_rule(text: str, expected: datetime) -> None:
    got = parse_datetime(text, "from")
    assert got == expected and got is not None and got.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1969-12-31T23:59:00-00:01", datetime(1970, 1, 1, tzinfo=UTC)),  # found by Hypothesis
        ("2101-01-01T00:30:00+01:00", datetime(2100, 12, 31, 23, 30, tzinfo=UTC)),
    ],
)
def test_local_dates_across_the_bounds_are_judged_by_their_instant(
    text: str, expected: datetime
) -> None:
    assert parse_datetime(text, "from") == expected


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59:59-01:00",  # was an OverflowError (a 500)
        "0001-01-01T00:00:00+01:00",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:30:00+01:00",  # 23:30 UTC the day before
        "2100-12-31T23:00:00-05:00",  # 04:00 UTC in 2101
        "2101-01-01",
    ],
)
def test_datetimes_outside_the_range_name_the_parameter(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_datetime(text, "to")
    assert caught.value.field == "to" and "outside the supported range" in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize(
    "text",
    ["yesterday", "2025-6-1", "2025-02-30", "2025-06-01T25:00", "2025-06-01T12:00+24:00",
     "2025-06-01T12:00+01:99", "20250601", "2025-W22-1", "2025-06-01T12"],
)  # fmt: skip
def test_malformed_datetimes(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_datetime(text, "from")
    assert caught.value.field == "from"


def test_no_value_is_none() -> None:
    for parse in (parse_date, parse_datetime, parse_month, parse_year):
        assert parse(None, "x") is None
        assert parse("", "x") is None
        assert parse("  ", "x") is None


def test_dates() -> None:
    assert parse_date("2024-02-29", "from") == date(2024, 2, 29)
    for bad, says in (("2023-02-29", "not a date"), ("0001-01-01", "outside"),
                      ("2101-01-01", "outside"), ("2025-06-01T00:00:00Z", "without a time")):  # fmt: skip
        with pytest.raises(InputError) as caught:
            parse_date(bad, "from")
        assert says in caught.value.message or says in (caught.value.hint or "")


def test_months_and_years() -> None:
    assert parse_month("2025-06", "month") == "2025-06"
    assert parse_year("2024", "year") == 2024 and parse_year(2024, "year") == 2024
    for bad in ("2025-13", "9999-12", "1969-12", "2025-6", "2025"):
        with pytest.raises(InputError):
            parse_month(bad, "month")
    for text in ("1989", "2101", "24", "0000", "year"):
        with pytest.raises(InputError) as caught:
            parse_year(text, "year", earliest=1990)
        assert caught.value.field == "year"


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(-23 * 60 - 59, 23 * 60 + 59),
)
def test_any_rfc3339_time_parses_to_its_instant_or_is_refused(
    naive: datetime, minutes: int
) -> None:
    """Compared with Python's own reading of the same text: the same instant inside the range,
    an InputError (never another exception) outside it."""
    tz = timezone(timedelta(minutes=minutes))
    text = naive.replace(tzinfo=tz).isoformat()
    instant = naive.replace(tzinfo=tz) - tz.utcoffset(None)  # the UTC wall time, no overflow
    inside = (
        EARLIEST.replace(tzinfo=None) <= instant.replace(tzinfo=None) <= LATEST.replace(tzinfo=None)
    )
    if inside:
        assert parse_datetime(text, "t") == datetime.fromisoformat(text).astimezone(UTC)
    else:
        with pytest.raises(InputError):
            parse_datetime(text, "t")
