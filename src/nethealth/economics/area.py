"""The economics area as data (see nethealth.area): the World Bank figures the cost model of
shutdowns and outages reads."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.economics import source

AREA = Area(id="economics", title="Economics", sources=source.SOURCES)
