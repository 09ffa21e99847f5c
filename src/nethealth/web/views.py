"""What each page shows, as typed models: the HTML templates render them and the JSON twins
serve them unchanged, so a page and its twin cannot disagree."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from nethealth.areas import all_sources
from nethealth.common.status import Status
from nethealth.errors import InputError, LakeUnavailableError
from nethealth.indicators.registry import Indicator
from nethealth.lake.reader import ValueRow
from nethealth.ops.status import CheckNote, SourceStatus, status_view
from nethealth.shutdowns.method import TrackerMethod, tracker_method
from nethealth.ui import values as service
from nethealth.ui.charts import Point, summarise
from nethealth.ui.context import AppContext
from nethealth.ui.formatting import fmt_value
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.map_classes import class_for, classify
from nethealth.ui.models import (
    API_VERSION,
    PROVENANCE_DESCRIPTION,
    SERIES_DESCRIPTION,
    CountryMeta,
    IndicatorMeta,
    ProvenanceRecord,
    ProvenanceSummary,
    SourceRef,
    Value,
)
from nethealth.ui.views import (
    GapGroup,
    GapRow,
    HomeView,
    MapRow,
    PageLinks,
    SortKey,
    SortOrder,
    _class_label,
    home_query,
    indicator_options,
    legend_of,
    sort_rows,
)
from nethealth.web.method_docs import DetectorMethod, detector_methods


def _default_indicator(ctx: AppContext, indicators: list[Indicator]) -> Indicator:
    """The first indicator (registry order) with measured values: lead with real data, so a
    demo mixing real and simulated sources opens on a real one."""
    for ind in indicators:
        if any(not v.simulated for v in ctx.lake.latest_values(ind.id)):
            return ind
    return indicators[0]


def gap_rows(countries: Sequence[Any], latest: dict[str, ValueRow]) -> list[GapRow]:
    """Every country without a measured value: its latest row's status and reason, or (no row
    at all) not measured."""
    out = []
    for c in countries:
        v = latest.get(c.cc)
        if v is not None and v.value is not None:
            continue
        status = v.status if v is not None and v.value is None else Status.NOT_MEASURED.value
        if status in (Status.MEASURED, Status.ZERO_MEASURED):  # a null left as measured
            status = Status.NOT_MEASURED.value
        reason = (v.reason if v is not None else "") or "no value computed for this country"
        out.append(GapRow(cc=c.cc, numeric=c.numeric, name=c.name, status=status, reason=reason,
                          date=v.date if v is not None else None))  # fmt: skip
    return out


def gap_groups(gaps: Sequence[GapRow]) -> list[GapGroup]:
    """Gaps grouped by (status, reason), largest first: one line per cause, not per country."""
    groups: dict[tuple[str, str], list[str]] = {}
    for g in gaps:
        groups.setdefault((g.status, g.reason), []).append(g.cc)
    return [
        GapGroup(status=st, reason=why, count=len(ccs), countries=ccs)
        for (st, why), ccs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def home_view(
    ctx: AppContext, indicator_id: str | None, sort: SortKey, order: SortOrder
) -> HomeView:
    indicators = ctx.indicators()
    ind: Indicator | None = None
    if indicator_id:
        ind = service.resolve_indicator(ctx, indicator_id)
    elif indicators:
        ind = _default_indicator(ctx, indicators)
    countries = ctx.lake.countries()  # also raises 503 before anything else when no lake
    latest = {v.country: v for v in ctx.lake.latest_values(ind.id)} if ind else {}
    values = [v.value for v in latest.values() if v.value is not None]
    classes = classify(values)
    unit = ind.unit if ind else ""
    rows = [
        MapRow(
            cc=c.cc,
            numeric=c.numeric,
            name=c.name,
            region=c.region,
            value=v.value,
            value_text=fmt_value(v.value, unit),
            date=v.date,
            simulated=v.simulated,
            colour=class_for(v.value, classes).colour,
            step=class_for(v.value, classes).step,
        )
        for c in countries
        if (v := latest.get(c.cc)) is not None and v.value is not None
    ]
    median = statistics.median(values) if values else None
    query = home_query(indicator_id, sort, order)
    gaps = gap_rows(countries, latest) if ind else []
    return HomeView(
        indicator=service.indicator_meta(ctx, ind) if ind else None,
        indicators=indicator_options(indicators),
        sort=sort,
        order=order,
        countries_total=len(countries),
        countries_with_data=len(rows),
        countries_not_measured=sum(g.status == Status.NOT_MEASURED for g in gaps),
        countries_not_comparable=sum(g.status == Status.NOT_COMPARABLE for g in gaps),
        latest_date=max((r.date for r in rows), default=None),
        earliest_date=min((r.date for r in rows), default=None),
        gaps=gaps,
        gap_groups=gap_groups(gaps),
        median=median,
        median_text=fmt_value(median, unit) if median is not None else None,
        simulated=any(r.simulated for r in rows),
        legend=legend_of(classes, _class_label),
        rows=sort_rows(rows, sort, order),
        links=PageLinks(
            html="/" + (f"?{query}" if query else ""),
            json_="/index.json" + (f"?{query}" if query else ""),
            api=f"/api/v1/indicators/{ind.id}" if ind else None,
            csv=f"/api/v1/indicators/{ind.id}?format=csv" if ind else None,
        ),
    )


# Country ---------------------------------------------------------------------------------------


class IndicatorPanel(BaseModel):
    id: str
    title: str
    unit: str
    area: str
    version: str
    higher_is: str
    latest: Value | None
    latest_text: str
    summary: str
    simulated: bool
    series: list[Value] | None = Field(default=None, description=SERIES_DESCRIPTION)
    series_url: str = Field(
        default="", description="This indicator's values for this country (the series endpoint)"
    )
    status: str = Field(
        default=Status.NOT_MEASURED.value,
        description="Status of the latest value shown (or why there is none)",
    )
    reason: str = ""


class CountryView(BaseModel):
    api_version: str = API_VERSION
    country: CountryMeta
    simulated: bool
    indicators: list[IndicatorPanel]
    glance_first: dt.date | None = Field(
        default=None, description="Oldest date among the at-a-glance values"
    )
    glance_last: dt.date | None = None
    glance_mixed: bool = Field(
        default=False,
        description="True when the at-a-glance values' dates differ by more than a year",
    )
    sources: list[SourceRef]
    provenance: list[ProvenanceRecord] | None = Field(
        default=None, description=PROVENANCE_DESCRIPTION
    )
    provenance_summary: list[ProvenanceSummary] = Field(
        default_factory=list, description="Per source: how many raw files, their size, snapshots"
    )
    full_url: str = Field(
        default="", description="This document with every series and every raw file"
    )
    links: PageLinks


MIXED_DATES_DAYS = 365  # the at-a-glance panel warns when its values are further apart


def status_text(status: str, t: Translator = ENGLISH) -> str:
    """The status in the page's language."""
    words = {
        Status.MEASURED.value: t.gettext("measured"),
        Status.ZERO_MEASURED.value: t.gettext("zero measured"),
        Status.NOT_MEASURED.value: t.gettext("not measured"),
        Status.NOT_COMPARABLE.value: t.gettext("not comparable"),
    }
    return words.get(status, status)


def country_view(
    ctx: AppContext,
    raw_cc: str,
    t: Translator = ENGLISH,
    *,
    series: bool = True,
    provenance: bool = True,
) -> CountryView:
    """The country page's model. `series` / `provenance`: carry every value of every indicator /
    every raw file (the page draws the series; the twin carries both only with `?series=all`)."""
    detail = service.country_detail(ctx, raw_cc, full=True)
    registry = {i.id: i for i in ctx.indicators()}
    panels = []
    for s in detail.indicators:
        ind = registry[s.id]
        values = s.series or []
        points = [Point(v.date, v.value) for v in values if v.value is not None]
        if points:
            summary = summarise(points, s.unit)
        elif s.latest is not None:
            summary = t.gettext(
                "No value: %(status)s (%(reason)s).",
                status=status_text(s.latest.status, t),
                reason=s.latest.reason,
            )
        else:
            summary = t.gettext("No data for this country yet.")
        panels.append(
            IndicatorPanel(
                id=s.id,
                title=s.title,
                unit=s.unit,
                area=ind.area,
                version=s.version,
                higher_is=ind.higher_is,
                latest=s.latest,
                latest_text=fmt_value(s.latest.value if s.latest else None, s.unit),
                summary=summary,
                simulated=any(v.simulated for v in values),
                series=values if series else None,
                series_url=s.series_url,
                status=s.latest.status if s.latest else Status.NOT_MEASURED.value,
                reason=s.latest.reason if s.latest else "",
            )
        )
    cc = detail.country.cc
    dates = [p.latest.date for p in panels if p.latest and p.latest.value is not None]
    first, last = (min(dates), max(dates)) if dates else (None, None)
    return CountryView(
        country=detail.country,
        simulated=detail.simulated,
        indicators=panels,
        glance_first=first,
        glance_last=last,
        glance_mixed=bool(first and last and (last - first).days > MIXED_DATES_DAYS),
        sources=detail.sources,
        provenance=detail.provenance if provenance else None,
        provenance_summary=detail.provenance_summary,
        full_url=f"/country/{cc}.json?series=all",
        links=PageLinks(
            html=f"/country/{cc}",
            json_=f"/country/{cc}.json",
            api=f"/api/v1/countries/{cc}",
            csv=f"/api/v1/countries/{cc}?format=csv",
        ),
    )


def country_redirect_target(ctx: AppContext, raw_cc: str | None) -> str:
    """Where the country picker's GET form lands; validates like the country page."""
    if not raw_cc or not raw_cc.strip():
        raise InputError("choose a country", hint="pick a country in the list, then Go")
    return f"/country/{service.resolve_country(ctx, raw_cc.strip()).cc}"


# Methodology -----------------------------------------------------------------------------------


class AreaSection(BaseModel):
    area: str
    title: str
    indicators: list[IndicatorMeta]


class MethodologyView(BaseModel):
    api_version: str = API_VERSION
    areas: list[AreaSection]
    links: PageLinks
    shutdown_tracker: TrackerMethod = Field(
        description="Inclusion criteria and the economic cost model of the shutdown tracker"
    )
    detectors: list[DetectorMethod] = Field(
        description="Routing-incident and outage detectors, from their code's documentation"
    )


def area_title(area: str) -> str:
    return area.replace("_", " ").replace("-", " ").strip().capitalize() or "Other"


def methodology_view(ctx: AppContext) -> MethodologyView:
    by_area: dict[str, list[IndicatorMeta]] = defaultdict(list)
    for ind in ctx.indicators():
        by_area[ind.area].append(service.indicator_meta(ctx, ind))
    return MethodologyView(
        areas=[
            AreaSection(area=a, title=area_title(a), indicators=metas)
            for a, metas in by_area.items()
        ],
        links=PageLinks(html="/methodology", json_="/methodology.json", api="/api/v1/indicators"),
        shutdown_tracker=tracker_method(),
        detectors=detector_methods(),
    )


# About -----------------------------------------------------------------------------------------


class SourceInfoView(SourceRef):
    description: str
    fetchable: bool


class BuildStep(BaseModel):
    step_id: str
    version: str
    built_at: str


class AboutView(BaseModel):
    api_version: str = API_VERSION
    sources: list[SourceInfoView]
    lake_available: bool
    lake_message: str | None
    simulated: bool
    provenance: list[ProvenanceRecord]
    damaged_inputs: int  # raw files the build found damaged or truncated (used in part)
    build_steps: list[BuildStep]
    links: PageLinks
    freshness: list[SourceStatus] = Field(
        default_factory=list,
        description="Per source: its cadence, the newest data the lake was built from and "
        "whether they are stale today (as GET /api/v1/status)",
    )
    stale_sources: list[str] = Field(default_factory=list)
    build_notes: list[CheckNote] = Field(
        default_factory=list,
        description="The build's notes and checks: step notes, implausible size jumps, inputs "
        "from different periods",
    )


def about_view(ctx: AppContext) -> AboutView:
    """Works without a lake: the sources are static, only provenance needs a build."""
    sources = [SourceInfoView.model_validate(s, from_attributes=True) for s in ctx.sources()]
    message = None
    provenance: list[ProvenanceRecord] = []
    steps: list[BuildStep] = []
    try:
        provenance = service.provenance_records(ctx.lake.provenance())
        steps = [
            BuildStep(step_id=r.step_id, version=r.version, built_at=r.built_at)
            for r in ctx.lake.build_steps()
        ]
    except LakeUnavailableError as exc:
        message = f"{exc.message}: {exc.hint}" if exc.hint else exc.message
    shown = {s.id for s in sources}
    status = status_view(ctx.settings, ctx.lake, [s for s in all_sources() if s.id in shown])
    return AboutView(
        sources=sources,
        lake_available=message is None,
        lake_message=message,
        simulated=any(p.simulated for p in provenance),
        provenance=provenance,
        damaged_inputs=sum(p.integrity == "damaged" for p in provenance),
        build_steps=steps,
        links=PageLinks(html="/about", json_="/about.json"),
        freshness=status.sources,
        stale_sources=status.stale_sources,
        build_notes=status.notes,
    )
