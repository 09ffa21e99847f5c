"""`/api/v1/routing`: per-ASN and per-country ROV figures, incidents and MANRS-style scorecards,
JSON or CSV.

Answers from the served lake through the area's read model (`routing.query`), the same functions
the pages call. Errors are the project's typed errors (one body, the real HTTP status).
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

import pycountry
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from nethealth.common.csv_cells import safe_cell
from nethealth.common.dates import parse_date, parse_datetime, parse_month
from nethealth.errors import InputError, NotFoundError
from nethealth.routing import query
from nethealth.routing.query import IncidentQuery, RoutingLake
from nethealth.ui.models import ERROR_RESPONSES
from nethealth.ui.params import DATE, DATE_TIME, MONTH

# Every route answers CSV as well with `format=csv`.
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}
router = APIRouter(
    prefix="/api/v1/routing", tags=["routing"], responses={**ERROR_RESPONSES, **_CSV}
)
MAX_LIMIT = 1000
MAX_RANGE_DAYS = 366
PREFIX_KEYS = ("snapshot", "prefix", "state", "reason", "peers")  # v1's prefix fields

Lake = Annotated[RoutingLake, Depends(query.routing_lake)]
DayParam = Annotated[
    str | None,
    DATE,
    Query(
        alias="date",
        description="YYYY-MM-DD: the RIB snapshot on or before this day (default: the latest)",
    ),
]


def _respond(body: list[Any] | dict[str, Any], fmt: str, flat: list[dict[str, Any]]) -> Response:
    if fmt == "csv":
        buf = io.StringIO()
        if flat:
            w = csv.DictWriter(buf, fieldnames=list(flat[0]))
            w.writeheader()
            # numbers stay numbers; text that could be a formula gets a ' (common.csv_cells)
            w.writerows({k: safe_cell("|".join(map(str, v)) if isinstance(v, list) else v)
                         for k, v in r.items()} for r in flat)  # fmt: skip
        return Response(buf.getvalue(), media_type="text/csv")
    return JSONResponse(_jsonable(body))


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
        raise InputError(f"unknown format {fmt!r}", field="format", hint="use json or csv")
    return fmt


@router.get("/asns/{asn}")
def asn_view(lake: Lake, asn: int, day: DayParam = None, format: str = "json") -> Response:
    """ROV figures per address family, prefixes with their ROV state (at most 1000, IPv4
    first) and incidents (newest first, at most 1000) of one AS, in one RIB snapshot: the
    latest, or the latest on or before `date`."""
    fmt = _fmt(format)
    found = query.asn_routes(lake, asn, parse_date(day, "date"))
    prefixes = [{k: p[k] for k in PREFIX_KEYS}
                for p in query.asn_prefixes(lake, found, MAX_LIMIT)]  # fmt: skip
    incidents = query.asn_incidents(lake, asn, MAX_LIMIT)
    return _respond({"asn": asn, "rov": found.rov, "prefixes": prefixes, "incidents": incidents},
                    fmt, prefixes)  # fmt: skip


@router.get("/countries/{cc}")
def country_view(lake: Lake, cc: str, day: DayParam = None, format: str = "json") -> Response:
    """ROV figures per address family of the routes that ASes registered in the country
    originate, in one RIB snapshot: the latest, or the latest on or before `date`."""
    fmt = _fmt(format)
    found = query.country_rov(lake, query.check_country(cc), parse_date(day, "date"))
    if not found.rov:
        raise NotFoundError(f"no routing figures for {found.cc}")
    return _respond({"cc": found.cc, "rov": found.rov}, fmt, found.rov)


@router.get("/incidents")
def incident_list(
    lake: Lake,
    type: Annotated[str | None, Query(description=" | ".join(query.INCIDENT_TYPES))] = None,
    asn: Annotated[int | None, Query(description="AS number: culprit or victim")] = None,
    country: Annotated[
        str | None,
        Query(
            description="ISO 3166-1 alpha-2: incidents whose origin, culprit or a victim AS is "
            "registered in this country (the RIR delegations' ASN→country map)"
        ),
    ] = None,
    from_: Annotated[
        str | None,
        DATE_TIME,
        Query(
            alias="from",
            description="Incidents still running at or after this: YYYY-MM-DD (00:00 UTC) or "
            "ISO 8601 (no offset = UTC), 1970..2100",
        ),
    ] = None,
    to: Annotated[
        str | None,
        DATE_TIME,
        Query(description="Incidents starting at or before this (same forms as `from`)"),
    ] = None,
    limit: int = 100,
    format: str = "json",
) -> Response:
    """Incident records, newest first (ties by id)."""
    fmt = _fmt(format)
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be 1..{MAX_LIMIT}", field="limit")
    q = IncidentQuery(type=type, asn=asn, start=parse_datetime(from_, "from"),
                      end=parse_datetime(to, "to")).check(MAX_RANGE_DAYS)  # fmt: skip
    if country is not None:
        q = IncidentQuery(type=q.type, asn=q.asn, asns=_country_asns(lake, country),
                          start=q.start, end=q.end)  # fmt: skip
    rows = query.incidents(lake, q, limit)
    return _respond({"incidents": rows}, fmt, rows)


def _country_asns(lake: RoutingLake, country: str) -> list[int]:
    """The ASNs registered in a country, from the same map the country page reads."""
    cc = query.check_country(country, "country")
    asns = query.country_asns(lake, cc)
    if not asns and pycountry.countries.get(alpha_2=cc) is None:
        raise InputError(f"unknown country code {cc!r}", field="country",
                         hint="use an ISO 3166-1 alpha-2 code, e.g. NL")  # fmt: skip
    return asns


@router.get("/incidents/{incident_id}")
def incident_view(lake: Lake, incident_id: str, format: str = "json") -> Response:
    fmt = _fmt(format)
    row = query.incident(lake, incident_id)
    return _respond(row, fmt, [row])


@router.get("/asns/{asn}/scorecard")
def asn_scorecard(
    lake: Lake,
    asn: int,
    month: Annotated[str, MONTH, Query(description="YYYY-MM, 1970..2100")],
    format: str = "json",
) -> Response:
    """MANRS-style readiness per action for one AS and month: the row of the built
    `routing_scorecards` dataset (`"source": "dataset"`)."""
    fmt = _fmt(format)
    wanted = parse_month(month, "month")
    if wanted is None:
        raise InputError("month is required", field="month", hint="e.g. month=2025-06")
    card = {**query.scorecard(lake, asn, wanted), "source": "dataset"}
    return _respond(card, fmt, [card])


@router.get("/countries/{cc}/scorecard")
def country_scorecard(
    lake: Lake,
    cc: str,
    month: Annotated[str | None, MONTH, Query(description="YYYY-MM (default: latest)")] = None,
    format: str = "json",
) -> Response:
    """Country roll-up of the MANRS-style scorecards (`routing_scorecard_countries`): per
    action the ASes scored, their median readiness and the share at >= 90 %. Without `month`,
    the latest month."""
    fmt = _fmt(format)
    code = query.check_country(cc)
    wanted = parse_month(month, "month")
    rows = query.country_rollup(lake, code, wanted)
    if not rows:
        raise NotFoundError(
            f"no scorecard roll-up for {code}" + (f" in {wanted}" if wanted else ""),
            hint="no AS registered there originates a route in that month",
        )
    body = {"cc": code, "month": rows[0]["month"],
            "method_version": rows[0]["method_version"],
            "simulated": bool(rows[0]["simulated"]),
            "actions": [{k: r[k] for k in ("action", "ases", "median", "share_ready")}
                        for r in rows]}  # fmt: skip
    return _respond(body, fmt, rows)
