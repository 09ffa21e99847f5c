"""The routing-security pages and their JSON twins, declared as `Page`s (`/asn/{asn}`,
`/routing/incidents`, `/routing/incidents/{id}`), and the country page's "Routing security"
`Section`. The view models and their builders are in `routing.page_views`; every figure comes
from the area's read model (`routing.query`), as the API's do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Query

from nethealth.area import Page, Section, SectionContext
from nethealth.errors import InputError
from nethealth.routing import query
from nethealth.routing.page_views import (
    TYPE_LABELS,
    AsnPageView,
    CountryRouting,
    IncidentFilters,
    IncidentListView,
    IncidentView,
    StateShare,
    asn_view,
    country_routing,
    incident_list_view,
    incident_view,
)
from nethealth.routing.query import RoutingLake
from nethealth.ui.charts import NARROW, WIDE, BarChart, bar_chart
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.params import DATE_TIME

Lake = Annotated[RoutingLake, Depends(query.routing_lake)]
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
        if not text.isdigit() or int(text) > query.MAX_ASN:
            raise InputError(
                f"not an AS number: {asn!r}", field="asn", hint="e.g. 64500 or AS64500"
            )
        number = int(text)
    return IncidentFilters(type=kind or None, asn=number, from_=from_ or None, to=to or None)


# One AS ----------------------------------------------------------------------------------------


def asn(asn: int, lake: Lake, page: PageParam = 1, t: Translator = ENGLISH) -> AsnPageView:
    return asn_view(lake, asn, page)


def _asn_title(view: AsnPageView, t: Translator) -> str:
    return t.gettext("%(asn)s routing security", asn=view.title)


def _asn_charts(view: AsnPageView, t: Translator) -> Mapping[str, Any]:
    return {"charts": state_charts(view.states, t)}


# Incidents -------------------------------------------------------------------------------------


def incidents(
    lake: Lake,
    kind: TypeParam = None,
    asn: AsnParam = None,
    from_: FromParam = None,
    to: ToParam = None,
    t: Translator = ENGLISH,
) -> IncidentListView:
    return incident_list_view(lake, _filters(kind, asn, from_, to), t)


def incident(incident_id: str, lake: Lake, t: Translator = ENGLISH) -> IncidentView:
    return incident_view(lake, incident_id, t)


def _title(view: IncidentListView | IncidentView, _t: Translator) -> str:
    return view.title  # already in the reader's language


PAGES = (
    Page("/asn/{asn}", "asn.html", asn, _asn_title, "JSON twin of an AS's page", _asn_charts),
    Page("/routing/incidents", "routing_incidents.html", incidents, _title,
         "JSON twin of the routing incident list"),
    Page("/routing/incidents/{incident_id}", "incident.html", incident, _title,
         "JSON twin of a routing incident's page"),
)  # fmt: skip


# The country page's section --------------------------------------------------------------------


def _country(ctx: SectionContext) -> CountryRouting | None:
    return country_routing(RoutingLake(ctx.app.settings.lake_dir), ctx.cc)


def _country_charts(model: CountryRouting, t: Translator) -> Mapping[str, Any]:
    return {"charts": state_charts(model.states, t)}


SECTIONS = (
    Section(
        "routing",
        "routing_country.html",
        CountryRouting,
        _country,
        extras=_country_charts,
    ),
)
