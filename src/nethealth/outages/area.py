"""Outage detection as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.outages import api, cli, lake, source

AREA = Area(
    id="outages",
    title="Outages",
    sources=source.SOURCES,
    steps=(lake.STEP,),
    cli=cli.app,
    cli_extra=(("events", cli.events_app),),
    router=api.router,
    nav=(("/outages", "Outages"),),
)
