"""`/api/v1/events`: detected outage events over HTTP (JSON, or CSV with `format=csv`).

    GET /api/v1/events?country=ET&from=2025-06-01&to=2025-06-08&scope=&asn=&status=&limit=
    GET /api/v1/events/{event_id}?series=true
    GET /api/v1/events/feed.atom?limit=50   (Atom 1.0, newest first)

Each event carries `cost` (low/central/high USD, model version, basis and inputs of
`nethealth.economics.cost_model`; see outages.cost), null when no estimate exists.

Routes raise the typed errors of `nethealth.errors` (400 bad parameter, 404 unknown event, 503
nothing detected yet); the app's one handler renders them. Date ranges are bounded by
`Settings.max_range_days`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from nethealth.common.dates import parse_datetime
from nethealth.errors import InputError, NotFoundError
from nethealth.formats.atom import MEDIA_TYPE as ATOM_MEDIA_TYPE
from nethealth.outages.feed import outage_feed
from nethealth.outages.query import MAX_LIMIT, EventFilter, evidence_series, get_event, to_csv
from nethealth.outages.query import list_events as query_events
from nethealth.settings import Settings, load_settings
from nethealth.ui.models import ErrorBody
from nethealth.ui.params import DATE_TIME

router = APIRouter(prefix="/api/v1/events", tags=["outage events"])
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameter (date, range, country, limit…)"},
    404: {"model": ErrorBody, "description": "No such event"},
    503: {"model": ErrorBody, "description": "No outage detection has run yet"},
}


def _settings(request: Request) -> Settings:
    """The app's settings: the lead's AppContext, a plain `app.state.settings`, else the env."""
    state = request.app.state
    ctx = getattr(state, "nethealth", None)
    settings = getattr(ctx, "settings", None) or getattr(state, "settings", None)
    if not isinstance(settings, Settings):
        settings = load_settings()
        state.settings = settings
    return settings


def _int(text: str | None, name: str, lo: int, hi: int) -> int | None:
    if text is None or text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{text!r} is not a whole number", field=name) from None
    if not lo <= value <= hi:
        raise InputError(f"{value} is out of range", field=name, hint=f"give {lo} to {hi}")
    return value


@router.get(
    "",
    responses={**RESPONSES, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    summary="List detected outage events",
)
def list_events(
    request: Request,
    country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2 code")] = None,
    start: Annotated[
        str | None,
        DATE_TIME,
        Query(
            alias="from",
            description="Events ending after this: YYYY-MM-DD (00:00 UTC) or an ISO 8601 time "
            "(no offset = UTC), 1970..2100",
        ),
    ] = None,
    end: Annotated[
        str | None,
        DATE_TIME,
        Query(alias="to", description="Events starting before this (same forms as `from`)"),
    ] = None,
    scope: Annotated[str | None, Query(description="country, region or asn")] = None,
    asn: Annotated[str | None, Query(description="Events involving this AS number")] = None,
    status: Annotated[str | None, Query(description="ongoing or ended")] = None,
    limit: Annotated[
        str | None, Query(description=f"Page size, 1-{MAX_LIMIT} (default 1000)")
    ] = None,
    offset: Annotated[str | None, Query(description="Skip this many")] = None,
    fmt: Annotated[str | None, Query(alias="format", description="json (default) or csv")] = None,
) -> Response:
    if fmt not in (None, "json", "csv"):
        raise InputError(f"unknown format {fmt!r}", field="format", hint="use json or csv")
    settings = _settings(request)
    flt = EventFilter(
        country=country.upper() if country else None,
        scope=scope,
        asn=_int(asn, "asn", 0, 2**32 - 1),
        status=status,
        start=parse_datetime(start, "from"),
        end=parse_datetime(end, "to"),
        limit=_int(limit, "limit", 1, MAX_LIMIT) or 1000,
        offset=_int(offset, "offset", 0, 10**9) or 0,
    ).check(settings.max_range_days)
    rows = query_events(settings, flt)
    if fmt == "csv":
        return Response(
            to_csv(rows),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": 'attachment; filename="outage-events.csv"'},
        )
    return JSONResponse({
        "events": rows, "count": len(rows), "limit": flt.limit, "offset": flt.offset,
        "simulated": any(r.get("simulated") for r in rows),
    })  # fmt: skip


@router.get(
    "/feed.atom",
    summary="Atom feed of detected outage events, newest first",
    response_class=Response,
    responses={
        200: {"content": {"application/atom+xml": {"schema": {"type": "string"}}}},
        **RESPONSES,
    },
)
def feed(
    request: Request,
    limit: Annotated[str | None, Query(description="Entries, 1-200 (default 50)")] = None,
) -> Response:
    settings = _settings(request)
    flt = EventFilter(limit=_int(limit, "limit", 1, 200) or 50).check()
    rows = query_events(settings, flt)
    # Absolute links from the configured public URL, never from the request's Host header.
    body = outage_feed(rows, base_url=settings.public_url)
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/{event_id}", responses=RESPONSES, summary="One outage event with its evidence")
def one_event(
    request: Request,
    event_id: str,
    series: Annotated[
        bool, Query(description="Include the binned signals around the event")
    ] = True,
) -> Response:
    if not event_id.startswith("out-") or len(event_id) > 40:
        raise NotFoundError(
            f"no outage event {event_id!r}", hint="event ids look like out-0123456789ab"
        )
    settings = _settings(request)
    event = get_event(settings, event_id)
    if series:
        event["series"] = evidence_series(settings, event)
    return JSONResponse(event)
