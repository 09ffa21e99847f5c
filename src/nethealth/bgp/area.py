"""The BGP data plane as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.bgp import cli, derived, indicators, source

AREA = Area(
    id="bgp",
    title="BGP data plane",
    sources=source.SOURCES,
    steps=(derived.STEP,),
    indicators=indicators.INDICATORS,
    cli=cli.app,
)
