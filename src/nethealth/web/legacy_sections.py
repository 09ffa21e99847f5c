"""Country-page sections and home-map layers still built in the web layer, until their areas
declare them in their own `pages.py` (issue 13's migration). Each is a plain `Section` or
`MapLayer`, so moving one is moving code (the shutdown tracker's are in
nethealth.shutdowns.pages, routing security's in nethealth.routing.pages)."""

from __future__ import annotations

import datetime as dt

from fastapi import Request

from nethealth.area import Glance, MapLayer, Section, SectionContext
from nethealth.shutdowns.views import names_of
from nethealth.ui.context import AppContext
from nethealth.ui.i18n import Translator
from nethealth.ui.msgids import N_
from nethealth.ui.views import HomeView, SortKey, SortOrder
from nethealth.web.outage_layer import outage_map_view
from nethealth.web.outage_views import OUTAGE_LAYER, CountryOutages, country_outages


def _outages(ctx: SectionContext) -> CountryOutages | None:
    return country_outages(ctx.app.settings, names_of(ctx.app.lake), ctx.cc, ctx.t, ctx.name)


def _outage_glance(model: CountryOutages, t: Translator) -> Glance:
    value = str(model.count)
    if model.ongoing:
        value += " " + t.gettext("(%(num)s ongoing)", num=model.ongoing)
    return Glance("outages", t.gettext("Outages detected"), value)


SECTIONS = (
    Section("outages", "outage_country.html", CountryOutages, _outages, glance=_outage_glance),
)


def _outage_layer(
    ctx: AppContext, _request: Request, sort: SortKey, order: SortOrder, today: dt.date
) -> HomeView:
    return outage_map_view(ctx, sort, order, today)


LAYERS = (
    MapLayer(
        OUTAGE_LAYER,
        N_("Ongoing outages"),
        N_("Detected outages"),
        "layer_outages.html",
        _outage_layer,
        "ongoing detected outages",
    ),
)
