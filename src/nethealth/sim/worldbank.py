"""World Bank WDI answers for the simulated world, in the API v2 JSON layout.

The cost model needs GDP, population and the share of people online per country and year. The
offline demo has no World Bank data (no registry package carries it), so the simulator writes
invented figures in the layout of `api.worldbank.org/v2/country/all/indicator/<ID>?format=json`
(one page; a `file://` fetch ignores the query, so the file is the indicator's path). They are
flagged simulated like every file under the simulator's tree and are NOT real statistics:

- population grows with the country's network weight (a country with more networks is bigger),
  times a seeded lognormal factor; 1 % growth a year;
- GDP per capita is a seeded lognormal around US$ 9,000 (spread like the real world's), growing
  2-4 % a year; GDP = population x GDP per capita;
- the share online follows GDP per capita on a logistic curve (richer, more online), 2-4 points
  more each year, capped at 98 %.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from nethealth.formats.wdi import GDP, GDP_PER_CAPITA, INTERNET, POPULATION
from nethealth.sim.output import OutputTree
from nethealth.sim.rng import stream
from nethealth.sim.world import World

MIRROR_DIR = "mirror/worldbank/v2/country/all/indicator"
FIRST_YEAR = 2010
NAMES = {
    GDP: "GDP (current US$)",
    POPULATION: "Population, total",
    INTERNET: "Individuals using the Internet (% of population)",
    GDP_PER_CAPITA: "GDP per capita (current US$)",
}


def panel(w: World, seed: int, last_year: int) -> dict[str, dict[tuple[str, int], float]]:
    """Per indicator, (ISO alpha-3, year) → value for every country of the world."""
    import pycountry

    rng = stream(seed, "worldbank")
    out: dict[str, dict[tuple[str, int], float]] = {k: {} for k in NAMES}
    years = range(FIRST_YEAR, last_year + 1)
    for c in sorted(w.countries, key=lambda c: c.cc):
        rec = pycountry.countries.get(alpha_2=c.cc)
        if rec is None:
            continue
        iso3 = str(rec.alpha_3)
        pop0 = 2.0e6 * max(1, c.asn_weight) ** 0.6 * rng.lognormal(0.0, 0.5)
        gdppc0 = 9000.0 * rng.lognormal(0.0, 1.0)
        growth = rng.uniform(0.02, 0.04)
        online0 = 100.0 / (1.0 + np.exp(-(np.log(gdppc0) - np.log(4000.0)) * 1.6))
        step = rng.uniform(2.0, 4.0)
        for k, y in enumerate(years):
            pop = pop0 * 1.01**k
            gdppc = gdppc0 * (1.0 + growth) ** k
            out[POPULATION][(iso3, y)] = round(pop)
            out[GDP_PER_CAPITA][(iso3, y)] = round(gdppc, 2)
            out[GDP][(iso3, y)] = round(pop * gdppc, 0)
            out[INTERNET][(iso3, y)] = round(min(98.0, online0 + step * k), 2)
    return out


def api_answer(indicator: str, values: dict[tuple[str, int], float]) -> str:
    """One page of the API's answer: [page info, records], newest year first per country."""
    rows = sorted(values.items(), key=lambda kv: (kv[0][0], -kv[0][1]))
    records = [
        {"indicator": {"id": indicator, "value": NAMES[indicator]},
         "country": {"id": iso3[:2], "value": iso3}, "countryiso3code": iso3,
         "date": str(year), "value": value, "unit": "", "obs_status": "", "decimal": 0}
        for (iso3, year), value in rows
    ]  # fmt: skip
    info = {"page": 1, "pages": 1, "per_page": max(1, len(records)), "total": len(records),
            "sourceid": "2", "lastupdated": "simulated"}  # fmt: skip
    return json.dumps([info, records])


def write_worldbank(tree: OutputTree, w: World, seed: int, start: dt.date) -> int:
    """The four WDI indicators the cost model reads, up to `start`'s year; returns values."""
    data = panel(w, seed, start.year)
    for indicator, values in data.items():
        tree.write_text(f"{MIRROR_DIR}/{indicator}", api_answer(indicator, values))
    return sum(len(v) for v in data.values())
