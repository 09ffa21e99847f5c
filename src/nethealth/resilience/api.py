"""`/api/v1/resilience`: the resilience index over HTTP (JSON, or CSV with `format=csv`).

    GET /api/v1/resilience?date=2025-06-30[&format=csv]          every country: score, rank,
                                                                  interval, coverage, pillars
    GET /api/v1/resilience/{cc}?date=…[&format=csv]               index → pillars → dimensions →
                                                                  inputs (CSV: one row per input)
    GET /api/v1/resilience/{cc}/inputs/{input_id}?date=…          one input: value, reference
                                                                  date, bounds, source record

One index date per answer: the latest on or before `date` (default the latest). A null score is
not measured (its reason says why). Routes raise the typed errors of `nethealth.errors`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from nethealth.common.dates import parse_date
from nethealth.resilience import query
from nethealth.resilience.config import CONFIG
from nethealth.resilience.query import CountryIndex, InputRecord, Ranking
from nethealth.ui.context import get_context
from nethealth.ui.formats import OutputFormat, csv_response, wants_csv
from nethealth.ui.models import ErrorBody
from nethealth.ui.params import DATE

router = APIRouter(prefix="/api/v1/resilience", tags=["resilience"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameter (country code, date)"},
    404: {"model": ErrorBody, "description": "No such country or input, or no index date"},
    503: {"model": ErrorBody, "description": "The index has not been built"},
}
CSV_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}
DateParam = Annotated[
    str | None, DATE, Query(alias="date", description="The latest index date on or before this day")
]
Fmt = Annotated[OutputFormat | None, Query(alias="format", description="json or csv")]
PILLARS = [p.id for p in CONFIG.pillars]
RANKING_CSV = ("date", "cc", "name", "region", "subregion", "score", "rank", "rank_low",
               "rank_high", "coverage", "status", "reason", *(f"pillar_{p}" for p in PILLARS),
               "simulated")  # fmt: skip
COUNTRY_CSV = ("date", "cc", "pillar", "pillar_score", "dimension", "dimension_score", "input",
               "reference_date", "value", "unit", "capped", "score", "direction", "weight",
               "effective_weight", "status", "reason", "record")  # fmt: skip


@router.get("", response_model=Ranking, responses={**RESPONSES, **CSV_OK},
            summary="Every country's resilience index, rank, rank interval and coverage")  # fmt: skip
def list_index(request: Request, day: DateParam = None, fmt: Fmt = None) -> Any:
    lake = get_context(request).lake
    data = query.ranking(lake, parse_date(day, "date"), pinned=day is not None)
    if wants_csv(request, fmt):
        rows = ([data.date, c.cc, c.name, c.region, c.subregion, c.score, c.rank, c.rank_low,
                 c.rank_high, c.coverage, c.status, c.reason,
                 *(c.pillars.get(p) for p in PILLARS), c.simulated] for c in data.countries)  # fmt: skip
        return csv_response(f"resilience-{data.date}.csv", RANKING_CSV, rows)
    return data


@router.get("/{cc}", response_model=CountryIndex, responses={**RESPONSES, **CSV_OK},
            summary="One country's index → pillars → dimensions → inputs, comparisons, history")  # fmt: skip
def get_country(request: Request, cc: str, day: DateParam = None, fmt: Fmt = None) -> Any:
    lake = get_context(request).lake
    data = query.country(lake, cc, parse_date(day, "date"), pinned=day is not None)
    if wants_csv(request, fmt):
        rows = ([data.date, data.cc, p.id, p.score, dm.id, dm.score, i.id, i.reference_date,
                 i.value, i.unit, i.capped, i.score, i.direction, i.weight, i.effective_weight,
                 i.status, i.reason, i.links["record"]]
                for p in data.pillars for dm in p.dimensions for i in dm.inputs)  # fmt: skip
        return csv_response(f"resilience-{data.cc}-{data.date}.csv", COUNTRY_CSV, rows)
    return data


@router.get("/{cc}/inputs/{input_id}", response_model=InputRecord, responses=RESPONSES,
            summary="One input of one country: value, dates, bounds and source record")  # fmt: skip
def get_input(request: Request, cc: str, input_id: str, day: DateParam = None) -> InputRecord:
    lake = get_context(request).lake
    return query.input_record(lake, cc, input_id, parse_date(day, "date"))
