"""Routing security as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.routing import api, cli, incidents_step, indicators, scorecard, source, step

AREA = Area(
    id="routing",
    title="Routing security",
    sources=source.SOURCES,
    steps=(step.STEP, incidents_step.STEP, scorecard.STEP),
    indicators=indicators.INDICATORS,
    cli=cli.app,
    router=api.router,
    nav=(("/routing/incidents", "Routing"),),
)
