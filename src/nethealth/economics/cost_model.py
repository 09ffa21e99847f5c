"""Economic cost of a shutdown event: a documented, reproducible top-down estimate.

    cost = GDP/365 × internet intensity × Internet users share × area share × service factor × days

per country affected (summed), with every factor a (low, central, high) range. The low and high
estimates multiply the low and high ends of every factor, so they bound the combinations of the
assumptions rather than give a statistical interval. The method is written out, with the
reasons for each number, in docs/methodology/cost-model.md; `METHOD_VERSION` changes whenever a
result could.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import pycountry

from nethealth.economics.regions import region_share
from nethealth.economics.wdi import INTERNET, POPULATION, WdiPanel
from nethealth.shutdowns.model import Json

METHOD_VERSION = "1"


@dataclass(frozen=True)
class Range:
    low: float
    central: float
    high: float

    @classmethod
    def point(cls, value: float) -> Range:
        return cls(value, value, value)

    def __mul__(self, other: Range | float) -> Range:
        o = other if isinstance(other, Range) else Range.point(other)
        return Range(self.low * o.low, self.central * o.central, self.high * o.high)

    def __add__(self, other: Range) -> Range:
        return Range(self.low + other.low, self.central + other.central, self.high + other.high)

    def __str__(self) -> str:
        return f"{self.low:.3g} / {self.central:.3g} / {self.high:.3g}"

    def capped(self, top: float) -> Range:
        return Range(min(self.low, top), min(self.central, top), min(self.high, top))


DEFAULT_SERVICE_WEIGHTS: Mapping[str, float] = {
    "facebook": 0.05,
    "whatsapp": 0.05,
    "phone-calls": 0.05,
    "instagram": 0.02,
    "telegram": 0.02,
    "youtube": 0.02,
    "sms": 0.02,
    "twitter": 0.01,
    "tiktok": 0.01,
    "vpns": 0.01,
}


@dataclass(frozen=True)
class CostParameters:
    """Every assumption of the model, with its range. See docs/methodology/cost-model.md."""

    # Share of GDP the Internet economy would make up were everyone online; × Internet users.
    internet_intensity: Range = Range(0.03, 0.05, 0.08)
    # Network factors of a full shutdown limited to one kind of network.
    mobile_only: Range = Range(0.5, 0.7, 0.9)
    broadband_only: Range = Range(0.1, 0.3, 0.5)
    # Throttling leaves a degraded service: part of the loss of a shutdown.
    throttling: Range = Range(0.25, 0.5, 0.75)
    # Blocking services: the sum of per-service weights (central), capped, with a spread.
    service_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SERVICE_WEIGHTS)
    )
    other_service_weight: float = 0.005
    services_unspecified: Range = Range(0.02, 0.05, 0.15)
    service_spread: tuple[float, float] = (0.5, 2.0)
    service_cap: float = 0.5
    # People affected by a non-national event when the area is not a known region,
    # capped at a share of the national population.
    local_people: Range = Range(50_000, 250_000, 1_000_000)
    local_cap: float = 0.10
    regional_people: Range = Range(500_000, 2_000_000, 5_000_000)
    regional_cap: float = 0.30
    multi_region_people: Range = Range(2_000_000, 5_000_000, 15_000_000)
    multi_region_cap: float = 0.50
    region_share_spread: tuple[float, float] = (0.8, 1.2)
    # An event whose end is unknown and which is not ongoing.
    unknown_duration_days: Range = Range(0.125, 1.0, 3.0)
    min_days: float = 0.125  # three hours: the shortest disruption STOP records


MULTI_REGION_TEXT = "it affected locations in more than one state, province, or region"


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

    @property
    def users_affected(self) -> float | None:
        known = [p.users_affected for p in self.parts if p.users_affected is not None]
        return sum(known) if known else None


def _day(value: Json) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def duration_days(
    record: Mapping[str, Json], params: CostParameters, as_of: date | None
) -> tuple[Range | None, list[str]]:
    """Days of the event inside its count year. Dates are whole days, so an event from d1 to d2
    lasted between (d2 − d1) days and (d2 − d1 + 1) days; the central value is the midpoint."""
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
    if end is None and record.get("status") == "ongoing" and as_of is not None:
        end = as_of
        notes.append(f"ongoing: counted until {as_of.isoformat()} (snapshot date)")
    if end is None:
        notes.append("end date unknown: assumed duration range")
        return params.unknown_duration_days, notes
    lo, hi = max(start, first), min(end, last)
    if hi < lo:
        return Range.point(0.0), [*notes, "no day of the event falls in its count year"]
    span = (hi - lo).days
    full_year_days = 366 if calendar.isleap(year) else 365
    high = min(span + 1.0, float(full_year_days))
    return Range(max(span, params.min_days), min(span + 0.5, high), high), notes


def service_factor(record: Mapping[str, Json], params: CostParameters) -> Range:
    types = record.get("types") or [record.get("type")]
    networks = set(record.get("networks") or [])
    if networks == {"mobile"}:
        network = params.mobile_only
    elif networks == {"broadband"}:
        network = params.broadband_only
    else:  # both, or not recorded
        network = Range.point(1.0)
    services = _services(record, params)
    if "shutdown" in types:
        return network
    if "service-blocking" in types or "throttling" not in types:
        return services
    # Throttling alone: of the named services, else of the networks.
    return params.throttling * (services if record.get("services") else network)


def _services(record: Mapping[str, Json], params: CostParameters) -> Range:
    names = [str(s).lower() for s in record.get("services") or []]
    if not names:
        return params.services_unspecified
    central = sum(params.service_weights.get(n, params.other_service_weight) for n in names)
    central = min(central, params.service_cap)
    lo, hi = params.service_spread
    return Range(central * lo, central, min(central * hi, 1.0))


def area_share(
    record: Mapping[str, Json], cc: str, population: float | None, params: CostParameters
) -> tuple[Range | None, str]:
    scope = record.get("scope")
    if scope == "national":
        return Range.point(1.0), "national"
    known = region_share(cc, record.get("area_name"))
    if known is not None and scope in ("regional", "unknown"):
        lo, hi = params.region_share_spread
        fraction, source = known
        return Range(fraction * lo, fraction, min(fraction * hi, 1.0)), f"known region ({source})"
    if population is None or population <= 0:
        return None, "no population figure for a non-national event"
    if scope == "local":
        people, cap, why = params.local_people, params.local_cap, "local default"
    elif str(record.get("scope_text") or "").lower() == MULTI_REGION_TEXT:
        people, cap, why = params.multi_region_people, params.multi_region_cap, "multi-region"
    else:
        people, cap, why = params.regional_people, params.regional_cap, "regional default"
    share = Range(people.low / population, people.central / population, people.high / population)
    return share.capped(cap), why


def estimate(
    record: Mapping[str, Json],
    panel: WdiPanel,
    params: CostParameters | None = None,
    *,
    as_of: date | None = None,
) -> CostEstimate:
    """The estimate for one event record (the tracker's flat record)."""
    p = params or CostParameters()
    event_id = str(record.get("event_id") or "")
    days, notes = duration_days(record, p, as_of)
    year = int(record.get("year") or 0)
    service = service_factor(record, p)
    codes = [str(c) for c in record.get("countries") or []]
    out = CostEstimate(event_id, year, None, days, service, notes=notes, countries=codes)
    if days is None:
        return out
    if not codes:
        out.notes.append("no ISO country: no World Bank figures to use")
        return out
    for cc in codes:
        part = country_part(record, cc, year, panel, p, days, service, out.notes)
        if part is not None:
            out.parts.append(part)
    if out.parts:
        total = out.parts[0].cost
        for part in out.parts[1:]:
            total = total + part.cost
        out.cost = total
    return out


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
    share, why = area_share(record, cc, population, p)
    if share is None:
        notes.append(f"{cc}: {why}")
        return None
    u = internet.value / 100.0
    daily = gdp.value / (366 if calendar.isleap(gdp.year) else 365)
    cost = p.internet_intensity * (daily * u) * share * service * days
    users = population * u * share.central if population is not None else None
    if gdp.year != year or internet.year != year:
        notes.append(f"{cc}: World Bank figures of {gdp.year}/{internet.year} used for {year}")
    if why != "national":
        notes.append(f"{cc}: area share from {why}")
    return CountryPart(
        cc, iso3, gdp.value, gdp.year, u, internet.year, population, share, users, cost
    )
