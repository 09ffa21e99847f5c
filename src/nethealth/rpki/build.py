"""What the lake build step `rpki` does (declared in `rpki.step`): every fetched VRP export
(SLURM applied) into `rpki_vrps`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa

from nethealth.formats.slurm import Slurm, apply_slurm, read_slurm
from nethealth.formats.vrp import VRP_SCHEMA, read_vrps
from nethealth.lake.build import StepContext
from nethealth.lake.raw import RawFile
from nethealth.lake.storage import sha256_file
from nethealth.rpki.config import rpki_config
from nethealth.rpki.source import SOURCE_ID
from nethealth.settings import Settings

DATASET = "rpki_vrps"
SCHEMA = pa.schema([("snapshot", pa.date32()), *VRP_SCHEMA, ("simulated", pa.bool_())])
SORT = [
    (c, "ascending")
    for c in ("snapshot", "af", "start", "start_lo", "prefix_length", "max_length", "asn", "ta")
]


def build(ctx: StepContext) -> None:
    config = rpki_config(ctx.settings)
    slurms = [read_slurm(p) for p in config.slurm_files]
    files = ctx.raw_files(SOURCE_ID)
    by_day: dict[str, list[RawFile]] = {}
    for raw in files:
        by_day.setdefault(raw.provenance.snapshot, []).append(raw)
    parts = []
    done = 0
    for day in sorted(by_day):  # one snapshot at a time keeps the peak memory to one day's
        tables = []
        for raw in by_day[day]:
            ctx.progress(f"rpki {day} {raw.provenance.name}", done, len(files))
            tables.append(snapshot_table(raw.path, day, raw.provenance.simulated, slurms))
            done += 1
        parts.append(combine(tables))
    ctx.progress("rpki", done, len(files))
    ctx.write_dataset(DATASET, pa.concat_tables(parts) if parts else SCHEMA.empty_table())


def snapshot_table(path: Path, snapshot: str, simulated: bool, slurms: Sequence[Slurm]) -> pa.Table:
    """One raw export as rows of `rpki_vrps` (SLURM applied)."""
    doc = read_vrps(path)
    vrps = apply_slurm(doc.vrps, slurms).vrps if slurms else doc.vrps
    n = vrps.num_rows
    day = pa.array([date.fromisoformat(snapshot)] * n, pa.date32())
    return vrps.add_column(0, "snapshot", day).append_column(
        "simulated", pa.array([simulated] * n, pa.bool_())
    )


def combine(tables: Sequence[pa.Table]) -> pa.Table:
    """Union of VRP rows without exact duplicates (exports repeat VRPs that several ROAs
    yield, and two exports of one day overlap), sorted for range joins."""
    if not tables:
        return SCHEMA.empty_table()
    table = pa.concat_tables([t.cast(SCHEMA) for t in tables])
    distinct = table.group_by(SCHEMA.names, use_threads=False).aggregate([])
    return distinct.select(SCHEMA.names).cast(SCHEMA).sort_by(SORT)


def fingerprint(settings: Settings) -> str:
    # SLURM files change what the step writes, though they are not raw sources.
    return ";".join(
        f"{p}={sha256_file(p)}" for p in rpki_config(settings).slurm_files if p.is_file()
    )
