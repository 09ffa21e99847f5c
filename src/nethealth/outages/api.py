"""`/api/v1/events`: detected outage events over HTTP (JSON, or CSV with `format=csv`).

    GET /api/v1/events?country=ET&from=2025-06-01&to=2025-06-08&scope=&asn=&status=&review=&limit=
    GET /api/v1/events/{event_id}?series=true
    GET /api/v1/events/feed.atom?limit=50   (Atom 1.0, newest first; dismissed events left out)
    GET /api/v1/events/artefacts?from=&to=&limit=   (collector artefacts: never outages)
    GET /api/v1/events/reviews?limit=       (the append-only review log, newest first)
    GET /api/v1/events/{event_id}/reviews
    POST /api/v1/events/{event_id}/reviews  (reviewers: `Authorization: Bearer <token>`)
         {"action": "confirm" | "dismiss" | "annotate", "reason": "…" | "note": "…"}

`status` is `ongoing` only while the event's data are fresh (`stale` after), and every event
carries its `review` (unreviewed / confirmed / dismissed, by, at, reason, notes).

Each event carries `cost` (low/central/high USD, model version, basis and inputs of
`nethealth.economics.cost_model`; see outages.cost), null when no estimate exists.

Routes raise the typed errors of `nethealth.errors` (400 bad parameter, 404 unknown event, 503
nothing detected yet); the app's one handler renders them. Date ranges are bounded by
`Settings.max_range_days`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from nethealth.common.dates import parse_datetime
from nethealth.common.tokens import parse_name_tokens
from nethealth.errors import (
    InputError,
    TooLargeError,
)
from nethealth.formats.atom import MEDIA_TYPE as ATOM_MEDIA_TYPE
from nethealth.outages import query
from nethealth.outages.feed import outage_feed
from nethealth.outages.query import MAX_LIMIT, EventFilter
from nethealth.outages.review import ACTIONS, Review, ReviewStore
from nethealth.settings import Settings
from nethealth.ui.context import get_context
from nethealth.ui.curation import require_token_holder
from nethealth.ui.models import ErrorBody
from nethealth.ui.params import DATE_TIME

router = APIRouter(prefix="/api/v1/events", tags=["outage events"])
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameter (date, range, country, limit…)"},
    404: {"model": ErrorBody, "description": "No such event"},
    503: {"model": ErrorBody, "description": "No outage detection has run yet"},
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **RESPONSES,
    401: {"model": ErrorBody, "description": "No bearer token"},
    403: {"model": ErrorBody, "description": "Not a reviewer's token, or review closed"},
    413: {"model": ErrorBody, "description": "Body too large"},
}
MAX_BODY = 16 * 1024
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="nethealth outage review"'}


def _settings(request: Request) -> Settings:
    """The app's settings, from the request context (`nethealth.ui.context`)."""
    return get_context(request).settings


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
    status: Annotated[
        str | None, Query(description="ongoing (data fresh), stale (data old) or ended")
    ] = None,
    review: Annotated[str | None, Query(description="unreviewed, confirmed or dismissed")] = None,
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
        review=review or None,
        start=parse_datetime(start, "from"),
        end=parse_datetime(end, "to"),
        limit=_int(limit, "limit", 1, MAX_LIMIT) or 1000,
        offset=_int(offset, "offset", 0, 10**9) or 0,
    ).check(settings.max_range_days)
    rows = query.list_events(settings, flt)
    if fmt == "csv":
        return Response(
            query.to_csv(rows),
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
    flt = EventFilter(limit=_int(limit, "limit", 1, 200) or 50, exclude_dismissed=True).check()
    rows = query.list_events(settings, flt)
    # Absolute links from the configured public URL, never from the request's Host header.
    body = outage_feed(rows, base_url=settings.public_url)
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/artefacts", responses=RESPONSES,
            summary="Collector artefacts of the last detection (never outages)")  # fmt: skip
def artefacts(
    request: Request,
    start: Annotated[
        str | None,
        DATE_TIME,
        Query(alias="from", description="Artefacts ending after this (same forms as events')"),
    ] = None,
    end: Annotated[
        str | None, DATE_TIME, Query(alias="to", description="Artefacts starting before this")
    ] = None,
    limit: Annotated[str | None, Query(description=f"1-{MAX_LIMIT} (default 1000)")] = None,
) -> Response:
    settings = _settings(request)
    rows = query.list_artefacts(settings, parse_datetime(start, "from"), parse_datetime(end, "to"),
                                _int(limit, "limit", 1, MAX_LIMIT) or 1000)  # fmt: skip
    return JSONResponse({"artefacts": rows, "count": len(rows),
                         "simulated": any(r.get("simulated") for r in rows)})  # fmt: skip


def _review_doc(r: Review) -> dict[str, Any]:
    return {"seq": r.seq, "at": r.at, "reviewer": r.reviewer, "event_id": r.event_id,
            "action": r.action, "text": r.text, "event": r.event}  # fmt: skip


@router.get("/reviews", responses=RESPONSES, summary="The review log, newest first")
def reviews(
    request: Request,
    limit: Annotated[str | None, Query(description="1-5000 (default 1000)")] = None,
) -> Response:
    n = _int(limit, "limit", 1, MAX_LIMIT) or 1000
    log = ReviewStore.for_settings(_settings(request)).reviews()
    return JSONResponse({"reviews": [_review_doc(r) for r in reversed(log[-n:])]})


@router.get("/{event_id}/reviews", responses=RESPONSES, summary="One event's reviews")
def event_reviews(request: Request, event_id: str) -> Response:
    settings = _settings(request)
    event = query.get_event(settings, event_id)
    log = ReviewStore.for_settings(settings).of(event_id)
    return JSONResponse({"event_id": event_id, "review": event["review"],
                         "reviews": [_review_doc(r) for r in log]})  # fmt: skip


def _reviewer(request: Request, settings: Settings) -> str:
    """The reviewer's name for a valid bearer token, else 401 (no token) or 403."""
    tokens = parse_name_tokens(settings.outages_reviewers, "NETHEALTH_OUTAGES_REVIEWERS")
    return require_token_holder(
        request, tokens, needs="reviewing", closed="outage review through the API",
        env="NETHEALTH_OUTAGES_REVIEWERS", role="reviewer", challenge=CHALLENGE,
    )  # fmt: skip


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise TooLargeError(f"the body is larger than {MAX_BODY} bytes", hint="send less text")
    try:
        body = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"the body is not JSON: {exc}", hint="send a JSON object") from None
    if not isinstance(body, dict):
        raise InputError(
            "the body must be a JSON object", hint='{"action": "dismiss", "reason": "…"}'
        )
    return body


@router.post(
    "/{event_id}/reviews",
    responses=WRITE_RESPONSES,
    status_code=201,
    summary="Confirm, dismiss (with a reason) or annotate an event (reviewers)",
)
async def add_review(request: Request, event_id: str) -> Response:
    settings = _settings(request)
    reviewer = _reviewer(request, settings)
    body = await _body(request)
    action = body.get("action")
    if action not in ACTIONS:
        raise InputError(f"unknown action {action!r}", field="action",
                         hint=f"choose {', '.join(ACTIONS)}")  # fmt: skip
    text = body.get("note") if action == "annotate" else body.get("reason")
    if text is not None and not isinstance(text, str):
        raise InputError("the reason or note must be text", field="reason")
    event = query.get_event(settings, event_id)
    store = ReviewStore.for_settings(settings)
    review = store.add(reviewer, event_id, action, text, event)
    state = store.states().get(event_id)
    return JSONResponse({"review": _review_doc(review),
                         "event_review": state.doc() if state else None}, status_code=201)  # fmt: skip


@router.get("/{event_id}", responses=RESPONSES, summary="One outage event with its evidence")
def one_event(
    request: Request,
    event_id: str,
    series: Annotated[
        bool, Query(description="Include the binned signals around the event")
    ] = True,
) -> Response:
    settings = _settings(request)
    event = query.get_event(settings, event_id)
    if series:
        event["series"] = query.evidence_series(settings, event)
    return JSONResponse(event)
