"""`/api/v1/communities`: the curated NRENs, NOGs, community networks and enabling-environment
records, what PeeringDB lists as research networks, and the connectivity of the networks that
have an AS number. JSON, or CSV with `format=csv` (the same export as
`nethealth communities export`).

    GET   /api/v1/communities?country=ZA                 every kind, one country
    GET   /api/v1/communities/{kind}?country=&retracted=true&format=csv
    GET   /api/v1/communities/{kind}/{id}                record, connectivity, history
    GET   /api/v1/communities/log?kind=&record_id=       the audit log, newest first
    GET   /api/v1/communities/peeringdb-nrens?date=      PeeringDB Educational/Research nets
    POST  /api/v1/communities/{kind}                     {"id", "fields", "reason"} (curators)
    PATCH /api/v1/communities/{kind}/{id}                {"fields", "reason"} (curators)
    POST  /api/v1/communities/{kind}/{id}/retract        {"reason"} (curators)

Writes need a curator's bearer token (the shutdown tracker's curators, `nethealth.ui.curation`):
no token → 401, not a curator's → 403. Routes raise the typed errors of `nethealth.errors`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from nethealth.common.dates import parse_date
from nethealth.errors import InputError
from nethealth.infrastructure import community_store as cs
from nethealth.infrastructure import query
from nethealth.infrastructure.community_model import KINDS, SPECS, check_country, check_kind
from nethealth.infrastructure.query import Connectivity, PdbNrens
from nethealth.ui.context import get_context
from nethealth.ui.curation import body_reason, json_body, require_curator
from nethealth.ui.formats import Format, csv_response, wants_csv
from nethealth.ui.models import ErrorBody
from nethealth.ui.params import DATE

router = APIRouter(prefix="/api/v1/communities", tags=["communities"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameter (kind, country, date, a field)"},
    404: {"model": ErrorBody, "description": "No such record"},
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **RESPONSES,
    401: {"model": ErrorBody, "description": "No bearer token"},
    403: {"model": ErrorBody, "description": "Not a curator's token, or curation is closed"},
    413: {"model": ErrorBody, "description": "The body is too large"},
}
CSV_200: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}
Country = Annotated[str | None, Query(description="ISO 3166-1 alpha-2 code")]
MAX_LOG = 1000


class KindList(BaseModel):
    kind: str
    count: int = Field(description="Records listed (after the filters)")
    records: list[dict[str, Any]]


class CountryCommunities(BaseModel):
    country: str | None
    kinds: dict[str, list[dict[str, Any]]] = Field(description="Records per kind")
    peeringdb_nrens: PdbNrens = Field(description="PeeringDB Educational/Research networks")


class RecordDetail(BaseModel):
    kind: str
    record: dict[str, Any]
    connectivity: Connectivity | None = Field(description="Null for a record without an ASN")
    history: list[dict[str, Any]]


def entry_doc(e: cs.LogEntry) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at, "actor": e.actor, "op": e.op, "kind": e.kind,
            "record_id": e.record_id, "reason": e.reason,
            "changes": {k: {"old": v[0], "new": v[1]} for k, v in sorted(e.changes.items())}}  # fmt: skip


def _flag(text: str | None, name: str) -> bool:
    if text is None or text == "":
        return False
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise InputError(f"{text[:10]!r} is not true or false", field=name, hint=f"{name}=true")


@router.get("", response_model=CountryCommunities, responses=RESPONSES,
            summary="Every community dataset, for one country or all")  # fmt: skip
def overview(request: Request, country: Country = None) -> CountryCommunities:
    ctx = get_context(request)
    cc = check_country(country)
    return CountryCommunities(
        country=cc,
        kinds={k: [r.as_dict() for r in query.community_records(ctx.settings, k, cc)]
               for k in KINDS},
        peeringdb_nrens=_pdb_in(query.peeringdb_nrens(ctx.lake), cc),
    )  # fmt: skip


def _pdb_in(found: PdbNrens, cc: str | None) -> PdbNrens:
    if cc is None:
        return found
    nets = [n for n in found.networks if n.country == cc]
    return found.model_copy(update={"networks": nets})


@router.get("/log", responses=RESPONSES, summary="The audit log: who changed what, when, why")
def audit_log(
    request: Request,
    kind: Annotated[str | None, Query(description=", ".join(KINDS))] = None,
    record_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LOG)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Newest first."""
    settings = get_context(request).settings
    if record_id is not None:
        query.community_record(settings, check_kind(kind or ""), record_id)  # 404 if unknown
    entries = list(reversed(query.community_log(settings, kind and check_kind(kind), record_id)))
    return {"total": len(entries), "offset": offset, "limit": limit,
            "entries": [entry_doc(e) for e in entries[offset : offset + limit]]}  # fmt: skip


@router.get("/peeringdb-nrens", response_model=PdbNrens, responses=RESPONSES,
            summary="PeeringDB networks of type Educational/Research in one snapshot")  # fmt: skip
def peeringdb_nrens(
    request: Request,
    country: Country = None,
    day: Annotated[str | None, DATE, Query(alias="date")] = None,
) -> PdbNrens:
    found = query.peeringdb_nrens(get_context(request).lake, parse_date(day, "date"))
    return _pdb_in(found, check_country(country))


@router.get("/{kind}", response_model=KindList, responses={**RESPONSES, **CSV_200},
            summary="One community dataset (the export: JSON, or CSV with format=csv)")  # fmt: skip
def list_kind(
    request: Request,
    kind: str,
    country: Country = None,
    retracted: Annotated[str | None, Query(description="true: include retracted")] = None,
    format: Format = None,
) -> Any:
    recs = query.community_records(get_context(request).settings, check_kind(kind),
                                   check_country(country), _flag(retracted, "retracted"))  # fmt: skip
    if wants_csv(request, format):
        return csv_response(f"{kind}.csv", cs.columns(kind), cs.csv_rows(kind, recs))
    return KindList(kind=kind, count=len(recs), records=[r.as_dict() for r in recs])


@router.get("/{kind}/{record_id}", response_model=RecordDetail, responses=RESPONSES,
            summary="One record, its connectivity (networks with an ASN) and its history")  # fmt: skip
def get_record(request: Request, kind: str, record_id: str) -> RecordDetail:
    ctx = get_context(request)
    rec = query.community_record(ctx.settings, check_kind(kind), record_id)
    asns = [int(a) for a in rec.fields.get("asns") or []]  # type: ignore[union-attr]
    return RecordDetail(kind=kind, record=rec.as_dict(),
                        connectivity=query.connectivity(ctx.settings, ctx.lake, asns),
                        history=[entry_doc(e) for e in
                                 query.community_log(ctx.settings, kind, record_id)])  # fmt: skip


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise InputError("the body needs a `fields` object", hint='e.g. {"fields": {"name": …}}')
    return fields


def _write_body(kind: str) -> dict[str, Any]:
    props = {s.name: {"description": s.description or s.kind} for s in SPECS[kind]}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {
            "id": {"type": "string", "description": "new records: lower-case slug"},
            "fields": {"type": "object", "properties": props},
            "reason": {"type": "string", "description": "kept in the audit log"}}}}}}}  # fmt: skip


@router.post("/{kind}", status_code=201, responses=WRITE_RESPONSES,
             summary="Add a record (curators)", openapi_extra=_write_body("nren"))  # fmt: skip
async def add(request: Request, kind: str) -> Any:
    ctx = get_context(request)
    actor = require_curator(request, ctx.settings)
    body = await json_body(request)
    record_id = body.get("id")
    if not isinstance(record_id, str):
        raise InputError("the body needs an `id`", field="id", hint='e.g. {"id": "surf", …}')
    store = cs.CommunityStore.for_settings(ctx.settings)
    rec = await run_in_threadpool(cs.add_record, store, check_kind(kind), record_id,
                                  _fields(body), actor=actor, reason=body_reason(body))  # fmt: skip
    return JSONResponse({"record": rec.as_dict()}, status_code=201)


@router.patch("/{kind}/{record_id}", responses=WRITE_RESPONSES,
              summary="Edit a record (curators)", openapi_extra=_write_body("nren"))  # fmt: skip
async def edit(request: Request, kind: str, record_id: str) -> Any:
    ctx = get_context(request)
    actor = require_curator(request, ctx.settings)
    body = await json_body(request)
    store = cs.CommunityStore.for_settings(ctx.settings)
    rec, entry = await run_in_threadpool(cs.edit_record, store, check_kind(kind), record_id,
                                         _fields(body), actor=actor,
                                         reason=body_reason(body))  # fmt: skip
    return {"record": rec.as_dict(), "change": entry_doc(entry) if entry else None}


@router.post("/{kind}/{record_id}/retract", responses=WRITE_RESPONSES,
             summary="Retract a record (curators); it stays, marked retracted")  # fmt: skip
async def retract(request: Request, kind: str, record_id: str) -> Any:
    ctx = get_context(request)
    actor = require_curator(request, ctx.settings)
    body = await json_body(request)
    reason = body_reason(body, required=True) or ""
    store = cs.CommunityStore.for_settings(ctx.settings)
    rec = await run_in_threadpool(cs.retract_record, store, check_kind(kind), record_id,
                                  actor=actor, reason=reason)  # fmt: skip
    return {"record": rec.as_dict()}
