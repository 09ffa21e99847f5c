"""Curators' operations: add, edit and retract events. Each is one logged change with who, when,
what (old and new values) and why; the inclusion criteria are checked on every add and edit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from nethealth.errors import InputError, NotFoundError
from nethealth.settings import Settings
from nethealth.shutdowns.countries import match_countries
from nethealth.shutdowns.model import Json, check_event, coerce_fields
from nethealth.shutdowns.store import EventState, LogEntry, ShutdownStore, Transaction

CURATED = "curated"


def _defaults(fields: dict[str, Json]) -> dict[str, Json]:
    """Fill what a curator may leave out: derived text, counted year, main type in types."""
    out = dict(fields)
    if "countries" not in out and isinstance(out.get("country_text"), str):
        match = match_countries(out["country_text"])
        out["countries"], out["unmapped_countries"] = list(match.codes), list(match.unmapped)
    out.setdefault("country_text", ", ".join(out.get("countries") or []))
    out.setdefault("unmapped_countries", [])
    if out.get("start_date") and not out.get("year"):
        out["year"] = int(str(out["start_date"])[:4])
    if not out.get("status"):
        out["status"] = "ended" if out.get("end_date") else "ongoing"
    if out.get("type") and not out.get("types"):
        out["types"] = [out["type"]]
    elif out.get("type") and out["type"] not in out["types"]:
        out["types"] = [out["type"], *out["types"]]
    for name in ("networks", "services", "flags"):
        out.setdefault(name, [])
    out["retracted"] = False
    out.setdefault("retraction_reason", None)
    return out


def _event(tx: Transaction, event_id: str) -> EventState:
    ev = tx.state.events.get(event_id)
    if ev is None:
        raise NotFoundError(
            f"no shutdown event {event_id!r}", hint="find ids with `nethealth shutdowns list`"
        )
    return ev


def add_event(
    settings: Settings, raw: Mapping[str, Json], *, actor: str, reason: str | None = None
) -> EventState:
    fields = _defaults(coerce_fields(raw))
    check_event(fields)
    event_id = f"cu-{uuid.uuid4().hex[:16]}"
    store = ShutdownStore.for_settings(settings)
    with store.transaction(actor=actor, batch=f"curation:{event_id}") as tx:
        changes = {k: [None, v] for k, v in fields.items()}
        tx.record("create", event_id, CURATED, changes, reason=reason or "added by a curator")
        return tx.state.events[event_id]


def edit_event(
    settings: Settings,
    event_id: str,
    raw: Mapping[str, Json],
    *,
    actor: str,
    reason: str | None = None,
) -> tuple[EventState, LogEntry | None]:
    """Apply the given fields; returns the event and the entry (None when nothing differed)."""
    if not raw:
        raise InputError("nothing to change", hint="give at least one field=value")
    wanted = coerce_fields(raw)
    store = ShutdownStore.for_settings(settings)
    with store.transaction(actor=actor, batch=f"curation:{event_id}") as tx:
        ev = _event(tx, event_id)
        if ev.retracted:
            raise InputError(
                f"event {event_id} is retracted",
                hint="retracted events stay as they were; add a new event instead",
            )
        merged = {**ev.fields, **wanted}
        if "type" in wanted and "types" not in wanted:
            rest = [t for t in ev.fields.get("types") or [] if t != wanted["type"]]
            merged["types"] = [wanted["type"], *rest]
        check_event(merged, before=ev.fields)
        changes = {
            k: [ev.fields.get(k), merged[k]] for k in merged if ev.fields.get(k) != merged[k]
        }
        if not changes:
            return ev, None
        entry = tx.record("update", event_id, ev.source, changes, reason=reason)
        return tx.state.events[event_id], entry


def retract_event(settings: Settings, event_id: str, *, actor: str, reason: str) -> EventState:
    """Withdraw an event from the tracker. It stays in the log and in the lake (retracted=true)."""
    if not reason.strip():
        raise InputError("a retraction needs a reason", field="reason", hint="say why it is wrong")
    store = ShutdownStore.for_settings(settings)
    with store.transaction(actor=actor, batch=f"curation:{event_id}") as tx:
        ev = _event(tx, event_id)
        if ev.retracted:
            raise InputError(f"event {event_id} is already retracted", hint="nothing to do")
        changes: dict[str, list[Json]] = {
            "retracted": [False, True],
            "retraction_reason": [ev.fields.get("retraction_reason"), reason.strip()],
        }
        tx.record("retract", event_id, ev.source, changes, reason=reason.strip())
        return tx.state.events[event_id]
