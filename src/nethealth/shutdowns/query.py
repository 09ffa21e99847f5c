"""The shutdown tracker's read model: every query its API, its pages, its CLI and its build make.

Records and distinct events come from the curated store (its current state, cached per log
change), so a page, its CSV download (the API) and its feed never disagree, even between a
curator's edit and the next build. Cost estimates come from the lake's `shutdown_costs` (the
cost model runs in the build); country names from the lake's countries, else ISO 3166.

Two units, never mixed: a *record* is one row of a source (`an-…`, `cu-…`; Access Now lists an
event once per year it runs), a *distinct event* (`ev-…`) the records of one event grouped
(nethealth.shutdowns.events).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import duckdb
import pycountry
from fastapi import Depends

from nethealth.common.csv_cells import safe_cell
from nethealth.common.dates import parse_year
from nethealth.common.json_types import Json
from nethealth.errors import InputError, LakeUnavailableError, NotFoundError
from nethealth.lake.reader import LakeReader
from nethealth.settings import Settings
from nethealth.shutdowns.countries import is_alpha2, to_alpha2
from nethealth.shutdowns.events import (
    GROUPING_VERSION,
    Clock,
    DistinctEvent,
    EventIndex,
    event_index,
)
from nethealth.shutdowns.model import FIELDS, SCOPES, SOURCES, TYPES
from nethealth.shutdowns.store import EventState, LogEntry, ShutdownStore, StoreState, store_dir
from nethealth.ui.context import AppContext, get_context

# The store ---------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _store_at(root: Path) -> ShutdownStore:
    return ShutdownStore(root)


def store_for(settings: Settings) -> ShutdownStore:
    """The store of a data directory, one per process: its parsed state is cached on the log
    (re-read when the log changes), so requests do not parse it again."""
    return _store_at(store_dir(settings))


def get_store(ctx: Annotated[AppContext, Depends(get_context)]) -> ShutdownStore:
    """FastAPI dependency: the app's store (the API and the pages read the same one)."""
    return store_for(ctx.settings)


def today_utc() -> date:
    return datetime.now(UTC).date()


# Records -------------------------------------------------------------------------------------

# Column order of CSV exports and of the lake dataset's text columns. `event_id` is the record's
# id (its historical name); `distinct_event_id` the event it belongs to.
COLUMNS: tuple[str, ...] = (
    "event_id",
    "distinct_event_id",
    "event_status",
    "event_status_since",
    "event_records",
    "source",
    *(f.name for f in FIELDS if f.name not in ("retracted",)),
    "retracted",
    "created_at",
    "updated_at",
)
TABLE_COLUMNS = (
    "event_id",
    "distinct_event_id",
    "year",
    "countries",
    "start_date",
    "end_date",
    "type",
    "scope",
    "area_name",
)


@dataclass(frozen=True)
class EventFilter:
    country: str | None = None  # alpha-2
    year: int | None = None
    type: str | None = None
    scope: str | None = None
    source: str | None = None
    retracted: bool | None = False  # None: both; False: current tracker (default); True: only

    @classmethod
    def parse(
        cls,
        *,
        country: str | None = None,
        year: str | int | None = None,
        type: str | None = None,
        scope: str | None = None,
        source: str | None = None,
        retracted: str | bool | None = False,
    ) -> EventFilter:
        """Validate user input (CLI options, query parameters) into a filter."""
        return cls(
            country=_country(country),
            year=_year(year),
            type=_choice("type", type, TYPES),
            scope=_choice("scope", scope, SCOPES),
            source=_choice("source", source, SOURCES),
            retracted=_retracted(retracted),
        )

    def matches(self, ev: EventState) -> bool:
        f = ev.fields
        if self.retracted is not None and ev.retracted != self.retracted:
            return False
        if self.country and self.country not in (f.get("countries") or []):
            return False
        if self.year is not None and f.get("year") != self.year:
            return False
        if self.type and self.type not in (f.get("types") or [f.get("type")]):
            return False
        if self.scope and f.get("scope") != self.scope:
            return False
        return not (self.source and ev.source != self.source)


def _country(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    code = text.upper() if len(text) == 2 and is_alpha2(text) else to_alpha2(text)
    if code is None:
        raise InputError(
            f"{value!r} is not an ISO 3166 country", field="country", hint="use alpha-2, e.g. IN"
        )
    return code


def _year(value: str | int | None) -> int | None:
    """The count year, 1990..2100 (the shared date parser; no shutdown is counted before)."""
    return parse_year(value, "year", earliest=1990)


def _choice(name: str, value: str | None, choices: Sequence[str]) -> str | None:
    if value is None or not value.strip():
        return None
    key = value.strip().lower()
    if key not in choices:
        raise InputError(
            f"{value!r} is not a {name}", field=name, hint=f"choose one of: {', '.join(choices)}"
        )
    return key


def _retracted(value: str | bool | None) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    key = value.strip().lower()
    table = {"false": False, "no": False, "true": True, "only": True, "yes": True, "all": None}
    if key not in table:
        raise InputError(
            f"{value!r} is not a retracted choice",
            field="retracted",
            hint="false (default: the tracker), only, or all",
        )
    return table[key]


def select(state: StoreState, flt: EventFilter) -> list[EventState]:
    """Matching events, newest start first (then id, for a stable order)."""
    found = [ev for ev in state.events.values() if flt.matches(ev)]
    found.sort(key=lambda ev: ev.event_id)
    found.sort(key=lambda ev: str(ev.fields.get("start_date") or ""), reverse=True)
    return found


def events_of(records: Iterable[EventState], index: EventIndex) -> list[DistinctEvent]:
    """The distinct events of some records, each once, newest start first."""
    found: dict[str, DistinctEvent] = {}
    for ev in records:
        event = index.by_record.get(ev.event_id)
        if event is not None:
            found.setdefault(event.event_id, event)
    order = {e.event_id: i for i, e in enumerate(index.events)}
    return sorted(found.values(), key=lambda e: order[e.event_id])


STATUSES = ("ongoing", "ended", "unknown")


def check_status(status: str | None) -> str | None:
    if status is not None and status not in STATUSES:
        raise InputError(
            f"{status!r} is not a status", field="status", hint="ongoing, ended or unknown"
        )
    return status


def matching_events(
    state: StoreState, flt: EventFilter, clock: Clock, status: str | None = None
) -> list[DistinctEvent]:
    """Distinct events with a record that matches the filter (and, given, the status by the
    documented rule), newest start first."""
    check_status(status)
    index = event_index(state)
    events = events_of(select(state, flt), index)
    return [e for e in events if status is None or e.status(clock).status == status]


def distinct_event(state: StoreState, event_id: str) -> DistinctEvent:
    event = event_index(state).get(event_id)
    if event is None:
        raise NotFoundError(
            f"no distinct event {event_id!r}",
            hint="event ids look like ev-…; a record's event is its `distinct_event_id` "
            "(`nethealth shutdowns events` lists them)",
        )
    return event


def grouping_history(store: ShutdownStore, event: DistinctEvent) -> list[LogEntry]:
    """Curators' merges and splits of an event's records, oldest first."""
    ids = set(event.record_ids)
    return [e for e in store.history() if e.op in ("merge", "split") and e.event_id in ids]


def coverage_year(state: StoreState) -> int | None:
    """The last year the tracker counts any current record in: a year past it has no data yet,
    which a chart must not show as zero events."""
    years = [
        y
        for ev in state.events.values()
        if not ev.retracted and isinstance(y := ev.fields.get("year"), int)
    ]
    return max(years, default=None)


def flat(record: dict[str, Json]) -> dict[str, Json]:
    """Lists joined with "; " for CSV and tables; every column present."""
    out: dict[str, Json] = {}
    for col in COLUMNS:
        value = record.get(col)
        out[col] = "; ".join(str(v) for v in value) if isinstance(value, list) else value
    return out


def to_csv(records: Iterable[dict[str, Json]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for rec in records:
        row = flat(rec)
        # numbers stay numbers; text that could be a formula gets a ' (common.csv_cells)
        writer.writerow({k: "" if v is None else safe_cell(v) for k, v in row.items()})
    return buf.getvalue()


# Distinct events ------------------------------------------------------------------------------


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def event_summary(event: DistinctEvent, clock: Clock) -> dict[str, Json]:
    """A distinct event as the CLI and the API serve it: its records, its status by the
    documented rule (nethealth.shutdowns.events) and the latest record's description."""
    status = event.status(clock)
    latest = event.latest.fields
    period = event.period(clock)
    years = event.years
    return {
        "event_id": event.event_id,
        "countries": event.countries,
        "country_text": latest.get("country_text"),
        "start_date": _iso(event.start),
        "end_date": _iso(event.end),
        "status": status.status,
        "status_since": status.since,
        "status_text": status.text,
        "ongoing": status.status == "ongoing",
        "known_until": _iso(period[1]) if period else None,
        "first_year": years[0] if years else None,
        "last_year": years[-1] if years else None,
        "records": len(event.records),
        "record_ids": event.record_ids,
        "latest_record": event.latest.event_id,
        "type": latest.get("type"),
        "types": latest.get("types") or [],
        "scope": latest.get("scope"),
        "area_name": latest.get("area_name"),
        "networks": latest.get("networks") or [],
        "services": latest.get("services") or [],
        "sources": event.sources,
        "grouping": "curated" if event.curated_grouping else "rule",
        "grouping_version": GROUPING_VERSION,
        "simulated": event.simulated,
    }


def record_with_event(ev: EventState, index: EventIndex, clock: Clock) -> dict[str, Json]:
    """A record as served, with the distinct event it belongs to (none when retracted). Its own
    `status` is what its source wrote for its count year; `event_status` is the event's now."""
    event = index.by_record.get(ev.event_id)
    status = event.status(clock) if event else None
    return {
        **ev.as_record(),
        "record_id": ev.event_id,
        "distinct_event_id": event.event_id if event else None,
        "event_records": len(event.records) if event else None,
        "event_status": status.status if status else None,
        "event_status_since": status.since if status else None,
    }


# The last 12 months (the home map's layer) ------------------------------------------------------


@dataclass(frozen=True)
class LayerCount:
    count: int
    ongoing: int
    latest_start: date
    simulated: bool


def layer_window(today: date) -> tuple[date, date]:
    return today - timedelta(days=364), today  # 365 days, today included


def layer_events(state: StoreState, clock: Clock) -> list[DistinctEvent]:
    """Distinct events whose days overlap the window."""
    first, last = layer_window(clock.today)
    out = []
    for event in event_index(state).events:
        days = event.period(clock)
        if days is not None and days[0] <= last and days[1] >= first:
            out.append(event)
    return out


def layer_counts(state: StoreState, clock: Clock) -> dict[str, LayerCount]:
    """Per country: distinct events whose days overlap the window (an event that began before
    it and is still running counts), how many of them are ongoing, the latest start."""
    found: dict[str, list[DistinctEvent]] = {}
    for event in layer_events(state, clock):
        for cc in event.countries:
            found.setdefault(cc, []).append(event)
    out = {}
    for cc, evs in found.items():
        out[cc] = LayerCount(
            count=len(evs),
            ongoing=sum(1 for e in evs if e.is_ongoing(clock)),
            latest_start=max(e.start for e in evs if e.start is not None),
            simulated=any(e.simulated for e in evs),
        )
    return out


# Country names -----------------------------------------------------------------------------------


def country_names(lake: LakeReader) -> tuple[dict[str, str], bool]:
    """alpha-2 → name as the country pages write it, and whether those pages exist (a lake).
    Without a lake the tracker still works: names then come from ISO 3166 (pycountry)."""
    try:
        return {c.cc: c.name for c in lake.countries()}, True
    except LakeUnavailableError:
        return {str(c.alpha_2): str(c.name) for c in pycountry.countries}, False


# Costs (the lake's shutdown_costs) ---------------------------------------------------------------


@dataclass(frozen=True)
class CostRow:
    """One row of the lake's `shutdown_costs` (nethealth.shutdowns.lake.COST_SCHEMA)."""

    event_id: str  # the record
    cc: str
    year: int | None
    cost_low_usd: float
    cost_central_usd: float
    cost_high_usd: float
    days_low: float | None
    days_central: float | None
    days_high: float | None
    service_factor: float | None
    area_share: float | None
    users_affected: float | None
    gdp_usd: float | None
    gdp_year: int | None
    internet_share: float | None
    notes: str | None
    method_version: str
    simulated: bool
    scope_kind: str | None
    scoped: bool | None
    scope_basis: str | None
    internet_year: int | None
    population_year: int | None
    wdi_sources: list[str] | None
    wdi_gap_years: int | None
    wdi_far: bool | None


_COST_COLS = ", ".join(CostRow.__dataclass_fields__)
OLD_LAKE = (
    "the lake's shutdown_costs was built by an older cost model (without scopes and World Bank "
    "years): run `nethealth build`"
)


@dataclass(frozen=True)
class CostLookup:
    rows: list[CostRow]
    dataset_rows: int  # rows in the whole dataset: 0 means the model has not run with figures
    unavailable: str | None = None  # why the lake could not answer


def _query(lake: LakeReader, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
    return lake.query(sql, params)  # reopens after a rebuild; a missing view is a 503


def record_costs(lake: LakeReader, record_ids: Sequence[str]) -> CostLookup:
    """The cost rows of some records (a distinct event's, for its total: each record once)."""
    marks = ", ".join("?" for _ in record_ids) or "NULL"
    try:
        rows = _query(
            lake,
            f"SELECT {_COST_COLS} FROM shutdown_costs WHERE event_id IN ({marks}) "
            "ORDER BY year, event_id, cc",
            list(record_ids),
        )
        total = _query(lake, "SELECT count(*) FROM shutdown_costs", [])[0][0]
    except LakeUnavailableError as exc:
        return CostLookup([], 0, f"{exc.message}: {exc.hint}" if exc.hint else exc.message)
    except duckdb.BinderException:  # a column this model writes is missing: an older build
        return CostLookup([], 0, OLD_LAKE)
    return CostLookup([CostRow(*r) for r in rows], int(total))
