"""The page of one shutdown event: what, where, when, why, evidence, inclusion criteria, cost
estimate, audit history and provenance, as a typed model (the page and its JSON twin)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from nethealth.api.lake import LakeReader
from nethealth.api.models import API_VERSION
from nethealth.economics.cost_model import METHOD_VERSION
from nethealth.shutdowns.model import CRITERIA, CRITERIA_TEXT, Json
from nethealth.shutdowns.store import EventState, LogEntry, ShutdownStore
from nethealth.web.formatting import fmt_usd
from nethealth.web.shutdown_data import CostLookup, CostRow, event_costs
from nethealth.web.shutdown_views import (
    API,
    COST_METHOD,
    FEED,
    SCOPE_LABELS,
    SOURCE_LABELS,
    TYPE_LABELS,
    Clock,
    CountryRef,
    Names,
    day,
    duration_text,
    event_title,
    is_ongoing,
    where_text,
)
from nethealth.web.views import PageLinks


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
    country: CountryRef
    low_usd: float
    central_usd: float
    high_usd: float
    text: str
    days_low: float | None
    days_central: float | None
    days_high: float | None
    service_factor: float | None
    area_share: float | None
    users_affected: float | None
    gdp_usd: float | None
    gdp_year: int | None
    internet_share: float | None


class CostSection(BaseModel):
    status: Literal["estimated", "no-estimate", "not-run", "retracted", "unavailable"]
    message: str | None
    method_version: str
    methodology: str = COST_METHOD
    low_usd: float | None = None
    central_usd: float | None = None
    high_usd: float | None = None
    low_text: str | None = None
    central_text: str | None = None
    high_text: str | None = None
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
    cost: CostSection
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


def _groups(ev: EventState, names: Names, clock: Clock) -> list[FactGroup]:
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
        Fact(
            label="End",
            text=f.get("end_date") or ("not yet: ongoing" if is_ongoing(ev) else "not recorded"),
        ),
        Fact(label="Duration", text=duration_text(ev, clock)),
        Fact(label="Status", text=value_text(f.get("status"))),
        Fact(label="Counted in year", text=value_text(f.get("year"))),
    ]
    if f.get("duration_text"):
        when.append(Fact(label="Duration in the source's sheet", text=str(f["duration_text"])))
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


def cost_section(ev: EventState, lookup: CostLookup, names: Names) -> CostSection:
    rows: list[CostRow] = lookup.rows
    version = rows[0].method_version if rows else METHOD_VERSION
    if lookup.unavailable is not None:
        return CostSection(status="unavailable", message=lookup.unavailable, method_version=version)
    if ev.retracted:
        return CostSection(
            status="retracted",
            message="Retracted events get no cost estimate.",
            method_version=version,
        )
    if not rows:
        if lookup.dataset_rows == 0:
            message = (
                "The cost model has not run with World Bank figures on this server: fetch them "
                "with `nethealth shutdowns fetch-worldbank`, then run `nethealth build`."
            )
            return CostSection(status="not-run", message=message, method_version=version)
        message = (
            "No estimate for this event: it has no ISO 3166 country, no usable dates, or no "
            "World Bank GDP and Internet-use figures near its year (see the cost model)."
        )
        return CostSection(status="no-estimate", message=message, method_version=version)
    parts = [
        CostPart(
            country=names.ref(r.cc),
            low_usd=r.cost_low_usd,
            central_usd=r.cost_central_usd,
            high_usd=r.cost_high_usd,
            text=_range_text(r.cost_low_usd, r.cost_central_usd, r.cost_high_usd),
            days_low=r.days_low,
            days_central=r.days_central,
            days_high=r.days_high,
            service_factor=r.service_factor,
            area_share=r.area_share,
            users_affected=r.users_affected,
            gdp_usd=r.gdp_usd,
            gdp_year=r.gdp_year,
            internet_share=r.internet_share,
        )
        for r in rows
    ]
    low = sum(r.cost_low_usd for r in rows)
    central = sum(r.cost_central_usd for r in rows)
    high = sum(r.cost_high_usd for r in rows)
    notes = list(dict.fromkeys(n for r in rows if r.notes for n in r.notes.split("; ")))
    return CostSection(
        status="estimated",
        message=None,
        method_version=version,
        low_usd=low,
        central_usd=central,
        high_usd=high,
        low_text=fmt_usd(low),
        central_text=fmt_usd(central),
        high_text=fmt_usd(high),
        parts=parts,
        notes=notes,
        simulated=any(r.simulated for r in rows),
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


def event_summary(ev: EventState, names: Names, clock: Clock) -> str:
    f = ev.fields
    place = ", ".join(
        p for p in (f.get("area_name"), SCOPE_LABELS.get(str(f.get("scope")), "").lower()) if p
    )
    text = event_title(ev, names) + (f" ({place})" if place else "")
    start, end = f.get("start_date"), f.get("end_date")
    if start and end and end != start:
        text += f", from {start} to {end}"
    elif start:
        text += f", {'since' if is_ongoing(ev) else 'on'} {start}"
    text += f": {duration_text(ev, clock)}."
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
    clock = Clock.of(store.state(), today)
    f = ev.fields
    record = ev.as_record()
    return EventView(
        event_id=ev.event_id,
        # Many events share a country and a type: the start date tells them apart.
        title=event_title(ev, names) + (f", {f['start_date']}" if f.get("start_date") else ""),
        summary=event_summary(ev, names, clock),
        countries=[names.ref(cc) for cc in f.get("countries") or []],
        start_date=day(f.get("start_date")),
        end_date=day(f.get("end_date")),
        status=f.get("status"),
        ongoing=is_ongoing(ev),
        duration_text=duration_text(ev, clock),
        duration_short=duration_text(ev, clock, short=True),
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
        groups=_groups(ev, names, clock),
        criteria=[
            Criterion(
                id=c, text=CRITERIA_TEXT[c], met=f.get(c) if isinstance(f.get(c), bool) else None
            )
            for c in CRITERIA
        ],
        criteria_basis=f.get("criteria_basis"),
        sources=[str(s) for s in f.get("sources") or []],
        source_type=f.get("source_type"),
        cost=cost_section(ev, event_costs(lake, ev.event_id), names),
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
        ),
    )
