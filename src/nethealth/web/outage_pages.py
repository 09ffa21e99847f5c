"""The detected-outage pages and their JSON twins: `/outages` (filtered list) and
`/outages/{event_id}` (one event with its evidence charts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from nethealth.routing import query as routing_query
from nethealth.routing.query import RoutingLake
from nethealth.shutdowns.query import get_store
from nethealth.shutdowns.store import ShutdownStore
from nethealth.shutdowns.views import event_title, names_of
from nethealth.ui.charts import NARROW, WIDE
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.models import ERROR_RESPONSES
from nethealth.ui.params import DATE_TIME
from nethealth.ui.time_charts import TimeChart, TimePoint, time_chart
from nethealth.web.outage_views import (
    SEVERITIES,
    STATUSES,
    OutageEventView,
    OutageFilters,
    OutageListView,
    SignalEvidence,
    outage_event,
    outage_list,
    parse_time,
)
from nethealth.web.render import render, translator_for

router = APIRouter(responses=ERROR_RESPONSES)
twins = APIRouter(tags=["pages (JSON twins)"], responses=ERROR_RESPONSES)

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


def _view(
    ctx: AppContext,
    store: ShutdownStore,
    routing: RoutingLake,
    event_id: str,
    t: Translator = ENGLISH,
) -> OutageEventView:
    names = names_of(ctx.lake)
    state = store.state()

    def title(sid: str) -> str | None:
        ev = state.events.get(sid)
        return event_title(ev, names) if ev is not None else None

    return outage_event(
        ctx.settings,
        names,
        event_id,
        has_asn_page=asn_pages(routing),
        shutdown_title=title,
        t=t,
    )


def evidence_charts(ev: SignalEvidence) -> list[TimeChart]:
    """The wide and narrow rendering of one signal, shaded over its interval."""
    points = [TimePoint(parse_time(p.t), p.value) for p in ev.points]
    lo = parse_time(ev.interval_start)
    hi = parse_time(ev.interval_end) if ev.interval_end else points[-1].t if points else lo
    drawn = [time_chart(points, size, (lo, hi), ev.baseline) for size in (WIDE, NARROW)]
    return [c for c in drawn if c is not None]


@twins.get("/outages.json", response_model=OutageListView, summary="JSON twin of /outages")
def outages_json(
    ctx: Ctx,
    country: CountryParam = None,
    from_: FromParam = None,
    to: ToParam = None,
    status: StatusParam = None,
    severity: SeverityParam = None,
) -> OutageListView:
    return outage_list(
        ctx.settings, names_of(ctx.lake), _filters(country, from_, to, status, severity)
    )


@router.get("/outages", response_class=HTMLResponse, include_in_schema=False)
def outages(
    request: Request,
    ctx: Ctx,
    country: CountryParam = None,
    from_: FromParam = None,
    to: ToParam = None,
    status: StatusParam = None,
    severity: SeverityParam = None,
) -> HTMLResponse:
    t = translator_for(request)
    f = _filters(country, from_, to, status, severity)
    view = outage_list(ctx.settings, names_of(ctx.lake), f, t)
    return render(
        request,
        "outages.html",
        title=t.gettext("Detected outages"),
        json_url=view.links.json_,
        view=view,
        statuses=STATUSES,
        severities=SEVERITIES,
    )


@twins.get(
    "/outages/{event_id}.json",
    response_model=OutageEventView,
    summary="JSON twin of a detected outage's page",
)
def outage_json(event_id: str, ctx: Ctx, store: Store, routing: Routing) -> OutageEventView:
    return _view(ctx, store, routing, event_id)


@router.get("/outages/{event_id}", response_class=HTMLResponse, include_in_schema=False)
def outage(
    event_id: str, request: Request, ctx: Ctx, store: Store, routing: Routing
) -> HTMLResponse:
    view = _view(ctx, store, routing, event_id, translator_for(request))
    return render(
        request,
        "outage.html",
        title=view.title,
        json_url=view.links.json_,
        view=view,
        charts={ev.signal: evidence_charts(ev) for ev in view.evidence},
    )
