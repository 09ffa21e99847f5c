"""The World Bank figures the cost model reads: one panel of (ISO3 country, indicator, year) →
value, built from the observations `nethealth.formats.wdi` parses, with the nearest-year rule
and its limits (how far a figure may be from the year asked, and when it is flagged).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nethealth.formats.wdi import GDP, GDP_PER_CAPITA, INTERNET, POPULATION, Observation

# How far (in years) from the year asked a value may come. Money moves fast; population and
# the share of people online move a few percent a year, so older figures are still informative.
MAX_YEAR_GAP: dict[str, int] = {GDP: 3, GDP_PER_CAPITA: 3, POPULATION: 5, INTERNET: 5}
DEFAULT_GAP = 3
# A figure more than this many years from the event's year is used, but flagged wherever the
# estimate is shown (the page, the API, the lake): a reader must see that dates differ.
FLAG_YEAR_GAP = 2


@dataclass(frozen=True)
class Lookup:
    value: float
    year: int  # the year the value is for (may differ from the year asked)
    # Every published figure behind the value, as (indicator, year): one, or two for a GDP
    # made of GDP per capita × population, so combined dates are never hidden.
    sources: tuple[tuple[str, int], ...] = ()

    def years(self) -> list[int]:
        return sorted({y for _i, y in self.sources} or {self.year})


class WdiPanel:
    """(country, indicator, year) → value, with the nearest year when the asked one is missing
    (earlier years win ties: data for a year is published after it). Later observations of
    the same key replace earlier ones, so files given later take precedence."""

    def __init__(self, observations: Iterable[Observation] = ()) -> None:
        self._data: dict[tuple[str, str], dict[int, float]] = {}
        self.add(observations)

    def add(self, observations: Iterable[Observation]) -> None:
        for o in observations:
            self._data.setdefault((o.iso3, o.indicator), {})[o.year] = o.value

    def __len__(self) -> int:
        return sum(len(v) for v in self._data.values())

    def countries(self) -> set[str]:
        return {k[0] for k in self._data}

    def get(self, iso3: str, indicator: str, year: int) -> Lookup | None:
        series = self._data.get((iso3, indicator))
        if not series:
            return None
        best = min(series, key=lambda y: (abs(y - year), y > year))
        if abs(best - year) > MAX_YEAR_GAP.get(indicator, DEFAULT_GAP):
            return None
        return Lookup(series[best], best, ((indicator, best),))

    def gdp(self, iso3: str, year: int) -> Lookup | None:
        """GDP in current US$ of the year (else the nearest), or GDP per capita × population
        (the population nearest the per-capita figure's year) when that is nearer."""
        direct = self.get(iso3, GDP, year)
        if direct is not None and direct.year == year:
            return direct
        per_capita = self.get(iso3, GDP_PER_CAPITA, year)
        if per_capita is not None:
            pop = self.get(iso3, POPULATION, per_capita.year)
            if pop is not None:
                derived = Lookup(
                    per_capita.value * pop.value,
                    per_capita.year,
                    (*per_capita.sources, *pop.sources),
                )
                if direct is None or abs(derived.year - year) < abs(direct.year - year):
                    return derived
        return direct
