"""`/api/v1/routing`: per-ASN and per-country ROV figures, incidents and MANRS-style scorecards,
JSON or CSV (`format=csv` or `Accept: text/csv`, as every CSV of the API: `nethealth.ui.formats`).

Answers from the served lake through the area's read model (`routing.query`), the same functions
the pages call. Errors are the project's typed errors (one body, the real HTTP status).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pycountry
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from nethealth.common.dates import parse_date, parse_datetime, parse_month
from nethealth.errors import InputError, NotFoundError
from nethealth.routing import query
from nethealth.routing.query import IncidentQuery, RoutingLake
from nethealth.ui.formats import Format, OutputFormat, csv_response, wants_csv
from nethealth.ui.models import ERROR_RESPONSES
from nethealth.ui.params import DATE, DATE_TIME, MONTH

# Every route answers CSV as well.
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


def _respond(
    request: Request,
    fmt: OutputFormat | None,
    body: dict[str, Any],
    flat: list[dict[str, Any]],
    filename: str,
) -> Response:
    """The JSON body, or the CSV of its rows `flat` (one row per record, a list in one cell as
    a JSON array)."""
    if wants_csv(request, fmt):
        header = list(flat[0]) if flat else []
        return csv_response(filename, header, ([_cell(r[k]) for k in header] for r in flat))
    return JSONResponse(_jsonable(body))


def _cell(value: Any) -> Any:
    # a list is a JSON array: its items may hold any separator (a peer is `collector|address`)
    return json.dumps(_jsonable(value)) if isinstance(value, list) else _jsonable(value)


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


@router.get("/asns/{asn}")
def asn_view(
    request: Request, lake: Lake, asn: int, day: DayParam = None, format: Format = None
) -> Response:
    """ROV figures per address family, prefixes with their ROV state (at most 1000, IPv4
    first) and incidents (newest first, at most 1000) of one AS, in one RIB snapshot: the
    latest, or the latest on or before `date`."""
    found = query.asn_routes(lake, asn, parse_date(day, "date"))
    prefixes = [{k: p[k] for k in PREFIX_KEYS}
                for p in query.asn_prefixes(lake, found, MAX_LIMIT)]  # fmt: skip
    incidents = query.asn_incidents(lake, asn, MAX_LIMIT)
    body = {"asn": asn, "rov": found.rov, "prefixes": prefixes, "incidents": incidents}
    return _respond(request, format, body, prefixes, f"nethealth-routing-AS{asn}.csv")


@router.get("/countries/{cc}")
def country_view(
    request: Request, lake: Lake, cc: str, day: DayParam = None, format: Format = None
) -> Response:
    """ROV figures per address family of the routes that ASes registered in the country
    originate, in one RIB snapshot: the latest, or the latest on or before `date`."""
    found = query.country_rov(lake, query.check_country(cc), parse_date(day, "date"))
    if not found.rov:
        raise NotFoundError(f"no routing figures for {found.cc}")
    return _respond(request, format, {"cc": found.cc, "rov": found.rov}, found.rov,
                    f"nethealth-routing-{found.cc}.csv")  # fmt: skip


@router.get("/incidents")
def incident_list(
    request: Request,
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
    format: Format = None,
) -> Response:
    """Incident records, newest first (ties by id)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be 1..{MAX_LIMIT}", field="limit")
    q = IncidentQuery(type=type, asn=asn, start=parse_datetime(from_, "from"),
                      end=parse_datetime(to, "to")).check(MAX_RANGE_DAYS)  # fmt: skip
    if country is not None:
        q = IncidentQuery(type=q.type, asn=q.asn, asns=_country_asns(lake, country),
                          start=q.start, end=q.end)  # fmt: skip
    rows = query.incidents(lake, q, limit)
    return _respond(request, format, {"incidents": rows}, rows, "nethealth-routing-incidents.csv")


def _country_asns(lake: RoutingLake, country: str) -> list[int]:
    """The ASNs registered in a country, from the same map the country page reads."""
    cc = query.check_country(country, "country")
    asns = query.country_asns(lake, cc)
    if not asns and pycountry.countries.get(alpha_2=cc) is None:
        raise InputError(f"unknown country code {cc!r}", field="country",
                         hint="use an ISO 3166-1 alpha-2 code, e.g. NL")  # fmt: skip
    return asns


@router.get("/incidents/{incident_id}")
def incident_view(
    request: Request, lake: Lake, incident_id: str, format: Format = None
) -> Response:
    row = query.incident(lake, incident_id)
    return _respond(request, format, row, [row], "nethealth-routing-incident.csv")


@router.get("/asns/{asn}/scorecard")
def asn_scorecard(
    request: Request,
    lake: Lake,
    asn: int,
    month: Annotated[str, MONTH, Query(description="YYYY-MM, 1970..2100")],
    format: Format = None,
) -> Response:
    """MANRS-style readiness per action for one AS and month: the row of the built
    `routing_scorecards` dataset (`"source": "dataset"`)."""
    wanted = parse_month(month, "month")
    if wanted is None:
        raise InputError("month is required", field="month", hint="e.g. month=2025-06")
    card = {**query.scorecard(lake, asn, wanted), "source": "dataset"}
    return _respond(request, format, card, [card], f"nethealth-routing-AS{asn}-{wanted}.csv")


@router.get("/countries/{cc}/scorecard")
def country_scorecard(
    request: Request,
    lake: Lake,
    cc: str,
    month: Annotated[str | None, MONTH, Query(description="YYYY-MM (default: latest)")] = None,
    format: Format = None,
) -> Response:
    """Country roll-up of the MANRS-style scorecards (`routing_scorecard_countries`): per
    action the ASes scored, their median readiness and the share at >= 90 %. Without `month`,
    the latest month."""
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
    return _respond(request, format, body, rows,
                    f"nethealth-routing-{code}-{body['month']}.csv")  # fmt: skip
