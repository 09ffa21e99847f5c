"""The BGP data plane as data (see nethealth.area). Its datasets are in the catalog, its
country figures are indicators, the routing and outages steps read its decoded RIBs
(`derived.decoded_rib`); its API router answers AS hegemony and country transit dependency
(`bgp.api`) and its country-page section shows the transit dependency (`bgp.pages`)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.bgp import api, cli, indicators, pages, source, step

AREA = Area(
    id="bgp",
    title="BGP data plane",
    sources=source.SOURCES,
    steps=step.STEPS,
    indicators=indicators.INDICATORS,
    cli=cli.app,
    cli_extra=(("hegemony", cli.hegemony_app),),
    router=api.router,
    sections=pages.SECTIONS,
)
