"""The shutdown tracker's list page (`/shutdowns`) as a typed model: the HTML template renders
it, the JSON twin serves it unchanged. It lists distinct events by default and records on
request, with its filters, sorting, pages and counts per year."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.errors import InputError
from nethealth.shutdowns.events import Clock, DistinctEvent, EventIndex, event_index
from nethealth.shutdowns.model import SCOPES, SOURCES, TYPES
from nethealth.shutdowns.query import EventFilter, coverage_year, events_of, select
from nethealth.shutdowns.store import EventState, StoreState
from nethealth.shutdowns.views import (
    API,
    FEED,
    SCOPE_LABELS,
    SOURCE_LABELS,
    SOURCE_TEXT,
    TYPE_LABELS,
    DistinctEventRow,
    EventRow,
    Names,
    YearCount,
    distinct_row,
    event_row,
    year_counts,
    year_summary,
)
from nethealth.ui.models import API_VERSION
from nethealth.ui.views import PageLinks, SortOrder

PER_PAGE, MAX_PER_PAGE = 50, 100


class Records(StrEnum):
    """Which records the list shows: retracted ones are kept, never deleted."""

    current = "current"
    retracted = "retracted"
    all = "all"


class Unit(StrEnum):
    """What the list counts: distinct events (default) or records (a row of a source each)."""

    events = "events"
    records = "records"


_RETRACTED_ARG = {Records.current: "false", Records.retracted: "only", Records.all: "all"}


# The list --------------------------------------------------------------------------------------


class ListFilters(BaseModel):
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2")
    year: int | None = None
    type: str | None = None
    scope: str | None = None
    source: str | None = None
    records: Records = Records.current
    unit: Unit = Field(
        default=Unit.events,
        description="events (distinct events, default) or records; retracted records belong "
        "to no event, so records=retracted or all lists records",
    )


class Option(BaseModel):
    value: str
    label: str


class FilterOptions(BaseModel):
    countries: list[Option]
    years: list[int]
    types: list[Option]
    scopes: list[Option]
    sources: list[Option]
    records: list[Option]
    units: list[Option]


class PageLink(BaseModel):
    number: int
    href: str
    current: bool


class ListLinks(PageLinks):
    feed: str
    records: str = Field(description="The records of this selection in the API (JSON)")
    prev: str | None = None
    next: str | None = None


class ShutdownListView(BaseModel):
    api_version: str = API_VERSION
    filters: ListFilters
    unit: Unit = Field(description="What the list and its total count: events or records")
    filtered: bool = Field(description="True when any filter narrows the list")
    description: str = Field(description="The filters in words")
    order: SortOrder = Field(description="By start date: desc (newest first) or asc")
    total: int = Field(description="Rows of the list, in its unit")
    total_events: int = Field(description="Distinct events with a record that matches")
    total_records: int = Field(description="Records that match")
    ongoing_events: int = Field(description="Of the distinct events, those ongoing")
    page: int
    per_page: int
    pages: int
    first: int = Field(description="Position of the first row on this page, from 1 (0: none)")
    last: int
    simulated: bool = Field(description="True when any row on this page is simulated")
    events: list[DistinctEventRow] = Field(description="The page's distinct events (unit events)")
    records: list[EventRow] = Field(description="The page's records (unit records)")
    per_year: list[YearCount] = Field(
        description="Per count year, all filters but year: distinct events active in the year "
        "(unit events) or records (unit records)"
    )
    per_year_summary: str
    per_year_description: str = Field(description="The filters but the year, in words")
    options: FilterOptions
    pagination: list[PageLink]
    links: ListLinks


def list_query(
    filters: ListFilters,
    order: SortOrder = SortOrder.desc,
    page: int = 1,
    per_page: int = PER_PAGE,
    *,
    fmt: str | None = None,
) -> str:
    """The list's query string without its defaults (`/shutdowns` stays `/shutdowns`)."""
    params: dict[str, str] = {
        "country": filters.country or "",
        "year": str(filters.year) if filters.year else "",
        "type": filters.type or "",
        "scope": filters.scope or "",
        "source": filters.source or "",
        "records": filters.records.value if filters.records is not Records.current else "",
        "unit": filters.unit.value if filters.unit is not Unit.events else "",
        "order": order.value if order is not SortOrder.desc else "",
        "per_page": str(per_page) if per_page != PER_PAGE else "",
        "page": str(page) if page != 1 else "",
        "format": fmt or "",
    }
    return urlencode({k: v for k, v in params.items() if v})


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def parse_filters(
    *,
    country: str | None,
    year: str | None,
    type: str | None,
    scope: str | None,
    source: str | None,
    records: Records,
    unit: Unit = Unit.events,
) -> tuple[ListFilters, EventFilter]:
    """Validate the form's values like the API does (same rules, same messages)."""
    flt = EventFilter.parse(
        country=country,
        year=year,
        type=type,
        scope=scope,
        source=source,
        retracted=_RETRACTED_ARG[records],
    )
    filters = ListFilters(
        country=flt.country,
        year=flt.year,
        type=flt.type,
        scope=flt.scope,
        source=flt.source,
        records=records,
        # Retracted records belong to no event: listing them is listing records.
        unit=unit if records is Records.current else Unit.records,
    )
    return filters, flt


def _options(state: StoreState, names: Names, index: EventIndex) -> FilterOptions:
    per_cc = Counter(cc for e in index.events for cc in e.countries)
    countries = sorted(per_cc, key=lambda cc: names.by_cc.get(cc, cc))
    years = sorted({y for e in index.events for y in e.years})
    return FilterOptions(
        countries=[
            Option(value=cc, label=f"{names.by_cc.get(cc, cc)} ({per_cc[cc]:,})")
            for cc in countries
        ],
        years=list(reversed(years)),
        types=[Option(value=t, label=TYPE_LABELS[t]) for t in TYPES],
        scopes=[Option(value=s, label=SCOPE_LABELS[s]) for s in SCOPES],
        sources=[Option(value=s, label=SOURCE_LABELS[s]) for s in SOURCES],
        records=[
            Option(value=Records.current.value, label="Current records"),
            Option(value=Records.retracted.value, label="Retracted records only"),
            Option(value=Records.all.value, label="Current and retracted"),
        ],
        units=[
            Option(value=Unit.events.value, label="Distinct events"),
            Option(value=Unit.records.value, label="Records (one per source row and year)"),
        ],
    )


def describe(filters: ListFilters, names: Names) -> str:
    """The selection in words, for captions: `Internet shutdowns in Iraq, national, 2019`."""
    narrowed = any((filters.country, filters.year, filters.type, filters.scope, filters.source))
    if filters.unit is Unit.events:
        what = "Events" if narrowed else "All events"
    else:
        what = {
            Records.current: "Records" if narrowed else "All current records",
            Records.retracted: "Retracted records",
            Records.all: "Current and retracted records",
        }[filters.records]
    if filters.type:
        what += f" of type {TYPE_LABELS[filters.type].lower()}"
    parts = [
        what
        + (f" in {names.by_cc.get(filters.country, filters.country)}" if filters.country else "")
    ]
    if filters.scope:
        parts.append(f"scope {SCOPE_LABELS[filters.scope].lower()}")
    if filters.year:
        parts.append(
            f"with a record counted in {filters.year}"
            if filters.unit is Unit.events
            else f"counted in {filters.year}"
        )
    if filters.source:
        parts.append(SOURCE_TEXT[filters.source])
    return ", ".join(parts)


def _pagination(
    filters: ListFilters, order: SortOrder, page: int, pages: int, per_page: int
) -> list[PageLink]:
    """The first, the last and the pages around the current one."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    return [
        PageLink(
            number=n,
            href=_with_query("/shutdowns", list_query(filters, order, n, per_page)),
            current=n == page,
        )
        for n in shown
    ]


def list_view(
    state: StoreState,
    names: Names,
    filters: ListFilters,
    flt: EventFilter,
    order: SortOrder,
    page: int,
    per_page: int,
    clock: Clock,
) -> ShutdownListView:
    index = event_index(state)
    found = select(state, flt)
    events = events_of(found, index)
    if order is SortOrder.asc:
        found.sort(key=lambda ev: (str(ev.fields.get("start_date") or "9999"), ev.event_id))
        events.reverse()
    unit = filters.unit
    rows: Sequence[EventState | DistinctEvent] = events if unit is Unit.events else found
    pages = max(1, math.ceil(len(rows) / per_page))
    if page > pages:
        raise InputError(
            f"page {page} is past the last page ({pages})",
            field="page",
            hint=f"the list has fewer {unit.value} with these filters; start again at page 1",
        )
    shown_events = events[(page - 1) * per_page : page * per_page] if unit is Unit.events else []
    shown_records = found[(page - 1) * per_page : page * per_page] if unit is Unit.records else []
    all_years = select(state, dataclasses.replace(flt, year=None))
    by_events = index if unit is Unit.events else None
    per_year = year_counts(all_years, filters.year, through=coverage_year(state), index=by_events)
    distinct_all = len(events_of(all_years, index)) if unit is Unit.events else None
    query = list_query(filters, order, page, per_page)
    shown = len(shown_events) + len(shown_records)
    first = (page - 1) * per_page + 1 if shown else 0
    return ShutdownListView(
        filters=filters,
        unit=unit,
        filtered=any((filters.country, filters.year, filters.type, filters.scope, filters.source))
        or filters.records is not Records.current,
        description=describe(filters, names),
        order=order,
        total=len(rows),
        total_events=len(events),
        total_records=len(found),
        ongoing_events=sum(1 for e in events if e.is_ongoing(clock)),
        page=page,
        per_page=per_page,
        pages=pages,
        first=first,
        last=first + shown - 1 if shown else 0,
        simulated=any(e.simulated for e in shown_events) or any(r.simulated for r in shown_records),
        events=[distinct_row(e, names, clock) for e in shown_events],
        records=[event_row(ev, names, clock, index) for ev in shown_records],
        per_year=per_year,
        per_year_summary=year_summary(per_year, clock.today, unit.value, distinct=distinct_all),
        per_year_description=describe(filters.model_copy(update={"year": None}), names),
        options=_options(state, names, index),
        pagination=_pagination(filters, order, page, pages, per_page),
        links=ListLinks(
            html=_with_query("/shutdowns", query),
            json_=_with_query("/shutdowns.json", query),
            api=_with_query(f"{API}/events" if unit is Unit.events else API, _api_query(filters)),
            records=_with_query(API, _api_query(filters)),
            csv=_with_query(API, _api_query(filters, csv=True)),
            feed=FEED,
            prev=_with_query("/shutdowns", list_query(filters, order, page - 1, per_page))
            if page > 1
            else None,
            next=_with_query("/shutdowns", list_query(filters, order, page + 1, per_page))
            if page < pages
            else None,
        ),
    )


def _api_query(filters: ListFilters, *, csv: bool = False) -> str:
    """The same selection in the API's parameters (its `retracted` takes false, only, all). The
    API pages by offset and its CSV holds up to 10,000 rows: the download has every match."""
    params = {
        "country": filters.country or "",
        "year": str(filters.year) if filters.year else "",
        "type": filters.type or "",
        "scope": filters.scope or "",
        "source": filters.source or "",
        "retracted": _RETRACTED_ARG[filters.records]
        if filters.records is not Records.current
        else "",
        "format": "csv" if csv else "",
    }
    return urlencode({k: v for k, v in params.items() if v})
