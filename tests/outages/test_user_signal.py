"""Loading a user's CSV series as a signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nethealth.errors import InputError
from nethealth.outages import lake
from nethealth.outages.series import check_entity, from_table
from nethealth.outages.signals.user import series_from_csv
from nethealth.settings import Settings


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.csv"
    p.write_text(text)
    return p


def test_hourly_series_with_gaps_and_offsets(tmp_path: Path) -> None:
    csv = (
        "time,bytes\n2025-06-01T00:00:00Z,10\n2025-06-01T01:00:10+00:00,11\n"
        "2025-06-01T02:00:00,\n1748746800,13\n"
    )
    s = series_from_csv(write(tmp_path, csv), name="traffic", entity="country:et")
    assert (s.signal, s.entity, s.step, s.start) == (
        "user:traffic",
        "country:ET",
        3600,
        1_748_736_000,
    )
    assert s.values[:2].tolist() == [10.0, 11.0] and np.isnan(s.values[2])
    assert s.values[3] == 13.0


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("time,v\n2025-06-01,1\nyesterday,2\n", 3, "time"),
        ("time,v\n2025-06-01,1\n2025-06-02,lots\n", 3, "v"),
        ("time,v\n2025-06-01,1\n2025-06-02\n", 3, None),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, text: str, line: int, field: str | None) -> None:
    with pytest.raises(InputError) as exc:
        series_from_csv(write(tmp_path, text), name="t", entity="asn:1")
    assert exc.value.line == line and exc.value.field == field


def test_bad_names_entities_and_duplicates(tmp_path: Path) -> None:
    ok = write(tmp_path, "t,v\n2025-06-01T00:00Z,1\n2025-06-01T00:05Z,2\n")
    with pytest.raises(InputError, match="signal name"):
        series_from_csv(ok, name="Bad Name", entity="asn:1")
    for bad in ("country:ETH", "planet:earth", "asn:99999999999"):
        with pytest.raises(InputError):
            check_entity(bad)
    assert check_entity("asn:AS64500") == "asn:64500"
    dup = write(tmp_path, "t,v\n2025-06-01T00:00Z,1\n2025-06-01T00:00Z,2\n2025-06-01T00:05Z,3\n")
    with pytest.raises(InputError, match="same time"):
        series_from_csv(dup, name="t", entity="asn:1")


def test_stored_in_the_lake_replacing_the_same_series(settings: Settings, tmp_path: Path) -> None:
    a = series_from_csv(
        write(tmp_path, "t,v\n2025-06-01T00:00Z,1\n2025-06-01T00:05Z,2\n"),
        name="traffic",
        entity="country:ET",
    )
    b = series_from_csv(
        write(tmp_path, "t,v\n2025-06-02T00:00Z,5\n2025-06-02T00:05Z,6\n2025-06-02T00:10Z,7\n"),
        name="traffic",
        entity="country:ET",
    )
    c = series_from_csv(
        write(tmp_path, "t,v\n2025-06-01T00:00Z,1\n2025-06-01T01:00Z,2\n"),
        name="dns",
        entity="asn:64500",
    )
    lake.load_user_series(settings, a)
    lake.load_user_series(settings, c)
    assert lake.load_user_series(settings, b) == 5
    table = lake.read_dataset(settings, lake.USER_SIGNALS)
    assert table is not None
    series = {(s.signal, s.entity): s for s in from_table(table)}
    assert series[("user:traffic", "country:ET")].values.tolist() == [5.0, 6.0, 7.0]
    assert series[("user:dns", "asn:64500")].step == 3600
