"""Lake build steps: `shutdowns` (the tracker's current state, one row per event) and
`shutdown_costs` (the cost model, one row per event and country). The lead adds `STEPS` to the
build graph (nethealth.pipeline.steps)."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa

from nethealth.economics.cost_model import METHOD_VERSION, estimate
from nethealth.economics.worldbank import SOURCE_ID as WORLDBANK
from nethealth.economics.worldbank import panel_from_raw
from nethealth.lake.build import Step, StepContext
from nethealth.lake.storage import sha256_file
from nethealth.settings import Settings
from nethealth.shutdowns.model import FIELDS, Json
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
        ("event_id", pa.string()),
        ("source", pa.string()),
        ("cc", pa.string()),  # the first country, for joins and maps; `countries` has them all
        *[(f.name, _TYPES[f.kind]) for f in FIELDS],
        ("created_at", pa.timestamp("s", tz="UTC")),
        ("updated_at", pa.timestamp("s", tz="UTC")),
        ("simulated", pa.bool_()),
    ]
)
COST_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
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
    rows = []
    for ev in sorted(state.events.values(), key=lambda e: e.event_id):
        rec = ev.as_record()
        row: dict[str, object] = {f.name: _cell(f.kind, rec.get(f.name)) for f in FIELDS}
        countries = rec.get("countries") or []
        row.update(
            event_id=ev.event_id,
            source=ev.source,
            cc=countries[0] if countries else None,
            retracted=ev.retracted,
            created_at=_ts(ev.created_at),
            updated_at=_ts(ev.updated_at),
            simulated=ev.simulated,
        )
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def costs_table(settings: Settings, state: StoreState) -> pa.Table:
    panel = panel_from_raw(settings)
    as_of_text = state.as_of()
    as_of = date.fromisoformat(as_of_text) if as_of_text else None
    rows = []
    for ev in sorted(state.events.values(), key=lambda e: e.event_id):
        if ev.retracted or not len(panel):
            continue
        simulated = ev.simulated
        est = estimate(ev.as_record(), panel, as_of=as_of)
        for part in est.parts:
            days, service = est.days, est.service
            rows.append(
                {
                    "event_id": ev.event_id,
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
                }
            )
    return pa.Table.from_pylist(rows, schema=COST_SCHEMA)


def _log_fingerprint(settings: Settings) -> str:
    path = ShutdownStore.for_settings(settings).path
    return sha256_file(path) if path.is_file() else "no-log"


def build_events(ctx: StepContext) -> None:
    state = ShutdownStore.for_settings(ctx.settings).state()
    ctx.write_dataset("shutdowns", events_table(state))


def build_costs(ctx: StepContext) -> None:
    state = ShutdownStore.for_settings(ctx.settings).state()
    ctx.write_dataset("shutdown_costs", costs_table(ctx.settings, state))


STEP = Step(
    id="shutdowns",
    version="1",
    description="The shutdown tracker's current state (imports + curation) into shutdowns",
    run=build_events,
    outputs=("shutdowns",),
    extra_fingerprint=_log_fingerprint,
)
COST_STEP = Step(
    id="shutdown_costs",
    version=METHOD_VERSION,
    description="Economic cost estimates per shutdown event and country into shutdown_costs",
    run=build_costs,
    outputs=("shutdown_costs",),
    sources=(WORLDBANK,),
    depends=("shutdowns",),
)
STEPS = (STEP, COST_STEP)
