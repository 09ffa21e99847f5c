"""Country-page sections still built in the web layer, until their areas declare them in their
own `pages.py` (issue 13's migration). Each is a plain `Section`, so moving one is moving code."""

from __future__ import annotations

from typing import Any

from nethealth.area import Glance, Section, SectionContext
from nethealth.ui.i18n import Translator
from nethealth.web.outage_views import CountryOutages, country_outages
from nethealth.web.routing_data import get_routing
from nethealth.web.routing_pages import state_charts
from nethealth.web.routing_views import CountryRouting, country_routing
from nethealth.web.shutdown_country import CountryShutdowns, country_shutdowns
from nethealth.web.shutdown_data import get_store
from nethealth.web.shutdown_pages import names_for, year_charts


def _shutdowns(ctx: SectionContext) -> CountryShutdowns:
    state = get_store(ctx.request).state()
    return country_shutdowns(state, names_for(ctx.app), ctx.cc, ctx.name, ctx.today, ctx.t)


def _shutdown_glance(model: CountryShutdowns, t: Translator) -> Glance:
    value = str(model.count)
    if model.ongoing:
        value += " " + t.gettext("(%(num)s ongoing)", num=model.ongoing)
    return Glance("shutdowns", t.gettext("Shutdown events recorded"), value)


def _outages(ctx: SectionContext) -> CountryOutages | None:
    return country_outages(ctx.app.settings, names_for(ctx.app), ctx.cc, ctx.t, ctx.name)


def _outage_glance(model: CountryOutages, t: Translator) -> Glance:
    value = str(model.count)
    if model.ongoing:
        value += " " + t.gettext("(%(num)s ongoing)", num=model.ongoing)
    return Glance("outages", t.gettext("Outages detected"), value)


def _routing(ctx: SectionContext) -> CountryRouting | None:
    return country_routing(get_routing(ctx.request), ctx.cc)


def _year_charts(model: CountryShutdowns, _t: Translator) -> dict[str, Any]:
    return {"charts": year_charts(model.per_year)}


def _routing_charts(model: CountryRouting, t: Translator) -> dict[str, Any]:
    return {"charts": state_charts(model.states, t)}


SECTIONS = (
    Section(
        "shutdowns",
        "shutdown_country.html",
        CountryShutdowns,
        _shutdowns,
        extras=_year_charts,
        glance=_shutdown_glance,
    ),
    Section("outages", "outage_country.html", CountryOutages, _outages, glance=_outage_glance),
    Section("routing", "routing_country.html", CountryRouting, _routing, extras=_routing_charts),
)
