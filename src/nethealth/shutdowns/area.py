"""The shutdown tracker as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.shutdowns import api, cli, pages, source, step
from nethealth.ui.msgids import N_

AREA = Area(
    id="shutdowns",
    title="Shutdowns",
    sources=source.SOURCES,
    steps=step.STEPS,
    cli=cli.app,
    router=api.router,
    pages=pages.PAGES,
    sections=pages.SECTIONS,
    map_layers=pages.MAP_LAYERS,
    nav=(("/shutdowns", N_("Shutdowns")),),
)
