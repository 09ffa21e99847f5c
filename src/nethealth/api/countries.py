"""`/api/v1/countries` and `/api/v1/countries/{cc}`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from nethealth.ui import values as service
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.formats import Format, csv_response, wants_csv
from nethealth.ui.models import ERROR_RESPONSES, CountryDetail, CountryList

router = APIRouter(prefix="/api/v1", tags=["countries"], responses=ERROR_RESPONSES)

Ctx = Annotated[AppContext, Depends(get_context)]
_CSV = {"text/csv": {"schema": {"type": "string"}}}


class SeriesChoice(StrEnum):
    all = "all"


SeriesParam = Annotated[
    SeriesChoice | None,
    Query(description="`all`: every value of every indicator and every raw file, not only the "
          "latest values (the default before it was trimmed: docs/api.md, API changes)"),
]  # fmt: skip

COUNTRY_LIST_CSV = (
    "cc", "alpha3", "numeric", "name", "region", "subregion",
    "indicator_id", "date", "value", "simulated", "method_version", "status", "reason",
)  # fmt: skip
SERIES_CSV = (
    "indicator_id", "country", "date", "value", "simulated", "method_version", "status", "reason",
)  # fmt: skip


@router.get(
    "/countries",
    response_model=CountryList,
    summary="Every country with the latest value of every indicator",
    responses={200: {"content": _CSV}},
)
def list_countries(request: Request, response: Response, ctx: Ctx, format: Format = None) -> object:
    """CSV has one row per country and indicator; a country without any value has one row with
    empty indicator columns, so the list of countries is complete in both formats."""
    data = service.country_list(ctx)
    if not wants_csv(request, format):
        response.headers["Vary"] = "Accept"
        return data
    rows: list[tuple[object, ...]] = []
    for c in data.countries:
        head = (c.cc, c.alpha3, c.numeric, c.name, c.region, c.subregion)
        if not c.latest:
            rows.append((*head, None, None, None, None, None, None, None))
        for ind_id, v in c.latest.items():
            rows.append((*head, ind_id, v.date.isoformat(), v.value, v.simulated,
                         v.method_version, v.status, v.reason))  # fmt: skip
    return csv_response("nethealth-countries.csv", COUNTRY_LIST_CSV, rows)


@router.get(
    "/countries/{cc}",
    response_model=CountryDetail,
    summary="One country: metadata, the latest value of every indicator, sources, provenance",
    responses={200: {"content": _CSV}},
)
def get_country(
    cc: str,
    request: Request,
    response: Response,
    ctx: Ctx,
    format: Format = None,
    series: SeriesParam = None,
) -> object:
    """`cc` is ISO 3166-1 alpha-2, case-insensitive. JSON: the latest value of every indicator
    with a link to its series, and a per-source summary of the raw files; `series=all` adds
    every series and every raw file (what the default was before it was trimmed). CSV has
    the series only, one row per value."""
    csv = wants_csv(request, format)
    data = service.country_detail(ctx, cc, full=csv or series is SeriesChoice.all)
    if not csv:
        response.headers["Vary"] = "Accept"
        return data
    rows = [
        (
            s.id,
            data.country.cc,
            v.date.isoformat(),
            v.value,
            v.simulated,
            v.method_version,
            v.status,
            v.reason,
        )
        for s in data.indicators
        for v in s.series or ()
    ]
    return csv_response(f"nethealth-country-{data.country.cc}.csv", SERIES_CSV, rows)
