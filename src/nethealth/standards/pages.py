"""The open-standards area's pages, as the dashboard composes them (nethealth.web.compose).

Enabling technologies: `/technologies` (every technology: the latest global value and the
spread of the countries' latest values, with denominators; the technologies not measured yet),
`/technologies/{indicator}` (the global trend, a sortable country table, a link to the home map
coloured by the indicator) and the country page's section "technologies", all from the read
model `standards.query` (the adoption API's), with JSON twins.

Concentration: `/concentration` (every building block: the global value with its band, the
countries measured and the most and least concentrated), `/concentration/{block}` (the value of
a list — global, or `?country=` — with its trend, provider table and the countries' table) and
the country page's section "concentration", from the same read model (`standards.conc_views`).

Test your domain: the page `/scan` and its JSON twin `/scan.json`.

Without `domain` the page is the form. With it, the page starts (or joins, or reuses) the same
scan job the API starts (nethealth.standards.jobs) and shows its progress while it runs, then the
report per category: score, each check's status, detail and how-to-fix advice, and the scoring
rules. The report is `report_json`'s, the one `nethealth scan --format json` and the API print.
A refused name redisplays the form with an error summary (the twin answers 400).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.from_thread
from fastapi import Depends, Query, Request
from pydantic import BaseModel

from nethealth.area import Glance, Page, Section, SectionContext
from nethealth.errors import DatasetNotBuiltError, InputError
from nethealth.standards import conc_views, query
from nethealth.standards.adoption import TECHNOLOGIES, AdoptionRow
from nethealth.standards.attribution import BLOCKS
from nethealth.standards.conc_views import CountryConcentration
from nethealth.standards.jobs import JOB_ID, Board, Job, ScanJobs, client_of, job_location
from nethealth.standards.score import report_json
from nethealth.standards.tech_views import (
    CountryTechnologies,
    Order,
    TechIndexView,
    TechPageView,
    TechSort,
    TechValue,
    country_technologies,
    index_view,
    tech_page_view,
)
from nethealth.ui.charts import NARROW, WIDE, LineChart, Point, line_chart
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.i18n import Translator
from nethealth.ui.params import DATE
from nethealth.ui.views import PageLinks

DomainParam = Annotated[
    str | None,
    Query(max_length=300, description="The domain name to test (no IP address, port or URL)"),
]
JobParam = Annotated[
    str | None,
    Query(pattern=JOB_ID, description="The scan job this page follows (set by the page itself)"),
]


class ScanCheckRow(BaseModel):
    check: str
    title: str
    category: str
    status: str  # pass, fail, warning, info, error, not_applicable
    reason: str | None  # set for errors: timeout, refused_by_policy, connection, bug
    detail: str  # the data found, verbatim
    mandatory: bool
    points: int
    earned: int
    explanation: str  # what the result means and how to fix a miss
    reference: str
    lab_config: str  # the docs/lab.md section whose configuration passes the check


class ScanCategory(BaseModel):
    category: str
    earned: int
    possible: int
    percent: float | None  # null: no mandatory check of the category applied (never 0 %)
    checks: list[ScanCheckRow]


class ScanReportView(BaseModel):
    domain: str
    lab: bool
    started: str
    finished: str
    refused: str | None
    categories: list[ScanCategory]
    rules: str


class ScanJobView(BaseModel):
    id: str
    state: str  # running, finished, failed
    done: int  # checks done
    total: int  # checks in the scan
    failure: str | None
    poll: str  # the API route answering the job (the page's script polls it)
    page: str  # this page following the job


class ScanPageView(BaseModel):
    domain: str | None  # as the reader typed it
    error: str | None  # why the name was refused (English: the scanner's words)
    error_hint: str | None
    job: ScanJobView | None
    report: ScanReportView | None
    links: PageLinks


def page_url(domain: str, job_id: str | None = None, suffix: str = "") -> str:
    query = {"domain": domain, **({"job": job_id} if job_id else {})}
    return f"/scan{suffix}?{urlencode(query)}"


def report_view(job: Job) -> ScanReportView | None:
    """The job's report, grouped by category, from `report_json` (the one JSON report)."""
    if job.report is None:
        return None
    data: dict[str, Any] = report_json(job.report)
    checks = [ScanCheckRow.model_validate(c) for c in data["checks"]]
    categories = [
        ScanCategory(
            category=category,
            earned=score["earned"],
            possible=score["possible"],
            percent=score["percent"],
            checks=[c for c in checks if c.category == category],
        )
        for category, score in data["score"].items()
    ]
    return ScanReportView(
        domain=data["domain"], lab=data["lab"], started=data["started"],
        finished=data["finished"], refused=data["refused"], categories=categories,
        rules=data["rules"],
    )  # fmt: skip


def _follow(board: ScanJobs, domain: str, job_id: str | None, client: str) -> Job:
    """The job the page follows: the one in its address while the board has it (so a page
    refreshing itself never starts a scan again), else the board's answer for `domain`."""
    job = board.jobs.get(job_id) if job_id else None
    if job is not None and job.domain == _normalized(domain):
        return job
    found: Job = anyio.from_thread.run(board.submit, domain, client)
    return found


def _normalized(domain: str) -> str:
    return domain.strip().rstrip(".").lower()


def scan_page(
    request: Request,
    board: Board,
    domain: DomainParam = None,
    job: JobParam = None,
    *,
    t: Translator,
) -> ScanPageView:
    """The form; with `domain`, the scan's progress, then its report."""
    twin = request.url.path.endswith(".json")
    typed = (domain or "").strip()
    links = PageLinks(
        html=page_url(typed) if typed else "/scan",
        json_=page_url(typed, suffix=".json") if typed else "/scan.json",
        api=f"/api/v1/scan/{typed}" if typed else None,
    )
    empty = ScanPageView(
        domain=typed or None, error=None, error_hint=None, job=None, report=None, links=links
    )
    if not typed:
        return empty
    try:
        found = _follow(board, typed, job, client_of(request))
    except InputError as exc:
        if twin:
            raise
        return empty.model_copy(update={"error": exc.detail, "error_hint": exc.hint})
    return empty.model_copy(
        update={
            "domain": found.domain,
            "job": ScanJobView(
                id=found.id,
                state=found.state,
                done=found.done,
                total=found.total,
                failure=found.failure,
                poll=job_location(found.id),
                page=page_url(found.domain, found.id),
            ),
            "report": report_view(found),
        }
    )


def _title(view: ScanPageView, t: Translator) -> str:
    if view.report is not None:
        return t.gettext("Test results for %(domain)s", domain=view.report.domain)
    return t.gettext("Test your domain")


# Enabling technologies ---------------------------------------------------------------------------

Ctx = Annotated[AppContext, Depends(get_context)]
SortParam = Annotated[
    TechSort, Query(description="Country table column: name, value, change, date")
]
OrderParam = Annotated[Order, Query(description="asc or desc")]


def _names(ctx: AppContext, t: Translator) -> dict[str, str]:
    """The lake's countries by code, named in the reader's language when the lake has it."""
    out = {}
    for c in ctx.lake.countries():
        local = {"fr": c.name_fr, "es": c.name_es}.get(t.lang)
        out[c.cc] = local or c.name
    return out


def _series(ctx: AppContext, indicator_id: str) -> dict[str | None, list[AdoptionRow]]:
    """The technology's series per country; none (every value not measured, never 0) in a
    lake built before the scan_results step existed."""
    try:
        return query.by_country(ctx.settings.lake_dir, indicator_id)
    except DatasetNotBuiltError:
        return {}


def technologies(ctx: Ctx, *, t: Translator) -> TechIndexView:
    """Every technology with its latest global value and the countries' latest values."""
    return index_view({tech.id: _series(ctx, tech.id) for tech in TECHNOLOGIES})


def technology_page(
    indicator: str,
    ctx: Ctx,
    sort: SortParam = TechSort.value,
    order: OrderParam = Order.desc,
    *,
    t: Translator,
) -> TechPageView:
    """One technology: the global series, and per country the latest value and its trend."""
    tech = query.known(indicator)
    series = _series(ctx, tech.id)
    return tech_page_view(tech, series, _names(ctx, t), sort, order)


def trend_charts(values: list[TechValue]) -> list[LineChart]:
    """Wide and narrow renderings of a series (none for fewer than two measured values: the
    table and the summary say it all)."""
    points = [Point(v.date, v.value) for v in values if v.date is not None]
    if sum(1 for p in points if p.value is not None) < 2:
        return []
    drawn = [line_chart(points, "%", size) for size in (WIDE, NARROW)]
    return [c for c in drawn if c is not None]


def _tech_extras(view: TechPageView, _t: Translator) -> Mapping[str, Any]:
    def sort_href(key: TechSort) -> str:
        # the sorted column flips its order; another column starts with its natural order
        if key is view.sort:
            order = Order.asc if view.order is Order.desc else Order.desc
        else:
            order = Order.asc if key is TechSort.name else Order.desc
        return f"/technologies/{view.id}?sort={key.value}&order={order.value}#countries"

    return {"charts": trend_charts(view.global_series), "sort_href": sort_href,
            "TechSort": TechSort}  # fmt: skip


def _country_section(ctx: SectionContext) -> CountryTechnologies | None:
    try:
        series = query.by_technology(ctx.app.settings.lake_dir, ctx.cc)
    except DatasetNotBuiltError:
        return None  # a lake built before scan_results existed: no section
    return country_technologies(ctx.cc, series)


def _glance(model: CountryTechnologies, t: Translator) -> Glance | None:
    if not model.measured:
        return None
    return Glance(
        "technologies",
        t.gettext("Enabling technologies measured"),
        t.gettext("%(num)s of %(total)s", num=model.measured, total=len(model.technologies)),
    )


# Concentration ----------------------------------------------------------------------------------

CountryParam = Annotated[
    str | None,
    Query(max_length=2, description="ISO 3166-1 alpha-2: the country's own list (omitted: the "
          "global list, Tranco's)"),
]  # fmt: skip
DateParam = Annotated[
    str | None,
    DATE,
    Query(max_length=10, description="YYYY-MM-DD: the latest value on or before it"),
]


def _blocks(ctx: AppContext, country: str | None, with_providers: bool) -> dict[str, Any]:
    """Each block's data; none (every value not measured, never 0) in a lake built before the
    concentration step existed."""
    try:
        return {b: query.block_data(ctx.settings.lake_dir, b, country,
                                    with_providers=with_providers) for b in BLOCKS}  # fmt: skip
    except DatasetNotBuiltError:
        return {}


def concentration(ctx: Ctx, *, t: Translator) -> conc_views.ConcIndexView:
    """Every building block: its latest global value and the countries' spread."""
    return conc_views.index_view(_blocks(ctx, None, with_providers=False), _names(ctx, t))


def concentration_block(
    block: str, ctx: Ctx, country: CountryParam = None, date: DateParam = None, *, t: Translator
) -> conc_views.ConcBlockView:
    """One block for the global list or a country's: value, trend, providers, countries."""
    from nethealth.common.dates import parse_date
    from nethealth.standards.source import country_code

    query.known_block(block)
    cc = country_code(country, "country") if country else None
    data = query.block_data(ctx.settings.lake_dir, block, cc, parse_date(date, "date"))
    return conc_views.block_view(data, _names(ctx, t))


def _conc_extras(view: conc_views.ConcBlockView, _t: Translator) -> Mapping[str, Any]:
    points = [Point(v.date, v.value) for v in view.series if v.date is not None]
    charts: list[LineChart] = []
    if sum(1 for p in points if p.value is not None) >= 2:
        drawn = [line_chart(points, "", size) for size in (WIDE, NARROW)]
        charts = [c for c in drawn if c is not None]
    return {"charts": charts}


def _conc_section(ctx: SectionContext) -> CountryConcentration | None:
    blocks = _blocks(ctx.app, ctx.cc, with_providers=True)
    if not blocks:
        return None  # a lake built before the concentration step: no section
    return conc_views.country_concentration(ctx.cc, blocks)


SECTIONS = (
    Section(
        "technologies",
        "tech_country.html",
        CountryTechnologies,
        _country_section,
        glance=_glance,
        description="Adoption of each enabling technology on the country's top sites: latest "
        "value, date, denominator, trend (null when the lake has no scan_results)",
    ),
    Section(
        "concentration",
        "tech_conc_country.html",
        CountryConcentration,
        _conc_section,
        description="Concentration of the providers of the country's top sites per building "
        "block: latest HHI with its band, CR-1, the largest provider, the sites counted (null "
        "when the lake has no concentration datasets)",
    ),
)


PAGES = (
    Page(
        "/technologies",
        "tech_index.html",
        technologies,
        title=lambda _view, t: t.gettext("Enabling technologies"),
        summary="JSON twin of the enabling technologies page: each technology's latest global "
        "value and the countries' latest values, with denominators; the technologies not "
        "measured yet",
    ),
    Page(
        "/technologies/{indicator}",
        "tech.html",
        technology_page,
        title=lambda view, _t: view.title,
        summary="JSON twin of a technology's page: the global series and per country the "
        "latest value, its denominator and trend",
        extras=_tech_extras,
    ),
    Page(
        "/concentration",
        "tech_conc_index.html",
        concentration,
        title=lambda _view, t: t.gettext("Concentration"),
        summary="JSON twin of the concentration page: per building block the latest global HHI "
        "with its band, CR-n and Gini, and the countries' spread",
    ),
    Page(
        "/concentration/{block}",
        "tech_conc_block.html",
        concentration_block,
        title=lambda view, t: t.gettext("Concentration: %(block)s", block=t.gettext(view.title)),
        summary="JSON twin of a building block's concentration page: the value of a list "
        "(global or ?country=) with its trend, provider table and the countries' latest values",
        extras=_conc_extras,
    ),
    Page(
        "/scan",
        "scan.html",
        scan_page,
        title=_title,
        summary="JSON twin of the test-your-domain page: the scan job and, once finished, its "
        "report per category (starts the scan like GET /api/v1/scan/{domain})",
    ),
)
