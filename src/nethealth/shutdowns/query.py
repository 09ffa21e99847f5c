"""Select records from the store's current state, write them as CSV or JSON rows, and describe
the distinct events they group into."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from nethealth.common.csv_cells import safe_cell
from nethealth.common.dates import parse_year
from nethealth.errors import InputError
from nethealth.shutdowns.countries import is_alpha2, to_alpha2
from nethealth.shutdowns.events import GROUPING_VERSION, Clock, DistinctEvent, EventIndex
from nethealth.shutdowns.model import FIELDS, SCOPES, SOURCES, TYPES, Json
from nethealth.shutdowns.store import EventState, StoreState

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
