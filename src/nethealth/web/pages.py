"""The dashboard's pages and their JSON twins (same view model, two renderings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from nethealth.api.context import AppContext, get_context
from nethealth.api.errors import ERROR_RESPONSES
from nethealth.web import views
from nethealth.web.charts import NARROW, WIDE, Point, line_chart
from nethealth.web.map import MapCountry, load_outline, paint
from nethealth.web.render import render
from nethealth.web.views import SortKey, SortOrder

router = APIRouter(responses=ERROR_RESPONSES)
twins = APIRouter(tags=["pages (JSON twins)"], responses=ERROR_RESPONSES)

Ctx = Annotated[AppContext, Depends(get_context)]
IndicatorParam = Annotated[str | None, Query(description="Indicator id; default the first")]
SortParam = Annotated[SortKey, Query(description="Table column to sort by")]
OrderParam = Annotated[SortOrder, Query(description="asc or desc")]
TABLE_ROWS = 366  # a year of daily values; the full series is one link away (CSV, JSON)


# Home ------------------------------------------------------------------------------------------


@twins.get("/index.json", response_model=views.HomeView, summary="JSON twin of the world map")
def home_json(
    ctx: Ctx,
    indicator: IndicatorParam = None,
    sort: SortParam = views.DEFAULT_SORT,
    order: OrderParam = views.DEFAULT_ORDER,
) -> views.HomeView:
    return views.home_view(ctx, indicator, sort, order)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(
    request: Request,
    ctx: Ctx,
    indicator: IndicatorParam = None,
    sort: SortParam = views.DEFAULT_SORT,
    order: OrderParam = views.DEFAULT_ORDER,
) -> HTMLResponse:
    view = views.home_view(ctx, indicator, sort, order)
    by_cc = {r.cc: r for r in view.rows}
    countries = ctx.lake.countries()
    by_numeric = {}
    for c in countries:
        if not c.numeric:
            continue
        row = by_cc.get(c.cc)
        by_numeric[c.numeric] = MapCountry(
            cc=c.cc,
            name=c.name,
            colour=row.colour if row else None,
            value_text=f"{row.value_text} ({row.date.isoformat()})" if row else None,
        )
    outline = load_outline(ctx.settings.assets_dir)
    ind_id = view.indicator.id if view.indicator else None

    def sort_link(key: SortKey) -> str:
        # Clicking the sorted column flips the order; a new column starts with its natural order.
        if key is view.sort:
            order = SortOrder.asc if view.order is SortOrder.desc else SortOrder.desc
        else:
            order = SortOrder.desc if key in (SortKey.value, SortKey.date) else SortOrder.asc
        query = views.home_query(ind_id, key, order)
        return ("/?" + query if query else "/") + "#data"

    return render(
        request,
        "home.html",
        title=view.indicator.title if view.indicator else "World map",
        json_url=view.links.json_,
        view=view,
        outline=outline,
        shapes=paint(outline, by_numeric),
        countries=countries,
        sort_link=sort_link,
        SortKey=SortKey,
    )


# Country ---------------------------------------------------------------------------------------


@router.get("/country", include_in_schema=False)
def country_picker(ctx: Ctx, cc: str | None = None) -> RedirectResponse:
    """Target of the no-JavaScript country picker: redirect to the country's page."""
    return RedirectResponse(views.country_redirect_target(ctx, cc), status_code=303)


@twins.get(
    "/country/{cc}.json", response_model=views.CountryView, summary="JSON twin of a country page"
)
def country_json(cc: str, ctx: Ctx) -> views.CountryView:
    return views.country_view(ctx, cc)


@router.get("/country/{cc}", response_class=HTMLResponse, include_in_schema=False)
def country(cc: str, request: Request, ctx: Ctx) -> HTMLResponse:
    view = views.country_view(ctx, cc)
    charts = {}
    for p in view.indicators:
        points = [Point(v.date, v.value) for v in p.series if v.value is not None]
        # One value is a number, not a trend: the summary and the table say it all.
        drawn = [line_chart(points, p.unit, size) for size in (WIDE, NARROW)]
        charts[p.id] = [c for c in drawn if c is not None] if len(points) > 1 else []
    return render(
        request,
        "country.html",
        title=view.country.name,
        json_url=view.links.json_,
        view=view,
        charts=charts,
        table_rows=TABLE_ROWS,
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
