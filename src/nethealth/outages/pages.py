"""The detected-outage pages and their JSON twins, declared as `Page`s (`/outages`, the filtered
list, and `/outages/{event_id}`, one event with its evidence charts), the country page's
"Outages" `Section` and the home map's "Ongoing outages" `MapLayer`. The view models and their
builders are in `outages.page_views`; every figure comes from the area's read model
(`outages.query`), as the API's do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from nethealth.area import Glance, MapLayer, Page, Section, SectionContext
from nethealth.outages.page_views import (
    OUTAGE_LAYER,
    SEVERITIES,
    STATUSES,
    CountryOutages,
    OutageEventView,
    OutageFilters,
    OutageListView,
    SignalEvidence,
    country_outages,
    outage_event,
    outage_list,
    outage_map_view,
    parse_time,
)
from nethealth.routing import query as routing_query
from nethealth.routing.query import RoutingLake
from nethealth.shutdowns.query import get_store
from nethealth.shutdowns.store import ShutdownStore
from nethealth.shutdowns.views import event_title, names_of
from nethealth.ui.charts import NARROW, WIDE
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.msgids import N_
from nethealth.ui.params import DATE_TIME
from nethealth.ui.time_charts import TimeChart, TimePoint, time_chart
from nethealth.ui.views import HomeView, SortKey, SortOrder

Ctx = Annotated[AppContext, Depends(get_context)]
Store = Annotated[ShutdownStore, Depends(get_store)]
Routing = Annotated[RoutingLake, Depends(routing_query.routing_lake)]
CountryParam = Annotated[str | None, Query(description="ISO 3166-1 alpha-2")]
FromParam = Annotated[
    str | None,
    DATE_TIME,
    Query(
        alias="from", description="Events ending after: YYYY-MM-DD or ISO 8601 (no offset = UTC)"
    ),
]
ToParam = Annotated[
    str | None, DATE_TIME, Query(description="Events starting before (same forms as `from`)")
]
StatusParam = Annotated[str | None, Query(description=" | ".join(STATUSES))]
SeverityParam = Annotated[str | None, Query(description=" | ".join(SEVERITIES))]


def _filters(
    country: str | None, from_: str | None, to: str | None, status: str | None, sev: str | None
) -> OutageFilters:
    return OutageFilters(
        country=country.strip().upper() if country else None,
        from_=from_ or None,
        to=to or None,
        status=status or None,
        severity=sev or None,
    )


def asn_pages(routing: RoutingLake) -> Callable[[list[int]], set[int]]:
    """Which of some ASNs have an `/asn/{asn}` page (the routing data has routes of them)."""

    def has(asns: list[int]) -> set[int]:
        return routing_query.asns_with_routes(routing, asns)

    return has


def evidence_charts(ev: SignalEvidence) -> list[TimeChart]:
    """The wide and narrow rendering of one signal, shaded over its interval."""
    points = [TimePoint(parse_time(p.t), p.value) for p in ev.points]
    lo = parse_time(ev.interval_start)
    hi = parse_time(ev.interval_end) if ev.interval_end else points[-1].t if points else lo
    drawn = [time_chart(points, size, (lo, hi), ev.baseline) for size in (WIDE, NARROW)]
    return [c for c in drawn if c is not None]


# The list --------------------------------------------------------------------------------------


def outages(
    ctx: Ctx,
    country: CountryParam = None,
    from_: FromParam = None,
    to: ToParam = None,
    status: StatusParam = None,
    severity: SeverityParam = None,
    t: Translator = ENGLISH,
) -> OutageListView:
    f = _filters(country, from_, to, status, severity)
    return outage_list(ctx.settings, names_of(ctx.lake), f, t)


def _list_title(_view: OutageListView, t: Translator) -> str:
    return t.gettext("Detected outages")


def _list_extras(_view: OutageListView, _t: Translator) -> Mapping[str, Any]:
    return {"statuses": STATUSES, "severities": SEVERITIES}


# One event -------------------------------------------------------------------------------------


def outage(
    event_id: str, ctx: Ctx, store: Store, routing: Routing, t: Translator = ENGLISH
) -> OutageEventView:
    names = names_of(ctx.lake)
    state = store.state()

    def title(sid: str) -> str | None:
        ev = state.events.get(sid)
        return event_title(ev, names) if ev is not None else None

    return outage_event(
        ctx.settings, names, event_id, has_asn_page=asn_pages(routing), shutdown_title=title, t=t
    )


def _event_title(view: OutageEventView, _t: Translator) -> str:
    return view.title  # already in the reader's language


def _event_charts(view: OutageEventView, _t: Translator) -> Mapping[str, Any]:
    return {"charts": {ev.signal: evidence_charts(ev) for ev in view.evidence}}


PAGES = (
    Page("/outages", "outages.html", outages, _list_title, "JSON twin of /outages",
         _list_extras),
    Page("/outages/{event_id}", "outage.html", outage, _event_title,
         "JSON twin of a detected outage's page", _event_charts),
)  # fmt: skip


# The country page's section --------------------------------------------------------------------


def _country(ctx: SectionContext) -> CountryOutages | None:
    return country_outages(ctx.app.settings, names_of(ctx.app.lake), ctx.cc, ctx.t, ctx.name)


def _glance(model: CountryOutages, t: Translator) -> Glance:
    value = str(model.count)
    if model.ongoing:
        value += " " + t.gettext("(%(num)s ongoing)", num=model.ongoing)
    return Glance("outages", t.gettext("Outages detected"), value)


SECTIONS = (Section("outages", "outage_country.html", CountryOutages, _country, glance=_glance),)


# The home map's layer --------------------------------------------------------------------------


def _layer(
    ctx: AppContext, _request: Request, sort: SortKey, order: SortOrder, today: dt.date
) -> HomeView:
    return outage_map_view(ctx, sort, order, today)


MAP_LAYERS = (
    MapLayer(
        OUTAGE_LAYER,
        N_("Ongoing outages"),
        N_("Detected outages"),
        "layer_outages.html",
        _layer,
        "ongoing detected outages",
    ),
)
