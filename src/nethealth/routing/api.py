"""`/api/v1/routing`: per-ASN and per-country ROV figures and incidents, JSON or CSV.

Reads the `routing_*` Parquet datasets of a directory: `app.state.routing_dir` when set, else
the lake directory of `app.state.nethealth.settings`. Errors use the project's one body
`{"error": {status, code, message, hint}}` with the real HTTP status.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from nethealth.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/routing", tags=["routing"], responses=ERROR_RESPONSES)
MAX_LIMIT = 1000
MAX_RANGE_DAYS = 366


class RoutingApiError(Exception):
    def __init__(self, status: int, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.body = {"error": {"status": status, "code": code, "message": message, "hint": hint}}
        self.status = status


def _error(e: RoutingApiError) -> JSONResponse:
    return JSONResponse(e.body, status_code=e.status)


def _dir(request: Request) -> Path:
    d = getattr(request.app.state, "routing_dir", None)
    if d is None:
        d = request.app.state.nethealth.settings.lake_dir
    return Path(d)


def _query(request: Request, dataset: str, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    path = _dir(request) / f"{dataset}.parquet"
    if not path.is_file():
        raise RoutingApiError(503, "unavailable", f"dataset {dataset} has not been built",
                              "run `nethealth routing coverage` / `incidents` first")  # fmt: skip
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        rel = con.sql(sql.replace("{t}", "read_parquet(?)"), params=[str(path), *params])
        rows: list[dict[str, Any]] = rel.to_arrow_table().to_pylist()
        return rows
    finally:
        con.close()


def _respond(
    rows: list[dict[str, Any]] | dict[str, Any], fmt: str, flat: list[dict[str, Any]]
) -> Response:
    if fmt == "csv":
        buf = io.StringIO()
        if flat:
            w = csv.DictWriter(buf, fieldnames=list(flat[0]))
            w.writeheader()
            w.writerows({k: ("|".join(map(str, v)) if isinstance(v, list) else v)
                         for k, v in r.items()} for r in flat)  # fmt: skip
        return Response(buf.getvalue(), media_type="text/csv")
    return JSONResponse(_jsonable(rows))


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    if hasattr(x, "isoformat"):
        return x.isoformat()
    if isinstance(x, float) and x != x:
        return None
    return x


def _fmt(fmt: str) -> str:
    if fmt not in ("json", "csv"):
        raise RoutingApiError(400, "bad_request", f"unknown format {fmt!r}", "use json or csv")
    return fmt


@router.get("/asns/{asn}")
def asn_view(request: Request, asn: int, format: str = "json") -> Response:
    """Scorecard figures (ROV per family), prefixes with their ROV state, and incidents."""
    try:
        fmt = _fmt(format)
        if not 0 <= asn < 2**32:
            raise RoutingApiError(400, "bad_request", f"AS number out of range: {asn}")
        rov = _query(
            request,
            "routing_rov_asn",
            "SELECT * FROM {t} WHERE asn = ? ORDER BY snapshot, af",
            [asn],
        )
        prefixes = _query(request, "routing_route_states",
                          "SELECT snapshot, prefix, state, reason, peers FROM {t} WHERE origin_asn = ? "
                          "ORDER BY prefix LIMIT ?", [asn, MAX_LIMIT])  # fmt: skip
        if not rov and not prefixes:
            raise RoutingApiError(404, "not_found", f"AS{asn} originates no route in the data")
        incidents: list[dict[str, Any]] = []
        if (_dir(request) / "routing_incidents.parquet").is_file():
            incidents = _query(request, "routing_incidents",
                               "SELECT * FROM {t} WHERE culprit_asn = ? OR list_contains(victim_asns, ?) "
                               "ORDER BY start LIMIT ?", [asn, asn, MAX_LIMIT])  # fmt: skip
        return _respond({"asn": asn, "rov": rov, "prefixes": prefixes, "incidents": incidents},
                        fmt, prefixes)  # fmt: skip
    except RoutingApiError as e:
        return _error(e)


@router.get("/countries/{cc}")
def country_view(request: Request, cc: str, format: str = "json") -> Response:
    try:
        fmt = _fmt(format)
        if len(cc) != 2 or not cc.isalpha():
            raise RoutingApiError(400, "bad_request", f"not an ISO 3166 alpha-2 code: {cc!r}")
        rows = _query(request, "routing_rov_country", "SELECT * FROM {t} WHERE cc = ? ORDER BY snapshot, af",
                      [cc.upper()])  # fmt: skip
        if not rows:
            raise RoutingApiError(404, "not_found", f"no routing figures for {cc.upper()}")
        return _respond({"cc": cc.upper(), "rov": rows}, fmt, rows)
    except RoutingApiError as e:
        return _error(e)


@router.get("/incidents")
def incident_list(
    request: Request,
    type: str | None = None,
    asn: int | None = None,
    country: str | None = None,
    from_: str | None = Query(None, alias="from"),
    to: str | None = None,
    limit: int = 100,
    format: str = "json",
) -> Response:
    try:
        fmt = _fmt(format)
        if not 1 <= limit <= MAX_LIMIT:
            raise RoutingApiError(400, "bad_request", f"limit must be 1..{MAX_LIMIT}")
        try:
            t0 = datetime.fromisoformat(from_) if from_ else None
            t1 = datetime.fromisoformat(to) if to else None
        except ValueError as exc:
            raise RoutingApiError(400, "bad_request", f"bad date: {exc}", "use ISO 8601") from None
        if t0 and t1 and ((t1 - t0).days > MAX_RANGE_DAYS or t1 < t0):
            raise RoutingApiError(400, "bad_request", f"range must be 0..{MAX_RANGE_DAYS} days")
        if country is not None:
            raise RoutingApiError(400, "bad_request", "country filter needs the ASN-country map",
                                  "not available in this build; filter by asn")  # fmt: skip
        rows = _query(request, "routing_incidents",
                      "SELECT * FROM {t} WHERE (? IS NULL OR type = ?) AND (? IS NULL OR culprit_asn = ? "
                      "OR list_contains(victim_asns, ?)) AND (? IS NULL OR coalesce(\"end\", start) >= ?) "
                      "AND (? IS NULL OR start <= ?) ORDER BY start LIMIT ?",
                      [type, type, asn, asn, asn, t0, t0, t1, t1, limit])  # fmt: skip
        return _respond({"incidents": rows}, fmt, rows)
    except RoutingApiError as e:
        return _error(e)


@router.get("/incidents/{incident_id}")
def incident_view(request: Request, incident_id: str, format: str = "json") -> Response:
    try:
        fmt = _fmt(format)
        rows = _query(request, "routing_incidents", "SELECT * FROM {t} WHERE id = ?", [incident_id])
        if not rows:
            raise RoutingApiError(404, "not_found", f"no incident {incident_id!r}")
        return _respond(rows[0], fmt, rows)
    except RoutingApiError as e:
        return _error(e)


@router.get("/asns/{asn}/scorecard")
def asn_scorecard(request: Request, asn: int, month: str, format: str = "json") -> Response:
    """MANRS-style readiness per action for one AS and month (`nethealth.routing.scorecard`)."""
    from nethealth.errors import InputError
    from nethealth.routing import scorecard

    try:
        fmt = _fmt(format)
        if not 0 <= asn < 2**32:
            raise RoutingApiError(400, "bad_request", f"AS number out of range: {asn}")
        try:
            scorecard.month_bounds(month)
            inputs, _cc = scorecard.load_inputs(_dir(request), month, asn)
        except InputError as exc:
            status, code = (400, "bad_request") if exc.field == "month" else (404, "not_found")
            raise RoutingApiError(status, code, exc.message, exc.hint) from None
        rows = scorecard.scorecards(inputs, month).to_pylist()
        if not rows:
            raise RoutingApiError(404, "not_found", f"AS{asn} originates no route in {month}")
        card = {**rows[0], "method_version": scorecard.METHOD_VERSION}
        return _respond(card, fmt, [card])
    except RoutingApiError as e:
        return _error(e)
