"""The shutdown tracker's pages and their JSON twins: `/shutdowns` (filtered, sorted, paged list
of distinct events or of records, with counts per year), `/shutdowns/events/{ev-…}` (one
distinct event and its records) and `/shutdowns/{record_id}` (one record)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from nethealth.shutdowns.events import Clock
from nethealth.shutdowns.model import SCOPES, SOURCES, TYPES
from nethealth.shutdowns.store import ShutdownStore
from nethealth.ui.charts import NARROW, WIDE, BarChart, bar_chart
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.models import ERROR_RESPONSES
from nethealth.ui.params import YEAR
from nethealth.ui.views import SortOrder
from nethealth.web.render import render
from nethealth.web.shutdown_data import country_names, get_store, today_utc
from nethealth.web.shutdown_event import EventView, event_view
from nethealth.web.shutdown_group import DistinctEventView, distinct_event_view
from nethealth.web.shutdown_views import (
    MAX_PER_PAGE,
    PER_PAGE,
    Names,
    Records,
    ShutdownListView,
    Unit,
    YearCount,
    list_query,
    list_view,
    parse_filters,
)

router = APIRouter(responses=ERROR_RESPONSES)
twins = APIRouter(tags=["pages (JSON twins)"], responses=ERROR_RESPONSES)

Ctx = Annotated[AppContext, Depends(get_context)]
Store = Annotated[ShutdownStore, Depends(get_store)]
CountryParam = Annotated[str | None, Query(description="ISO 3166-1 alpha-2 (or a country name)")]
YearParam = Annotated[
    str | None, YEAR, Query(description="The year an event is counted in (1990..2100)")
]
TypeParam = Annotated[str | None, Query(alias="type", description=" | ".join(TYPES))]
ScopeParam = Annotated[str | None, Query(description=" | ".join(SCOPES))]
SourceParam = Annotated[str | None, Query(description=" | ".join(SOURCES))]
RecordsParam = Annotated[Records, Query(description="current (default), retracted or all")]
UnitParam = Annotated[
    Unit, Query(description="events (distinct events, default) or records (one per source row)")
]
OrderParam = Annotated[SortOrder, Query(description="By start date: desc (newest first) or asc")]
PageParam = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")]
PerPageParam = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Events per page")]
PER_PAGE_CHOICES = (25, 50, 100)


def names_for(ctx: AppContext) -> Names:
    by_cc, pages = country_names(ctx.lake)
    return Names(by_cc=by_cc, pages=pages)


def year_charts(years: list[YearCount]) -> list[BarChart]:
    """The wide and the narrow rendering of events per year (none without events)."""
    counts = [(str(y.year), y.count) for y in years]
    chosen = next((str(y.year) for y in years if y.selected), None)
    drawn = [bar_chart(counts, size, highlight=chosen) for size in (WIDE, NARROW)]
    return [c for c in drawn if c is not None]


# The list --------------------------------------------------------------------------------------


def _list(
    ctx: AppContext,
    store: ShutdownStore,
    *,
    country: str | None,
    year: str | None,
    kind: str | None,
    scope: str | None,
    source: str | None,
    records: Records,
    unit: Unit,
    order: SortOrder,
    page: int,
    per_page: int,
) -> ShutdownListView:
    filters, flt = parse_filters(
        country=country,
        year=year,
        type=kind,
        scope=scope,
        source=source,
        records=records,
        unit=unit,
    )
    state = store.state()
    clock = Clock.of(state, today_utc())
    return list_view(state, names_for(ctx), filters, flt, order, page, per_page, clock)


@twins.get(
    "/shutdowns.json",
    response_model=ShutdownListView,
    summary="JSON twin of the shutdown tracker's list",
)
def shutdowns_json(
    ctx: Ctx,
    store: Store,
    country: CountryParam = None,
    year: YearParam = None,
    kind: TypeParam = None,
    scope: ScopeParam = None,
    source: SourceParam = None,
    records: RecordsParam = Records.current,
    unit: UnitParam = Unit.events,
    order: OrderParam = SortOrder.desc,
    page: PageParam = 1,
    per_page: PerPageParam = PER_PAGE,
) -> ShutdownListView:
    return _list(
        ctx,
        store,
        country=country,
        year=year,
        kind=kind,
        scope=scope,
        source=source,
        records=records,
        unit=unit,
        order=order,
        page=page,
        per_page=per_page,
    )


@router.get("/shutdowns", response_class=HTMLResponse, include_in_schema=False)
def shutdowns(
    request: Request,
    ctx: Ctx,
    store: Store,
    country: CountryParam = None,
    year: YearParam = None,
    kind: TypeParam = None,
    scope: ScopeParam = None,
    source: SourceParam = None,
    records: RecordsParam = Records.current,
    unit: UnitParam = Unit.events,
    order: OrderParam = SortOrder.desc,
    page: PageParam = 1,
    per_page: PerPageParam = PER_PAGE,
) -> HTMLResponse:
    view = _list(
        ctx,
        store,
        country=country,
        year=year,
        kind=kind,
        scope=scope,
        source=source,
        records=records,
        unit=unit,
        order=order,
        page=page,
        per_page=per_page,
    )
    flipped = SortOrder.asc if view.order is SortOrder.desc else SortOrder.desc
    sort_query = list_query(view.filters, flipped, 1, view.per_page)
    return render(
        request,
        "shutdowns.html",
        title="Shutdown tracker",
        json_url=view.links.json_,
        view=view,
        charts=year_charts(view.per_year),
        sort_href=("/shutdowns?" + sort_query if sort_query else "/shutdowns") + "#events",
        per_page_choices=sorted({*PER_PAGE_CHOICES, view.per_page}),
        year_href=lambda y: (
            "/shutdowns?"
            + list_query(view.filters.model_copy(update={"year": y}), view.order, 1, view.per_page)
        ),
    )


# One distinct event ----------------------------------------------------------------------------


@twins.get(
    "/shutdowns/events/{event_id}.json",
    response_model=DistinctEventView,
    summary="JSON twin of a distinct shutdown event's page",
)
def distinct_event_json(event_id: str, ctx: Ctx, store: Store) -> DistinctEventView:
    return distinct_event_view(store, ctx.lake, names_for(ctx), event_id, today_utc())


@router.get("/shutdowns/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
def distinct_event(event_id: str, request: Request, ctx: Ctx, store: Store) -> HTMLResponse:
    view = distinct_event_view(store, ctx.lake, names_for(ctx), event_id, today_utc())
    return render(
        request, "shutdown_event.html", title=view.title, json_url=view.links.json_, view=view
    )


# One record ------------------------------------------------------------------------------------


@twins.get(
    "/shutdowns/{event_id}.json",
    response_model=EventView,
    summary="JSON twin of a shutdown event's page",
)
def event_json(event_id: str, ctx: Ctx, store: Store) -> EventView:
    return event_view(store, ctx.lake, names_for(ctx), event_id, today_utc())


@router.get("/shutdowns/{event_id}", response_class=HTMLResponse, include_in_schema=False)
def event(event_id: str, request: Request, ctx: Ctx, store: Store) -> HTMLResponse:
    view = event_view(store, ctx.lake, names_for(ctx), event_id, today_utc())
    return render(request, "shutdown.html", title=view.title, json_url=view.links.json_, view=view)
