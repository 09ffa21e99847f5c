"""RPKI as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.rpki import cli, source, step

AREA = Area(id="rpki", title="RPKI", sources=source.SOURCES, steps=step.STEPS, cli=cli.app)
