"""The lake dataset `target_lists`: every loaded target list, one row per target.

Columns: list_id (the source: `tranco`, `crux-country`, `country-toplist`, `cctld-domains`,
`ntp-pool`), country (null for Tranco's global list), date (the list's snapshot), rank (null in
host lists), bucketed (true when rank is a CrUX magnitude bucket — the target is among the top
`rank` — rather than a position), target (a host name, or an address in NTP pool lists),
simulated.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from nethealth.formats.tranco import parse_toplist
from nethealth.lake.build import Step, StepContext
from nethealth.sources import tranco
from nethealth.sources.common import concat
from nethealth.sources.load import decompressed
from nethealth.standards.source import CRUX, PARSERS, country_of_name

DATASET = "target_lists"
LIST_IDS = (tranco.SOURCE_ID, *PARSERS)
SCHEMA = pa.schema([
    ("list_id", pa.string()), ("country", pa.string()), ("date", pa.date32()),
    ("rank", pa.int32()), ("bucketed", pa.bool_()), ("target", pa.string()),
    ("simulated", pa.bool_()),
])  # fmt: skip


def _stamped(
    table: pa.Table, list_id: str, country: str | None, day: str, simulated: bool
) -> pa.Table:
    n = table.num_rows
    return pa.table({
        "list_id": pa.array([list_id] * n, pa.string()),
        "country": pa.array([country] * n, pa.string()),
        "date": pa.array([date.fromisoformat(day)] * n, pa.date32()),
        "rank": table["rank"].cast(pa.int32()),
        "bucketed": pa.array([list_id == CRUX] * n, pa.bool_()),
        "target": table.column(1).cast(pa.string()),
        "simulated": pa.array([simulated] * n, pa.bool_()),
    })  # fmt: skip


def build(ctx: StepContext) -> None:
    tables = []
    files = [(s, f) for s in LIST_IDS for f in ctx.raw_files(s)]
    for i, (source_id, raw) in enumerate(files):
        p = raw.provenance
        ctx.progress(f"target_lists {source_id} {p.snapshot} {p.name}", i, len(files))
        if source_id == tranco.SOURCE_ID:
            parsed, country = parse_toplist(decompressed(raw.path), raw.path), None
        else:
            country = country_of_name(p.name)
            if country is None:
                ctx.note(f"{source_id}/{p.snapshot}/{p.name}: the name is not a country code; "
                         "left out", level="warning")  # fmt: skip
                continue
            parsed = PARSERS[source_id][0](decompressed(raw.path), raw.path)
        tables.append(_stamped(parsed, source_id, country, p.snapshot, p.simulated))
    ctx.progress("target_lists", len(files), len(files))
    ctx.write_dataset(DATASET, concat(tables, SCHEMA))


STEP = Step(
    id="target_lists",
    version="1",
    description="Every loaded target list (Tranco, CrUX per country, country top lists, ccTLD "
    "domains, NTP pool zones) into target_lists",
    run=build,
    outputs=(DATASET,),
    sources=LIST_IDS,
)
