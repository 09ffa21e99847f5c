"""Curators' operations: add, edit and retract records; merge and split distinct events. Each is
logged with who, when, what (old and new values) and why; the inclusion criteria are checked on
every add and edit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from nethealth.common.json_types import Json
from nethealth.errors import InputError, NotFoundError
from nethealth.settings import Settings
from nethealth.shutdowns.countries import match_countries
from nethealth.shutdowns.events import EVENT_PREFIX, DistinctEvent, event_index
from nethealth.shutdowns.model import check_event, coerce_fields
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


# Distinct events: merge and split --------------------------------------------------------------


def _resolve_records(tx: Transaction, ids: Sequence[str], *, events_ok: bool) -> list[EventState]:
    """Records by id; an event id (ev-…) stands for its earliest record when `events_ok`."""
    index = event_index(tx.state)
    out: list[EventState] = []
    for raw in ids:
        key = raw.strip()
        event = index.get(key) if key.startswith(EVENT_PREFIX) else None
        if event is not None and events_ok:
            out.append(event.records[0])
            continue
        ev = _event(tx, key)
        if ev.retracted:
            raise InputError(
                f"record {key} is retracted", hint="retracted records belong to no event"
            )
        out.append(ev)
    return list({ev.event_id: ev for ev in out}.values())


def _set_edge(
    tx: Transaction,
    op: str,
    a: EventState,
    b: EventState,
    *,
    link: bool,
    reason: str,
) -> list[LogEntry]:
    """Record on both records that they are (link) or are not (cut) the same event."""
    entries = []
    for one, other in ((a, b), (b, a)):
        links = [str(x) for x in one.fields.get("event_links") or []]
        cuts = [str(x) for x in one.fields.get("event_cuts") or []]
        mate = other.event_id
        if link:
            new_links = links if mate in links else [*links, mate]
            new_cuts = [x for x in cuts if x != mate]
        else:
            new_links = [x for x in links if x != mate]
            new_cuts = cuts if mate in cuts else [*cuts, mate]
        changes: dict[str, list[Json]] = {}
        if new_links != links:
            changes["event_links"] = [one.fields.get("event_links"), new_links]
        if new_cuts != cuts:
            changes["event_cuts"] = [one.fields.get("event_cuts"), new_cuts]
        if changes:
            entries.append(tx.record(op, one.event_id, one.source, changes, reason=reason))
    return entries


def _reason_of(reason: str) -> str:
    if not reason.strip():
        raise InputError("a merge or split needs a reason", field="reason", hint="say why")
    return reason.strip()


def merge_records(
    settings: Settings, ids: Sequence[str], *, actor: str, reason: str
) -> tuple[DistinctEvent, list[LogEntry]]:
    """Make the events of the given records (or event ids) one event. Logged on each record
    linked (op merge), with the reason."""
    why = _reason_of(reason)
    store = ShutdownStore.for_settings(settings)
    with store.transaction(actor=actor, batch=f"merge:{uuid.uuid4().hex[:12]}") as tx:
        records = _resolve_records(tx, ids, events_ok=True)
        index = event_index(tx.state)
        events = {index.by_record[ev.event_id].event_id for ev in records}
        if len(records) < 2 or len(events) < 2:
            raise InputError(
                "these records are already one event" if len(records) >= 2 else "nothing to merge",
                hint="give records (or events) of at least two different events",
            )
        anchor, joined = records[0], {index.by_record[records[0].event_id].event_id}
        entries: list[LogEntry] = []
        for ev in records[1:]:
            target = index.by_record[ev.event_id].event_id
            if target in joined:
                continue
            joined.add(target)
            entries += _set_edge(tx, "merge", anchor, ev, link=True, reason=why)
        merged = event_index(tx.state).by_record[anchor.event_id]
        return merged, entries


def split_records(
    settings: Settings, ids: Sequence[str], *, actor: str, reason: str
) -> tuple[list[DistinctEvent], list[LogEntry]]:
    """Take the given records out of their event: they become one event of their own, the rest
    stays (a record taken from the middle of a run of years leaves two runs, hence two events).
    Logged on each record separated or rejoined (op split). Returns the events that result."""
    why = _reason_of(reason)
    store = ShutdownStore.for_settings(settings)
    with store.transaction(actor=actor, batch=f"split:{uuid.uuid4().hex[:12]}") as tx:
        records = _resolve_records(tx, ids, events_ok=False)
        index = event_index(tx.state)
        events = {index.by_record[ev.event_id].event_id for ev in records}
        if len(events) != 1:
            raise InputError(
                "these records belong to different events",
                hint="split records of one event at a time (see `nethealth shutdowns events`)",
            )
        event = index.by_record[records[0].event_id]
        chosen = {ev.event_id for ev in records}
        if chosen == set(event.record_ids):
            raise InputError(
                f"these are all the records of {event.event_id}: nothing to split",
                hint="name the records that are a different event",
            )
        by_id = {ev.event_id: ev for ev in event.records}
        entries: list[LogEntry] = []
        for edge in sorted(event.edges, key=sorted):
            a, b = sorted(edge)
            if (a in chosen) != (b in chosen):
                entries += _set_edge(tx, "split", by_id[a], by_id[b], link=False, reason=why)
        # The records taken out stay together, even if the rule linked them only through
        # records that remain (a record taken from each end of a run).
        for ev in records[1:]:
            now = event_index(tx.state)
            if now.by_record[ev.event_id] is not now.by_record[records[0].event_id]:
                entries += _set_edge(tx, "split", records[0], ev, link=True, reason=why)
        now = event_index(tx.state)
        result = list(
            {now.by_record[i].event_id: now.by_record[i] for i in event.record_ids}.values()
        )
        return result, entries
