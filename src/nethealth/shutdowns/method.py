"""The shutdown tracker's part of the methodology page (`tracker_method`, which the methodology
view of nethealth.web includes), generated from the code that applies it:
the inclusion criteria (nethealth.shutdowns.model) and the cost model's formula and parameter
ranges (nethealth.economics.params.CostParameters), so the page cannot drift from them."""

from __future__ import annotations

from pydantic import BaseModel

from nethealth.economics.cost_model import METHOD_VERSION, CostParameters, Range
from nethealth.economics.wdi import FLAG_YEAR_GAP, MAX_YEAR_GAP
from nethealth.formats.wdi import GDP, GDP_PER_CAPITA, INTERNET, POPULATION
from nethealth.shutdowns.model import CRITERIA, CRITERIA_TEXT
from nethealth.ui.formatting import fmt_number

FORMULA = (
    ("GDP(c, Y) / days in year", "daily GDP of the country in the event's count year, current US$"),
    ("× Internet intensity", "share of GDP the Internet economy would be at full adoption"),
    ("× Internet users share(c, Y)", "share of people online"),
    ("× area share", "share of the country's people in the area cut off"),
    (
        "× scope share",
        "share of that Internet economy the cut removed: all networks, mobile or broadband "
        "only, named services, satellite Internet only (nethealth.economics.scope)",
    ),
    ("× days", "days of the event inside the record's count year"),
)
WDI_USED = (
    (GDP, "GDP, current US$"),
    (GDP_PER_CAPITA, "GDP per capita × population, when total GDP is missing"),
    (POPULATION, "population: area shares and people affected"),
    (INTERNET, "individuals using the Internet, % of population"),
)


class Criterion(BaseModel):
    id: str
    text: str


class Parameter(BaseModel):
    name: str
    label: str
    low: str
    central: str
    high: str
    note: str = ""


class WdiInput(BaseModel):
    code: str
    meaning: str
    max_year_gap: int


class CostModelMethod(BaseModel):
    version: str
    formula: list[tuple[str, str]]
    range_note: str
    parameters: list[Parameter]
    inputs: list[WdiInput]


class TrackerMethod(BaseModel):
    criteria: list[Criterion]
    cost_model: CostModelMethod


Triple = tuple[str, str, str]


def _pct(r: Range) -> Triple:
    return (
        f"{fmt_number(r.low * 100)} %",
        f"{fmt_number(r.central * 100)} %",
        f"{fmt_number(r.high * 100)} %",
    )


def _people(r: Range) -> Triple:
    return f"{r.low:,.0f}", f"{r.central:,.0f}", f"{r.high:,.0f}"


def _days(r: Range) -> Triple:
    return fmt_number(r.low), fmt_number(r.central), fmt_number(r.high)


def _param(name: str, label: str, values: Triple, note: str = "") -> Parameter:
    return Parameter(
        name=name, label=label, low=values[0], central=values[1], high=values[2], note=note
    )


def tracker_method(p: CostParameters | None = None) -> TrackerMethod:
    p = p or CostParameters()
    weights = ", ".join(f"{k} {fmt_number(v * 100)} %" for k, v in p.service_weights.items())
    lo, hi = p.service_spread
    return TrackerMethod(
        criteria=[Criterion(id=c, text=CRITERIA_TEXT[c]) for c in CRITERIA],
        cost_model=CostModelMethod(
            version=METHOD_VERSION,
            formula=list(FORMULA),
            range_note=(
                "Each factor is a range. The low estimate multiplies every low end and the high "
                "estimate every high end: the range bounds the combinations of the assumptions; "
                "it is not a statistical confidence interval, and it does not cover errors in the "
                "records themselves. A record that does not say what was cut or where is not "
                "scoped: its range spans the readings it allows, and it says so. Events in "
                "several countries are summed over them. A record covers its event's days in its "
                "count year only, so an event listed over several years costs the sum of its "
                "records, each once. Every estimate states the World Bank years it used and "
                f"flags a figure more than {FLAG_YEAR_GAP} years from the count year."
            ),
            parameters=[
                _param(
                    "internet_intensity",
                    "Internet intensity (share of GDP at full adoption)",
                    _pct(p.internet_intensity),
                ),
                _param(
                    "mobile_only",
                    "Service factor of a shutdown of mobile networks only",
                    _pct(p.mobile_only),
                ),
                _param(
                    "broadband_only",
                    "Service factor of a shutdown of broadband only",
                    _pct(p.broadband_only),
                ),
                _param(
                    "networks_unrecorded",
                    "Shutdown whose networks are not recorded (not scoped)",
                    (
                        _pct(p.mobile_only)[0],
                        f"{fmt_number(p.networks_unrecorded_central * 100)} %",
                        "100 %",
                    ),
                ),
                _param(
                    "satellite_only",
                    "Only satellite Internet cut or banned (Starlink, VSAT)",
                    _pct(p.satellite_only),
                    "a full-network record naming only satellite services is read by its "
                    "description; neither reading found: not scoped, from this to 100 %",
                ),
                _param(
                    "throttling", "Throttling, as a share of a shutdown's loss", _pct(p.throttling)
                ),
                _param(
                    "services_unspecified",
                    "Service blocking, services not named",
                    _pct(p.services_unspecified),
                ),
                _param(
                    "service_weights",
                    "Service blocking, named services (central: sum of weights)",
                    (f"× {fmt_number(lo)}", "sum", f"× {fmt_number(hi)}"),
                    f"{weights}; any other service {fmt_number(p.other_service_weight * 100)} %; "
                    f"at most {fmt_number(p.service_cap * 100)} %",
                ),
                _param(
                    "local_people",
                    "People affected by a local event",
                    _people(p.local_people),
                    f"at most {fmt_number(p.local_cap * 100)} % of the population",
                ),
                _param(
                    "regional_people",
                    "People affected by a regional event",
                    _people(p.regional_people),
                    f"at most {fmt_number(p.regional_cap * 100)} % of the population",
                ),
                _param(
                    "multi_region_people",
                    "People affected by an event in several regions",
                    _people(p.multi_region_people),
                    f"at most {fmt_number(p.multi_region_cap * 100)} % of the population",
                ),
                _param(
                    "unknown_duration_days",
                    "Days of an event whose end is unknown",
                    _days(p.unknown_duration_days),
                    "events that are not ongoing",
                ),
            ],
            inputs=[
                WdiInput(code=code, meaning=meaning, max_year_gap=MAX_YEAR_GAP[code])
                for code, meaning in WDI_USED
            ],
        ),
    )
