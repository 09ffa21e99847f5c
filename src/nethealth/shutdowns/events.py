"""Distinct events: the tracker's records grouped into the events they describe.

Access Now's STOP dataset lists an event once per calendar year it runs in (its `count_year`):
Iran's block of Facebook and Twitter, in force since 2009, is one row in each of 2016 … 2025.
The tracker keeps those rows as *records* (what the source published, each with its own id,
provenance and history) and counts *events*: records joined by the rule below, plus what
curators decided.

The rule (GROUPING_VERSION 1). Two current (not retracted) records are one event when
- they name the same countries (or, without an ISO code, the same country text),
- the same start date,
- the same scope (national, regional, local, unknown),
- the same area (ignoring case, punctuation and "&"/"and"; any area of a national record),
- the same types (shutdown, throttling, service-blocking),
- and their count years follow each other (2019 then 2020): a record continues the record of
  the year before, one to one in sheet order; a gap year starts a new event.
Curators override it: `merge` joins events, `split` takes records out of theirs. Both are logged
on each record touched (ops merge and split, fields `event_links` and `event_cuts`).

Ongoing (STALE_AFTER_YEARS = 1). An event is ongoing only when its latest record says
"ongoing", has no end date, and is recent: an imported record counts for its count year, which
must be at least the newest imported sheet's snapshot year minus one (a 2025 record in the
2026-05-20 snapshot is recent; a 2019 one is not: STOP would have listed the event again in
2020 … 2025 had it continued); a curated record counts for the year of its last change, which
must be at least this year minus one. An older open-ended record says "status unknown since
YEAR".
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from nethealth.common.json_types import Json
from nethealth.shutdowns.store import EventState, StoreState

GROUPING_VERSION = "1"
STALE_AFTER_YEARS = 1
EVENT_PREFIX = "ev-"
Status = Literal["ongoing", "ended", "unknown"]


def _day(value: Json) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def area_key(area: Json) -> str:
    text = str(area or "").replace("&", " and ").casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def group_key(fields: Mapping[str, Json]) -> tuple[object, ...] | None:
    """What a record shares with the other years' records of its event (None: no start date,
    so the record is an event of its own)."""
    start = fields.get("start_date")
    if not start:
        return None
    countries = tuple(sorted(str(c) for c in fields.get("countries") or []))
    where = countries or ("?", " ".join(str(fields.get("country_text") or "").casefold().split()))
    scope = fields.get("scope")
    area = "" if scope == "national" else area_key(fields.get("area_name"))
    types = tuple(sorted(str(t) for t in fields.get("types") or [fields.get("type")]))
    return (where, str(start), scope, area, types)


def _order(ev: EventState) -> tuple[int, int, str]:
    """Count year, then the row's place in its sheet, then the id."""
    year = ev.fields.get("year")
    line = (ev.provenance or {}).get("line")
    return (
        year if isinstance(year, int) else 0,
        line if isinstance(line, int) else 0,
        ev.event_id,
    )


Edge = frozenset[str]


def auto_edges(records: Iterable[EventState]) -> set[Edge]:
    """Record pairs the rule joins: each record to the one of the year before with the same key
    (the n-th of a year to the n-th of the year before, in sheet order)."""
    by_key: dict[tuple[object, ...], dict[int, list[EventState]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for ev in sorted(records, key=_order):
        key = group_key(ev.fields)
        year = ev.fields.get("year")
        if key is not None and isinstance(year, int):
            by_key[key][year].append(ev)
    edges: set[Edge] = set()
    for years in by_key.values():
        for year, evs in years.items():
            before = years.get(year - 1, [])
            for prev, cur in zip(before, evs, strict=False):
                edges.add(frozenset((prev.event_id, cur.event_id)))
    return edges


def manual_edges(records: Iterable[EventState]) -> tuple[set[Edge], set[Edge]]:
    """(links, cuts) recorded by curators' merges and splits, between current records."""
    ids = {ev.event_id for ev in records}
    links: set[Edge] = set()
    cuts: set[Edge] = set()
    for ev in records:
        for other in ev.fields.get("event_links") or []:
            if other in ids and other != ev.event_id:
                links.add(frozenset((ev.event_id, str(other))))
        for other in ev.fields.get("event_cuts") or []:
            if other in ids and other != ev.event_id:
                cuts.add(frozenset((ev.event_id, str(other))))
    return links, cuts


def effective_edges(records: Sequence[EventState]) -> dict[Edge, str]:
    """Every edge that holds, with its kind ("rule" or "curator")."""
    links, cuts = manual_edges(records)
    out = {e: "rule" for e in auto_edges(records) if e not in cuts}
    out.update({e: "curator" for e in links})
    return out


def components(ids: Iterable[str], edges: Iterable[Edge]) -> list[list[str]]:
    """Connected groups of ids (union-find), each sorted, in order of their smallest id."""
    parent = {i: i for i in ids}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for edge in edges:
        a, b = tuple(edge)
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for i in parent:
        groups[find(i)].append(i)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def event_id_for(anchor_record: str) -> str:
    """An event's id follows from its earliest record, so it is stable while that record stays
    in the event (a merge or split that moves it gives the event a new id)."""
    digest = hashlib.sha256(f"event\x1e{anchor_record}".encode()).hexdigest()
    return f"{EVENT_PREFIX}{digest[:16]}"


@dataclass(frozen=True)
class Clock:
    """Today, and the snapshot date of the newest imported sheet: a record says "ongoing" as of
    the information it comes from, so it is counted ongoing only up to then."""

    today: date
    snapshot: date | None = None

    @classmethod
    def of(cls, state: StoreState, today: date) -> Clock:
        return cls(today=today, snapshot=_day(state.as_of()))

    def ongoing_until(self, ev: EventState) -> date:
        """Imported records: the newest snapshot; curated ones: the day of their last change."""
        known = self.snapshot if ev.provenance is not None else _day(ev.updated_at[:10])
        return min(known or self.today, self.today)

    def information_year(self, ev: EventState) -> int:
        """The year a record's word is from: its count year (imported), its last change's."""
        year = ev.fields.get("year")
        if ev.provenance is not None and isinstance(year, int):
            return year
        changed = _day(ev.updated_at[:10])
        return changed.year if changed else self.today.year

    def reference_year(self, ev: EventState) -> int:
        if ev.provenance is not None and self.snapshot is not None:
            return min(self.snapshot, self.today).year
        return self.today.year

    def is_recent(self, ev: EventState) -> bool:
        return self.information_year(ev) >= self.reference_year(ev) - STALE_AFTER_YEARS


@dataclass(frozen=True)
class EventStatus:
    status: Status
    since: int | None  # "status unknown since" this year (None unless unknown)
    stale: bool  # the latest record said ongoing, but too long ago to count
    text: str


@dataclass
class DistinctEvent:
    """One event and its records (oldest count year first)."""

    event_id: str
    records: list[EventState]
    edges: dict[Edge, str] = field(default_factory=dict)

    @property
    def latest(self) -> EventState:
        return self.records[-1]

    @property
    def record_ids(self) -> list[str]:
        return [ev.event_id for ev in self.records]

    @property
    def years(self) -> list[int]:
        return sorted({y for ev in self.records if isinstance(y := ev.fields.get("year"), int)})

    @property
    def countries(self) -> list[str]:
        out: list[str] = []
        for ev in self.records:
            out.extend(str(c) for c in ev.fields.get("countries") or [] if c not in out)
        return out

    @property
    def start(self) -> date | None:
        starts = [d for ev in self.records if (d := _day(ev.fields.get("start_date")))]
        return min(starts) if starts else None

    @property
    def end(self) -> date | None:
        """The end date of the latest record that has one, if the event ended."""
        ends = [d for ev in self.records if (d := _day(ev.fields.get("end_date")))]
        return max(ends) if ends and not self._open() else None

    def _open(self) -> bool:
        return not _day(self.latest.fields.get("end_date"))

    @property
    def simulated(self) -> bool:
        return any(ev.simulated for ev in self.records)

    @property
    def sources(self) -> list[str]:
        return sorted({ev.source for ev in self.records})

    @property
    def curated_grouping(self) -> bool:
        return "curator" in self.edges.values()

    def status(self, clock: Clock) -> EventStatus:
        last = self.latest
        said = last.fields.get("status")
        end = _day(last.fields.get("end_date"))
        year = clock.information_year(last)
        if end is not None or said == "ended":
            when = f" on {end.isoformat()}" if end else " (end date not recorded)"
            return EventStatus("ended", None, False, f"ended{when}")
        if said == "ongoing":
            if clock.is_recent(last):
                until = clock.ongoing_until(last)
                return EventStatus("ongoing", None, False, f"ongoing as of {until.isoformat()}")
            return EventStatus(
                "unknown",
                year,
                True,
                f"status unknown since {year} (last listed as ongoing in {year})",
            )
        return EventStatus(
            "unknown", year, False, f"status unknown since {year} (no end date recorded)"
        )

    def is_ongoing(self, clock: Clock) -> bool:
        return self.status(clock).status == "ongoing"

    def period(self, clock: Clock) -> tuple[date, date] | None:
        """First and last day as far as the records tell: an ongoing event runs to its latest
        information; a record last listed as ongoing in a year ran at least to that year's end
        (Access Now lists a year's records after the year); otherwise an open end is the least
        the records support (the start, or the first day of the latest count year)."""
        start = self.start
        if start is None:
            return None
        status = self.status(clock)
        end: date | None
        if status.status == "ended":
            end = self.end or start
        elif status.status == "ongoing":
            end = clock.ongoing_until(self.latest)
        elif status.stale and status.since is not None:
            end = date(status.since, 12, 31)
        else:
            year = self.latest.fields.get("year")
            end = date(year, 1, 1) if isinstance(year, int) else start
        return start, max(end, start)


@dataclass
class EventIndex:
    events: list[DistinctEvent]
    by_record: dict[str, DistinctEvent]
    by_id: dict[str, DistinctEvent]

    def get(self, event_id: str) -> DistinctEvent | None:
        return self.by_id.get(event_id)


def group(records: Sequence[EventState]) -> EventIndex:
    """Group current records into distinct events (retracted records belong to none)."""
    current = [ev for ev in records if not ev.retracted]
    edges = effective_edges(current)
    by_id_rec = {ev.event_id: ev for ev in current}
    events: list[DistinctEvent] = []
    by_record: dict[str, DistinctEvent] = {}
    for ids in components(by_id_rec, edges):
        recs = sorted((by_id_rec[i] for i in ids), key=_order)
        inside = {e: k for e, k in edges.items() if e <= set(ids)}
        event = DistinctEvent(event_id_for(recs[0].event_id), recs, inside)
        events.append(event)
        for i in ids:
            by_record[i] = event
    # Newest start first; among events that began the same day, the latest listed first.
    events.sort(key=lambda e: (str(e.start or ""), e.years[-1:], e.event_id), reverse=True)
    return EventIndex(events, by_record, {e.event_id: e for e in events})


def event_index(state: StoreState) -> EventIndex:
    """The grouping of a store state, computed once per state and log position (the state is
    cached per log file, so a page, its twin and the API share one grouping)."""
    cached = state.derived.get("events")
    if isinstance(cached, tuple) and cached[0] == state.last_seq:
        index: EventIndex = cached[1]
        return index
    index = group(list(state.events.values()))
    state.derived["events"] = (state.last_seq, index)
    return index
