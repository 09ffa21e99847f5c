"""The BGP data plane as data (see nethealth.area). It has no API router or pages: its datasets
are in the catalog, its country figures are indicators, and the routing and outages steps read
its decoded RIBs (`derived.decoded_rib`)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.bgp import cli, indicators, source, step

AREA = Area(
    id="bgp",
    title="BGP data plane",
    sources=source.SOURCES,
    steps=step.STEPS,
    indicators=indicators.INDICATORS,
    cli=cli.app,
    cli_extra=(("hegemony", cli.hegemony_app),),
)
