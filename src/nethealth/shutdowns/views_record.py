"""The page of one shutdown record: what, where, when, why, evidence, inclusion criteria, the
distinct event it belongs to, cost estimate, audit history and provenance, as a typed model (the
page and its JSON twin). The record is one row of its source (Access Now lists an event once per
year it runs); the event's page (views_event.py) gathers its records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from nethealth.common.json_types import Json
from nethealth.lake.reader import LakeReader
from nethealth.shutdowns.events import Clock, DistinctEvent, event_index
from nethealth.shutdowns.model import CRITERIA, CRITERIA_TEXT
from nethealth.shutdowns.query import record_with_event
from nethealth.shutdowns.store import EventState, LogEntry, ShutdownStore
from nethealth.shutdowns.views import (
    API,
    FEED,
    SCOPE_LABELS,
    SOURCE_LABELS,
    TYPE_LABELS,
    CountryRef,
    Names,
    day,
    event_duration,
    event_title,
    record_duration,
    where_text,
    years_text,
)
from nethealth.shutdowns.views_cost import CostSection, event_cost, record_cost
from nethealth.ui.models import API_VERSION
from nethealth.ui.views import PageLinks


class LinkRef(BaseModel):
    text: str
    href: str


class Fact(BaseModel):
    label: str
    text: str | None = None
    links: list[LinkRef] = Field(default_factory=list)


class FactGroup(BaseModel):
    id: str
    title: str
    facts: list[Fact]


class Criterion(BaseModel):
    id: str
    text: str
    met: bool | None


class FieldChange(BaseModel):
    field: str
    old: Any
    new: Any
    old_text: str
    new_text: str


class HistoryEntry(BaseModel):
    seq: int
    at: str
    actor: str
    op: str
    reason: str | None
    batch: str | None
    simulated: bool
    changes: list[FieldChange]
    kept_curated: list[str] = Field(
        description="Fields the source revised where a curator's correction was kept"
    )


class EventLinks(PageLinks):
    log: str
    feed: str
    list: str
    event: str | None = Field(default=None, description="The distinct event's page")


class RecordRef(BaseModel):
    record_id: str
    year: int | None
    status: str | None = Field(description="What the record says for its count year")
    start_date: dt.date | None
    end_date: dt.date | None
    duration_text: str
    href: str
    current: bool = Field(description="The record of the page that lists it")


class EventRef(BaseModel):
    """The distinct event a record belongs to (nethealth.shutdowns.events)."""

    event_id: str
    href: str
    status: str
    status_since: int | None
    status_text: str
    ongoing: bool
    duration_text: str
    years_text: str
    grouping: str = Field(description="rule, or curated (a curator merged or split it)")
    records: list[RecordRef]


class EventView(BaseModel):
    api_version: str = API_VERSION
    event_id: str
    title: str
    summary: str
    countries: list[CountryRef]
    start_date: dt.date | None
    end_date: dt.date | None
    status: str | None
    ongoing: bool
    duration_text: str
    duration_short: str
    type: str | None
    scope: str | None
    source: str
    source_label: str
    simulated: bool
    retracted: bool
    retraction_reason: str | None
    description: str | None
    notes: str | None = Field(description="Curators' notes")
    flags: list[str] = Field(description="Data-quality notes written by the import")
    groups: list[FactGroup]
    criteria: list[Criterion]
    criteria_basis: str | None
    sources: list[str] = Field(description="Evidence links, as recorded")
    source_type: str | None
    event: EventRef | None = Field(description="The distinct event (none when retracted)")
    cost: CostSection = Field(description="This record's estimate: its count year only")
    event_cost: CostSection | None = Field(
        description="The distinct event's estimate: the sum of its records, each once"
    )
    history: list[HistoryEntry]
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str
    provenance: dict[str, Any] | None
    record: dict[str, Any] = Field(description="The tracker's flat record, as the API serves it")
    links: EventLinks


def value_text(value: Json) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _text(*parts: Json) -> str | None:
    """Non-empty parts joined: a value and its details read as one sentence."""
    kept = [str(p).strip() for p in parts if p not in (None, "", [])]
    kept = [p for p in kept if p and p.lower() not in ("unknown", "n/a")] or kept[:1]
    return ". ".join(dict.fromkeys(kept)) or None


def _yes_no(value: Json) -> str:
    return "not recorded" if value is None else value_text(value)


def _start_text(f: dict[str, Json]) -> str:
    start = f.get("start_date")
    if not start:
        return "not recorded"
    return f"{start} (estimated)" if f.get("start_date_type") == "estimated" else str(start)


def _end_text(ev: EventState, event: DistinctEvent, clock: Clock) -> str:
    f = ev.fields
    if f.get("end_date"):
        return str(f["end_date"])
    year = f.get("year")
    later = [y for y in event.years if isinstance(year, int) and y > year]
    if later:
        return f"not in this record: the event is listed again for {later[0]}"
    status = event.status(clock)
    if status.status == "ongoing":
        return "not yet: ongoing"
    return f"not recorded ({status.text})" if status.since else "not recorded"


def _event_when(event: DistinctEvent, clock: Clock) -> list[Fact]:
    """The "When" facts of a distinct event (its page): the event's, not one record's."""
    status = event.status(clock)
    end = event.end
    return [
        Fact(label="Start", text=event.start.isoformat() if event.start else "not recorded"),
        Fact(
            label="End",
            text=end.isoformat()
            if end
            else "not yet: ongoing"
            if status.status == "ongoing"
            else "not recorded",
        ),
        Fact(label="Duration", text=event_duration(event, clock)),
        Fact(label="Status", text=status.text),
        Fact(label="Count years of its records", text=years_text(event.years)),
    ]


def fact_groups(
    ev: EventState,
    names: Names,
    clock: Clock,
    event: DistinctEvent,
    *,
    event_page: bool = False,
) -> list[FactGroup]:
    """What, where, when and why of a record (its page), or of its event (`event_page`: the
    "When" facts are the event's; the rest is read from `ev`, its latest record)."""
    f = ev.fields
    country_links = [
        LinkRef(text=r.name, href=r.href)
        for r in (names.ref(cc) for cc in f.get("countries") or [])
        if r.href
    ]
    unlinked = [
        names.by_cc.get(cc, cc) for cc in f.get("countries") or [] if not names.ref(cc).href
    ]
    unlinked += list(f.get("unmapped_countries") or [])
    types = [TYPE_LABELS.get(t, t) for t in f.get("types") or []]
    when = [
        Fact(label="Start", text=_start_text(f)),
        Fact(label="End", text=_end_text(ev, event, clock)),
        Fact(label="Duration", text=event_duration(event, clock)),
        Fact(
            label="Status in this record",
            text=f"{value_text(f.get('status'))} (for {value_text(f.get('year'))})",
        ),
        Fact(label="Status of the event", text=event.status(clock).text),
        Fact(label="Counted in year", text=value_text(f.get("year"))),
    ]
    if f.get("duration_text"):
        when.append(Fact(label="Duration in the source's sheet", text=str(f["duration_text"])))
    if event_page:
        when = _event_when(event, clock)
    where = [
        Fact(
            label="Countries" if len(country_links) + len(unlinked) > 1 else "Country",
            text=", ".join(unlinked)
            + (" (no ISO 3166 code)" if f.get("unmapped_countries") else "")
            or None,
            links=country_links,
        ),
        Fact(label="Areas affected", text=value_text(f.get("area_name"))),
        Fact(
            label="Scope",
            text=_text(SCOPE_LABELS.get(str(f.get("scope")), f.get("scope")), f.get("scope_text")),
        ),
    ]
    written = str(f.get("country_text") or "")
    # Curated events default the cell to their codes ("IQ, SY"): only a source's wording is news.
    if written and written not in (where_text(ev, names), ", ".join(f.get("countries") or [])):
        where.append(Fact(label="Country as written by the source", text=written))
    if f.get("access_now_region"):
        where.append(Fact(label="Access Now region", text=str(f["access_now_region"])))
    what = [
        Fact(label="Type", text=TYPE_LABELS.get(str(f.get("type")), value_text(f.get("type")))),
        Fact(
            label="Networks affected",
            text=value_text(f.get("networks")) if f.get("networks") else "not recorded",
        ),
        Fact(
            label="Services affected",
            text=value_text(f.get("services")) if f.get("services") else "none named",
        ),
        Fact(label="Telecom operators", text=value_text(f.get("telcos"))),
    ]
    if len(types) > 1:
        what.insert(1, Fact(label="All types that apply", text=", ".join(types)))
    why = [
        Fact(label="Cause", text=_text(f.get("cause"), f.get("cause_details")) or "not recorded"),
        Fact(
            label="Justification given",
            text=_text(f.get("justification"), f.get("justification_details")) or "not recorded",
        ),
        Fact(
            label="Ordered by",
            text=value_text(f.get("ordered_by")) if f.get("ordered_by") else "not recorded",
        ),
        Fact(label="Decision maker", text=value_text(f.get("decision_maker"))),
        Fact(label="Government acknowledged it", text=_yes_no(f.get("government_acknowledged"))),
        Fact(label="Related to an election", text=_yes_no(f.get("election"))),
        Fact(label="Violence reported", text=_yes_no(f.get("violence"))),
    ]
    return [
        FactGroup(id="when", title="When", facts=when),
        FactGroup(id="where", title="Where", facts=where),
        FactGroup(id="what", title="What was cut off", facts=what),
        FactGroup(id="why", title="Cause and justification", facts=why),
    ]


def event_ref(ev: EventState | None, event: DistinctEvent, clock: Clock) -> EventRef:
    """The distinct event, with its records (the one `ev` marked current)."""
    status = event.status(clock)
    return EventRef(
        event_id=event.event_id,
        href=f"/shutdowns/events/{event.event_id}",
        status=status.status,
        status_since=status.since,
        status_text=status.text,
        ongoing=status.status == "ongoing",
        duration_text=event_duration(event, clock),
        years_text=years_text(event.years),
        grouping="curated" if event.curated_grouping else "rule",
        records=[
            RecordRef(
                record_id=r.event_id,
                year=r.fields.get("year") if isinstance(r.fields.get("year"), int) else None,
                status=r.fields.get("status"),
                start_date=day(r.fields.get("start_date")),
                end_date=day(r.fields.get("end_date")),
                duration_text=record_duration(r, event, clock),
                href=f"/shutdowns/{r.event_id}",
                current=ev is not None and r.event_id == ev.event_id,
            )
            for r in event.records
        ],
    )


def history_entry(e: LogEntry) -> HistoryEntry:
    upstream = e.upstream or {}
    return HistoryEntry(
        seq=e.seq,
        at=e.at,
        actor=e.actor,
        op=e.op,
        reason=e.reason,
        batch=e.batch,
        simulated=bool(e.provenance and e.provenance.get("simulated") is True),
        changes=[
            FieldChange(
                field=k, old=old, new=new, old_text=value_text(old), new_text=value_text(new)
            )
            for k, (old, new) in sorted(e.changes.items())
        ],
        kept_curated=sorted(k for k in upstream if k not in e.changes),
    )


def event_summary(ev: EventState, names: Names, clock: Clock, event: DistinctEvent) -> str:
    f = ev.fields
    place = ", ".join(
        p for p in (f.get("area_name"), SCOPE_LABELS.get(str(f.get("scope")), "").lower()) if p
    )
    text = event_title(ev, names) + (f" ({place})" if place else "")
    start, end = event.start, event.end
    ongoing = event.is_ongoing(clock)
    if start and end and end != start:
        text += f", from {start.isoformat()} to {end.isoformat()}"
    elif start:
        text += f", {'since' if ongoing else 'on'} {start.isoformat()}"
    text += f": {event_duration(event, clock)}."
    if len(event.records) > 1:
        year = f.get("year")
        text += (
            f" This is the record for {year}, one of {len(event.records)} yearly records of "
            f"the event ({years_text(event.years)})."
        )
    if f.get("networks"):
        text += f" Networks: {', '.join(f['networks'])}."
    if f.get("services"):
        text += f" Services: {', '.join(f['services'])}."
    if f.get("cause"):
        text += f" Cause: {f['cause']}."
    return text


def event_view(
    store: ShutdownStore, lake: LakeReader, names: Names, event_id: str, today: dt.date
) -> EventView:
    ev = store.get(event_id)  # NotFoundError → 404 with the API's wording
    state = store.state()
    clock = Clock.of(state, today)
    f = ev.fields
    index = event_index(state)
    record = record_with_event(ev, index, clock)
    grouped = index.by_record.get(ev.event_id)
    # A retracted record belongs to no event: it is read as an event of its own.
    event = grouped or DistinctEvent("", [ev])
    return EventView(
        event_id=ev.event_id,
        # Many events share a country and a type: the start date tells them apart, and the
        # count year tells an event's yearly records apart.
        title=event_title(ev, names)
        + (f", {f['start_date']}" if f.get("start_date") else "")
        + (f", record for {f.get('year')}" if len(event.records) > 1 else ""),
        summary=event_summary(ev, names, clock, event),
        countries=[names.ref(cc) for cc in f.get("countries") or []],
        start_date=day(f.get("start_date")),
        end_date=day(f.get("end_date")),
        status=f.get("status"),
        ongoing=grouped is not None and grouped.is_ongoing(clock) and grouped.latest is ev,
        duration_text=event_duration(event, clock),
        duration_short=event_duration(event, clock, short=True),
        type=f.get("type"),
        scope=f.get("scope"),
        source=ev.source,
        source_label=SOURCE_LABELS.get(ev.source, ev.source),
        simulated=ev.simulated,
        retracted=ev.retracted,
        retraction_reason=f.get("retraction_reason"),
        description=f.get("description"),
        notes=f.get("notes"),
        flags=[str(x) for x in f.get("flags") or []],
        groups=fact_groups(ev, names, clock, event),
        criteria=[
            Criterion(
                id=c, text=CRITERIA_TEXT[c], met=f.get(c) if isinstance(f.get(c), bool) else None
            )
            for c in CRITERIA
        ],
        criteria_basis=f.get("criteria_basis"),
        sources=[str(s) for s in f.get("sources") or []],
        source_type=f.get("source_type"),
        event=event_ref(ev, grouped, clock) if grouped else None,
        cost=record_cost(lake, names, ev),
        event_cost=event_cost(lake, names, grouped)
        if grouped and len(grouped.records) > 1
        else None,
        history=[history_entry(e) for e in store.history(ev.event_id)],
        created_at=ev.created_at,
        created_by=ev.created_by,
        updated_at=ev.updated_at,
        updated_by=ev.updated_by,
        provenance=ev.provenance,
        record=record,
        links=EventLinks(
            html=f"/shutdowns/{ev.event_id}",
            json_=f"/shutdowns/{ev.event_id}.json",
            api=f"{API}/{ev.event_id}",
            log=f"{API}/log?event_id={ev.event_id}",
            feed=FEED,
            list="/shutdowns",
            event=f"/shutdowns/events/{grouped.event_id}" if grouped else None,
        ),
    )
