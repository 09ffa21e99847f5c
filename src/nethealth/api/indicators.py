"""`/api/v1/indicators` (the registry) and `/api/v1/indicators/{id}` (values)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from nethealth.api.countries import SERIES_CSV
from nethealth.common.dates import parse_date
from nethealth.ui import values as service
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.formats import Format, csv_response, wants_csv
from nethealth.ui.models import ERROR_RESPONSES, IndicatorList, IndicatorValues
from nethealth.ui.params import DATE

router = APIRouter(prefix="/api/v1", tags=["indicators"], responses=ERROR_RESPONSES)

Ctx = Annotated[AppContext, Depends(get_context)]
_CSV = {"text/csv": {"schema": {"type": "string"}}}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

INDICATOR_LIST_CSV = (
    "id", "title", "unit", "area", "version", "higher_is", "sources", "licences",
)  # fmt: skip


@router.get(
    "/indicators",
    response_model=IndicatorList,
    summary="The indicator registry: definitions, method versions, sources and licences",
    responses={200: {"content": _CSV}},
)
def list_indicators(
    request: Request, response: Response, ctx: Ctx, format: Format = None
) -> object:
    data = service.indicator_list(ctx)
    if not wants_csv(request, format):
        response.headers["Vary"] = "Accept"
        return data
    rows = [
        (
            i.id,
            i.title,
            i.unit,
            i.area,
            i.version,
            i.higher_is,
            ";".join(s.id for s in i.sources),
            ";".join(dict.fromkeys(s.licence or "unknown" for s in i.sources)),
        )
        for i in data.indicators
    ]
    return csv_response("nethealth-indicators.csv", INDICATOR_LIST_CSV, rows)


@router.get(
    "/indicators/{indicator_id}",
    response_model=IndicatorValues,
    summary="Values of one indicator, optionally for some countries and a date range",
    responses={200: {"content": _CSV}},
)
def get_indicator_values(
    indicator_id: str,
    request: Request,
    response: Response,
    ctx: Ctx,
    country: Annotated[
        list[str] | None,
        Query(description="ISO alpha-2 codes; repeat the parameter or separate with commas"),
    ] = None,
    from_: Annotated[
        str | None,
        DATE,
        Query(alias="from", description="First date (YYYY-MM-DD); default `to` − max range"),
    ] = None,
    to: Annotated[
        str | None, DATE, Query(description="Last date (YYYY-MM-DD); default the latest data")
    ] = None,
    format: Format = None,
) -> object:
    """The range is inclusive and bounded: `to` − `from` may not exceed the server's
    `max_range_days` (3660 by default) and `from` may not be after `to` (else 400). Dates lie
    in 1970..2100."""
    start, end = parse_date(from_, "from"), parse_date(to, "to")
    data = service.indicator_values(ctx, indicator_id, country, start, end)
    if not wants_csv(request, format):
        response.headers["Vary"] = "Accept"
        return data
    rows = [
        (
            data.indicator.id,
            v.country,
            v.date.isoformat(),
            v.value,
            v.simulated,
            v.method_version,
            v.status,
            v.reason,
        )
        for v in data.values
    ]
    name = _UNSAFE.sub("_", data.indicator.id)
    return csv_response(f"nethealth-{name}.csv", SERIES_CSV, rows)
