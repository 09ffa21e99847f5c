"""Dates and times given by users (query parameters, CLI options): one parser, one range, one
time-zone rule, so every endpoint and page answers the same input the same way.

The rules (docs/api.md repeats them):
- Accepted: `YYYY-MM-DD` and `YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]` with an optional `Z` or
  `±HH:MM` offset (RFC 3339 / ISO 8601 extended form; `T` and `Z` in either case).
- A time without an offset is UTC ("naive = UTC"); a time with one is converted to UTC, so
  every parsed time is timezone-aware UTC and two of them always compare.
- Where a date-time is meant, a date alone is 00:00 UTC of that day. Where a date is meant, a
  time is refused (which day it falls on would depend on a time zone).
- Range: 1970-01-01T00:00Z .. 2100-12-31T23:59:59.999999Z (`EARLIEST`, `LATEST`), checked on the
  instant in UTC. Nothing the observatory serves lies outside, and the bound keeps date
  arithmetic (ranges, margins, offsets) far from Python's year 1 and 9999 limits.

Every failure is an `InputError` whose `field` is the parameter's name (the API answers 400).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from nethealth.errors import InputError

MIN_YEAR = 1970
MAX_YEAR = 2100
EARLIEST = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(MAX_YEAR, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
RANGE_TEXT = f"{MIN_YEAR}-01-01 to {MAX_YEAR}-12-31 (UTC)"
DATE_HINT = "use YYYY-MM-DD, e.g. 2025-06-01"
DATETIME_HINT = (
    "use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, e.g. 2025-06-01T12:00:00Z (no offset means UTC)"
)
MONTH_HINT = "use YYYY-MM, e.g. 2025-06"

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?"
)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"\d{4}")


def _out_of_range(text: str, field: str) -> InputError:
    return InputError(
        f"{text!r} is outside the supported range {RANGE_TEXT}",
        field=field,
        hint=f"give a date from {MIN_YEAR} to {MAX_YEAR}",
    )


def _year_in_range(year: int, text: str, field: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _out_of_range(text, field)


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def parse_date(text: str | None, field: str) -> date | None:
    """A calendar date `YYYY-MM-DD` in range, or None for no value (absent or empty)."""
    if text is None or _blank(text):
        return None
    value = text.strip()
    m = _DATE.fullmatch(value)
    if m is None:
        hint = DATE_HINT
        if _DATETIME.fullmatch(value):
            hint = f"this parameter is a date without a time: {DATE_HINT}"
        raise InputError(f"{value!r} is not a date", field=field, hint=hint)
    _year_in_range(int(m[1]), value, field)
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise InputError(f"{value!r} is not a date", field=field, hint=DATE_HINT) from None


def parse_datetime(text: str | None, field: str) -> datetime | None:
    """An instant as timezone-aware UTC (naive = UTC, a date alone = its 00:00 UTC), or None."""
    if text is None or _blank(text):
        return None
    value = text.strip()
    m = _DATETIME.fullmatch(value)
    if m is None:
        raise InputError(f"{value!r} is not a date or time", field=field, hint=DATETIME_HINT)
    # A rough year check before any arithmetic (9999-12-31T23:59-01:00 overflows in UTC); one
    # year of slack either side, since an offset moves the local date across the UTC bounds
    # ('1969-12-31T23:59-00:01' is 1970-01-01T00:00Z). The exact bound is on the instant below.
    if not MIN_YEAR - 1 <= int(m[1]) <= MAX_YEAR + 1:
        raise _out_of_range(value, field)
    year, month, day, hour, minute, second, frac, _zulu, sign, off_h, off_m = m.groups()
    tz = UTC  # 'Z', and no offset at all
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if offset >= timedelta(hours=24) or int(off_m) > 59:
            raise InputError(f"{value!r} has an impossible UTC offset", field=field,
                             hint=DATETIME_HINT)  # fmt: skip
        tz = timezone(offset if sign == "+" else -offset)
    try:
        local = datetime(
            int(year), int(month), int(day),
            int(hour or 0), int(minute or 0), int(second or 0),
            int((frac or "0")[:6].ljust(6, "0")),
            tzinfo=tz,
        )  # fmt: skip
    except ValueError:
        raise InputError(
            f"{value!r} is not a date or time", field=field, hint=DATETIME_HINT
        ) from None
    instant = local.astimezone(UTC)
    if not EARLIEST <= instant <= LATEST:
        raise _out_of_range(value, field)
    return instant


def parse_month(text: str | None, field: str) -> str | None:
    """A month `YYYY-MM` in range, returned in that form, or None for no value."""
    if text is None or _blank(text):
        return None
    value = text.strip()
    m = _MONTH.fullmatch(value)
    if m is None or not 1 <= int(m[2]) <= 12:
        raise InputError(f"{value!r} is not a month", field=field, hint=MONTH_HINT)
    _year_in_range(int(m[1]), value, field)
    return value


def parse_year(text: str | int | None, field: str, *, earliest: int = MIN_YEAR) -> int | None:
    """A year `YYYY` from `earliest` to MAX_YEAR, or None for no value."""
    if text is None or (isinstance(text, str) and _blank(text)):
        return None
    value = str(text).strip()
    if not _YEAR.fullmatch(value):
        raise InputError(f"{value!r} is not a year", field=field, hint="e.g. 2024")
    year = int(value)
    if not earliest <= year <= MAX_YEAR:
        raise InputError(
            f"{value!r} is outside the supported years {earliest} to {MAX_YEAR}",
            field=field,
            hint=f"give a year from {earliest} to {MAX_YEAR}",
        )
    return year


def day_start(day: date) -> datetime:
    """00:00 UTC of a calendar date (what a date alone means where a time is meant)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
