"""The open-standards area as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.standards import api, cli, indicators, pages, source, step
from nethealth.ui.msgids import N_

AREA = Area(
    id="standards",
    title="Open standards",
    sources=source.SOURCES,
    steps=step.STEPS,
    indicators=indicators.INDICATORS,
    cli=cli.app,
    router=api.router,
    pages=pages.PAGES,
    sections=pages.SECTIONS,
    nav=(
        ("/technologies", N_("Enabling technologies")),
        ("/concentration", N_("Concentration")),
        ("/scan", N_("Test your domain")),
    ),
    cli_extra=(("scan", cli.scan_app), ("scan-list", cli.scan_list_app), ("lab", cli.lab_app)),
)
