"""The resilience area as data (see nethealth.area): the resilience index, its own source
(APNIC IPv6 capability), its API, pages and country-page section."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.resilience import api, cli, pages, source, step
from nethealth.ui.msgids import N_

AREA = Area(
    id="resilience",
    title="Resilience",
    sources=source.SOURCES,
    steps=step.STEPS,
    cli=cli.app,
    router=api.router,
    pages=pages.PAGES,
    sections=pages.SECTIONS,
    nav=(("/resilience", N_("Resilience")),),
)
