"""What the build steps of nethealth.shutdowns.step write: the datasets `shutdowns` (the tracker's
records, one row per record), `shutdown_events` (the distinct events they group into) and
`shutdown_costs` (the cost model, one row per record and country: a record's cost covers its
count year only, so an event's cost is the sum of its records' rows, each counted once)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa

from nethealth.common.json_types import Json
from nethealth.economics.cost_model import METHOD_VERSION, estimate
from nethealth.economics.worldbank import panel_from_raw
from nethealth.lake.build import StepContext
from nethealth.lake.storage import sha256_file
from nethealth.settings import Settings
from nethealth.shutdowns.costs import record_contexts
from nethealth.shutdowns.events import Clock, event_index
from nethealth.shutdowns.model import FIELDS
from nethealth.shutdowns.query import event_summary
from nethealth.shutdowns.store import ShutdownStore, StoreState

_TYPES = {
    "text": pa.string(),
    "date": pa.date32(),
    "int": pa.int32(),
    "bool": pa.bool_(),
    "enum": pa.string(),
    "enum-list": pa.list_(pa.string()),
    "text-list": pa.list_(pa.string()),
    "url-list": pa.list_(pa.string()),
    "cc-list": pa.list_(pa.string()),
}
SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),  # the record's id (its historical name)
        ("distinct_event_id", pa.string()),  # the event it belongs to (null when retracted)
        ("source", pa.string()),
        ("cc", pa.string()),  # the first country, for joins and maps; `countries` has them all
        *[(f.name, _TYPES[f.kind]) for f in FIELDS],
        ("created_at", pa.timestamp("s", tz="UTC")),
        ("updated_at", pa.timestamp("s", tz="UTC")),
        ("simulated", pa.bool_()),
    ]
)
# One row per distinct event (nethealth.shutdowns.events), its status as of the build day.
EVENTS_SCHEMA = pa.schema(
    [
        ("distinct_event_id", pa.string()),
        ("countries", pa.list_(pa.string())),
        ("cc", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("status", pa.string()),
        ("status_since", pa.int32()),
        ("status_as_of", pa.date32()),
        ("known_until", pa.date32()),
        ("first_year", pa.int32()),
        ("last_year", pa.int32()),
        ("records", pa.int32()),
        ("record_ids", pa.list_(pa.string())),
        ("latest_record", pa.string()),
        ("type", pa.string()),
        ("scope", pa.string()),
        ("area_name", pa.string()),
        ("grouping", pa.string()),
        ("grouping_version", pa.string()),
        ("simulated", pa.bool_()),
    ]
)
COST_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),  # the record
        ("distinct_event_id", pa.string()),  # its event: an event costs the sum of its rows
        ("cc", pa.string()),
        ("year", pa.int32()),
        ("cost_low_usd", pa.float64()),
        ("cost_central_usd", pa.float64()),
        ("cost_high_usd", pa.float64()),
        ("days_low", pa.float64()),
        ("days_central", pa.float64()),
        ("days_high", pa.float64()),
        ("service_factor", pa.float64()),
        ("area_share", pa.float64()),
        ("users_affected", pa.float64()),
        ("gdp_usd", pa.float64()),
        ("gdp_year", pa.int32()),
        ("internet_share", pa.float64()),
        ("notes", pa.string()),
        ("method_version", pa.string()),
        ("simulated", pa.bool_()),
        ("scope_kind", pa.string()),  # what was cut (nethealth.economics.scope)
        ("scoped", pa.bool_()),  # false: the record does not say; the range is wide
        ("scope_basis", pa.string()),
        ("internet_year", pa.int32()),
        ("population_year", pa.int32()),
        ("wdi_sources", pa.list_(pa.string())),  # every World Bank figure, "INDICATOR YEAR"
        ("wdi_gap_years", pa.int32()),  # the farthest figure from the count year
        ("wdi_far", pa.bool_()),  # a figure more than 2 years from the count year
    ]
)


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _cell(kind: str, value: Json) -> object:
    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(str(value))
    return value


def events_table(state: StoreState) -> pa.Table:
    """One row per record (retracted ones included), with its distinct event."""
    index = event_index(state)
    rows = []
    for ev in sorted(state.events.values(), key=lambda e: e.event_id):
        rec = ev.as_record()
        row: dict[str, object] = {f.name: _cell(f.kind, rec.get(f.name)) for f in FIELDS}
        countries = rec.get("countries") or []
        event = index.by_record.get(ev.event_id)
        row.update(
            event_id=ev.event_id,
            distinct_event_id=event.event_id if event else None,
            source=ev.source,
            cc=countries[0] if countries else None,
            retracted=ev.retracted,
            created_at=_ts(ev.created_at),
            updated_at=_ts(ev.updated_at),
            simulated=ev.simulated,
        )
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def distinct_events_table(state: StoreState, today: date) -> pa.Table:
    """One row per distinct event, with its status as of `today` (the build day)."""
    clock = Clock.of(state, today)
    rows = []
    for event in sorted(event_index(state).events, key=lambda e: e.event_id):
        summary = event_summary(event, clock)
        rows.append(
            {
                **{k: summary[k] for k in EVENTS_SCHEMA.names if k in summary},
                "distinct_event_id": event.event_id,
                "cc": event.countries[0] if event.countries else None,
                "start_date": event.start,
                "end_date": event.end,
                "status_as_of": today,
                "known_until": _cell("date", summary["known_until"]),
            }
        )
    return pa.Table.from_pylist(rows, schema=EVENTS_SCHEMA)


def costs_table(settings: Settings, state: StoreState) -> pa.Table:
    panel = panel_from_raw(settings)
    as_of_text = state.as_of()
    as_of = date.fromisoformat(as_of_text) if as_of_text else None
    # Statuses as of the newest sheet, so a rebuild on another day gives the same figures.
    clock = Clock(today=as_of or datetime.now(UTC).date(), snapshot=as_of)
    contexts = record_contexts(event_index(state), clock)
    rows = []
    for ev in sorted(state.events.values(), key=lambda e: e.event_id):
        if ev.retracted or not len(panel):
            continue
        simulated = ev.simulated
        est = estimate(ev.as_record(), panel, as_of=as_of, context=contexts.get(ev.event_id))
        for part in est.parts:
            days, service = est.days, est.service
            rows.append(
                {
                    "event_id": ev.event_id,
                    "distinct_event_id": est.distinct_event_id,
                    "cc": part.cc,
                    "year": est.year,
                    "cost_low_usd": part.cost.low,
                    "cost_central_usd": part.cost.central,
                    "cost_high_usd": part.cost.high,
                    "days_low": days.low if days else None,
                    "days_central": days.central if days else None,
                    "days_high": days.high if days else None,
                    "service_factor": service.central if service else None,
                    "area_share": part.area_share.central,
                    "users_affected": part.users_affected,
                    "gdp_usd": part.gdp_usd,
                    "gdp_year": part.gdp_year,
                    "internet_share": part.internet_share,
                    "notes": "; ".join(est.notes) or None,
                    "method_version": METHOD_VERSION,
                    "simulated": simulated,
                    "scope_kind": est.scope.kind if est.scope else None,
                    "scoped": est.scoped,
                    "scope_basis": est.scope.basis if est.scope else None,
                    "internet_year": part.internet_year,
                    "population_year": part.population_year,
                    "wdi_sources": list(part.wdi_sources),
                    "wdi_gap_years": part.wdi_gap,
                    "wdi_far": part.wdi_far,
                }
            )
    return pa.Table.from_pylist(rows, schema=COST_SCHEMA)


def log_fingerprint(settings: Settings) -> str:
    path = ShutdownStore.for_settings(settings).path
    return sha256_file(path) if path.is_file() else "no-log"


def build_events(ctx: StepContext) -> None:
    state = ShutdownStore.for_settings(ctx.settings).state()
    ctx.write_dataset("shutdowns", events_table(state))
    ctx.write_dataset("shutdown_events", distinct_events_table(state, datetime.now(UTC).date()))


def build_costs(ctx: StepContext) -> None:
    state = ShutdownStore.for_settings(ctx.settings).state()
    ctx.write_dataset("shutdown_costs", costs_table(ctx.settings, state))
