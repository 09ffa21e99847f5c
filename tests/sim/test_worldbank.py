"""The simulator's World Bank answers read back with the project's WDI parser and fetcher."""

from __future__ import annotations

from pathlib import Path

import pycountry

from nethealth.economics import worldbank
from nethealth.formats.wdi import GDP, GDP_PER_CAPITA, INDICATORS, INTERNET, POPULATION
from nethealth.settings import Settings
from nethealth.sim.config import SimResult
from nethealth.sim.world import build_world


def test_worldbank_answers_parse_and_are_coherent(tiny: SimResult, tmp_path: Path) -> None:
    mirror = tiny.config.out / "mirror" / "worldbank"
    settings = Settings(data_dir=tmp_path)
    start = tiny.config.start
    files = worldbank.fetch(settings, years=(2010, start.year), base_url=mirror.as_uri())
    assert len(files) == len(INDICATORS)
    assert all(f.provenance.simulated for f in files)  # under the simulator's tree: flagged
    panel = worldbank.panel_from_raw(settings)
    world = {c.cc for c in build_world(tiny.config).countries}
    iso3 = sorted(panel.countries())
    # every country of the simulated world, and only those
    assert {pycountry.countries.get(alpha_3=c).alpha_2 for c in iso3} == world
    for c in iso3:
        gdp = panel.get(c, GDP, start.year)
        pop = panel.get(c, POPULATION, start.year)
        pc = panel.get(c, GDP_PER_CAPITA, start.year)
        net = panel.get(c, INTERNET, start.year)
        assert gdp and pop and pc and net
        assert abs(gdp.value - pop.value * pc.value) <= 1e-6 * gdp.value + 1
        assert 0 < net.value <= 98.0


def test_worldbank_answers_are_deterministic(tiny: SimResult, tiny_again: SimResult) -> None:
    rel = "mirror/worldbank/v2/country/all/indicator/" + GDP
    assert (tiny.config.out / rel).read_bytes() == (tiny_again.config.out / rel).read_bytes()
