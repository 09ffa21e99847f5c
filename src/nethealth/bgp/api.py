"""`/api/v1/hegemony` and `/api/v1/countries/{cc}/dependency`: AS hegemony and country transit
dependency, JSON or CSV (`format=csv` or `Accept: text/csv`), from the area's read model
(`nethealth.bgp.query`). Errors are the project's typed errors (one body, the real status)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from nethealth.bgp import query
from nethealth.bgp.query import BgpLake
from nethealth.common.dates import parse_date
from nethealth.ui.formats import Format, csv_response, wants_csv
from nethealth.ui.models import ERROR_RESPONSES
from nethealth.ui.params import DATE

_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}
router = APIRouter(
    prefix="/api/v1", tags=["transit dependency"], responses={**ERROR_RESPONSES, **_CSV}
)
MAX_LIMIT = 100_000

Lake = Annotated[BgpLake, Depends(query.bgp_lake)]
DayParam = Annotated[
    str | None,
    DATE,
    Query(
        alias="date",
        description="YYYY-MM-DD: the RIB date on or before this day (default: the latest)",
    ),
]
Af = Annotated[int, Query(ge=4, le=6, description="address family: 4 (default) or 6")]


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return x


@router.get("/hegemony", summary="AS hegemony: the global graph or one origin AS's")
def hegemony(
    request: Request,
    lake: Lake,
    scope: Annotated[
        str | None, Query(description="global (default) or an origin AS number, e.g. AS3333")
    ] = None,
    day: DayParam = None,
    af: Af = 4,
    limit: Annotated[
        int | None, Query(ge=1, le=MAX_LIMIT, description="at most this many ASes")
    ] = None,
    format: Format = None,
) -> Response:
    """Every transit AS's hegemony (0-1, highest first) in one RIB date's graph: the global
    graph, or the paths towards one origin AS (`scope`). The IHR method over the full-feed
    peers of the stored RIBs (docs/methodology/hegemony.md). CSV: one row per AS."""
    body = query.hegemony(lake, query.check_scope(scope), parse_date(day, "date"),
                          query.check_af(af), limit)  # fmt: skip
    if wants_csv(request, format):
        head = ("date", "af", "scope", "asn", "hegemony", "peers", "simulated")
        rows = [(body["date"].isoformat(), body["af"], body["scope"], r["asn"], r["hegemony"],
                 body["peers"], body["simulated"]) for r in body["hegemony"]]  # fmt: skip
        return csv_response(f"nethealth-hegemony-{body['scope']}.csv", head, rows)
    return JSONResponse(_jsonable(body))


@router.get(
    "/countries/{cc}/dependency",
    summary="A country's transit dependency: hegemony over the paths to its address space",
)
def country_dependency(
    request: Request, lake: Lake, cc: str, day: DayParam = None, af: Af = 4, format: Format = None
) -> Response:
    """The transit ASes the paths towards the country's address space (located by
    ip-location-db, the snapshot in force on the RIB date) depend on, by hegemony; upstream
    diversity (ASes at or above 5 %) and route diversity (HHI over the ASes above 1 %, 0 to
    10,000). `status`/`reason` say when it could not be measured. CSV: one row per AS."""
    body = query.country_dependency(lake, cc, parse_date(day, "date"), query.check_af(af))
    if wants_csv(request, format):
        head = ("cc", "date", "af", "asn", "hegemony", "peers", "geo_snapshot", "simulated")
        geo = body["geo_snapshot"].isoformat() if body["geo_snapshot"] else None
        rows = [(body["cc"], body["date"].isoformat(), body["af"], r["asn"], r["hegemony"],
                 body["peers"], geo, body["simulated"]) for r in body["dependencies"]]  # fmt: skip
        return csv_response(f"nethealth-dependency-{body['cc']}.csv", head, rows)
    return JSONResponse(_jsonable(body))
