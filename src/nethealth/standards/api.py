"""`/api/v1/scan`: test your domain over HTTP (docs/api.md, docs/standards.md).

`GET /api/v1/scan/{domain}` starts a scan job (or joins the running one, or reuses a recent
report) and answers 202 with the job and a Location to poll; `GET /api/v1/scan/jobs/{id}`
answers the job, with the report `nethealth scan --format json` prints once it is finished.
Bounds (jobs at once, scans per client and hour) answer 429 with Retry-After; a name the API
refuses answers 400 naming `domain`. The page /scan reads the same board (nethealth.standards.jobs).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from nethealth.standards.jobs import JOB_ID, Board, client_of, job_json, job_location
from nethealth.ui.models import ErrorBody

router = APIRouter(prefix="/api/v1/scan", tags=["standards"])

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
    "/jobs/{job_id}",
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
    "/{domain}",
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
