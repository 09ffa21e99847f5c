"""`/api/v1/scan`: test your domain over HTTP (docs/api.md, docs/standards.md).

`GET /api/v1/scan/{domain}` starts a scan job (or joins the running one, or reuses a recent
report) and answers 202 with the job and a Location to poll; `GET /api/v1/scan/jobs/{id}`
answers the job, with the report `nethealth scan --format json` prints once it is finished.
Bounds (jobs at once, scans per client and hour) answer 429 with Retry-After; a name the API
refuses answers 400 naming `domain`. The page /scan reads the same board (nethealth.standards.jobs).

`GET /api/v1/adoption` lists the adoption indicators (technology, check, gaps);
`GET /api/v1/adoption/{indicator}` answers a series per country or global with its denominators,
JSON or CSV (`format=csv` or `Accept: text/csv`), from `standards.query`.

`GET /api/v1/concentration` lists the building blocks with their latest global value;
`GET /api/v1/concentration/{block}?country=&date=&list=` answers the series, the provider table
behind a value and the countries' latest values, JSON or CSV (`table=values|providers|countries`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from nethealth.common.dates import parse_date
from nethealth.common.status import Status
from nethealth.standards import query
from nethealth.standards.adoption import GAPS, LISTS, TECHNOLOGIES, VERSION, WINDOW_DAYS, method
from nethealth.standards.attribution import BLOCKS
from nethealth.standards.attribution import VERSION as RULES_VERSION
from nethealth.standards.concentration import BLOCK_TITLES
from nethealth.standards.concentration import VERSION as CONC_VERSION
from nethealth.standards.concentration import indicator_id as conc_indicator
from nethealth.standards.concentration import method as conc_method
from nethealth.standards.jobs import JOB_ID, Board, client_of, job_json, job_location
from nethealth.standards.source import country_code
from nethealth.ui.context import get_context
from nethealth.ui.formats import OutputFormat, csv_response, wants_csv
from nethealth.ui.models import ERROR_RESPONSES, ErrorBody
from nethealth.ui.params import DATE

# One router (the area's), under /api/v1: /scan/… (test your domain), /adoption/… (series).
router = APIRouter(prefix="/api/v1", tags=["standards"])
_CSV_OK: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
}

_JOB_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "domain", "lab", "state", "progress"],
    "properties": {
        "id": {"type": "string"},
        "domain": {"type": "string"},
        "lab": {"type": "boolean"},
        "state": {"type": "string", "enum": ["running", "finished", "failed"]},
        "progress": {
            "type": "object",
            "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}},
        },
        "failure": {"type": ["string", "null"]},
        "report": {"type": ["object", "null"]},
    },
}


@router.get(
    "/scan/jobs/{job_id}",
    summary="A scan job: its progress, and its report once finished",
    responses={
        200: {"content": {"application/json": {"schema": _JOB_SCHEMA}}},
        400: {"model": ErrorBody, "description": "Malformed job id"},
        404: {"model": ErrorBody, "description": "No such job (or forgotten)"},
    },
    response_model=None,
)
def scan_job(
    board: Board,
    job_id: Annotated[str, Path(pattern=JOB_ID, description="the id a scan answered")],
) -> JSONResponse:
    """The job's state (running, finished or failed) and progress (checks done of total);
    `report` when finished: one object per check (check, status, detail, points, explanation
    = how to fix), `score` per category and the scoring `rules`. While running, poll again."""
    job = board.get(job_id)
    headers = {"Retry-After": "2"} if job.state == "running" else None
    return JSONResponse(job_json(job), headers=headers)


@router.get(
    "/scan/{domain}",
    summary="Test a domain: start (or join) a scan job",
    status_code=202,
    responses={
        202: {
            "description": "The job (running, or finished when a recent report is reused); "
            "poll its Location",
            "content": {"application/json": {"schema": _JOB_SCHEMA}},
        },
        400: {"model": ErrorBody, "description": "Not a domain name, or a refused target"},
        429: {"model": ErrorBody, "description": "Too many scans: see Retry-After"},
    },
    response_model=None,
)
async def scan_domain(
    request: Request,
    board: Board,
    domain: Annotated[str, Path(max_length=300, description="a domain name (no IP literal)")],
) -> JSONResponse:
    """Start a scan of `domain` in the server (every check of the registry), or join the one
    running, or reuse a report younger than `standards_cache_minutes`. Answers 202 with the
    job and `Location: /api/v1/scan/jobs/{id}`; 429 with Retry-After over
    `standards_max_jobs` or the client's `standards_scans_per_hour`."""
    job = await board.submit(domain, client_of(request))
    body = job.summary()
    body["report"] = None
    location = job_location(job.id)
    return JSONResponse(body, status_code=202, headers={"Location": location, "Retry-After": "2"})


_CSV_COLUMNS = ("date", "country", "list", "value", "status", "reason", "adopted", "conclusive",
                "errors", "not_applicable", "targets", "list_dates", "scanned_from",
                "check_versions", "simulated")  # fmt: skip


@router.get(
    "/adoption",
    summary="The adoption indicators: technology, check, and gaps",
    responses=ERROR_RESPONSES,
)
def adoption_index() -> dict[str, Any]:
    """Each adoption indicator with the check it counts, the lists it reads and the
    technologies not measured yet (no check in the registry)."""
    return {
        "method_version": VERSION, "window_days": WINDOW_DAYS, "lists": list(LISTS),
        "indicators": [{"id": t.id, "title": t.title, "check": t.check_id, "method": method(t)}
                       for t in TECHNOLOGIES],
        "not_measured": [{"technology": k, "why": v} for k, v in GAPS.items()],
    }  # fmt: skip


@router.get("/adoption/{indicator}", summary="Adoption of a technology: a series with its "
            "denominators", response_model=None, responses=_CSV_OK)  # fmt: skip
def adoption_values(
    request: Request,
    indicator: Annotated[str, Path(max_length=64, description="an id of GET /api/v1/adoption")],
    country: Annotated[str | None, Query(max_length=2, description="ISO 3166-1 alpha-2 (the "
                       "list's country); omitted: the global series (Tranco)")] = None,
    date: Annotated[str | None, DATE, Query(description="YYYY-MM-DD: the latest value on or "
                    "before this day (default: every date)")] = None,
    list_id: Annotated[str | None, Query(alias="list", description=f"one list instead of the "
                       f"country's own: {', '.join(LISTS)}")] = None,
    format: Annotated[OutputFormat | None, Query(description="json (default) or csv; "
                      "`Accept: text/csv` also selects CSV")] = None,
) -> Response:  # fmt: skip
    """Per computation date: the value (% of the list's targets with a conclusive result
    that adopt), its status and reason, and the counts behind it — adopted, conclusive (the
    denominator), errors and not applicable (left out), the list and its dates. A country or
    list never scanned answers one `not measured` row with a null value."""
    cc = country_code(country, "country") if country is not None else None
    series = query.adoption_series(
        get_context(request).settings.lake_dir, indicator, cc, parse_date(date, "date"), list_id
    )
    rows = [r.to_json() for r in series.rows] or [query.not_measured_row(series)]
    if wants_csv(request, format):
        return csv_response(
            f"nethealth-{indicator}-{cc or 'global'}.csv", _CSV_COLUMNS,
            ([_cell(row.get(k)) for k in _CSV_COLUMNS] for row in rows),
        )  # fmt: skip
    return JSONResponse({
        "indicator": indicator, "title": series.tech.title, "check": series.tech.check_id,
        "method_version": VERSION, "country": cc, "values": rows,
    })  # fmt: skip


def _cell(value: Any) -> Any:
    return "|".join(str(v) for v in value) if isinstance(value, list) else value


# Concentration --------------------------------------------------------------------------------------

_BANDS = [{"band": "low", "hhi_below": 1500}, {"band": "moderate", "hhi_up_to": 2500},
          {"band": "high", "hhi_up_to": 5000}, {"band": "extremely high", "hhi_above": 5000}]  # fmt: skip
_CONC_COLUMNS = ("block", "list", "country", "date", "status", "reason", "hhi", "band", "cr1",
                 "cr3", "cr5", "gini", "weighted_gini", "weighted_status", "weighted_reason",
                 "targets", "attributed", "unknown", "not_applicable", "providers", "list_from",
                 "list_to", "scan_from", "simulated")  # fmt: skip
_PROVIDER_COLUMNS = ("block", "list", "country", "date", "provider", "name", "targets", "share")


class ConcTable(StrEnum):
    values = "values"
    providers = "providers"
    countries = "countries"


def _lake(request: Request) -> Any:
    return get_context(request).settings.lake_dir


@router.get("/concentration", summary="Concentration of providers: every building block with "
            "its latest global value", response_model=None, responses=_CSV_OK)  # fmt: skip
def concentration_index(
    request: Request,
    format: Annotated[OutputFormat | None, Query(description="json (default) or csv")] = None,
) -> Response:
    """Per building block (hosting, dns, ca, cdn, mail, tld): the method, the indicator id and
    the latest value of the global list (Tranco's) with HHI band, CR-n and Gini, and the
    number of countries with a value; Pulse's HHI bands. A block never attributed answers a
    `not measured` value (null numbers), never zero."""
    lake = _lake(request)
    blocks: list[dict[str, Any]] = []
    currents: list[dict[str, Any]] = []
    for block in BLOCKS:
        data = query.block_data(lake, block, with_providers=False)
        current = data.current.to_json() if data.current else _not_measured(block, None, data)
        blocks.append({"block": block, "title": BLOCK_TITLES[block],
                       "indicator": conc_indicator(block), "method": conc_method(block),
                       "global": current, "countries_measured": len(data.countries)})  # fmt: skip
        currents.append(current)
    if wants_csv(request, format):
        return csv_response("nethealth-concentration.csv", _CONC_COLUMNS,
                            ([_cell(c.get(k)) for k in _CONC_COLUMNS] for c in currents))  # fmt: skip
    return JSONResponse({"method_version": CONC_VERSION, "rules_version": RULES_VERSION,
                         "window_days": WINDOW_DAYS, "bands": _BANDS, "blocks": blocks})  # fmt: skip


def _not_measured(block: str, country: str | None, data: query.BlockData) -> dict[str, Any]:
    return {"block": block, "list": data.list_id, "country": country, "date": None,
            "status": Status.NOT_MEASURED.value, "reason": data.missing, "hhi": None,
            "band": None}  # fmt: skip


@router.get("/concentration/{block}", summary="Concentration of one building block: series, "
            "provider table, countries", response_model=None, responses=_CSV_OK)  # fmt: skip
def concentration_block(
    request: Request,
    block: Annotated[str, Path(max_length=16, description="hosting, dns, ca, cdn, mail or tld")],
    country: Annotated[str | None, Query(max_length=2, description="ISO 3166-1 alpha-2 (the "
                       "list's country); omitted: the global list (Tranco)")] = None,
    date: Annotated[str | None, DATE, Query(description="YYYY-MM-DD: the value (and provider "
                    "table) of the latest date on or before this day (default: the latest)")] = None,
    list_id: Annotated[str | None, Query(alias="list", description=f"one list instead of the "
                       f"country's own: {', '.join(LISTS)}")] = None,
    table: Annotated[ConcTable, Query(description="for CSV: values (the series), providers "
                     "(the table behind the chosen value) or countries (each country's latest)")]
    = ConcTable.values,
    format: Annotated[OutputFormat | None, Query(description="json (default) or csv; "
                      "`Accept: text/csv` also selects CSV")] = None,
) -> Response:  # fmt: skip
    """The series of HHI (band), CR-1/3/5, Gini and the population-weighted Gini (global list
    only) with the counts behind each value (attributed, unknown, not applicable), the provider
    table behind the value of `date` (provider, name, targets, share in percent) and each
    country's latest value of its own list."""
    cc = country_code(country, "country") if country is not None else None
    day = parse_date(date, "date")
    data = query.block_data(_lake(request), block, cc, day, list_id)
    series = [v.to_json() for v in data.series if day is None or v.date <= day]
    current = data.current.to_json() if data.current else _not_measured(block, cc, data)
    where = {"block": block, "list": data.list_id, "country": cc,
             "date": current["date"]}  # fmt: skip
    if wants_csv(request, format):
        name = f"nethealth-concentration-{block}-{cc or 'global'}-{table.value}.csv"
        if table is ConcTable.providers:
            return csv_response(name, _PROVIDER_COLUMNS, ([_cell({**where, **p.to_json()}.get(k))
                                for k in _PROVIDER_COLUMNS] for p in data.providers))  # fmt: skip
        rows: list[dict[str, Any]] = (
            (series or [current]) if table is ConcTable.values
            else [v.to_json() for v in data.countries]
        )  # fmt: skip
        return csv_response(name, _CONC_COLUMNS,
                            ([_cell(r.get(k)) for k in _CONC_COLUMNS] for r in rows))  # fmt: skip
    return JSONResponse({
        "block": block, "title": BLOCK_TITLES[block], "indicator": conc_indicator(block),
        "method": conc_method(block), "method_version": CONC_VERSION,
        "rules_version": RULES_VERSION, "country": cc, "list": data.list_id, "value": current,
        "providers": [p.to_json() for p in data.providers], "series": series,
        "countries": [v.to_json() for v in data.countries],
    })  # fmt: skip
