"""The common date flags of every sub-command: `--date` as a month (YYYY-MM or a day of it) and
`--from/--to` as instants (no offset = UTC); a bad value is a usage error naming the option."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from nethealth.cli_common import parse_instant, parse_month_of
from nethealth.errors import ConfigError


def test_a_month_is_given_as_a_month_or_a_day_of_it() -> None:
    assert parse_month_of("2025-06") == parse_month_of("2025-06-30") == "2025-06"
    assert parse_month_of(None) is None
    for bad, why in (("2025-13", "not a month"), ("2025-02-30", "not a date"),
                     ("1969-12", "outside"), ("June", "not a month")):  # fmt: skip
        with pytest.raises(ConfigError) as e:
            parse_month_of(bad, "--date")
        assert e.value.message.startswith("--date ") and why in e.value.message, e.value.message
        assert e.value.exit_code == 2 and e.value.hint


def test_an_instant_without_offset_is_utc() -> None:
    assert parse_instant("2015-04-01T00:10", "--to") == datetime(2015, 4, 1, 0, 10, tzinfo=UTC)
    assert parse_instant("2015-04-01", "--from") == datetime(2015, 4, 1, tzinfo=UTC)
    east = parse_instant("2015-04-01T02:10+02:00", "--to")
    assert east == datetime(2015, 4, 1, 0, 10, tzinfo=UTC)
    assert east is not None and east.utcoffset() == timezone(timedelta(0)).utcoffset(None)
    with pytest.raises(ConfigError) as e:
        parse_instant("yesterday", "--from")
    assert e.value.message == "--from 'yesterday' is not a date or time"
