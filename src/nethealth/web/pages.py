"""The dashboard's pages and their JSON twins (same view model, two renderings)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from nethealth.api.countries import SeriesChoice, SeriesParam
from nethealth.area import Glance, MapLayer, Section, SectionContext
from nethealth.areas import country_sections, map_layers
from nethealth.ui import views as ui_views
from nethealth.ui.charts import NARROW, WIDE, Point, line_chart
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.map_classes import NONE_FILL
from nethealth.ui.models import ERROR_RESPONSES
from nethealth.ui.views import SortKey, SortOrder
from nethealth.web import views
from nethealth.web.compose import build_sections, section_extras, sections_model
from nethealth.web.map import MapCountry, load_outline, paint
from nethealth.web.render import CountryNames, render, translator_for

router = APIRouter(responses=ERROR_RESPONSES)
twins = APIRouter(tags=["pages (JSON twins)"], responses=ERROR_RESPONSES)

Ctx = Annotated[AppContext, Depends(get_context)]


def today_utc() -> date:
    return datetime.now(UTC).date()


def _layers() -> dict[str, MapLayer]:
    """The home map's layers that are not indicators, by the id the `indicator` parameter takes,
    in the areas' order."""
    return {m.id: m for m in map_layers()}


IndicatorParam = Annotated[
    str | None,
    Query(
        description="Indicator id (default the first), or "
        + ", ".join(f"{m.id} for {m.description}" for m in _layers().values())
    ),
]
SortParam = Annotated[SortKey, Query(description="Table column to sort by")]
OrderParam = Annotated[SortOrder, Query(description="asc or desc")]
TABLE_ROWS = 366  # a year of daily values; the full series is one link away (CSV, JSON)


# Home ------------------------------------------------------------------------------------------


def _home_view(
    ctx: AppContext,
    request: Request,
    indicator: str | None,
    sort: SortKey,
    order: SortOrder,
) -> ui_views.HomeView:
    layer = _layers().get(indicator or "")
    if layer is not None:  # a layer of events counted per country, not an indicator
        return layer.build(ctx, request, sort, order, today_utc())
    return views.home_view(ctx, indicator, sort, order)


@twins.get("/index.json", response_model=ui_views.HomeView, summary="JSON twin of the world map")
def home_json(
    ctx: Ctx,
    request: Request,
    indicator: IndicatorParam = None,
    sort: SortParam = ui_views.DEFAULT_SORT,
    order: OrderParam = ui_views.DEFAULT_ORDER,
) -> ui_views.HomeView:
    return _home_view(ctx, request, indicator, sort, order)


def _map_country(
    row: ui_views.MapRow | None, cc: str, name: str, layer: bool, gap: ui_views.GapRow | None = None
) -> MapCountry:
    if layer:  # no event is a count of zero, not missing data
        return MapCountry(
            cc=cc,
            name=name,
            colour=row.colour if row else NONE_FILL,
            value_text=f"{row.value_text} (latest began {row.date.isoformat()})"
            if row
            else "no event recorded",
            highlight=bool(row and row.ongoing),
        )
    return MapCountry(
        cc=cc,
        name=name,
        colour=row.colour if row else None,
        # a hatched country names why it has no value (the status), not just "no data"
        value_text=f"{row.value_text} ({row.date.isoformat()})"
        if row
        else (f"no data, {gap.status}" if gap else None),
    )


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(
    request: Request,
    ctx: Ctx,
    indicator: IndicatorParam = None,
    sort: SortParam = ui_views.DEFAULT_SORT,
    order: OrderParam = ui_views.DEFAULT_ORDER,
) -> HTMLResponse:
    view = _home_view(ctx, request, indicator, sort, order)
    layer = view.window is not None
    by_cc = {r.cc: r for r in view.rows}
    gaps = {g.cc: g for g in view.gaps}
    countries = ctx.lake.countries()
    by_numeric = {
        c.numeric: _map_country(by_cc.get(c.cc), c.cc, c.name, layer, gaps.get(c.cc))
        for c in countries
        if c.numeric
    }
    outline = load_outline(ctx.settings.assets_dir)
    ind_id = view.layer if layer else view.indicator.id if view.indicator else None
    if view.window:
        title = view.window.title
    else:
        title = view.indicator.title if view.indicator else "World map"

    def sort_link(key: SortKey) -> str:
        # Clicking the sorted column flips the order; a new column starts with its natural order.
        if key is view.sort:
            order = SortOrder.asc if view.order is SortOrder.desc else SortOrder.desc
        else:
            order = SortOrder.desc if key in (SortKey.value, SortKey.date) else SortOrder.asc
        query = ui_views.home_query(ind_id, key, order)
        return ("/?" + query if query else "/") + "#data"

    return render(
        request,
        "home.html",
        title=title,
        json_url=view.links.json_,
        view=view,
        outline=outline,
        shapes=paint(outline, by_numeric),
        countries=countries,
        sort_link=sort_link,
        SortKey=SortKey,
        layers=list(_layers().values()),
        layer=_layers().get(view.layer) if view.window else None,
    )


# Country ---------------------------------------------------------------------------------------


@router.get("/country", include_in_schema=False)
def country_picker(ctx: Ctx, cc: str | None = None) -> RedirectResponse:
    """Target of the no-JavaScript country picker: redirect to the country's page."""
    return RedirectResponse(views.country_redirect_target(ctx, cc), status_code=303)


def _sections() -> list[Section]:
    """The areas' sections, in the areas' order."""
    return country_sections()


# The twin's model: the country's base fields, then one field per section the areas declare.
CountryPage = sections_model(views.CountryView, _sections())


def _country_view(
    ctx: AppContext,
    request: Request,
    cc: str,
    t: Translator = ENGLISH,
    *,
    series: bool = True,
    provenance: bool = True,
) -> Any:
    base = views.country_view(ctx, cc, t, series=series, provenance=provenance)
    # The sentences name the country in the page's language (the lake's name_fr / name_es).
    name = CountryNames(ctx, t.lang)(base.country.cc, base.country.name)
    section_ctx = SectionContext(request, ctx, base.country.cc, name, t, today_utc())
    return CountryPage(**dict(base), **build_sections(section_ctx, _sections()))


@twins.get("/country/{cc}.json", response_model=CountryPage, summary="JSON twin of a country page")
def country_json(cc: str, request: Request, ctx: Ctx, series: SeriesParam = None) -> Any:
    """The latest value of every indicator with a link to its series, and a per-source summary
    of the raw files; `series=all` adds every series and every raw file (docs/api.md)."""
    full = series is SeriesChoice.all
    return _country_view(ctx, request, cc, series=full, provenance=full)


def _glances(view: Any, t: Translator) -> list[Glance]:
    out = []
    for s in _sections():
        model = getattr(view, s.id, None)
        line = s.glance(model, t) if s.glance and model is not None else None
        if line is not None:
            out.append(line)
    return out


@router.get("/country/{cc}", response_class=HTMLResponse, include_in_schema=False)
def country(cc: str, request: Request, ctx: Ctx) -> HTMLResponse:
    t = translator_for(request)
    # The page draws every series; it lists the raw files per source (every file: the twin).
    view = _country_view(ctx, request, cc, t, provenance=False)
    charts = {}
    for p in view.indicators:
        # dates without a measured value stay on the axis and break the line
        values = p.series or []
        points = [Point(v.date, v.value) for v in values]
        measured = sum(1 for v in values if v.value is not None)
        # One value is a number, not a trend: the summary and the table say it all.
        drawn = [line_chart(points, p.unit, size) for size in (WIDE, NARROW)]
        charts[p.id] = [c for c in drawn if c is not None] if measured > 1 else []
    sections = _sections()
    return render(
        request,
        "country.html",
        title=CountryNames(ctx, t.lang)(view.country.cc, view.country.name),
        json_url=view.links.json_,
        view=view,
        charts=charts,
        table_rows=TABLE_ROWS,
        sections=sections,
        section_extras=section_extras(view, sections, t),
        glances=_glances(view, t),
        sections_simulated=any(
            getattr(getattr(view, s.id, None), "simulated", False) for s in sections
        ),
    )


# Methodology and about -------------------------------------------------------------------------


@twins.get(
    "/methodology.json",
    response_model=views.MethodologyView,
    summary="JSON twin of the methodology page (the indicator registry)",
)
def methodology_json(ctx: Ctx) -> views.MethodologyView:
    return views.methodology_view(ctx)


@router.get("/methodology", response_class=HTMLResponse, include_in_schema=False)
def methodology(request: Request, ctx: Ctx) -> HTMLResponse:
    view = views.methodology_view(ctx)
    return render(
        request, "methodology.html", title="Methodology", json_url=view.links.json_, view=view
    )


@twins.get(
    "/about.json",
    response_model=views.AboutView,
    summary="JSON twin of the about page: sources, licences, provenance of every raw input",
)
def about_json(ctx: Ctx) -> views.AboutView:
    return views.about_view(ctx)


@router.get("/about", response_class=HTMLResponse, include_in_schema=False)
def about(request: Request, ctx: Ctx) -> HTMLResponse:
    view = views.about_view(ctx)
    return render(
        request, "about.html", title="About nethealth", json_url=view.links.json_, view=view
    )
