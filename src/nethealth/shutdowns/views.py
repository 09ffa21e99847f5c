"""The pieces every shutdown tracker view shares: labels, event and record rows, durations (how
far an ongoing event is known: the clock), titles, country references, counts per year.

Two units, never mixed: an *event* is a distinct event (nethealth.shutdowns.events: the records
of one event grouped, `ev-…`); a *record* is one row of a source (`an-…`, `cu-…`; Access Now
lists an event once per year it runs). The views: the list (views_list.py), one record
(views_record.py) and its cost (views_cost.py), one event (views_event.py), a country's events
and the home map's layer (views_country.py); their pages in pages.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from nethealth.common.json_types import Json
from nethealth.lake.reader import LakeReader
from nethealth.shutdowns.events import Clock, DistinctEvent, EventIndex
from nethealth.shutdowns.query import country_names
from nethealth.shutdowns.store import EventState
from nethealth.ui.formatting import fmt_count, fmt_number

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


def names_of(lake: LakeReader) -> Names:
    by_cc, pages = country_names(lake)
    return Names(by_cc=by_cc, pages=pages)


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
