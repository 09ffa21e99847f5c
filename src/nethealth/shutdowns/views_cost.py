"""The cost section of a shutdown record's page, of a distinct event's page, and of the API's
record (`GET /api/v1/shutdowns/{id}` serves `record_cost`'s answer: one function, one model).

A record's estimate covers its count year; an event's is the sum of its records' estimates, each
record counted once. Without an estimate the section says why (no World Bank figures, the model
has not run, the record is retracted, the lake is unavailable)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from nethealth.economics.cost_model import METHOD_VERSION
from nethealth.economics.wdi import FLAG_YEAR_GAP
from nethealth.lake.reader import LakeReader
from nethealth.shutdowns.events import DistinctEvent
from nethealth.shutdowns.query import CostLookup, CostRow, record_costs
from nethealth.shutdowns.store import EventState
from nethealth.shutdowns.views import COST_METHOD, CountryRef, Names
from nethealth.ui.formatting import fmt_usd


class CostPart(BaseModel):
    """One record's estimate for one country."""

    record_id: str
    year: int | None
    country: CountryRef
    low_usd: float
    central_usd: float
    high_usd: float
    text: str
    days_low: float | None
    days_central: float | None
    days_high: float | None
    service_factor: float | None = Field(description="Share of the Internet economy removed")
    scope_kind: str | None = Field(description="What was cut (full, mobile-only, services …)")
    scoped: bool | None = Field(description="False: the record does not say; a wide range")
    scope_basis: str | None
    area_share: float | None
    users_affected: float | None
    gdp_usd: float | None
    gdp_year: int | None
    internet_share: float | None
    internet_year: int | None
    population_year: int | None
    wdi_sources: list[str] = Field(description="Every World Bank figure used, INDICATOR YEAR")
    wdi_far: bool = Field(description=f"A figure more than {FLAG_YEAR_GAP} years from the year")


class CostSection(BaseModel):
    status: Literal["estimated", "no-estimate", "not-run", "retracted", "unavailable"]
    message: str | None
    method_version: str
    methodology: str = COST_METHOD
    unit: Literal["record", "event"] = Field(
        default="record",
        description="record: this record's count year; event: the sum of its records, each once",
    )
    records: int = Field(default=0, description="Records whose estimates are summed")
    low_usd: float | None = None
    central_usd: float | None = None
    high_usd: float | None = None
    low_text: str | None = None
    central_text: str | None = None
    high_text: str | None = None
    scoped: bool | None = Field(
        default=None, description="False when any part is not scoped: the range is wide"
    )
    scope_kinds: list[str] = Field(default_factory=list)
    wdi_years: list[int] = Field(default_factory=list, description="World Bank years used")
    wdi_far: bool = Field(
        default=False, description=f"A World Bank figure more than {FLAG_YEAR_GAP} years away"
    )
    parts: list[CostPart] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    simulated: bool = False


def _range_text(low: float, central: float, high: float) -> str:
    return f"{fmt_usd(central)} (range {fmt_usd(low)} to {fmt_usd(high)})"


def _part(r: CostRow, names: Names) -> CostPart:
    return CostPart(
        record_id=r.event_id,
        year=r.year,
        country=names.ref(r.cc),
        low_usd=r.cost_low_usd,
        central_usd=r.cost_central_usd,
        high_usd=r.cost_high_usd,
        text=_range_text(r.cost_low_usd, r.cost_central_usd, r.cost_high_usd),
        days_low=r.days_low,
        days_central=r.days_central,
        days_high=r.days_high,
        service_factor=r.service_factor,
        scope_kind=r.scope_kind,
        scoped=r.scoped,
        scope_basis=r.scope_basis,
        area_share=r.area_share,
        users_affected=r.users_affected,
        gdp_usd=r.gdp_usd,
        gdp_year=r.gdp_year,
        internet_share=r.internet_share,
        internet_year=r.internet_year,
        population_year=r.population_year,
        wdi_sources=list(r.wdi_sources or []),
        wdi_far=bool(r.wdi_far),
    )


NOT_RUN = (
    "The cost model has not run with World Bank figures on this server: fetch them "
    "with `nethealth shutdowns fetch-worldbank`, then run `nethealth build`."
)


def cost_section(
    ev: EventState | None,
    lookup: CostLookup,
    names: Names,
    *,
    unit: Literal["record", "event"] = "record",
) -> CostSection:
    """A record's estimate (its count year), or with unit "event" the sum of an event's
    records' estimates, each record counted once (`ev` is then None)."""
    rows: list[CostRow] = lookup.rows
    version = rows[0].method_version if rows else METHOD_VERSION
    if lookup.unavailable is not None:
        return CostSection(
            status="unavailable", message=lookup.unavailable, method_version=version, unit=unit
        )
    if ev is not None and ev.retracted:
        return CostSection(
            status="retracted",
            message="Retracted records get no cost estimate.",
            method_version=version,
        )
    if not rows:
        if lookup.dataset_rows == 0:
            return CostSection(status="not-run", message=NOT_RUN, method_version=version, unit=unit)
        what = "this record" if unit == "record" else "any record of this event"
        message = (
            f"No estimate for {what}: no ISO 3166 country, no usable dates, or no World Bank "
            "GDP and Internet-use figures near its year (see the cost model)."
        )
        return CostSection(status="no-estimate", message=message, method_version=version, unit=unit)
    low = sum(r.cost_low_usd for r in rows)
    central = sum(r.cost_central_usd for r in rows)
    high = sum(r.cost_high_usd for r in rows)
    notes = list(dict.fromkeys(n for r in rows if r.notes for n in r.notes.split("; ")))
    return CostSection(
        status="estimated",
        message=None,
        method_version=version,
        unit=unit,
        records=len({r.event_id for r in rows}),
        low_usd=low,
        central_usd=central,
        high_usd=high,
        low_text=fmt_usd(low),
        central_text=fmt_usd(central),
        high_text=fmt_usd(high),
        scoped=all(r.scoped is not False for r in rows),
        scope_kinds=sorted({r.scope_kind for r in rows if r.scope_kind}),
        wdi_years=sorted({int(x.rsplit(" ", 1)[1]) for r in rows for x in r.wdi_sources or []}),
        wdi_far=any(r.wdi_far for r in rows),
        parts=[_part(r, names) for r in rows],
        notes=notes,
        simulated=any(r.simulated for r in rows),
    )


def record_cost(lake: LakeReader, names: Names, ev: EventState) -> CostSection:
    """A record's estimate for its count year: its page, its twin and the API's record."""
    return cost_section(ev, record_costs(lake, [ev.event_id]), names)


def event_cost(lake: LakeReader, names: Names, event: DistinctEvent) -> CostSection:
    """A distinct event's estimate: the sum of its records', each counted once."""
    return cost_section(None, record_costs(lake, event.record_ids), names, unit="event")
