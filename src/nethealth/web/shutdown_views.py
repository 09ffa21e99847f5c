"""The shutdown tracker's list page as a typed model (the HTML template renders it, the JSON twin
serves it unchanged), and the pieces every tracker view shares: event and record rows,
durations, the clock that says how far an ongoing event is known, counts per year.

Two units, never mixed: an *event* is a distinct event (nethealth.shutdowns.events: the records
of one event grouped, `ev-…`); a *record* is one row of a source (`an-…`, `cu-…`; Access Now
lists an event once per year it runs). The list shows events by default and records on request;
one record: shutdown_event.py; one event: shutdown_group.py; a country's events and the home
map's layer: shutdown_country.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.errors import InputError
from nethealth.shutdowns.events import Clock, DistinctEvent, EventIndex, event_index
from nethealth.shutdowns.model import SCOPES, SOURCES, TYPES, Json
from nethealth.shutdowns.query import EventFilter, select
from nethealth.shutdowns.store import EventState, StoreState
from nethealth.ui.formatting import fmt_count, fmt_number
from nethealth.ui.models import API_VERSION
from nethealth.ui.views import PageLinks, SortOrder

SOURCE_LABELS = {
    "access-now": "Curated record (Access Now #KeepItOn)",
    "curated": "Curated by nethealth",
}
SOURCE_TEXT = {"access-now": "from Access Now #KeepItOn", "curated": "curated by nethealth"}
TYPE_LABELS = {
    "shutdown": "Internet shutdown",
    "throttling": "Throttling",
    "service-blocking": "Service blocking",
}
SCOPE_LABELS = {
    "national": "National",
    "regional": "Regional",
    "local": "Local",
    "unknown": "Unknown scope",
}
API = "/api/v1/shutdowns"
FEED = f"{API}/feed.atom"
COST_METHOD = "/methodology#shutdown-cost-model"
PER_PAGE, MAX_PER_PAGE = 50, 100


class Records(StrEnum):
    """Which records the list shows: retracted ones are kept, never deleted."""

    current = "current"
    retracted = "retracted"
    all = "all"


class Unit(StrEnum):
    """What the list counts: distinct events (default) or records (a row of a source each)."""

    events = "events"
    records = "records"


_RETRACTED_ARG = {Records.current: "false", Records.retracted: "only", Records.all: "all"}


# Shared pieces ---------------------------------------------------------------------------------


class CountryRef(BaseModel):
    cc: str
    name: str
    href: str | None = Field(description="The country's page, when the lake has the country")


class EventRow(BaseModel):
    """One record (a row of a source), with the distinct event it belongs to."""

    event_id: str = Field(description="The record's id (an-…, cu-…)")
    title: str
    label: str = Field(description="Type and area, without the country (for a country's page)")
    countries: list[CountryRef]
    start_date: dt.date | None
    end_date: dt.date | None
    year: int | None = Field(description="The count year the record is for")
    status: str | None = Field(description="What the record says for its count year")
    ongoing: bool = Field(description="The record is its event's latest and the event is ongoing")
    duration_text: str
    type: str | None
    scope: str | None
    area_name: str | None
    networks: list[str]
    source: str
    source_label: str
    simulated: bool
    retracted: bool
    href: str
    distinct_event_id: str | None = Field(description="Its event (none when retracted)")
    event_status: str | None = Field(description="ongoing, ended or unknown: the event's")
    event_href: str | None


class DistinctEventRow(BaseModel):
    """One distinct event: its records grouped (see nethealth.shutdowns.events)."""

    event_id: str = Field(description="The event's id (ev-…)")
    title: str
    label: str = Field(description="Type and area, without the country (for a country's page)")
    countries: list[CountryRef]
    start_date: dt.date | None
    end_date: dt.date | None
    status: str = Field(description="ongoing, ended or unknown (by the documented rule)")
    status_since: int | None = Field(description="Unknown since this year, when unknown")
    status_text: str
    ongoing: bool
    duration_text: str
    type: str | None
    scope: str | None
    area_name: str | None
    networks: list[str]
    records: int = Field(description="Records of the event (one per count year for STOP)")
    first_year: int | None
    last_year: int | None
    years_text: str
    record_ids: list[str]
    source: str
    source_label: str
    simulated: bool
    grouping: str = Field(description="rule, or curated (a curator merged or split it)")
    retracted: bool = Field(default=False, description="Always false: events group current records")
    href: str


class YearCount(BaseModel):
    year: int
    count: int
    selected: bool = False


@dataclass(frozen=True)
class Names:
    """Country names as the country pages write them, and whether those pages exist."""

    by_cc: dict[str, str]
    pages: bool

    def ref(self, cc: str) -> CountryRef:
        name = self.by_cc.get(cc, cc)
        return CountryRef(
            cc=cc, name=name, href=f"/country/{cc}" if cc in self.by_cc and self.pages else None
        )


def day(value: Json) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def record_duration(ev: EventState, event: DistinctEvent | None, clock: Clock) -> str:
    """What a record says of its event's length (short, for a table cell). Dates are whole days:
    from d1 to d2 is between d2 − d1 and d2 − d1 + 1 days."""
    start, end = day(ev.fields.get("start_date")), day(ev.fields.get("end_date"))
    if start is None:
        return "unknown"
    if end is not None:
        if end < start:
            return "unknown"
        span = (end - start).days
        return "1 day or less" if span == 0 else f"{span:,}–{span + 1:,} days"
    if event is None:
        return "unknown"
    year = ev.fields.get("year")
    later = [y for y in event.years if isinstance(year, int) and y > year]
    if later:
        return f"continued in {later[0]}"
    status = event.status(clock)
    if status.status == "ongoing":
        until = max(clock.ongoing_until(ev), start)
        return f"ongoing, {fmt_count((until - start).days, 'day')}"
    if status.since is not None:
        return f"unknown since {status.since}"
    return "unknown"


def event_duration(event: DistinctEvent, clock: Clock, *, short: bool = False) -> str:
    """How long an event lasted, as far as its records tell (long or short form)."""
    start = event.start
    status = event.status(clock)
    if start is None:
        return "unknown" if short else "unknown: no start date recorded"
    if status.status == "ongoing":
        until = max(clock.ongoing_until(event.latest), start)
        days = fmt_count((until - start).days, "day")
        if short:
            return f"ongoing, {days}"
        if until == clock.today:
            return f"ongoing: {days} so far (on {until.isoformat()})"
        return f"ongoing as of {until.isoformat()}, the latest information: {days} by then"
    end = event.end
    if status.status == "ended" and end is not None:
        if end < start:
            return "unknown" if short else "unknown: the end date is before the start date"
        span = (end - start).days
        if span == 0:
            return "1 day or less" if short else "one day or less (a single date)"
        if short:
            return f"{span:,}–{span + 1:,} days"
        return f"between {span:,} and {fmt_count(span + 1, 'day')} (dates are whole days)"
    if status.since is not None and status.stale:
        if short:
            return f"unknown since {status.since}"
        return f"{status.text}: at least until the end of {status.since}"
    return "unknown" if short else f"unknown: {status.text}"


def where_text(ev: EventState, names: Names) -> str:
    codes = [str(cc) for cc in ev.fields.get("countries") or []]
    unmapped = [str(n) for n in ev.fields.get("unmapped_countries") or []]
    written = [names.by_cc.get(cc, cc) for cc in codes] + unmapped
    if not written:
        return str(ev.fields.get("country_text") or "an unknown country")
    if len(written) == 1:
        return written[0]
    return ", ".join(written[:-1]) + " and " + written[-1]


def event_title(ev: EventState, names: Names) -> str:
    kind = TYPE_LABELS.get(str(ev.fields.get("type")), "Disruption")
    return f"{kind} in {where_text(ev, names)}"


def event_label(ev: EventState) -> str:
    f = ev.fields
    return ", ".join(
        str(p) for p in (TYPE_LABELS.get(str(f.get("type")), "Disruption"), f.get("area_name")) if p
    )


def event_row(
    ev: EventState, names: Names, clock: Clock, index: EventIndex | None = None
) -> EventRow:
    """A record's row; `index` (the grouping) names its event."""
    f = ev.fields
    event = index.by_record.get(ev.event_id) if index is not None else None
    status = event.status(clock) if event else None
    return EventRow(
        event_id=ev.event_id,
        title=event_title(ev, names),
        label=event_label(ev),
        countries=[names.ref(cc) for cc in f.get("countries") or []],
        start_date=day(f.get("start_date")),
        end_date=day(f.get("end_date")),
        year=f.get("year") if isinstance(f.get("year"), int) else None,
        status=f.get("status"),
        ongoing=bool(event and status and status.status == "ongoing" and event.latest is ev),
        duration_text=record_duration(ev, event, clock),
        type=f.get("type"),
        scope=f.get("scope"),
        area_name=f.get("area_name"),
        networks=list(f.get("networks") or []),
        source=ev.source,
        source_label=SOURCE_LABELS.get(ev.source, ev.source),
        simulated=ev.simulated,
        retracted=ev.retracted,
        href=f"/shutdowns/{ev.event_id}",
        distinct_event_id=event.event_id if event else None,
        event_status=status.status if status else None,
        event_href=f"/shutdowns/events/{event.event_id}" if event else None,
    )


def years_text(years: Sequence[int]) -> str:
    if not years:
        return "—"
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def distinct_row(event: DistinctEvent, names: Names, clock: Clock) -> DistinctEventRow:
    latest = event.latest
    f = latest.fields
    status = event.status(clock)
    kind = TYPE_LABELS.get(str(f.get("type")), "Disruption")
    where = where_text(latest, names)
    sources = event.sources
    source = sources[0] if len(sources) == 1 else "mixed"
    return DistinctEventRow(
        event_id=event.event_id,
        title=f"{kind} in {where}",
        label=event_label(latest),
        countries=[names.ref(cc) for cc in event.countries],
        start_date=event.start,
        end_date=event.end,
        status=status.status,
        status_since=status.since,
        status_text=status.text,
        ongoing=status.status == "ongoing",
        duration_text=event_duration(event, clock, short=True),
        type=f.get("type"),
        scope=f.get("scope"),
        area_name=f.get("area_name"),
        networks=list(f.get("networks") or []),
        records=len(event.records),
        first_year=event.years[0] if event.years else None,
        last_year=event.years[-1] if event.years else None,
        years_text=years_text(event.years),
        record_ids=event.record_ids,
        source=source,
        source_label=SOURCE_LABELS.get(source, "Curated record and nethealth curation"),
        simulated=event.simulated,
        grouping="curated" if event.curated_grouping else "rule",
        href=f"/shutdowns/events/{event.event_id}",
    )


def year_counts(
    records: Iterable[EventState],
    selected: int | None = None,
    *,
    through: int | None = None,
    index: EventIndex | None = None,
) -> list[YearCount]:
    """Per count year, every year from the first to the last (or `through`) listed, so a year
    without any shows as a zero rather than vanishing from the axis. With `index`, the distinct
    events with a record in each year (an event running over several years counts in each);
    without, the records."""
    per_year: dict[int, set[str]] = {}
    for ev in records:
        year = ev.fields.get("year")
        if not isinstance(year, int):
            continue
        event = index.by_record.get(ev.event_id) if index is not None else None
        per_year.setdefault(year, set()).add(event.event_id if event else ev.event_id)
    counts = Counter({y: len(ids) for y, ids in per_year.items()})
    if not counts:
        return []
    last = max(max(counts), through or 0)
    return [
        YearCount(year=y, count=counts.get(y, 0), selected=y == selected)
        for y in range(min(counts), last + 1)
    ]


def coverage_year(state: StoreState) -> int | None:
    """The last year the tracker counts any current record in: a year past it has no data yet,
    which a chart must not show as zero events."""
    years = [
        y
        for ev in state.events.values()
        if not ev.retracted and isinstance(y := ev.fields.get("year"), int)
    ]
    return max(years, default=None)


def year_summary(
    years: Sequence[YearCount],
    today: dt.date,
    what: str = "events",
    *,
    distinct: int | None = None,
) -> str:
    """One or two sentences that say what the bar chart shows. With `distinct` (the number of
    distinct events in all), the bars are events active in each year, which do not add up."""
    one = what[:-1]
    if not years:
        return f"No {what} recorded."
    first, last = years[0].year, years[-1].year
    span = str(first) if first == last else f"{first} to {last}"
    if distinct is None:
        text = f"{fmt_count(sum(y.count for y in years), one, what)} counted in {span}"
    else:
        text = f"{what.capitalize()} per count year, {span}"
    if len(years) > 1:
        most = max(years, key=lambda y: (y.count, -y.year))
        least = min(years, key=lambda y: (y.count, y.year))
        text += (
            f"{'; ' if distinct is None else ': '}the most in {most.year} "
            f"({fmt_number(most.count)}), the fewest in {least.year} ({fmt_number(least.count)})"
        )
    text += "."
    if distinct is not None:
        text += (
            f" An event that runs over several years counts in each of them: "
            f"{fmt_count(distinct, 'distinct event')} in all."
        )
    if last == today.year:
        text += f" {last} is not over: {fmt_count(years[-1].count, one, what)} so far."
    chosen = [y for y in years if y.selected]
    if chosen:
        text += f" Selected year {chosen[0].year}: {fmt_count(chosen[0].count, one, what)}."
    return text


# The list --------------------------------------------------------------------------------------


class ListFilters(BaseModel):
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2")
    year: int | None = None
    type: str | None = None
    scope: str | None = None
    source: str | None = None
    records: Records = Records.current
    unit: Unit = Field(
        default=Unit.events,
        description="events (distinct events, default) or records; retracted records belong "
        "to no event, so records=retracted or all lists records",
    )


class Option(BaseModel):
    value: str
    label: str


class FilterOptions(BaseModel):
    countries: list[Option]
    years: list[int]
    types: list[Option]
    scopes: list[Option]
    sources: list[Option]
    records: list[Option]
    units: list[Option]


class PageLink(BaseModel):
    number: int
    href: str
    current: bool


class ListLinks(PageLinks):
    feed: str
    records: str = Field(description="The records of this selection in the API (JSON)")
    prev: str | None = None
    next: str | None = None


class ShutdownListView(BaseModel):
    api_version: str = API_VERSION
    filters: ListFilters
    unit: Unit = Field(description="What the list and its total count: events or records")
    filtered: bool = Field(description="True when any filter narrows the list")
    description: str = Field(description="The filters in words")
    order: SortOrder = Field(description="By start date: desc (newest first) or asc")
    total: int = Field(description="Rows of the list, in its unit")
    total_events: int = Field(description="Distinct events with a record that matches")
    total_records: int = Field(description="Records that match")
    ongoing_events: int = Field(description="Of the distinct events, those ongoing")
    page: int
    per_page: int
    pages: int
    first: int = Field(description="Position of the first row on this page, from 1 (0: none)")
    last: int
    simulated: bool = Field(description="True when any row on this page is simulated")
    events: list[DistinctEventRow] = Field(description="The page's distinct events (unit events)")
    records: list[EventRow] = Field(description="The page's records (unit records)")
    per_year: list[YearCount] = Field(
        description="Per count year, all filters but year: distinct events active in the year "
        "(unit events) or records (unit records)"
    )
    per_year_summary: str
    per_year_description: str = Field(description="The filters but the year, in words")
    options: FilterOptions
    pagination: list[PageLink]
    links: ListLinks


def list_query(
    filters: ListFilters,
    order: SortOrder = SortOrder.desc,
    page: int = 1,
    per_page: int = PER_PAGE,
    *,
    fmt: str | None = None,
) -> str:
    """The list's query string without its defaults (`/shutdowns` stays `/shutdowns`)."""
    params: dict[str, str] = {
        "country": filters.country or "",
        "year": str(filters.year) if filters.year else "",
        "type": filters.type or "",
        "scope": filters.scope or "",
        "source": filters.source or "",
        "records": filters.records.value if filters.records is not Records.current else "",
        "unit": filters.unit.value if filters.unit is not Unit.events else "",
        "order": order.value if order is not SortOrder.desc else "",
        "per_page": str(per_page) if per_page != PER_PAGE else "",
        "page": str(page) if page != 1 else "",
        "format": fmt or "",
    }
    return urlencode({k: v for k, v in params.items() if v})


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def parse_filters(
    *,
    country: str | None,
    year: str | None,
    type: str | None,
    scope: str | None,
    source: str | None,
    records: Records,
    unit: Unit = Unit.events,
) -> tuple[ListFilters, EventFilter]:
    """Validate the form's values like the API does (same rules, same messages)."""
    flt = EventFilter.parse(
        country=country,
        year=year,
        type=type,
        scope=scope,
        source=source,
        retracted=_RETRACTED_ARG[records],
    )
    filters = ListFilters(
        country=flt.country,
        year=flt.year,
        type=flt.type,
        scope=flt.scope,
        source=flt.source,
        records=records,
        # Retracted records belong to no event: listing them is listing records.
        unit=unit if records is Records.current else Unit.records,
    )
    return filters, flt


def _options(state: StoreState, names: Names, index: EventIndex) -> FilterOptions:
    per_cc = Counter(cc for e in index.events for cc in e.countries)
    countries = sorted(per_cc, key=lambda cc: names.by_cc.get(cc, cc))
    years = sorted({y for e in index.events for y in e.years})
    return FilterOptions(
        countries=[
            Option(value=cc, label=f"{names.by_cc.get(cc, cc)} ({per_cc[cc]:,})")
            for cc in countries
        ],
        years=list(reversed(years)),
        types=[Option(value=t, label=TYPE_LABELS[t]) for t in TYPES],
        scopes=[Option(value=s, label=SCOPE_LABELS[s]) for s in SCOPES],
        sources=[Option(value=s, label=SOURCE_LABELS[s]) for s in SOURCES],
        records=[
            Option(value=Records.current.value, label="Current records"),
            Option(value=Records.retracted.value, label="Retracted records only"),
            Option(value=Records.all.value, label="Current and retracted"),
        ],
        units=[
            Option(value=Unit.events.value, label="Distinct events"),
            Option(value=Unit.records.value, label="Records (one per source row and year)"),
        ],
    )


def describe(filters: ListFilters, names: Names) -> str:
    """The selection in words, for captions: `Internet shutdowns in Iraq, national, 2019`."""
    narrowed = any((filters.country, filters.year, filters.type, filters.scope, filters.source))
    if filters.unit is Unit.events:
        what = "Events" if narrowed else "All events"
    else:
        what = {
            Records.current: "Records" if narrowed else "All current records",
            Records.retracted: "Retracted records",
            Records.all: "Current and retracted records",
        }[filters.records]
    if filters.type:
        what += f" of type {TYPE_LABELS[filters.type].lower()}"
    parts = [
        what
        + (f" in {names.by_cc.get(filters.country, filters.country)}" if filters.country else "")
    ]
    if filters.scope:
        parts.append(f"scope {SCOPE_LABELS[filters.scope].lower()}")
    if filters.year:
        parts.append(
            f"with a record counted in {filters.year}"
            if filters.unit is Unit.events
            else f"counted in {filters.year}"
        )
    if filters.source:
        parts.append(SOURCE_TEXT[filters.source])
    return ", ".join(parts)


def _pagination(
    filters: ListFilters, order: SortOrder, page: int, pages: int, per_page: int
) -> list[PageLink]:
    """The first, the last and the pages around the current one."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    return [
        PageLink(
            number=n,
            href=_with_query("/shutdowns", list_query(filters, order, n, per_page)),
            current=n == page,
        )
        for n in shown
    ]


def events_of(records: Iterable[EventState], index: EventIndex) -> list[DistinctEvent]:
    """The distinct events of some records, each once, newest start first."""
    found: dict[str, DistinctEvent] = {}
    for ev in records:
        event = index.by_record.get(ev.event_id)
        if event is not None:
            found.setdefault(event.event_id, event)
    order = {e.event_id: i for i, e in enumerate(index.events)}
    return sorted(found.values(), key=lambda e: order[e.event_id])


def list_view(
    state: StoreState,
    names: Names,
    filters: ListFilters,
    flt: EventFilter,
    order: SortOrder,
    page: int,
    per_page: int,
    clock: Clock,
) -> ShutdownListView:
    index = event_index(state)
    found = select(state, flt)
    events = events_of(found, index)
    if order is SortOrder.asc:
        found.sort(key=lambda ev: (str(ev.fields.get("start_date") or "9999"), ev.event_id))
        events.reverse()
    unit = filters.unit
    rows: Sequence[EventState | DistinctEvent] = events if unit is Unit.events else found
    pages = max(1, math.ceil(len(rows) / per_page))
    if page > pages:
        raise InputError(
            f"page {page} is past the last page ({pages})",
            field="page",
            hint=f"the list has fewer {unit.value} with these filters; start again at page 1",
        )
    shown_events = events[(page - 1) * per_page : page * per_page] if unit is Unit.events else []
    shown_records = found[(page - 1) * per_page : page * per_page] if unit is Unit.records else []
    all_years = select(state, dataclasses.replace(flt, year=None))
    by_events = index if unit is Unit.events else None
    per_year = year_counts(all_years, filters.year, through=coverage_year(state), index=by_events)
    distinct_all = len(events_of(all_years, index)) if unit is Unit.events else None
    query = list_query(filters, order, page, per_page)
    shown = len(shown_events) + len(shown_records)
    first = (page - 1) * per_page + 1 if shown else 0
    return ShutdownListView(
        filters=filters,
        unit=unit,
        filtered=any((filters.country, filters.year, filters.type, filters.scope, filters.source))
        or filters.records is not Records.current,
        description=describe(filters, names),
        order=order,
        total=len(rows),
        total_events=len(events),
        total_records=len(found),
        ongoing_events=sum(1 for e in events if e.is_ongoing(clock)),
        page=page,
        per_page=per_page,
        pages=pages,
        first=first,
        last=first + shown - 1 if shown else 0,
        simulated=any(e.simulated for e in shown_events) or any(r.simulated for r in shown_records),
        events=[distinct_row(e, names, clock) for e in shown_events],
        records=[event_row(ev, names, clock, index) for ev in shown_records],
        per_year=per_year,
        per_year_summary=year_summary(per_year, clock.today, unit.value, distinct=distinct_all),
        per_year_description=describe(filters.model_copy(update={"year": None}), names),
        options=_options(state, names, index),
        pagination=_pagination(filters, order, page, pages, per_page),
        links=ListLinks(
            html=_with_query("/shutdowns", query),
            json_=_with_query("/shutdowns.json", query),
            api=_with_query(f"{API}/events" if unit is Unit.events else API, _api_query(filters)),
            records=_with_query(API, _api_query(filters)),
            csv=_with_query(API, _api_query(filters, csv=True)),
            feed=FEED,
            prev=_with_query("/shutdowns", list_query(filters, order, page - 1, per_page))
            if page > 1
            else None,
            next=_with_query("/shutdowns", list_query(filters, order, page + 1, per_page))
            if page < pages
            else None,
        ),
    )


def _api_query(filters: ListFilters, *, csv: bool = False) -> str:
    """The same selection in the API's parameters (its `retracted` takes false, only, all). The
    API pages by offset and its CSV holds up to 10,000 rows: the download has every match."""
    params = {
        "country": filters.country or "",
        "year": str(filters.year) if filters.year else "",
        "type": filters.type or "",
        "scope": filters.scope or "",
        "source": filters.source or "",
        "retracted": _RETRACTED_ARG[filters.records]
        if filters.records is not Records.current
        else "",
        "format": "csv" if csv else "",
    }
    return urlencode({k: v for k, v in params.items() if v})
