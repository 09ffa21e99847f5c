"""Small helpers shared by the source modules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa

from nethealth.errors import InputError
from nethealth.lake.raw import RawFile


def today_utc() -> str:
    return datetime.now(UTC).date().isoformat()


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a date", hint="use YYYY-MM-DD") from None


def with_snapshot(table: pa.Table, raw: RawFile) -> pa.Table:
    """Prefix a parsed table with the snapshot date and the simulated flag of its raw file."""
    n = table.num_rows
    snap = pa.array([date.fromisoformat(raw.provenance.snapshot)] * n, pa.date32())
    sim = pa.array([raw.provenance.simulated] * n, pa.bool_())
    return table.add_column(0, "snapshot", snap).append_column("simulated", sim)


def concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    if not tables:
        return schema.empty_table()
    return pa.concat_tables([t.cast(schema) for t in tables])
