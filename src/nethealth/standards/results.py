"""The build step `scan_results`: the scan store's batches (`standards.scanlist`) into the lake
dataset `scan_results`, one row per list × country × target × check × scan day (the latest
result of the day when a target was scanned twice that day).

Columns: those of `scanlist.RESULT_SCHEMA` plus scan_date (the UTC day of scanned_at). The
step reruns when a batch appears or disappears (its fingerprint is the batches' names and sizes).
"""

from __future__ import annotations

import hashlib
import os

import duckdb
import pyarrow as pa

from nethealth.lake.build import Step, StepContext
from nethealth.settings import Settings
from nethealth.standards.scanlist import RESULT_SCHEMA, store_root

DATASET = "scan_results"
SCHEMA = pa.schema([*RESULT_SCHEMA, ("scan_date", pa.date32())])
_LATEST_OF_DAY = """
SELECT *, (scanned_at AT TIME ZONE 'UTC')::DATE AS scan_date FROM read_parquet(?)
QUALIFY row_number() OVER (
  PARTITION BY list_id, list_date, country, target, check_id,
               (scanned_at AT TIME ZONE 'UTC')::DATE
  ORDER BY scanned_at DESC, check_version DESC) = 1
ORDER BY list_id, country, scan_date, rank NULLS LAST, target, check_id
"""


def batches(settings: Settings) -> list[str]:
    root = store_root(settings)
    return sorted(str(p) for p in root.glob("*/*/*/batch-*.parquet")) if root.is_dir() else []


def _fingerprint(settings: Settings) -> str:
    h = hashlib.sha256()
    root = store_root(settings)
    for path in batches(settings):
        rel = path[len(str(root)) :]
        h.update(f"{rel}:{os.path.getsize(path)}\n".encode())
    return h.hexdigest()


def build(ctx: StepContext) -> None:
    files = batches(ctx.settings)
    ctx.progress("scan_results", 0, 1)
    if not files:
        ctx.write_dataset(DATASET, SCHEMA.empty_table())  # no scans yet: no adoption values
        return
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        table = con.sql(_LATEST_OF_DAY, params=[files]).to_arrow_table()
    finally:
        con.close()
    ctx.write_dataset(DATASET, table.select(SCHEMA.names).cast(SCHEMA))
    ctx.progress("scan_results", 1, 1)
    ctx.note(f"{table.num_rows:,} results from {len(files):,} batches")


STEP = Step(
    id="scan_results",
    version="1",
    description="Gather the scan store's batches (nethealth scan-list) into scan_results",
    run=build,
    outputs=(DATASET,),
    extra_fingerprint=_fingerprint,
)
