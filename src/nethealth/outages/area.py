"""Outage detection as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.outages import api, cli, pages, source, step
from nethealth.ui.msgids import N_

AREA = Area(
    id="outages",
    title="Outages",
    sources=source.SOURCES,
    steps=step.STEPS,
    cli=cli.app,
    cli_extra=(("events", cli.events_app),),
    router=api.router,
    pages=pages.PAGES,
    sections=pages.SECTIONS,
    map_layers=pages.MAP_LAYERS,
    nav=(("/outages", N_("Outages")),),
)
