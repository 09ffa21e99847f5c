"""The infrastructure area as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.infrastructure import indicators, source, step

AREA = Area(
    id="infrastructure",
    title="Infrastructure",
    sources=source.SOURCES,
    steps=step.STEPS,
    indicators=indicators.INDICATORS,
)
