"""The open-standards area as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.standards import cli

AREA = Area(
    id="standards",
    title="Open standards",
    cli=cli.app,
    cli_extra=(("scan", cli.scan_app),),
)
