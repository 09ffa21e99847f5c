"""The shutdown tracker's pages, country section and home-map layer, as the dashboard composes
them (nethealth.web.compose): `/shutdowns` (the filtered, sorted, paged list of distinct events
or of records, with counts per year), `/shutdowns/events/{ev-…}` (one distinct event and its
records) and `/shutdowns/{record_id}` (one record), each with its JSON twin (`….json`); the
country page's "shutdowns" section; the home map's layer "shutdown events in the last 12 months".

Every view reads the read model (nethealth.shutdowns.query), the same functions the API reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from nethealth.area import Glance, MapLayer, Page, Section, SectionContext
from nethealth.shutdowns.events import Clock
from nethealth.shutdowns.model import SCOPES, SOURCES, TYPES
from nethealth.shutdowns.query import get_store, store_for, today_utc
from nethealth.shutdowns.store import ShutdownStore
from nethealth.shutdowns.views import YearCount, names_of
from nethealth.shutdowns.views_country import (
    SHUTDOWN_LAYER,
    CountryShutdowns,
    country_shutdowns,
    shutdown_map_view,
)
from nethealth.shutdowns.views_event import DistinctEventView, distinct_event_view
from nethealth.shutdowns.views_list import (
    MAX_PER_PAGE,
    PER_PAGE,
    Records,
    ShutdownListView,
    Unit,
    list_query,
    list_view,
    parse_filters,
)
from nethealth.shutdowns.views_record import EventView, event_view
from nethealth.ui.charts import NARROW, WIDE, BarChart, bar_chart
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.i18n import Translator
from nethealth.ui.msgids import N_
from nethealth.ui.params import YEAR
from nethealth.ui.views import HomeView, SortKey, SortOrder

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


def year_charts(years: list[YearCount]) -> list[BarChart]:
    """The wide and the narrow rendering of events per year (none without events)."""
    counts = [(str(y.year), y.count) for y in years]
    chosen = next((str(y.year) for y in years if y.selected), None)
    drawn = [bar_chart(counts, size, highlight=chosen) for size in (WIDE, NARROW)]
    return [c for c in drawn if c is not None]


# The list --------------------------------------------------------------------------------------


def shutdowns(
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
    *,
    t: Translator,
) -> ShutdownListView:
    """The list (its text is English: it is composed from the tracker's vocabularies)."""
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
    return list_view(state, names_of(ctx.lake), filters, flt, order, page, per_page, clock)


def _list_extras(view: ShutdownListView, _t: Translator) -> Mapping[str, Any]:
    flipped = SortOrder.asc if view.order is SortOrder.desc else SortOrder.desc
    sort_query = list_query(view.filters, flipped, 1, view.per_page)
    return {
        "charts": year_charts(view.per_year),
        "sort_href": ("/shutdowns?" + sort_query if sort_query else "/shutdowns") + "#events",
        "per_page_choices": sorted({*PER_PAGE_CHOICES, view.per_page}),
        "year_href": lambda y: (
            "/shutdowns?"
            + list_query(view.filters.model_copy(update={"year": y}), view.order, 1, view.per_page)
        ),
    }


# One distinct event, one record ------------------------------------------------------------------


def distinct_event(event_id: str, ctx: Ctx, store: Store, *, t: Translator) -> DistinctEventView:
    return distinct_event_view(store, ctx.lake, names_of(ctx.lake), event_id, today_utc())


def event(event_id: str, ctx: Ctx, store: Store, *, t: Translator) -> EventView:
    """One record (its historical name: an event of the source)."""
    return event_view(store, ctx.lake, names_of(ctx.lake), event_id, today_utc())


PAGES = (
    Page(
        "/shutdowns",
        "shutdowns.html",
        shutdowns,
        title=lambda _view, t: t.gettext("Shutdown tracker"),
        summary="JSON twin of the shutdown tracker's list",
        extras=_list_extras,
    ),
    # Before `/shutdowns/{event_id}`, which would read "events" as a record id.
    Page(
        "/shutdowns/events/{event_id}",
        "shutdown_event.html",
        distinct_event,
        title=lambda view, _t: view.title,
        summary="JSON twin of a distinct shutdown event's page",
    ),
    Page(
        "/shutdowns/{event_id}",
        "shutdown.html",
        event,
        title=lambda view, _t: view.title,
        summary="JSON twin of a shutdown event's page",
    ),
)


# The country page's section --------------------------------------------------------------------


def _country_section(ctx: SectionContext) -> CountryShutdowns:
    state = store_for(ctx.app.settings).state()
    names = names_of(ctx.app.lake)
    return country_shutdowns(state, names, ctx.cc, ctx.name, ctx.today, ctx.t)


def _country_charts(model: CountryShutdowns, _t: Translator) -> Mapping[str, Any]:
    return {"charts": year_charts(model.per_year)}


def _glance(model: CountryShutdowns, t: Translator) -> Glance:
    value = str(model.count)
    if model.ongoing:
        value += " " + t.gettext("(%(num)s ongoing)", num=model.ongoing)
    return Glance("shutdowns", t.gettext("Shutdown events recorded"), value)


SECTIONS = (
    Section(
        "shutdowns",
        "shutdown_country.html",
        CountryShutdowns,
        _country_section,
        extras=_country_charts,
        glance=_glance,
        description="The tracker's distinct events in the country (a count of 0 when none)",
    ),
)


# The home map's layer --------------------------------------------------------------------------


def _layer(
    ctx: AppContext, _request: Request, sort: SortKey, order: SortOrder, today: dt.date
) -> HomeView:
    return shutdown_map_view(ctx, store_for(ctx.settings).state(), sort, order, today)


MAP_LAYERS = (
    MapLayer(
        SHUTDOWN_LAYER,
        N_("Shutdown events in the last 12 months"),
        N_("Shutdown tracker"),
        "layer_shutdowns.html",
        _layer,
        "the map of shutdown events in the last 12 months",
    ),
)
