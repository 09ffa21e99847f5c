"""The infrastructure area as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.infrastructure import api, indicators, pages, source, step
from nethealth.ui.msgids import N_

AREA = Area(
    id="infrastructure",
    title="Infrastructure",
    sources=source.SOURCES,
    steps=step.STEPS,
    indicators=indicators.INDICATORS,
    router=api.router,
    pages=pages.PAGES,
    sections=pages.SECTIONS,
    nav=(("/ixps", N_("IXPs")),),
)
