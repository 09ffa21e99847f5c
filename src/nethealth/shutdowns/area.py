"""The shutdown tracker as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.shutdowns import api, cli, lake, source

AREA = Area(
    id="shutdowns",
    title="Shutdowns",
    sources=source.SOURCES,
    steps=lake.STEPS,
    cli=cli.app,
    router=api.router,
    nav=(("/shutdowns", "Shutdowns"),),
)
