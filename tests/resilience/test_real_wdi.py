"""The World Bank inputs on the real WDI file in ../shared/data: loaded as an operator would
(`nethealth load worldbank FILE --indicator IT.NET.USER.ZS`), read back by the resilience
step's reader, each value equal to the file's own cell, dated 31 December of its year."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pycountry
import pytest
from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.lake.raw import RawStore
from nethealth.resilience.config import CONFIG
from nethealth.resilience.inputs import at, wdi_observations
from nethealth.settings import Settings

pytestmark = pytest.mark.shared
FILE = "country/wb_internet_users_pct_2016-2024.csv"


def test_internet_users_from_the_real_file(shared_data: Path, settings: Settings) -> None:
    path = shared_data / FILE
    result = CliRunner().invoke(app, ["--data-dir", str(settings.data_dir), "load", "worldbank",
                                      str(path), "--indicator", "IT.NET.USER.ZS",
                                      "--date", "2025-07-01"])  # fmt: skip
    assert result.exit_code == 0, result.output
    obs = wdi_observations(RawStore(settings.raw_dir).files("worldbank"), "IT.NET.USER.ZS")
    got = {(o.cc, o.day.year): o.value for o in obs}
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    expected = {}
    for row in rows:
        c = pycountry.countries.get(alpha_3=row["Country Code"])
        if c is None:  # aggregates (regions, income groups) are not countries
            continue
        for year in range(2016, 2025):
            if row[str(year)]:
                expected[(c.alpha_2, year)] = float(row[str(year)])
    assert got == expected and len(got) > 1000
    assert all(o.day == date(o.day.year, 12, 31) for o in obs)
    # as of mid-2025 the reference year is the latest with any value (2024); Afghanistan has no
    # 2024 value (its 2023 one is not used: one period per input) and is not measured
    _p, _d, inp = CONFIG.input("internet_users")
    picks = at(obs, inp, date(2025, 6, 30), ["KE", "AF"])
    assert picks["KE"].reference == date(2024, 12, 31)
    assert picks["KE"].value == expected[("KE", 2024)] == 34.9762  # the file's cell
    assert picks["AF"].value is None and picks["AF"].status == "not measured"
