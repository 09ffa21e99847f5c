"""The build step that computes every registered indicator into `indicator_values`."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from nethealth.errors import BuildError
from nethealth.indicators.registry import all_indicators
from nethealth.lake.build import Step, StepContext

SCHEMA = pa.schema([
    ("indicator_id", pa.string()), ("country", pa.string()), ("date", pa.date32()),
    ("value", pa.float64()), ("simulated", pa.bool_()), ("method_version", pa.string()),
])  # fmt: skip
RESULT_COLUMNS = ("country", "date", "value", "simulated")


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


def build(ctx: StepContext) -> None:
    indicators = all_indicators()
    con = _connect(ctx, {d for i in indicators for d in i.datasets})
    parts = []
    for n, ind in enumerate(indicators):
        ctx.progress(f"indicator {ind.id}", n, len(indicators))
        result = ind.compute(con)
        if tuple(result.column_names) != RESULT_COLUMNS:
            raise BuildError(f"indicator {ind.id!r} returned columns {result.column_names}")
        k = result.num_rows
        parts.append(pa.table({
            "indicator_id": pa.array([ind.id] * k, pa.string()),
            "country": result["country"], "date": result["date"].cast(pa.date32()),
            "value": result["value"].cast(pa.float64()), "simulated": result["simulated"],
            "method_version": pa.array([ind.version] * k, pa.string()),
        }))  # fmt: skip
    con.close()
    table = pa.concat_tables(parts).cast(SCHEMA) if parts else SCHEMA.empty_table()
    ctx.write_dataset(
        "indicator_values",
        table.sort_by(
            [("indicator_id", "ascending"), ("country", "ascending"), ("date", "ascending")]
        ),
    )


def _fingerprint(_settings: object) -> str:
    return ";".join(f"{i.id}={i.version}" for i in all_indicators())


STEP = Step(
    id="indicators",
    version="1",
    description="Compute every registered indicator into indicator_values",
    run=build,
    outputs=("indicator_values",),
    depends=("countries", "ipdb", "rir", "peeringdb", "bgp", "routing", "routing_scorecards"),
    extra_fingerprint=_fingerprint,  # type: ignore[arg-type]
)
