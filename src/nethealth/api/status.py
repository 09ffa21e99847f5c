"""Monitoring: `GET /healthz` (the process is up) and `GET /api/v1/status` (is the data fresh?).

`/healthz` answers 200 whenever the server runs, without touching the lake: a liveness probe.
`/api/v1/status` says, per source, when it was last fetched, the date of its newest data and
whether that is stale for its cadence; per build step when it last built; how the last
`nethealth update` ended; and the build's warnings. It answers 200 with `status` = ok, stale,
failed or no lake: alert on anything but ok (docs/operations.md, "Monitoring").
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from nethealth import __version__ as nethealth_version
from nethealth.areas import all_sources
from nethealth.ops.status import StatusView, status_view
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.models import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["monitoring"], responses=ERROR_RESPONSES)
health = APIRouter(tags=["monitoring"])

Ctx = Annotated[AppContext, Depends(get_context)]


class Health(BaseModel):
    status: Literal["ok"] = Field(description="Always ok: the process answers")
    version: str


@health.get("/healthz", response_model=Health, summary="Liveness: the server process is up")
def healthz() -> Health:
    return Health(status="ok", version=nethealth_version)


@router.get(
    "/status",
    response_model=StatusView,
    summary="Freshness of every source, last build of every step, last update run, warnings",
)
def get_status(ctx: Ctx) -> StatusView:
    return status_view(ctx.settings, ctx.lake, all_sources())
