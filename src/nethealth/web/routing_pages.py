"""The routing-security pages and their JSON twins: `/asn/{asn}`, `/routing/incidents` (filtered
list) and `/routing/incidents/{id}`. The country page's section is built in `pages.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from nethealth.errors import InputError
from nethealth.ui.charts import NARROW, WIDE, BarChart, bar_chart
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.models import ERROR_RESPONSES
from nethealth.ui.params import DATE_TIME
from nethealth.web.render import render, translator_for
from nethealth.web.routing_data import RoutingData, get_routing
from nethealth.web.routing_views import (
    TYPE_LABELS,
    AsnPageView,
    IncidentFilters,
    IncidentListView,
    IncidentView,
    StateShare,
    asn_view,
    incident_list_view,
    incident_view,
)

router = APIRouter(responses=ERROR_RESPONSES)
twins = APIRouter(tags=["pages (JSON twins)"], responses=ERROR_RESPONSES)

Data = Annotated[RoutingData, Depends(get_routing)]
PageParam = Annotated[int, Query(ge=1, le=1_000_000, description="Page of prefixes, from 1")]
TypeParam = Annotated[str | None, Query(alias="type", description=" | ".join(TYPE_LABELS))]
AsnParam = Annotated[
    str | None, Query(description="AS number: culprit or victim (AS prefix optional)")
]
FromParam = Annotated[
    str | None,
    DATE_TIME,
    Query(alias="from", description="YYYY-MM-DD or ISO 8601 time (no offset = UTC), 1970..2100"),
]
ToParam = Annotated[
    str | None, DATE_TIME, Query(description="YYYY-MM-DD or ISO 8601 time (no offset = UTC)")
]


def state_charts(states: list[StateShare], t: Translator = ENGLISH) -> list[BarChart]:
    """Routes per ROV state, wide and narrow; none when the AS or country has no route."""
    if not any(s.routes for s in states):
        return []
    counts = [(t.tr(s.label), s.routes) for s in states]
    drawn = [bar_chart(counts, size) for size in (WIDE, NARROW)]
    return [c for c in drawn if c is not None]


def _filters(
    kind: str | None, asn: str | None, from_: str | None, to: str | None
) -> IncidentFilters:
    number: int | None = None
    if asn:
        text = asn.strip().upper().removeprefix("AS")
        if not text.isdigit() or int(text) >= 2**32:
            raise InputError(
                f"not an AS number: {asn!r}", field="asn", hint="e.g. 64500 or AS64500"
            )
        number = int(text)
    return IncidentFilters(type=kind or None, asn=number, from_=from_ or None, to=to or None)


# One AS ----------------------------------------------------------------------------------------


@twins.get("/asn/{asn}.json", response_model=AsnPageView, summary="JSON twin of an AS's page")
def asn_json(asn: int, data: Data, page: PageParam = 1) -> AsnPageView:
    return asn_view(data, asn, page)


@router.get("/asn/{asn}", response_class=HTMLResponse, include_in_schema=False)
def asn_page(asn: int, request: Request, data: Data, page: PageParam = 1) -> HTMLResponse:
    view = asn_view(data, asn, page)
    t = translator_for(request)
    return render(
        request,
        "asn.html",
        title=t.gettext("%(asn)s routing security", asn=view.title),
        json_url=view.links.json_,
        view=view,
        charts=state_charts(view.states, t),
    )


# Incidents -------------------------------------------------------------------------------------


@twins.get(
    "/routing/incidents.json",
    response_model=IncidentListView,
    summary="JSON twin of the routing incident list",
)
def incidents_json(
    data: Data,
    kind: TypeParam = None,
    asn: AsnParam = None,
    from_: FromParam = None,
    to: ToParam = None,
) -> IncidentListView:
    return incident_list_view(data, _filters(kind, asn, from_, to))


@router.get("/routing/incidents", response_class=HTMLResponse, include_in_schema=False)
def incidents_page(
    request: Request,
    data: Data,
    kind: TypeParam = None,
    asn: AsnParam = None,
    from_: FromParam = None,
    to: ToParam = None,
) -> HTMLResponse:
    view = incident_list_view(data, _filters(kind, asn, from_, to), translator_for(request))
    return render(
        request, "routing_incidents.html", title=view.title, json_url=view.links.json_, view=view
    )


@twins.get(
    "/routing/incidents/{incident_id}.json",
    response_model=IncidentView,
    summary="JSON twin of a routing incident's page",
)
def incident_json(incident_id: str, data: Data) -> IncidentView:
    return incident_view(data, incident_id)


@router.get(
    "/routing/incidents/{incident_id}", response_class=HTMLResponse, include_in_schema=False
)
def incident_page(incident_id: str, request: Request, data: Data) -> HTMLResponse:
    view = incident_view(data, incident_id, translator_for(request))
    return render(request, "incident.html", title=view.title, json_url=view.links.json_, view=view)
