"""`/api/v1/shutdowns`: the shutdown tracker over HTTP.

Read: list with filters (JSON or CSV), one event with its history, the audit log, an Atom feed.
Write (curators, `Authorization: Bearer <token>`): add, edit, retract. No token → 401; a token
that is not a curator's (or curation closed) → 403. Routes raise the typed errors of
`nethealth.errors`; the app's one handler renders them. Reads go through the read model
(nethealth.shutdowns.query), the same functions the pages read; a record's cost section is
the record page's (nethealth.shutdowns.views_cost.record_cost).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from nethealth.errors import InputError
from nethealth.shutdowns.curation import (
    add_event,
    edit_event,
    merge_records,
    retract_event,
    split_records,
)
from nethealth.shutdowns.events import Clock, event_index
from nethealth.shutdowns.feed import MEDIA_TYPE as ATOM_MEDIA_TYPE
from nethealth.shutdowns.feed import atom_feed
from nethealth.shutdowns.model import CRITERIA, CRITERIA_TEXT, FIELDS, SCOPES, SOURCES, TYPES
from nethealth.shutdowns.query import (
    EventFilter,
    distinct_event,
    event_summary,
    events_of,
    get_store,
    matching_events,
    record_with_event,
    select,
    to_csv,
    today_utc,
)
from nethealth.shutdowns.store import LogEntry, ShutdownStore
from nethealth.shutdowns.views import names_of
from nethealth.shutdowns.views_cost import record_cost
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.curation import MAX_BODY, body_reason, json_body, require_curator
from nethealth.ui.models import ErrorBody
from nethealth.ui.params import YEAR

MAX_LIMIT = 5000
MAX_CSV = 10000
MAX_LOG = 1000
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameter"},
    404: {"model": ErrorBody, "description": "No such event"},
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **RESPONSES,
    401: {"model": ErrorBody, "description": "No bearer token"},
    403: {"model": ErrorBody, "description": "Not a curator's token, or curation is closed"},
    413: {"model": ErrorBody, "description": f"The body is larger than {MAX_BODY:,} bytes"},
}

router = APIRouter(prefix="/api/v1/shutdowns", tags=["shutdowns"])


Ctx = Annotated[AppContext, Depends(get_context)]
Store = Annotated[ShutdownStore, Depends(get_store)]


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise InputError("the body needs a `fields` object", hint='e.g. {"fields": {"scope": …}}')
    return fields


def _entry(e: LogEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "op": e.op,
        "event_id": e.event_id,
        "source": e.source,
        "reason": e.reason,
        "batch": e.batch,
        "changes": {k: {"old": v[0], "new": v[1]} for k, v in sorted(e.changes.items())},
        "provenance": e.provenance,
        "simulated": bool(e.provenance and e.provenance.get("simulated") is True),
    }


def _bounded(value: int | None, default: int, top: int, name: str) -> int:
    if value is None:
        return default
    if not 1 <= value <= top:
        raise InputError(f"{name} must be between 1 and {top}", hint="page with offset")
    return value


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        if fmt not in ("json", "csv"):
            raise InputError(f"unknown format {fmt!r}", hint="json or csv")
        return fmt == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


Country = Annotated[str | None, Query(description="ISO 3166-1 alpha-2 (or a country name)")]
Year = Annotated[str | None, YEAR, Query(description="count year, e.g. 2024 (1990..2100)")]
Type = Annotated[str | None, Query(description=" | ".join(TYPES))]
Scope = Annotated[str | None, Query(description=" | ".join(SCOPES))]
Source = Annotated[str | None, Query(description=" | ".join(SOURCES))]
Retracted = Annotated[str | None, Query(description="false (default: the tracker), only, or all")]
Limit = Annotated[int | None, Query(description=f"page size, 1–{MAX_LIMIT} (CSV: {MAX_CSV})")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="skip this many")]
Format = Annotated[str | None, Query(description="json (default) or csv")]


@router.get(
    "",
    summary="Shutdown events, filtered (JSON or CSV)",
    responses={**RESPONSES, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def list_events(
    request: Request,
    store: Store,
    country: Country = None,
    year: Year = None,
    type: Type = None,
    scope: Scope = None,
    source: Source = None,
    retracted: Retracted = None,
    limit: Limit = None,
    offset: Offset = 0,
    format: Format = None,
) -> Any:
    """Records, newest first. A record is one row of a source: Access Now lists an event that
    runs over several years once per year (`year` is that count year), so `total` counts
    records and `distinct_events` the events they belong to (`/api/v1/shutdowns/events` lists
    those). Each record carries `distinct_event_id` and the event's `event_status`; its own
    `status` is what its source wrote for its year."""
    flt = EventFilter.parse(
        country=country,
        year=year,
        type=type,
        scope=scope,
        source=source,
        retracted=retracted if retracted is not None else False,
    )
    state = store.state()
    found = select(state, flt)
    index, clock = event_index(state), Clock.of(state, today_utc())
    csv_out = _wants_csv(request, format)
    size = _bounded(limit, MAX_CSV if csv_out else 100, MAX_CSV if csv_out else MAX_LIMIT, "limit")
    page = [record_with_event(ev, index, clock) for ev in found[offset : offset + size]]
    if csv_out:
        return Response(
            to_csv(page),
            media_type=CSV_MEDIA_TYPE,
            headers={
                "Content-Disposition": 'attachment; filename="nethealth-shutdowns.csv"',
                "Vary": "Accept",
            },
        )
    body = {
        "unit": "record",
        "total": len(found),
        "distinct_events": len(events_of(found, index)),
        "offset": offset,
        "limit": size,
        "count": len(page),
    }
    return JSONResponse({**body, "events": page}, headers={"Vary": "Accept"})


@router.get("/criteria", summary="The inclusion criteria every event meets")
def criteria() -> dict[str, Any]:
    return {
        "criteria": [{"id": c, "text": CRITERIA_TEXT[c]} for c in CRITERIA],
        "fields": [
            {
                "name": f.name,
                "kind": f.kind,
                "description": f.description,
                "choices": list(f.choices),
                "editable": f.editable,
            }
            for f in FIELDS
        ],
    }


@router.get(
    "/log",
    summary="The audit log: who changed what, when (old and new values)",
    responses=RESPONSES,
)
def audit_log(
    store: Store,
    event_id: Annotated[str | None, Query(max_length=64, description="one event only")] = None,
    limit: Annotated[int | None, Query(description=f"1–{MAX_LOG}, default 100")] = None,
    offset: Offset = 0,
) -> Any:
    """Newest first."""
    if event_id is not None:
        store.get(event_id)  # 404 for an unknown event rather than an empty list
    entries = list(reversed(store.history(event_id)))
    size = _bounded(limit, 100, MAX_LOG, "limit")
    page = entries[offset : offset + size]
    return {
        "total": len(entries),
        "offset": offset,
        "limit": size,
        "entries": [_entry(e) for e in page],
    }


@router.get(
    "/feed.atom",
    summary="Atom feed of the records most recently added (one entry per record)",
    response_class=Response,
    responses={
        200: {"content": {"application/atom+xml": {"schema": {"type": "string"}}}},
        400: RESPONSES[400],
    },
)
def feed(
    ctx: Ctx,
    store: Store,
    limit: Annotated[int | None, Query(description="entries, 1–200, default 50")] = None,
) -> Any:
    size = _bounded(limit, 50, 200, "limit")
    # Absolute links from the configured public URL, never from the request's Host header.
    body = atom_feed(store.state(), base_url=ctx.settings.public_url, limit=size)
    return Response(body, media_type=ATOM_MEDIA_TYPE)


# Distinct events --------------------------------------------------------------------------------

Status = Annotated[str | None, Query(description="ongoing | ended | unknown")]


@router.get(
    "/events",
    summary="Distinct events: records grouped into the events they describe",
    responses=RESPONSES,
)
def list_distinct_events(
    store: Store,
    country: Country = None,
    year: Annotated[
        str | None, YEAR, Query(description="events with a record counted in this year")
    ] = None,
    type: Type = None,
    scope: Scope = None,
    source: Source = None,
    status: Status = None,
    limit: Limit = None,
    offset: Offset = 0,
) -> Any:
    """Newest start first. An event is one or more records joined by the documented rule (same
    countries, start, scope, area and types in consecutive count years) and curators' merges
    and splits; `status` is ongoing only for an event whose latest record says so and is
    recent (otherwise unknown, with `status_since`)."""
    flt = EventFilter.parse(
        country=country, year=year, type=type, scope=scope, source=source, retracted=False
    )
    state = store.state()
    clock = Clock.of(state, today_utc())
    found = matching_events(state, flt, clock, status)
    size = _bounded(limit, 100, MAX_LIMIT, "limit")
    page = [event_summary(e, clock) for e in found[offset : offset + size]]
    return {
        "unit": "event",
        "total": len(found),
        "records": sum(len(e.records) for e in found),
        "ongoing": sum(1 for e in found if e.is_ongoing(clock)),
        "offset": offset,
        "limit": size,
        "count": len(page),
        "events": page,
    }


@router.get(
    "/events/{distinct_event_id}",
    summary="One distinct event with its records",
    responses=RESPONSES,
)
def get_distinct_event(store: Store, distinct_event_id: str) -> Any:
    state = store.state()
    event = distinct_event(state, distinct_event_id)
    clock = Clock.of(state, today_utc())
    return {
        "event": event_summary(event, clock),
        "records": [record_with_event(ev, event_index(state), clock) for ev in event.records],
    }


_GROUP_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "records": {"type": "array", "items": {"type": "string"}},
                        "reason": {"type": "string"},
                    },
                }
            }
        },
    }
}


def _record_ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("records")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not ids:
        raise InputError("the body needs `records`: a list of ids", hint='e.g. {"records": […]}')
    if len(ids) > 200:
        raise InputError("at most 200 records at a time", hint="merge or split in parts")
    return ids


@router.post(
    "/events/merge",
    summary="Join the events of these records into one (curators)",
    responses=WRITE_RESPONSES,
    openapi_extra=_GROUP_BODY,
)
async def merge(request: Request, ctx: Ctx, store: Store) -> Any:
    actor = require_curator(request, ctx.settings)
    body = await json_body(request, MAX_BODY)
    ids, reason = _record_ids(body), body_reason(body, required=True) or ""
    event, entries = await run_in_threadpool(
        merge_records, ctx.settings, ids, actor=actor, reason=reason
    )
    clock = Clock.of(store.state(), today_utc())
    return {"event": event_summary(event, clock), "changes": [_entry(e) for e in entries]}


@router.post(
    "/events/split",
    summary="Take these records out of their event (curators)",
    responses=WRITE_RESPONSES,
    openapi_extra=_GROUP_BODY,
)
async def split(request: Request, ctx: Ctx, store: Store) -> Any:
    actor = require_curator(request, ctx.settings)
    body = await json_body(request, MAX_BODY)
    ids, reason = _record_ids(body), body_reason(body, required=True) or ""
    events, entries = await run_in_threadpool(
        split_records, ctx.settings, ids, actor=actor, reason=reason
    )
    clock = Clock.of(store.state(), today_utc())
    return {
        "events": [event_summary(e, clock) for e in events],
        "changes": [_entry(e) for e in entries],
    }


@router.get(
    "/{event_id}",
    summary="One record, its distinct event, provenance and history",
    responses=RESPONSES,
)
def get_event(ctx: Ctx, store: Store, event_id: str) -> Any:
    ev = store.get(event_id)
    state = store.state()
    index, clock = event_index(state), Clock.of(state, today_utc())
    event = index.by_record.get(ev.event_id)
    return {
        "event": record_with_event(ev, index, clock),
        "distinct_event": event_summary(event, clock) if event else None,
        "provenance": ev.provenance,
        "simulated": ev.simulated,
        # The record page's cost section: one function, one model (views_cost.record_cost).
        "cost": record_cost(ctx.lake, names_of(ctx.lake), ev).model_dump(mode="json"),
        "history": [_entry(e) for e in store.history(event_id)],
    }


_WRITE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "fields": {"type": "object", "description": "see GET …/criteria"},
                        "reason": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=201,
    summary="Add a curated event (curators)",
    responses=WRITE_RESPONSES,
    openapi_extra=_WRITE_BODY,
)
async def add(request: Request, ctx: Ctx) -> Any:
    actor = require_curator(request, ctx.settings)
    body = await json_body(request, MAX_BODY)
    fields, reason = _fields(body), body_reason(body)
    ev = await run_in_threadpool(add_event, ctx.settings, fields, actor=actor, reason=reason)
    return JSONResponse({"event": ev.as_record()}, status_code=201)


@router.patch(
    "/{event_id}",
    summary="Edit an event (curators)",
    responses=WRITE_RESPONSES,
    openapi_extra=_WRITE_BODY,
)
async def edit(request: Request, ctx: Ctx, event_id: str) -> Any:
    actor = require_curator(request, ctx.settings)
    body = await json_body(request, MAX_BODY)
    fields, reason = _fields(body), body_reason(body)
    ev, entry = await run_in_threadpool(
        edit_event, ctx.settings, event_id, fields, actor=actor, reason=reason
    )
    return {"event": ev.as_record(), "change": _entry(entry) if entry else None}


@router.post(
    "/{event_id}/retract",
    summary="Retract an event (curators)",
    responses=WRITE_RESPONSES,
    openapi_extra=_WRITE_BODY,
)
async def retract(request: Request, ctx: Ctx, event_id: str) -> Any:
    actor = require_curator(request, ctx.settings)
    body = await json_body(request, MAX_BODY)
    reason = body_reason(body, required=True) or ""
    ev = await run_in_threadpool(retract_event, ctx.settings, event_id, actor=actor, reason=reason)
    return {"event": ev.as_record()}
