"""Small helpers shared by the source modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import pyarrow as pa

from nethealth.common.asof import AsOf, pick_item
from nethealth.errors import InputError
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.download import fetch_to_store, join_url


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


def parse_month(text: str, where: str = "month") -> date:
    """`YYYY-MM` → the first day of that month (monthly publishers date files on the 1st)."""
    try:
        return date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        raise InputError(f"{text!r} is not a month", field=where,
                         hint="give the month as YYYY-MM, e.g. 2024-05") from None  # fmt: skip


def fetch_monthly(
    settings: Settings,
    store: RawStore,
    *,
    source_id: str,
    licence: str,
    month: date,
    name: str,
    base_url: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> RawFile:
    """One month's file `base_url/name` into raw/<source_id>/<the 1st of the month>/."""
    return fetch_to_store(
        store, source_id=source_id, snapshot=month.replace(day=1).isoformat(), name=name,
        url=join_url(base_url, name), licence=licence, settings=settings, progress=progress,
    )  # fmt: skip


def file_in_force(
    source: str, files: Sequence[RawFile], day: date, *, what: str | None = None
) -> tuple[RawFile | None, AsOf]:
    """The stored file of `source` in force on `day` under the as-of rule
    (`nethealth.common.asof`: latest snapshot on or before `day` within the source's tolerance;
    several files of that snapshot: the last by name), or None with the reason."""
    dated = [(date.fromisoformat(f.provenance.snapshot), f.provenance.name, f) for f in files]
    return pick_item(source, day, dated, what=what)
