"""What an area declares about itself: the one pattern every area follows.

An area (bgp, rpki, routing, shutdowns, outages, infrastructure, …) is a package with the same
parts under the same names — `source.py` (its sources), `step.py` (its build steps), `query.py`
(its read model), `api.py` (its API router), `cli.py` (its sub-commands), `pages.py` (its pages
and country-page sections) — and an `area.py` whose `AREA` lists them as data. One list of areas
(`nethealth.areas.AREAS`) drives the pipeline, the source catalog, the indicator registry, the
CLI, the API routers, the pages and the country page. Adding an area adds an entry there; nothing
else is edited by hand. See docs/architecture.md.

Layers (enforced by `scripts/check_layers.py` in `make lint`): an area imports the layers below
it (errors, settings, common, formats, lake, sources, indicators, ui, this module) and other areas
without cycles — never `nethealth.api`, `nethealth.web`, `nethealth.server` or `nethealth.cli`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import typer
from fastapi import APIRouter, Request
from pydantic import BaseModel

from nethealth.indicators.registry import Indicator
from nethealth.lake.build import Step
from nethealth.sources.base import Source
from nethealth.ui.context import AppContext
from nethealth.ui.i18n import Translator
from nethealth.ui.views import HomeView, SortKey, SortOrder

Extras = Callable[[Any, Translator], Mapping[str, Any]]


@dataclass(frozen=True)
class Page:
    """A page and its JSON twin (`path` and `path.json`), rendered from one view model.

    `view` is a FastAPI endpoint function (its parameters are the page's query and path
    parameters and dependencies) that also takes `t: Translator` and returns the view model: the
    twin calls it in English, the page in the reader's language. `title` words the page title;
    `extras` adds what only the HTML needs (charts drawn from the model)."""

    path: str
    template: str
    view: Callable[..., BaseModel]
    title: Callable[[Any, Translator], str]
    summary: str
    extras: Extras | None = None


@dataclass(frozen=True)
class SectionContext:
    """What a country-page section is built from."""

    request: Request
    app: AppContext
    cc: str
    name: str  # the country's name in the reader's language
    t: Translator
    today: dt.date


@dataclass(frozen=True)
class Glance:
    """One line of the country page's at-a-glance panel."""

    anchor: str
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    """A section of the country page, and the field `id` of its JSON twin (null when the
    section has nothing for the country). `template` is a partial rendered with `section` (the
    model) and `extras`; `glance` adds a line to the at-a-glance panel."""

    id: str
    template: str
    model: type[BaseModel]
    build: Callable[[SectionContext], BaseModel | None]
    extras: Extras | None = None
    glance: Callable[[Any, Translator], Glance | None] | None = None
    description: str = ""


@dataclass(frozen=True)
class MapLayer:
    """A layer of the home map that is not an indicator (events counted per country): an option
    `title` in the picker's `group`, the home view it builds, and the partial `template` that
    words its key figures and captions."""

    id: str
    title: str  # msgid
    group: str  # msgid of the picker's option group
    template: str
    build: Callable[[AppContext, Request, SortKey, SortOrder, dt.date], HomeView]
    description: str  # the `indicator` parameter's description of this value


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    sources: tuple[Source, ...] = ()
    steps: tuple[Step, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    cli: typer.Typer | None = None  # mounted as `nethealth <id>`
    cli_extra: tuple[tuple[str, typer.Typer], ...] = ()  # other top-level groups (`events`)
    router: APIRouter | None = None  # under /api/v1/
    pages: tuple[Page, ...] = ()
    sections: tuple[Section, ...] = ()
    map_layers: tuple[MapLayer, ...] = ()
    nav: tuple[tuple[str, str], ...] = field(default=())  # (path, label msgid) in the menu
