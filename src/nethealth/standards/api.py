"""`/api/v1/scan`: test your domain over HTTP (docs/api.md, docs/standards.md).

`GET /api/v1/scan/{domain}` starts a scan job (or joins the running one, or reuses a recent
report) and answers 202 with the job and a Location to poll; `GET /api/v1/scan/jobs/{id}`
answers the job, with the report `nethealth scan --format json` prints once it is finished.
Bounds (jobs at once, scans per client and hour) answer 429 with Retry-After; a name the API
refuses answers 400 naming `domain`. The page /scan reads the same board (nethealth.standards.jobs).

`GET /api/v1/adoption` lists the adoption indicators (technology, check, gaps);
`GET /api/v1/adoption/{indicator}` answers a series per country or global with its denominators,
JSON or CSV (`format=csv` or `Accept: text/csv`), from `standards.query`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from nethealth.common.dates import parse_date
from nethealth.standards import query
from nethealth.standards.adoption import GAPS, LISTS, TECHNOLOGIES, VERSION, WINDOW_DAYS, method
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
