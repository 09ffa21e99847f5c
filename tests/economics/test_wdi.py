"""The WDI panel the cost model reads: the nearest-year rules, and GDP derived from GDP per capita
× population checked against the published GDP."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from nethealth.economics.wdi import WdiPanel
from nethealth.formats.wdi import GDP, GDP_PER_CAPITA, INTERNET, POPULATION, Observation, read_wdi


@pytest.fixture
def country(shared_data: Path) -> Path:
    return shared_data / "country"


def test_gdp_from_per_capita_agrees_with_published_gdp(country: Path) -> None:
    """Total GDP (long file) vs GDP per capita (wide file) × population: identical where both
    come from the same WDI release; a few country-years differ by later revisions."""
    long = read_wdi(country / "wb_gdp_population_internetpct_by_iso3_year_from_muhanad-husn.csv")
    per_capita = read_wdi(country / "wb_gdp_per_capita_2016-2024.csv", GDP_PER_CAPITA)
    derived = WdiPanel([*per_capita, *(o for o in long if o.indicator == POPULATION)])
    gaps = []
    for o in long:
        mine = derived.gdp(o.iso3, o.year) if o.indicator == GDP and o.year <= 2024 else None
        if mine is not None and mine.year == o.year:
            gaps.append(abs(mine.value / o.value - 1))
    assert len(gaps) > 150
    assert statistics.median(gaps) < 1e-6
    assert sum(g < 1e-6 for g in gaps) > 100  # same release: exact to rounding
    assert WdiPanel(long).gdp("IND", 2020) is not None


def test_nearest_year_rules() -> None:
    panel = WdiPanel(
        [Observation("IND", GDP, y, float(y)) for y in (2015, 2017, 2019)]
        + [Observation("IND", INTERNET, 2010, 10.0)]
    )
    assert panel.get("IND", GDP, 2017) is not None and panel.get("IND", GDP, 2017).year == 2017  # type: ignore[union-attr]
    assert panel.get("IND", GDP, 2018).year == 2017  # type: ignore[union-attr] # tie: earlier
    assert panel.get("IND", GDP, 2022).year == 2019  # type: ignore[union-attr]
    assert panel.get("IND", GDP, 2023) is None  # more than 3 years away
    assert panel.get("IND", INTERNET, 2015).year == 2010  # type: ignore[union-attr] # 5 allowed
    assert panel.get("IND", INTERNET, 2016) is None
    assert panel.get("PAK", GDP, 2017) is None
