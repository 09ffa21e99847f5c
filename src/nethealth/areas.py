"""The one list of areas, and every list derived from it.

The pipeline's steps, the source catalog (`nethealth sources`, the about page), the indicator
registry, `nethealth fetch`/`load`, the CLI's sub-commands, the API routers, the pages and the
country page's sections all come from `AREAS`. A new area adds its `AREA` here; nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from nethealth.area import Area, MapLayer, Page, Section
from nethealth.bgp.area import AREA as BGP
from nethealth.economics.area import AREA as ECONOMICS
from nethealth.errors import NotFoundError
from nethealth.indicators.registry import Indicator, find
from nethealth.indicators.step import indicators_step
from nethealth.infrastructure.area import AREA as INFRASTRUCTURE
from nethealth.lake.build import Step
from nethealth.outages.area import AREA as OUTAGES
from nethealth.resilience.area import AREA as RESILIENCE
from nethealth.routing.area import AREA as ROUTING
from nethealth.rpki.area import AREA as RPKI
from nethealth.shutdowns.area import AREA as SHUTDOWNS
from nethealth.sources.base import Source, SourceInfo
from nethealth.standards.area import AREA as STANDARDS

# Order matters where it shows: steps run in this order (each after the steps it depends on),
# the country page's sections and the menu follow it.
AREAS: tuple[Area, ...] = (
    INFRASTRUCTURE, ECONOMICS, BGP, RPKI, SHUTDOWNS, OUTAGES, ROUTING, STANDARDS, RESILIENCE,
)  # fmt: skip


def all_sources(areas: Sequence[Area] = AREAS) -> tuple[Source, ...]:
    return tuple(s for a in areas for s in a.sources)


def source_infos(areas: Sequence[Area] = AREAS) -> tuple[SourceInfo, ...]:
    return tuple(s.info for s in all_sources(areas))


def get_source(source_id: str, areas: Sequence[Area] = AREAS) -> Source:
    for s in all_sources(areas):
        if s.id == source_id:
            return s
    known = ", ".join(s.id for s in all_sources(areas))
    raise NotFoundError(f"unknown source {source_id!r}", hint=f"known sources: {known}")


def raw_source_ids(areas: Sequence[Area] = AREAS) -> tuple[str, ...]:
    """Sources whose files live in the raw store (not those that come with a package)."""
    return tuple(s.id for s in all_sources(areas) if s.fetch is not None or s.load is not None)


def all_indicators(areas: Sequence[Area] = AREAS) -> list[Indicator]:
    return sorted((i for a in areas for i in a.indicators), key=lambda i: (i.area, i.id))


def get_indicator(indicator_id: str, areas: Sequence[Area] = AREAS) -> Indicator:
    return find(all_indicators(areas), indicator_id)


def all_steps(areas: Sequence[Area] = AREAS) -> list[Step]:
    """Every area's steps, then the step computing every indicator (after the steps that write
    the datasets the indicators read)."""
    steps = [s for a in areas for s in a.steps]
    indicators = all_indicators(areas)
    read = {d for i in indicators for d in i.datasets}
    depends = [s.id for s in steps if read & set(s.outputs)]
    return [*steps, indicators_step(indicators, depends)]


def all_pages(areas: Sequence[Area] = AREAS) -> list[Page]:
    return [p for a in areas for p in a.pages]


def country_sections(areas: Sequence[Area] = AREAS) -> list[Section]:
    return [s for a in areas for s in a.sections]


def map_layers(areas: Sequence[Area] = AREAS) -> list[MapLayer]:
    return [m for a in areas for m in a.map_layers]


def navigation(areas: Sequence[Area] = AREAS) -> list[tuple[str, str]]:
    return [n for a in areas for n in a.nav]
