"""The infrastructure area as data (see nethealth.area)."""

from __future__ import annotations

from fastapi import APIRouter

from nethealth.area import Area
from nethealth.infrastructure import api, cli, community_api, indicators, pages, source, step
from nethealth.ui.msgids import N_

# The IXP tracker's routes (/api/v1/ixps) and the communities' (/api/v1/communities): one
# router whose routes carry their full paths.
ROUTER = APIRouter(routes=[*api.router.routes, *community_api.router.routes])

AREA = Area(
    id="infrastructure",
    title="Infrastructure",
    sources=source.SOURCES,
    steps=step.STEPS,
    indicators=indicators.INDICATORS,
    cli_extra=(("communities", cli.app),),
    router=ROUTER,
    pages=pages.PAGES,
    sections=pages.SECTIONS,
    nav=(("/ixps", N_("IXPs")), ("/communities", N_("Communities"))),
)
