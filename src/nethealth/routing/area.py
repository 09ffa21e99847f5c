"""Routing security as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.routing import api, cli, indicators, pages, source, step
from nethealth.ui.msgids import N_

AREA = Area(
    id="routing",
    title="Routing security",
    sources=source.SOURCES,
    steps=step.STEPS,
    indicators=indicators.INDICATORS,
    cli=cli.app,
    router=api.router,
    pages=pages.PAGES,
    sections=pages.SECTIONS,
    nav=(("/routing/incidents", N_("Routing")),),
)
