"""The page of one shutdown record: what, where, when, why, evidence, inclusion criteria, the
distinct event it belongs to, cost estimate, audit history and provenance, as a typed model (the
page and its JSON twin). The record is one row of its source (Access Now lists an event once per
year it runs); the event's page (shutdown_group.py) gathers its records."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from nethealth.economics.cost_model import METHOD_VERSION
from nethealth.economics.wdi import FLAG_YEAR_GAP
from nethealth.lake.reader import LakeReader
from nethealth.shutdowns.events import Clock, DistinctEvent, event_index
from nethealth.shutdowns.model import CRITERIA, CRITERIA_TEXT, Json
from nethealth.shutdowns.query import record_with_event
from nethealth.shutdowns.store import EventState, LogEntry, ShutdownStore
from nethealth.ui.formatting import fmt_usd
from nethealth.ui.models import API_VERSION
from nethealth.ui.views import PageLinks
from nethealth.web.shutdown_data import CostLookup, CostRow, event_costs, record_costs
from nethealth.web.shutdown_views import (
    API,
    COST_METHOD,
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


class CostPart(BaseModel):
    """One record's estimate for one country."""

    record_id: str
    year: int | None
    country: CountryRef
    low_usd: float
    central_usd: float
    high_usd: float
    text: str
    days_low: float | None
    days_central: float | None
    days_high: float | None
    service_factor: float | None = Field(description="Share of the Internet economy removed")
    scope_kind: str | None = Field(description="What was cut (full, mobile-only, services …)")
    scoped: bool | None = Field(description="False: the record does not say; a wide range")
    scope_basis: str | None
    area_share: float | None
    users_affected: float | None
    gdp_usd: float | None
    gdp_year: int | None
    internet_share: float | None
    internet_year: int | None
    population_year: int | None
    wdi_sources: list[str] = Field(description="Every World Bank figure used, INDICATOR YEAR")
    wdi_far: bool = Field(description=f"A figure more than {FLAG_YEAR_GAP} years from the year")


class CostSection(BaseModel):
    status: Literal["estimated", "no-estimate", "not-run", "retracted", "unavailable"]
    message: str | None
    method_version: str
    methodology: str = COST_METHOD
    unit: Literal["record", "event"] = Field(
        default="record",
        description="record: this record's count year; event: the sum of its records, each once",
    )
    records: int = Field(default=0, description="Records whose estimates are summed")
    low_usd: float | None = None
    central_usd: float | None = None
    high_usd: float | None = None
    low_text: str | None = None
    central_text: str | None = None
    high_text: str | None = None
    scoped: bool | None = Field(
        default=None, description="False when any part is not scoped: the range is wide"
    )
    scope_kinds: list[str] = Field(default_factory=list)
    wdi_years: list[int] = Field(default_factory=list, description="World Bank years used")
    wdi_far: bool = Field(
        default=False, description=f"A World Bank figure more than {FLAG_YEAR_GAP} years away"
    )
    parts: list[CostPart] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    simulated: bool = False


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


def _range_text(low: float, central: float, high: float) -> str:
    return f"{fmt_usd(central)} (range {fmt_usd(low)} to {fmt_usd(high)})"


def _part(r: CostRow, names: Names) -> CostPart:
    return CostPart(
        record_id=r.event_id,
        year=r.year,
        country=names.ref(r.cc),
        low_usd=r.cost_low_usd,
        central_usd=r.cost_central_usd,
        high_usd=r.cost_high_usd,
        text=_range_text(r.cost_low_usd, r.cost_central_usd, r.cost_high_usd),
        days_low=r.days_low,
        days_central=r.days_central,
        days_high=r.days_high,
        service_factor=r.service_factor,
        scope_kind=r.scope_kind,
        scoped=r.scoped,
        scope_basis=r.scope_basis,
        area_share=r.area_share,
        users_affected=r.users_affected,
        gdp_usd=r.gdp_usd,
        gdp_year=r.gdp_year,
        internet_share=r.internet_share,
        internet_year=r.internet_year,
        population_year=r.population_year,
        wdi_sources=list(r.wdi_sources or []),
        wdi_far=bool(r.wdi_far),
    )


NOT_RUN = (
    "The cost model has not run with World Bank figures on this server: fetch them "
    "with `nethealth shutdowns fetch-worldbank`, then run `nethealth build`."
)


def cost_section(
    ev: EventState | None,
    lookup: CostLookup,
    names: Names,
    *,
    unit: Literal["record", "event"] = "record",
) -> CostSection:
    """A record's estimate (its count year), or with unit "event" the sum of an event's
    records' estimates, each record counted once (`ev` is then None)."""
    rows: list[CostRow] = lookup.rows
    version = rows[0].method_version if rows else METHOD_VERSION
    if lookup.unavailable is not None:
        return CostSection(
            status="unavailable", message=lookup.unavailable, method_version=version, unit=unit
        )
    if ev is not None and ev.retracted:
        return CostSection(
            status="retracted",
            message="Retracted records get no cost estimate.",
            method_version=version,
        )
    if not rows:
        if lookup.dataset_rows == 0:
            return CostSection(status="not-run", message=NOT_RUN, method_version=version, unit=unit)
        what = "this record" if unit == "record" else "any record of this event"
        message = (
            f"No estimate for {what}: no ISO 3166 country, no usable dates, or no World Bank "
            "GDP and Internet-use figures near its year (see the cost model)."
        )
        return CostSection(status="no-estimate", message=message, method_version=version, unit=unit)
    low = sum(r.cost_low_usd for r in rows)
    central = sum(r.cost_central_usd for r in rows)
    high = sum(r.cost_high_usd for r in rows)
    notes = list(dict.fromkeys(n for r in rows if r.notes for n in r.notes.split("; ")))
    return CostSection(
        status="estimated",
        message=None,
        method_version=version,
        unit=unit,
        records=len({r.event_id for r in rows}),
        low_usd=low,
        central_usd=central,
        high_usd=high,
        low_text=fmt_usd(low),
        central_text=fmt_usd(central),
        high_text=fmt_usd(high),
        scoped=all(r.scoped is not False for r in rows),
        scope_kinds=sorted({r.scope_kind for r in rows if r.scope_kind}),
        wdi_years=sorted({int(x.rsplit(" ", 1)[1]) for r in rows for x in r.wdi_sources or []}),
        wdi_far=any(r.wdi_far for r in rows),
        parts=[_part(r, names) for r in rows],
        notes=notes,
        simulated=any(r.simulated for r in rows),
    )


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
        cost=cost_section(ev, event_costs(lake, ev.event_id), names),
        event_cost=cost_section(None, record_costs(lake, grouped.record_ids), names, unit="event")
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
