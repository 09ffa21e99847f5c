"""The build step that computes every registered indicator into `indicator_values`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.common.status import STATUSES, Status
from nethealth.errors import BuildError
from nethealth.indicators.registry import Indicator
from nethealth.lake.build import Step, StepContext

SCHEMA = pa.schema([
    ("indicator_id", pa.string()), ("country", pa.string()), ("date", pa.date32()),
    ("value", pa.float64()), ("simulated", pa.bool_()), ("method_version", pa.string()),
    ("status", pa.string()), ("reason", pa.string()),
])  # fmt: skip
RESULT_COLUMNS = ("country", "date", "value", "simulated", "status", "reason")


def _connect(ctx: StepContext, datasets: set[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in sorted(datasets):
        path = ctx.dataset_path(name)
        if not path.is_file():
            raise BuildError(f"dataset {name!r} is missing", hint="run `nethealth build` fully")
        # Views cannot take bound parameters; the name and path are our own and quoted.
        literal = "'" + str(path).replace("'", "''") + "'"
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({literal})')
    return con


def checked(indicator_id: str, result: pa.Table) -> tuple[pa.Array, pa.Array]:
    """(value, status) of a compute's result, held to the status rules: a known status, a
    number exactly when the status carries one, and 0 stated as `zero measured`."""
    values = result["value"].cast(pa.float64()).to_pylist()
    statuses = result["status"].cast(pa.string()).to_pylist()
    out_v: list[float | None] = []
    out_s: list[str] = []
    for n, (v, st) in enumerate(zip(values, statuses, strict=True)):
        if st not in STATUSES:
            raise BuildError(
                f"indicator {indicator_id!r} row {n}: unknown status {st!r}",
                hint=f"use one of {', '.join(STATUSES)} (nethealth.common.status)",
            )
        if st in (Status.MEASURED, Status.ZERO_MEASURED):
            if v is None or math.isnan(v):
                st, v = Status.NOT_MEASURED.value, None
            else:
                st = (Status.ZERO_MEASURED if v == 0 else Status.MEASURED).value
        else:
            v = None  # no number without a measurement, whatever the compute left there
        out_v.append(v)
        out_s.append(st)
    return pa.array(out_v, pa.float64()), pa.array(out_s, pa.string())


def compute_all(ctx: StepContext, indicators: Sequence[Indicator]) -> None:
    """Every indicator's values into `indicator_values`, checked (columns, statuses)."""
    con = _connect(ctx, {d for i in indicators for d in i.datasets})
    parts = []
    for n, ind in enumerate(indicators):
        ctx.progress(f"indicator {ind.id}", n, len(indicators))
        result = ind.compute(con)
        if tuple(result.column_names) != RESULT_COLUMNS:
            raise BuildError(f"indicator {ind.id!r} returned columns {result.column_names}")
        value, status = checked(ind.id, result)
        k = result.num_rows
        parts.append(pa.table({
            "indicator_id": pa.array([ind.id] * k, pa.string()),
            "country": result["country"], "date": result["date"].cast(pa.date32()),
            "value": value, "simulated": result["simulated"],
            "method_version": pa.array([ind.version] * k, pa.string()),
            "status": status, "reason": pc.fill_null(result["reason"].cast(pa.string()), ""),
        }))  # fmt: skip
    ctx.progress("indicators", len(indicators), len(indicators))
    con.close()
    table = pa.concat_tables(parts).cast(SCHEMA) if parts else SCHEMA.empty_table()
    ctx.write_dataset(
        "indicator_values",
        table.sort_by(
            [("indicator_id", "ascending"), ("country", "ascending"), ("date", "ascending")]
        ),
    )


def indicators_step(indicators: Sequence[Indicator], depends: Sequence[str]) -> Step:
    """The step computing `indicators` (every area's, in `nethealth.areas`); it depends on the
    steps that write the datasets they read, and reruns when a method version changes."""
    listed = tuple(indicators)
    versions = ";".join(f"{i.id}={i.version}" for i in listed)
    return Step(
        id="indicators",
        version="2",
        description="Compute every indicator the areas declare into indicator_values",
        run=lambda ctx: compute_all(ctx, listed),
        outputs=("indicator_values",),
        depends=tuple(depends),
        extra_fingerprint=lambda _settings: versions,
    )
