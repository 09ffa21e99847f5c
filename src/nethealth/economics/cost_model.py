"""Economic cost of a shutdown record: a documented, reproducible top-down estimate.

    cost = GDP/365 × internet intensity × Internet users share × area share × scope share × days

per country affected (summed), with every factor a (low, central, high) range. The low and high
estimates multiply the low and high ends of every factor, so they bound the combinations of the
assumptions rather than give a statistical interval. The scope share is what the record says was
cut (a full network, mobile only, named services, satellite Internet only …: see
`nethealth.economics.scope`); a record that does not say gets a wide range and a note. A record
covers the days of its event inside its count year only, so an event listed over several years
costs the sum of its records, each counted once. The method is written out, with the reasons for
each number, in docs/methodology/cost-model.md; `METHOD_VERSION` changes whenever a result could.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import pycountry

from nethealth.common.json_types import Json
from nethealth.economics.params import DEFAULT_SERVICE_WEIGHTS, CostParameters, Range
from nethealth.economics.regions import region_share
from nethealth.economics.scope import CostScope, cost_scope
from nethealth.economics.wdi import FLAG_YEAR_GAP, Lookup, WdiPanel
from nethealth.formats.wdi import INTERNET, POPULATION

__all__ = [
    "DEFAULT_SERVICE_WEIGHTS",
    "METHOD_VERSION",
    "CostEstimate",
    "CostParameters",
    "CountryPart",
    "Range",
    "RecordContext",
    "area_share",
    "country_part",
    "duration_days",
    "estimate",
    "service_factor",
]

METHOD_VERSION = "2"
MULTI_REGION_TEXT = "it affected locations in more than one state, province, or region"


@dataclass(frozen=True)
class RecordContext:
    """What the record's distinct event tells about it (nethealth.shutdowns.events)."""

    distinct_event_id: str | None = None
    continues: bool = False  # the event has a record for the next count year
    unknown_since: int | None = None  # the event's status is unknown since this year


@dataclass(frozen=True)
class CountryPart:
    cc: str
    iso3: str
    gdp_usd: float
    gdp_year: int
    internet_share: float
    internet_year: int
    population: float | None
    area_share: Range
    users_affected: float | None
    cost: Range
    population_year: int | None = None
    # Every World Bank figure used, as "INDICATOR YEAR" (GDP may be per capita × population).
    wdi_sources: tuple[str, ...] = ()
    wdi_years: tuple[int, ...] = ()
    wdi_gap: int = 0  # the largest distance in years between a figure and the count year
    area_basis: str = ""
    area_scoped: bool = True

    @property
    def wdi_far(self) -> bool:
        return self.wdi_gap > FLAG_YEAR_GAP


@dataclass
class CostEstimate:
    event_id: str
    year: int
    cost: Range | None
    days: Range | None
    service: Range | None
    parts: list[CountryPart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    method_version: str = METHOD_VERSION
    scope: CostScope | None = None
    distinct_event_id: str | None = None

    @property
    def users_affected(self) -> float | None:
        known = [p.users_affected for p in self.parts if p.users_affected is not None]
        return sum(known) if known else None

    @property
    def scoped(self) -> bool:
        """False when the record does not say what was cut or where: the range is wide."""
        scope_ok = self.scope is None or self.scope.scoped
        return scope_ok and all(p.area_scoped for p in self.parts)

    @property
    def wdi_far(self) -> bool:
        return any(p.wdi_far for p in self.parts)


def _day(value: Json) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def duration_days(
    record: Mapping[str, Json],
    params: CostParameters,
    as_of: date | None,
    context: RecordContext | None = None,
) -> tuple[Range | None, list[str]]:
    """Days of the event inside its count year. Dates are whole days, so an event from d1 to d2
    lasted between (d2 − d1) days and (d2 − d1 + 1) days; the central value is the midpoint;
    an event that ran through the whole year lasted all of its days. A record without an end
    date that its event lists again the next year ran to the end of its count year."""
    ctx = context or RecordContext()
    start, end = _day(record.get("start_date")), _day(record.get("end_date"))
    year = int(record.get("year") or (start.year if start else 0))
    if start is None:
        return None, ["no start date"]
    notes: list[str] = []
    first, last = date(year, 1, 1), date(year, 12, 31)
    if start > last:  # counted in a year before it began: a data error, use the dates as is
        first, last = start, date.max
    if end is not None and end < start:
        end = None
        notes.append("end date before start date: duration unknown")
    if end is None and ctx.continues:
        end = last
        notes.append(f"listed again for {year + 1}: counted to the end of {year}")
    elif end is None and record.get("status") == "ongoing" and as_of is not None:
        end = as_of
        if as_of > last:
            notes.append(f"ongoing: counted to the end of its count year {year}")
        else:
            notes.append(f"ongoing: counted until {as_of.isoformat()} (snapshot date)")
        if ctx.unknown_since is not None:
            notes.append(f"status unknown since {ctx.unknown_since}: no later year is counted")
    if end is None:
        notes.append("end date unknown: assumed duration range")
        return params.unknown_duration_days, notes
    lo, hi = max(start, first), min(end, last)
    if hi < lo:
        return Range.point(0.0), [*notes, "no day of the event falls in its count year"]
    touched = float((hi - lo).days + 1)  # calendar days with some of the event
    # A day the event ran through entirely is no uncertainty: the year's first day when it began
    # before the year, its last day when it runs into the next year.
    whole_first = start < first
    whole_last = end > last or (ctx.continues and hi == last)
    if whole_first and whole_last:
        return Range.point(touched), notes
    return Range(max(touched - 1.0, params.min_days), touched - 0.5, touched), notes


def service_factor(record: Mapping[str, Json], params: CostParameters) -> Range:
    """The share of the Internet economy the record's cut removed (see economics.scope)."""
    return cost_scope(record, params).factor


@dataclass(frozen=True)
class AreaShare:
    share: Range | None
    basis: str
    scoped: bool = True


def area_share(
    record: Mapping[str, Json], cc: str, population: float | None, params: CostParameters
) -> tuple[Range | None, str]:
    found = _area_share(record, cc, population, params)
    return found.share, found.basis


def _area_share(
    record: Mapping[str, Json], cc: str, population: float | None, params: CostParameters
) -> AreaShare:
    scope = record.get("scope")
    if scope == "national":
        return AreaShare(Range.point(1.0), "national")
    known = region_share(cc, record.get("area_name"))
    if known is not None and scope in ("regional", "unknown"):
        lo, hi = params.region_share_spread
        fraction, source = known
        share = Range(fraction * lo, fraction, min(fraction * hi, 1.0))
        return AreaShare(share, f"known region ({source})")
    if population is None or population <= 0:
        return AreaShare(None, "no population figure for a non-national event")
    if scope == "local":
        people, cap, why = params.local_people, params.local_cap, "local default"
    elif str(record.get("scope_text") or "").lower() == MULTI_REGION_TEXT:
        people, cap, why = params.multi_region_people, params.multi_region_cap, "multi-region"
    elif scope == "unknown":
        # Not scoped: from one town to the whole country, central the regional default.
        low = params.local_people.low / population
        central = min(params.regional_people.central / population, params.regional_cap)
        return AreaShare(
            Range(min(low, 1.0), central, 1.0),
            "geographic scope not recorded: from one town to the whole country",
            scoped=False,
        )
    else:
        people, cap, why = params.regional_people, params.regional_cap, "regional default"
    share = Range(people.low / population, people.central / population, people.high / population)
    return AreaShare(share.capped(cap), why)


def estimate(
    record: Mapping[str, Json],
    panel: WdiPanel,
    params: CostParameters | None = None,
    *,
    as_of: date | None = None,
    context: RecordContext | None = None,
) -> CostEstimate:
    """The estimate for one record (the tracker's flat record)."""
    p = params or CostParameters()
    ctx = context or RecordContext()
    event_id = str(record.get("event_id") or "")
    days, notes = duration_days(record, p, as_of, ctx)
    year = int(record.get("year") or 0)
    scope = cost_scope(record, p)
    notes.append(f"scope: {scope.kind} ({scope.basis})")
    notes.extend(scope.assumptions)
    if not scope.scoped:
        notes.append("not scoped: the range is wide because the record does not say what was cut")
    codes = [str(c) for c in record.get("countries") or []]
    out = CostEstimate(
        event_id,
        year,
        None,
        days,
        scope.factor,
        notes=notes,
        countries=codes,
        scope=scope,
        distinct_event_id=ctx.distinct_event_id,
    )
    if days is None:
        return out
    if not codes:
        out.notes.append("no ISO country: no World Bank figures to use")
        return out
    for cc in codes:
        part = country_part(record, cc, year, panel, p, days, scope.factor, out.notes)
        if part is not None:
            out.parts.append(part)
    if out.parts:
        total = out.parts[0].cost
        for part in out.parts[1:]:
            total = total + part.cost
        out.cost = total
    return out


def _wdi_used(
    year: int, gdp: Lookup, internet: Lookup, pop: Lookup | None
) -> tuple[tuple[str, ...], tuple[int, ...], int]:
    sources = [*gdp.sources, *internet.sources, *(pop.sources if pop else ())]
    if not sources:  # a Lookup built by hand
        sources = [("GDP", gdp.year), ("internet", internet.year)]
    names = tuple(dict.fromkeys(f"{ind} {y}" for ind, y in sources))
    years = tuple(sorted({y for _ind, y in sources}))
    gap = max(abs(y - year) for y in years)
    return names, years, gap


def country_part(
    record: Mapping[str, Json],
    cc: str,
    year: int,
    panel: WdiPanel,
    p: CostParameters,
    days: Range,
    service: Range,
    notes: list[str],
) -> CountryPart | None:
    """One country's share of a record's cost; `notes` gets the figures' years (and a flag
    when one is more than FLAG_YEAR_GAP years from the count year)."""
    country = pycountry.countries.get(alpha_2=cc)
    if country is None:
        notes.append(f"{cc}: not an ISO country")
        return None
    iso3 = str(country.alpha_3)
    gdp = panel.gdp(iso3, year)
    internet = panel.get(iso3, INTERNET, year)
    pop = panel.get(iso3, POPULATION, year)
    if gdp is None or internet is None:
        missing = "GDP" if gdp is None else "Internet users share"
        notes.append(f"{cc}: no World Bank {missing} near {year}")
        return None
    population = pop.value if pop is not None else None
    area = _area_share(record, cc, population, p)
    if area.share is None:
        notes.append(f"{cc}: {area.basis}")
        return None
    share = area.share
    u = internet.value / 100.0
    daily = gdp.value / (366 if calendar.isleap(gdp.year) else 365)
    cost = p.internet_intensity * (daily * u) * share * service * days
    users = population * u * share.central if population is not None else None
    sources, years, gap = _wdi_used(year, gdp, internet, pop)
    notes.append(f"{cc}: World Bank figures used for {year}: {', '.join(sources)}")
    if gap > FLAG_YEAR_GAP:
        notes.append(
            f"{cc}: a World Bank figure is {gap} years from {year} (more than "
            f"{FLAG_YEAR_GAP}): the estimate mixes dates"
        )
    if area.basis != "national":
        notes.append(f"{cc}: area share from {area.basis}")
    return CountryPart(
        cc,
        iso3,
        gdp.value,
        gdp.year,
        u,
        internet.year,
        population,
        share,
        users,
        cost,
        population_year=pop.year if pop is not None else None,
        wdi_sources=sources,
        wdi_years=years,
        wdi_gap=gap,
        area_basis=area.basis,
        area_scoped=area.scoped,
    )
