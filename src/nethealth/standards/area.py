"""The open-standards area as data (see nethealth.area)."""

from __future__ import annotations

from nethealth.area import Area
from nethealth.standards import api, cli

AREA = Area(
    id="standards",
    title="Open standards",
    cli=cli.app,
    router=api.router,
    cli_extra=(("scan", cli.scan_app),),
)
