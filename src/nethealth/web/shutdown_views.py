"""The shutdown tracker's list page as a typed model (the HTML template renders it, the JSON twin
serves it unchanged), and the pieces every tracker view shares: event rows, durations, the
clock that says how far an ongoing record is known, counts per year. One event:
shutdown_event.py; a country's events and the home map's layer: shutdown_country.py."""

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

from nethealth.api.errors import ApiError
from nethealth.api.models import API_VERSION
from nethealth.errors import InputError
from nethealth.shutdowns.model import SCOPES, SOURCES, TYPES, Json
from nethealth.shutdowns.query import EventFilter, select
from nethealth.shutdowns.store import EventState, StoreState
from nethealth.web.formatting import fmt_count, fmt_number
from nethealth.web.views import PageLinks, SortOrder

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


_RETRACTED_ARG = {Records.current: "false", Records.retracted: "only", Records.all: "all"}


# Shared pieces ---------------------------------------------------------------------------------


class CountryRef(BaseModel):
    cc: str
    name: str
    href: str | None = Field(description="The country's page, when the lake has the country")


class EventRow(BaseModel):
    event_id: str
    title: str
    label: str = Field(description="Type and area, without the country (for a country's page)")
    countries: list[CountryRef]
    start_date: dt.date | None
    end_date: dt.date | None
    status: str | None
    ongoing: bool
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


def is_ongoing(ev: EventState) -> bool:
    return ev.fields.get("status") == "ongoing" and not ev.retracted


@dataclass(frozen=True)
class Clock:
    """Today, and the snapshot date of the newest imported sheet. A record says "ongoing" as of
    the information it comes from, so an ongoing event is counted only up to then (as the cost
    model counts it), never up to a today that may be months later."""

    today: dt.date
    snapshot: dt.date | None = None

    @classmethod
    def of(cls, state: StoreState, today: dt.date) -> Clock:
        return cls(today=today, snapshot=day(state.as_of()))

    def ongoing_until(self, ev: EventState) -> dt.date:
        """Imported records: the newest snapshot; curated ones: the day of their last change."""
        known = self.snapshot if ev.provenance is not None else day(ev.updated_at[:10])
        return min(known or self.today, self.today)


def period(ev: EventState, clock: Clock) -> tuple[dt.date, dt.date] | None:
    """First and last day of an event as far as its record tells: an ongoing one runs to its
    latest information, an unknown end is taken as the start (the least the record supports)."""
    start = day(ev.fields.get("start_date"))
    if start is None:
        return None
    end = day(ev.fields.get("end_date"))
    if is_ongoing(ev) and end is None:
        end = clock.ongoing_until(ev)
    return start, max(end or start, start)


def duration_text(ev: EventState, clock: Clock, *, short: bool = False) -> str:
    """Dates are whole days: an event from d1 to d2 lasted between d2 − d1 and d2 − d1 + 1 days
    (the cost model's reading, so the page and the estimate agree)."""
    start, end = day(ev.fields.get("start_date")), day(ev.fields.get("end_date"))
    if start is None:
        return "unknown" if short else "unknown: no start date recorded"
    if end is None:
        if is_ongoing(ev):
            until = max(clock.ongoing_until(ev), start)
            days = fmt_count((until - start).days, "day")
            if short:
                return f"ongoing, {days}"
            if until == clock.today:
                return f"ongoing: {days} so far (on {until.isoformat()})"
            return f"ongoing as of {until.isoformat()}, the latest information: {days} by then"
        return "unknown" if short else "unknown: no end date recorded"
    if end < start:
        return "unknown" if short else "unknown: the end date is before the start date"
    span = (end - start).days
    if span == 0:
        return "1 day or less" if short else "one day or less (a single date)"
    if short:
        return f"{span:,}–{span + 1:,} days"
    return f"between {span:,} and {fmt_count(span + 1, 'day')} (dates are whole days)"


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


def event_row(ev: EventState, names: Names, clock: Clock) -> EventRow:
    f = ev.fields
    return EventRow(
        event_id=ev.event_id,
        title=event_title(ev, names),
        label=", ".join(
            str(p)
            for p in (TYPE_LABELS.get(str(f.get("type")), "Disruption"), f.get("area_name"))
            if p
        ),
        countries=[names.ref(cc) for cc in f.get("countries") or []],
        start_date=day(f.get("start_date")),
        end_date=day(f.get("end_date")),
        status=f.get("status"),
        ongoing=is_ongoing(ev),
        duration_text=duration_text(ev, clock, short=True),
        type=f.get("type"),
        scope=f.get("scope"),
        area_name=f.get("area_name"),
        networks=list(f.get("networks") or []),
        source=ev.source,
        source_label=SOURCE_LABELS.get(ev.source, ev.source),
        simulated=ev.simulated,
        retracted=ev.retracted,
        href=f"/shutdowns/{ev.event_id}",
    )


def year_counts(
    events: Iterable[EventState], selected: int | None = None, *, through: int | None = None
) -> list[YearCount]:
    """Events per count year, every year from the first to the last (or `through`) listed, so
    a year without events shows as a zero rather than vanishing from the axis."""
    counts = Counter(int(y) for ev in events if isinstance(y := ev.fields.get("year"), int))
    if not counts:
        return []
    last = max(max(counts), through or 0)
    return [
        YearCount(year=y, count=counts.get(y, 0), selected=y == selected)
        for y in range(min(counts), last + 1)
    ]


def coverage_year(state: StoreState) -> int | None:
    """The last year the tracker counts any current event in: a year past it has no data yet,
    which a chart must not show as zero events."""
    years = [
        y
        for ev in state.events.values()
        if not ev.retracted and isinstance(y := ev.fields.get("year"), int)
    ]
    return max(years, default=None)


def year_summary(years: Sequence[YearCount], today: dt.date, what: str = "events") -> str:
    """One or two sentences that say what the bar chart shows."""
    if not years:
        return f"No {what} recorded."
    total = sum(y.count for y in years)
    first, last = years[0].year, years[-1].year
    span = str(first) if first == last else f"{first} to {last}"
    text = f"{fmt_count(total, what[:-1], what)} counted in {span}"
    if len(years) > 1:
        most = max(years, key=lambda y: (y.count, -y.year))
        least = min(years, key=lambda y: (y.count, y.year))
        text += (
            f"; the most in {most.year} ({fmt_number(most.count)}), "
            f"the fewest in {least.year} ({fmt_number(least.count)})"
        )
    text += "."
    if last == today.year:
        text += f" {last} is not over: {fmt_count(years[-1].count, what[:-1], what)} so far."
    chosen = [y for y in years if y.selected]
    if chosen:
        text += f" Selected year {chosen[0].year}: {fmt_count(chosen[0].count, 'event')}."
    return text


def _bad_parameter(exc: InputError) -> ApiError:
    # The API's wording (nethealth.shutdowns.api): the message without the appended hint.
    return ApiError(400, str(exc).split("\n  hint:")[0], hint=exc.hint)


# The list --------------------------------------------------------------------------------------


class ListFilters(BaseModel):
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2")
    year: int | None = None
    type: str | None = None
    scope: str | None = None
    source: str | None = None
    records: Records = Records.current


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


class PageLink(BaseModel):
    number: int
    href: str
    current: bool


class ListLinks(PageLinks):
    feed: str
    prev: str | None = None
    next: str | None = None


class ShutdownListView(BaseModel):
    api_version: str = API_VERSION
    filters: ListFilters
    filtered: bool = Field(description="True when any filter narrows the list")
    description: str = Field(description="The filters in words")
    order: SortOrder = Field(description="By start date: desc (newest first) or asc")
    total: int
    page: int
    per_page: int
    pages: int
    first: int = Field(description="Position of the first event on this page, from 1 (0: none)")
    last: int
    simulated: bool = Field(description="True when any event on this page is simulated")
    events: list[EventRow]
    per_year: list[YearCount] = Field(description="Events per count year, all filters but year")
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
) -> tuple[ListFilters, EventFilter]:
    """Validate the form's values like the API does (same rules, same messages)."""
    try:
        flt = EventFilter.parse(
            country=country,
            year=year,
            type=type,
            scope=scope,
            source=source,
            retracted=_RETRACTED_ARG[records],
        )
    except InputError as exc:
        raise _bad_parameter(exc) from None
    filters = ListFilters(
        country=flt.country,
        year=flt.year,
        type=flt.type,
        scope=flt.scope,
        source=flt.source,
        records=records,
    )
    return filters, flt


def _options(state: StoreState, names: Names) -> FilterOptions:
    current = [ev for ev in state.events.values() if not ev.retracted]
    per_cc = Counter(cc for ev in current for cc in ev.fields.get("countries") or [])
    countries = sorted(per_cc, key=lambda cc: names.by_cc.get(cc, cc))
    years = sorted({y for ev in current if isinstance(y := ev.fields.get("year"), int)})
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
            Option(value=Records.current.value, label="Current events"),
            Option(value=Records.retracted.value, label="Retracted records only"),
            Option(value=Records.all.value, label="Current and retracted"),
        ],
    )


def describe(filters: ListFilters, names: Names) -> str:
    """The selection in words, for captions: `Internet shutdowns in Iraq, national, 2019`."""
    narrowed = any((filters.country, filters.year, filters.type, filters.scope, filters.source))
    what = {
        Records.current: "Events" if narrowed else "All current events",
        Records.retracted: "Retracted records",
        Records.all: "Events and retracted records",
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
        parts.append(f"counted in {filters.year}")
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
    found = select(state, flt)
    if order is SortOrder.asc:
        found.sort(key=lambda ev: (str(ev.fields.get("start_date") or "9999"), ev.event_id))
    pages = max(1, math.ceil(len(found) / per_page))
    if page > pages:
        raise ApiError(
            400,
            f"page {page} is past the last page ({pages})",
            hint="the list has fewer events with these filters; start again at page 1",
        )
    shown = found[(page - 1) * per_page : page * per_page]
    all_years = select(state, dataclasses.replace(flt, year=None))
    per_year = year_counts(all_years, filters.year, through=coverage_year(state))
    query = list_query(filters, order, page, per_page)
    first = (page - 1) * per_page + 1 if shown else 0
    return ShutdownListView(
        filters=filters,
        filtered=any((filters.country, filters.year, filters.type, filters.scope, filters.source))
        or filters.records is not Records.current,
        description=describe(filters, names),
        order=order,
        total=len(found),
        page=page,
        per_page=per_page,
        pages=pages,
        first=first,
        last=first + len(shown) - 1 if shown else 0,
        simulated=any(ev.simulated for ev in shown),
        events=[event_row(ev, names, clock) for ev in shown],
        per_year=per_year,
        per_year_summary=year_summary(per_year, clock.today),
        per_year_description=describe(filters.model_copy(update={"year": None}), names),
        options=_options(state, names),
        pagination=_pagination(filters, order, page, pages, per_page),
        links=ListLinks(
            html=_with_query("/shutdowns", query),
            json_=_with_query("/shutdowns.json", query),
            api=_with_query(API, _api_query(filters)),
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
