"""The resilience index's pages and their JSON twins, declared as `Page`s — `/resilience` (every
country, sortable by keyboard-reachable column links) and `/resilience/{cc}` (pillar breakdown,
rank interval, the plain-language paragraph, comparisons and every input) — and its country-page
section. Every figure comes from `resilience.query`, as the API's do."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from nethealth.area import Glance, Page, Section, SectionContext
from nethealth.common.dates import parse_date
from nethealth.errors import InputError
from nethealth.resilience import query, text
from nethealth.resilience.config import CONFIG
from nethealth.resilience.query import CountryIndex, RankedCountry
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.params import DATE
from nethealth.ui.views import PageLinks

Ctx = Annotated[AppContext, Depends(get_context)]
DateParam = Annotated[
    str | None, DATE, Query(alias="date", description="The latest index date on or before this day")
]


class Sort(StrEnum):
    rank = "rank"
    name = "name"
    score = "score"
    coverage = "coverage"


class Order(StrEnum):
    asc = "asc"
    desc = "desc"


class PillarHead(BaseModel):
    id: str
    title: str


class ResilienceListView(BaseModel):
    date: dt.date = Field(description="The index date of every row")
    dates: list[dt.date]
    config_version: str
    ranked: int
    pillars: list[PillarHead]
    sort: Sort
    order: Order
    countries: list[RankedCountry]
    simulated: bool
    links: PageLinks


class ResilienceCountryView(BaseModel):
    index: CountryIndex
    name: str
    paragraph: list[str] = Field(description="The plain-language summary, in the page's language")
    strongest: str | None = Field(description="Pillar id with the highest score")
    weakest: str | None = Field(description="Pillar id with the lowest score")
    simulated: bool
    links: PageLinks


def _q(**params: object) -> str:
    given = {k: v for k, v in params.items() if v is not None}
    return "?" + urlencode(given) if given else ""


def _sorted(rows: list[RankedCountry], sort: Sort, order: Order) -> list[RankedCountry]:
    """Countries without a value always last, whatever the order."""
    if sort is Sort.name:
        return sorted(rows, key=lambda r: r.name.lower(), reverse=order is Order.desc)
    if sort is Sort.coverage:
        return sorted(rows, key=lambda r: (r.coverage, r.name.lower()),
                      reverse=order is Order.desc)  # fmt: skip
    key = "score" if sort is Sort.score else "rank"
    valued = [r for r in rows if getattr(r, key) is not None]
    rest = sorted((r for r in rows if getattr(r, key) is None), key=lambda r: r.name.lower())
    valued.sort(key=lambda r: (getattr(r, key), r.name.lower()), reverse=order is Order.desc)
    return valued + rest


def _check_sort(sort: str | None, order: str | None) -> tuple[Sort, Order]:
    try:
        s = Sort(sort or "rank")
    except ValueError:
        raise InputError(f"{sort!r} is not a sort key", field="sort",
                         hint="rank, name, score or coverage") from None  # fmt: skip
    try:
        o = Order(order or ("asc" if s in (Sort.rank, Sort.name) else "desc"))
    except ValueError:
        raise InputError(f"{order!r} is not an order", field="order", hint="asc or desc") from None
    return s, o


def resilience(
    ctx: Ctx,
    day: DateParam = None,
    sort: Annotated[str | None, Query(description="rank, name, score or coverage")] = None,
    order: Annotated[str | None, Query(description="asc or desc")] = None,
    t: Translator = ENGLISH,
) -> ResilienceListView:
    s, o = _check_sort(sort, order)
    data = query.ranking(ctx.lake, parse_date(day, "date"), pinned=day is not None)
    q = _q(date=day or None, sort=sort or None, order=order or None)
    qd = _q(date=day or None)
    return ResilienceListView(
        date=data.date, dates=data.dates, config_version=data.config_version,
        ranked=data.ranked,
        pillars=[PillarHead(id=p.id, title=t.tr(p.title)) for p in CONFIG.pillars],
        sort=s, order=o, countries=_sorted(data.countries, s, o),
        simulated=any(c.simulated for c in data.countries),
        links=PageLinks(html=f"/resilience{q}", json_=f"/resilience.json{q}",
                        api=f"/api/v1/resilience{qd}",
                        csv=f"/api/v1/resilience{_q(date=day or None, format='csv')}"),
    )  # fmt: skip


def resilience_country(
    cc: str, ctx: Ctx, day: DateParam = None, t: Translator = ENGLISH
) -> ResilienceCountryView:
    index = query.country(ctx.lake, cc, parse_date(day, "date"), pinned=day is not None)
    meta = ctx.lake.country(index.cc)
    name = _local_name(meta, t.lang) if meta else index.cc
    ends = text.pillar_extremes(index)
    q = _q(date=day or None)
    return ResilienceCountryView(
        index=index, name=name, paragraph=text.paragraph(index, name, t),
        strongest=ends[0].id if ends else None, weakest=ends[1].id if ends else None,
        simulated=index.simulated,
        links=PageLinks(html=f"/resilience/{index.cc}{q}", json_=f"/resilience/{index.cc}.json{q}",
                        api=f"/api/v1/resilience/{index.cc}{q}",
                        csv=f"/api/v1/resilience/{index.cc}{_q(date=day or None, format='csv')}"),
    )  # fmt: skip


def _local_name(meta: Any, lang: str) -> str:
    local = {"fr": meta.name_fr, "es": meta.name_es}.get(lang)
    return str(local or meta.name)


def _list_title(_view: ResilienceListView, t: Translator) -> str:
    return t.gettext("Internet resilience index")


def _country_title(view: ResilienceCountryView, t: Translator) -> str:
    return t.gettext("Internet resilience: %(country)s", country=view.name)


PAGES = (
    Page("/resilience", "resilience.html", resilience, _list_title, "JSON twin of /resilience"),
    Page("/resilience/{cc}", "resilience_country.html", resilience_country, _country_title,
         "JSON twin of a country's resilience page"),
)  # fmt: skip


# The country page's section -------------------------------------------------------------------


class CountryResilience(BaseModel):
    date: dt.date
    score: float | None
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    ranked: int | None
    coverage: float
    status: str
    reason: str
    pillars: list[PillarHead]
    pillar_scores: dict[str, float | None]
    paragraph: list[str]
    simulated: bool
    links: PageLinks


def country_resilience(ctx: SectionContext) -> CountryResilience | None:
    """The country's index on the latest index date; None when the index was not built."""
    lake = ctx.app.lake
    if not query.built(lake) or not query.dates(lake):
        return None
    index = query.country(lake, ctx.cc)
    t = ctx.t
    return CountryResilience(
        date=index.date, score=index.score, rank=index.rank, rank_low=index.rank_low,
        rank_high=index.rank_high, ranked=index.ranked, coverage=index.coverage,
        status=index.status, reason=index.reason,
        pillars=[PillarHead(id=p.id, title=t.tr(p.title)) for p in CONFIG.pillars],
        pillar_scores={p.id: p.score for p in index.pillars},
        paragraph=text.paragraph(index, ctx.name, t), simulated=index.simulated,
        links=PageLinks(html=f"/resilience/{ctx.cc}", json_=f"/resilience/{ctx.cc}.json",
                        api=f"/api/v1/resilience/{ctx.cc}",
                        csv=f"/api/v1/resilience/{ctx.cc}?format=csv"),
    )  # fmt: skip


def _glance(model: CountryResilience, t: Translator) -> Glance | None:
    label = t.gettext("Resilience index (%(date)s)", date=model.date.isoformat())
    if model.score is None:
        return Glance("resilience", label, t.gettext("not measured"))
    value = t.gettext("%(score)s / 100, rank %(rank)s of %(ranked)s",
                      score=t.number(round(model.score, 1)), rank=t.number(model.rank or 0),
                      ranked=t.number(model.ranked or 0))  # fmt: skip
    return Glance("resilience", label, value)


SECTIONS = (
    Section("resilience", "resilience_section.html", CountryResilience, country_resilience,
            glance=_glance, description="The country's resilience index, pillars and summary"),
)  # fmt: skip
