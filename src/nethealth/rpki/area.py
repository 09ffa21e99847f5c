"""RPKI as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.rpki import build, cli, source

AREA = Area(id="rpki", title="RPKI", sources=source.SOURCES, steps=(build.STEP,), cli=cli.app)
