"""Economic cost per detected outage event, by the shutdown tracker's cost model
(`nethealth.economics.cost_model`, docs/methodology/cost-model.md).

Two bases, recorded in `cost_basis`:
- `curated`: the event is linked to curated shutdown records that have estimates in the lake's
  `shutdown_costs`; those are summed (the curated record knows networks, services and area,
  which a detection does not).
- `detected`: otherwise, when the event has a country and the World Bank figures exist: the
  model with the detected duration (exact to the 5-minute bin, not whole days), a full loss of
  access (service factor 1) and the area share of the event's scope — country → national,
  region → the model's regional default, ASN → its local default (there are no per-network
  user counts).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from nethealth.economics.cost_model import (
    METHOD_VERSION,
    CostParameters,
    Range,
    country_part,  # the model's per-country formula, reused rather than restated
)
from nethealth.economics.wdi import WdiPanel

SCOPE_AS = {"country": "national", "region": "regional", "asn": "local"}
COST_COLUMNS = (
    "cost_low_usd",
    "cost_central_usd",
    "cost_high_usd",
    "cost_method_version",
    "cost_basis",
    "cost_inputs",
)


@dataclass(frozen=True)
class EventCost:
    cost: Range
    basis: str
    inputs: dict[str, Any]
    method_version: str = METHOD_VERSION


def detected_cost(
    event: Mapping[str, Any], panel: WdiPanel, params: CostParameters | None = None
) -> EventCost | None:
    """The model for one `outage_events` row (None without a country or figures)."""
    cc = event.get("country")
    if not cc or not len(panel):
        return None
    p = params or CostParameters()
    start = _utc(event["start"])
    days = Range.point(float(event["duration_seconds"]) / 86400.0)
    scope = SCOPE_AS.get(str(event.get("scope")), "local")
    record: dict[str, Any] = {"scope": scope, "area_name": event.get("region")}
    notes: list[str] = []
    service = Range.point(1.0)
    part = country_part(record, str(cc), start.year, panel, p, days, service, notes)
    if part is None:
        return None
    if event.get("status") == "ongoing":
        notes.append("ongoing: counted until the end of the data")
    inputs = {
        "country": part.cc,
        "year": start.year,
        "days": days.central,
        "scope_as": scope,
        "area_share": [part.area_share.low, part.area_share.central, part.area_share.high],
        "service_factor": 1.0,
        "gdp_usd": part.gdp_usd,
        "gdp_year": part.gdp_year,
        "internet_share": part.internet_share,
        "internet_year": part.internet_year,
        "population": part.population,
        "users_affected": part.users_affected,
        "internet_intensity": [
            p.internet_intensity.low,
            p.internet_intensity.central,
            p.internet_intensity.high,
        ],
        "notes": notes,
    }
    return EventCost(part.cost, "detected", inputs)


def curated_cost(shutdown_ids: list[str], costs: pa.Table | None) -> EventCost | None:
    """The sum of the linked curated records' estimates in `shutdown_costs`."""
    if costs is None or not shutdown_ids or costs.num_rows == 0:
        return None
    rows = [r for r in costs.to_pylist() if r["event_id"] in set(shutdown_ids)]
    if not rows:
        return None
    total = Range(0.0, 0.0, 0.0)
    for r in rows:
        total = total + Range(r["cost_low_usd"], r["cost_central_usd"], r["cost_high_usd"])
    keep = ("event_id", "cc", "year", "days_central", "service_factor", "area_share")
    inputs = {"shutdowns": [{k: r.get(k) for k in keep} for r in rows]}
    versions = sorted({str(r["method_version"]) for r in rows})
    return EventCost(total, "curated", inputs, ",".join(versions))


def with_costs(events: pa.Table, panel: WdiPanel, shutdown_costs: pa.Table | None) -> pa.Table:
    """`events` with its cost columns filled (curated estimate first, else the detected one)."""
    rows = events.to_pylist()
    for row in rows:
        est = curated_cost(list(row.get("shutdown_ids") or []), shutdown_costs)
        est = est or detected_cost(row, panel)
        row.update(dict.fromkeys(COST_COLUMNS))
        if est is not None:
            row.update(
                cost_low_usd=est.cost.low,
                cost_central_usd=est.cost.central,
                cost_high_usd=est.cost.high,
                cost_method_version=est.method_version,
                cost_basis=est.basis,
                cost_inputs=json.dumps(est.inputs, sort_keys=True),
            )
    return pa.Table.from_pylist(rows, schema=events.schema)


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def api_cost(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The API's `cost` object of one event row (None when no estimate exists)."""
    if row.get("cost_central_usd") is None:
        return None
    inputs = row.get("cost_inputs")
    return {
        "low_usd": row["cost_low_usd"],
        "central_usd": row["cost_central_usd"],
        "high_usd": row["cost_high_usd"],
        "model_version": row.get("cost_method_version"),
        "basis": row.get("cost_basis"),
        "inputs": json.loads(inputs) if isinstance(inputs, str) else inputs,
    }
