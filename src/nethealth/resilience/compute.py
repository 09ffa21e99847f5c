"""The `resilience` build step: inputs → reference dates → capping and min–max across countries
→ weighted means up the tree → coverage → Monte Carlo rank intervals, for each index date.

Index dates: the latest date any input has a value (not after the build day), and the eleven
month ends before it where at least one country has an index, so each country has a history of
up to twelve points.

Datasets written (docs/methodology/resilience.md):
- `resilience_inputs`: per index date, country and input — reference date, value, capped value,
  score 0–100, effective weight, status and reason, source link;
- `resilience_bounds`: per index date and input — reference date, quartiles, fences, min, max,
  countries, and whether the input entered the index (or why not);
- `resilience_scores`: per index date, country and node (index, pillar, dimension) — score,
  coverage, status, reason, and for the index the rank and its interval.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa

from nethealth.common.status import Status
from nethealth.lake.build import Step, StepContext
from nethealth.resilience.config import CONFIG, Config, Kind, check
from nethealth.resilience.inputs import (
    DATASETS,
    READERS,
    Lake,
    Obs,
    Pick,
    at,
    countries,
    latest_date,
    shutdown_counts,
    wdi_observations,
)
from nethealth.resilience.method import Tree, aggregate, normalise, rank_intervals

HISTORY = 12  # index dates: the latest and the month ends before it

INPUTS_SCHEMA = pa.schema([
    ("date", pa.date32()), ("cc", pa.string()), ("input_id", pa.string()),
    ("reference_date", pa.date32()), ("value", pa.float64()), ("capped", pa.float64()),
    ("score", pa.float64()), ("weight", pa.float64()), ("status", pa.string()),
    ("reason", pa.string()), ("simulated", pa.bool_()), ("config_version", pa.string()),
])  # fmt: skip
BOUNDS_SCHEMA = pa.schema([
    ("date", pa.date32()), ("input_id", pa.string()), ("reference_date", pa.date32()),
    ("used", pa.bool_()), ("reason", pa.string()), ("q1", pa.float64()), ("q3", pa.float64()),
    ("low", pa.float64()), ("high", pa.float64()), ("min", pa.float64()),
    ("max", pa.float64()), ("countries", pa.int32()), ("config_version", pa.string()),
])  # fmt: skip
SCORES_SCHEMA = pa.schema([
    ("date", pa.date32()), ("cc", pa.string()), ("level", pa.string()), ("node", pa.string()),
    ("score", pa.float64()), ("coverage", pa.float64()), ("status", pa.string()),
    ("reason", pa.string()), ("rank", pa.int32()), ("rank_low", pa.int32()),
    ("rank_high", pa.int32()), ("ranked", pa.int32()), ("simulated", pa.bool_()),
    ("config_version", pa.string()),
])  # fmt: skip


def index_dates(latest: date, n: int = HISTORY) -> list[date]:
    """`latest` and the n − 1 month ends before it, oldest first."""
    out = [latest]
    y, m = latest.year, latest.month
    while len(out) < n:
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        out.append(date(y, m, calendar.monthrange(y, m)[1]))
    return sorted(out)


@dataclass
class Tables:
    inputs: list[dict[str, object]] = field(default_factory=list)
    bounds: list[dict[str, object]] = field(default_factory=list)
    scores: list[dict[str, object]] = field(default_factory=list)


def _f(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def compute_date(
    day: date, obs: dict[str, list[Obs]], ccs: Sequence[str], config: Config, out: Tables
) -> None:
    """One index date: every row of the three datasets for `day`."""
    rows = config.inputs()
    tree = Tree.of(config)
    eff = tree.effective()
    matrix = np.full((len(ccs), len(rows)), np.nan)
    picks: list[dict[str, Pick]] = []
    v = config.version
    for k, (_p, _d, inp) in enumerate(rows):
        pick = at(obs[inp.id], inp, day, ccs)
        picks.append(pick)
        values = {cc: p.value for cc, p in pick.items() if p.value is not None}
        ref = next((p.reference for p in pick.values() if p.reference), None)
        bound: dict[str, object] = {"date": day, "input_id": inp.id, "reference_date": ref,
                                    "config_version": v, "countries": len(values)}  # fmt: skip
        result = (
            normalise(values, inp.direction, inp.capping)
            if len(values) >= config.min_countries
            else None
        )
        if result is None:
            bound["used"] = False
            bound["reason"] = (
                f"{len(values)} countries measured, fewer than {config.min_countries}"
                if len(values) < config.min_countries
                else "every capped value is equal"
            )
            out.bounds.append(bound)
            capped: dict[str, float] = {}
            scores: dict[str, float] = {}
        else:
            b, capped, scores = result
            bound.update(used=True, reason="", q1=b.q1, q3=b.q3, low=b.low, high=b.high,
                         min=b.min, max=b.max)  # fmt: skip
            out.bounds.append(bound)
        for i, cc in enumerate(ccs):
            p = pick[cc]
            status, reason = p.status, p.reason
            if cc in scores:
                matrix[i, k] = scores[cc]
            elif p.value is not None:  # measured, but the input was left out at this date
                reason = f"{reason}; left out of the index: {bound['reason']}"
            out.inputs.append({
                "date": day, "cc": cc, "input_id": inp.id, "reference_date": p.reference,
                "value": p.value, "capped": capped.get(cc), "score": scores.get(cc),
                "weight": float(eff[k]), "status": status, "reason": reason,
                "simulated": p.simulated, "config_version": v,
            })  # fmt: skip
    agg = aggregate(matrix, tree, config.min_coverage)
    intervals = rank_intervals(matrix, tree, config)
    ranked = sum(1 for r in intervals if r is not None)
    dims = [d for p in config.pillars for d in p.dimensions]
    for i, cc in enumerate(ccs):
        sim = any(picks[k][cc].simulated for k in range(len(rows)) if not np.isnan(matrix[i, k]))
        cov = float(agg.coverage[i])
        r = intervals[i]
        idx = _f(agg.index[i])
        if idx is None:
            why = (f"coverage {cov:.0%} is below {config.min_coverage:.0%}"
                   if cov < config.min_coverage else "a required input is not measured")  # fmt: skip
            status = Status.NOT_MEASURED.value
        else:
            why, status = f"coverage {cov:.0%}", Status.MEASURED.value
        out.scores.append({
            "date": day, "cc": cc, "level": "index", "node": "index", "score": idx,
            "coverage": cov, "status": status, "reason": why,
            "rank": r.rank if r else None, "rank_low": r.low if r else None,
            "rank_high": r.high if r else None, "ranked": ranked, "simulated": sim,
            "config_version": v,
        })  # fmt: skip
        for level, names, vals in (("pillar", [p.id for p in config.pillars], agg.pillars[i]),
                                   ("dimension", [d.id for d in dims], agg.dims[i])):  # fmt: skip
            for node, val in zip(names, vals, strict=True):
                s = _f(val)
                out.scores.append({
                    "date": day, "cc": cc, "level": level, "node": node, "score": s,
                    "coverage": None,
                    "status": Status.MEASURED.value if s is not None else Status.NOT_MEASURED.value,
                    "reason": "" if s is not None else "no input of it measured",
                    "rank": None, "rank_low": None, "rank_high": None, "ranked": None,
                    "simulated": sim, "config_version": v,
                })  # fmt: skip


def _drop_empty_latest(tables: Tables, days: list[date], ctx: StepContext) -> None:
    def has_index(day: date) -> bool:
        return any(r["score"] is not None for r in tables.scores
                   if r["date"] == day and r["level"] == "index")  # fmt: skip

    latest = days[-1]
    if has_index(latest) or not any(has_index(d) for d in days[:-1]):
        return
    for name in ("inputs", "bounds", "scores"):
        setattr(tables, name, [r for r in getattr(tables, name) if r["date"] != latest])
    ctx.note(f"no country has an index on {latest}, the newest input date; the index ends at "
             "the last month end with one", level="warning")  # fmt: skip


def _table(rows: list[dict[str, object]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()


def compute(ctx: StepContext, config: Config = CONFIG) -> None:
    check(config)
    lake = Lake({name: ctx.dataset_path(name) for name in DATASETS})
    try:
        ccs = countries(lake)
        wdi_files = ctx.raw_files("worldbank")
        obs: dict[str, list[Obs]] = {}
        shutdown_inputs = []
        for n, (_p, _d, inp) in enumerate(config.inputs()):
            ctx.progress(f"resilience input {inp.id}", n, len(config.inputs()))
            if inp.kind is Kind.WDI:
                obs[inp.id] = wdi_observations(wdi_files, inp.ref)
            elif inp.kind is Kind.SHUTDOWNS:
                shutdown_inputs.append(inp)
                obs[inp.id] = []
            else:
                obs[inp.id] = READERS[inp.kind](lake, inp)
        today = datetime.now(UTC).date()
        latest = [d for d in (latest_date(o) for o in obs.values()) if d and d <= today]
        tables = Tables()
        if not latest:
            ctx.note("no input of the resilience index has a value: nothing computed",
                     level="warning")  # fmt: skip
        else:
            days = index_dates(max(latest))
            for n, day in enumerate(days):
                ctx.progress(f"resilience {day}", n, len(days))
                for inp in shutdown_inputs:
                    obs[inp.id] = shutdown_counts(lake, day)
                one = Tables()
                compute_date(day, obs, ccs, config, one)
                # a past month end where no country has an index adds nothing to a history
                if day == days[-1] or any(
                    r["score"] is not None for r in one.scores if r["level"] == "index"
                ):
                    tables.inputs += one.inputs
                    tables.bounds += one.bounds
                    tables.scores += one.scores
            # a latest date at which no country has an index (its newest input alone is that
            # recent) would show an empty index by default: the last date with one is latest
            _drop_empty_latest(tables, days, ctx)
            days = [d for d in days if any(r["date"] == d for r in tables.scores)]
            scored = sum(1 for r in tables.scores
                         if r["level"] == "index" and r["date"] == days[-1] and r["score"] is not None)  # fmt: skip
            out = [f"{b['input_id']} ({b['reason']})" for b in tables.bounds
                   if b["date"] == days[-1] and not b["used"]]  # fmt: skip
            if out:
                ctx.note(f"inputs left out of the index on {days[-1]}: {'; '.join(out)}")
            ctx.note(f"index dates {days[0]} to {days[-1]}; {scored} countries scored on "
                     f"{days[-1]} (config {config.version})")  # fmt: skip
    finally:
        lake.close()
    ctx.write_dataset("resilience_inputs", _table(tables.inputs, INPUTS_SCHEMA))
    ctx.write_dataset("resilience_bounds", _table(tables.bounds, BOUNDS_SCHEMA))
    ctx.write_dataset("resilience_scores", _table(tables.scores, SCORES_SCHEMA))


STEP = Step(
    id="resilience",
    version=f"1+config{CONFIG.version}",
    description="Compute the resilience index (pillars, coverage, rank intervals)",
    run=compute,
    outputs=("resilience_inputs", "resilience_bounds", "resilience_scores"),
    sources=("worldbank",),
    depends=(
        "indicators",
        "countries",
        "apnic_ipv6",
        "ookla_country",
        "peeringdb",
        "bgp_hegemony",
        "shutdowns",
    ),
)
