"""IHR AS hegemony (source `ihr-hegemony`) into the lake dataset `as_hegemony`.

The Internet Health Report (IIJ Research Laboratory) publishes AS hegemony (Fontugne et al.,
"AS Hegemony: A Robust Metric for AS Centrality", PAM 2018) as CSV in its archive
(https://ihr-archive.iijlab.net/ihr/hegemony/, `timebin,originasn,asn,hege,af`; lz4-compressed
there: decompress with `lz4 -d` before loading) and reduced global lists (`asn,hege`).
`formats.hegemony` reads both. A file with time bins is dated by its first bin; a reduced list
needs `--date`. Stored as raw/ihr-hegemony/<day>/ihr_hegemony_<ipv4|ipv6|any>_<global|local>.csv.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from nethealth.errors import InputError
from nethealth.formats.hegemony import SCHEMA as HEGE_SCHEMA
from nethealth.formats.hegemony import parse_hegemony
from nethealth.lake.build import Step, StepContext
from nethealth.sources.base import SourceInfo
from nethealth.sources.common import concat, with_snapshot
from nethealth.sources.load import (
    Dated,
    LoadOptions,
    Prepared,
    decompressed,
    simple,
    suffix_of,
    when,
)

SOURCE_ID = "ihr-hegemony"
DATASET = "as_hegemony"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="AS hegemony (Internet Health Report)",
    publisher="Internet Health Report, IIJ Research Laboratory",
    homepage="https://ihr.iijlab.net/ihr/en-us/documentation",
    licence="Internet Health Report data terms (see ihr.iijlab.net); cite Fontugne et al., "
    "PAM 2018",
    licence_url="https://ihr.iijlab.net/ihr/en-us/documentation",
    attribution="AS hegemony from the Internet Health Report (IIJ Research Laboratory), "
    "Fontugne et al., PAM 2018.",
    description="How central each AS is to the paths towards all networks (global) or towards "
    "one origin AS (local): the share of paths, trimmed of outliers, that cross it, 0 to 1.",
    fetchable=False,
)
SCHEMA = pa.schema([("snapshot", pa.date32()), *HEGE_SCHEMA, ("simulated", pa.bool_())])
LZ4_MAGIC = b"\x04\x22\x4d\x18"


def _name(path: Path, table: pa.Table) -> str:
    afs = set(table["af"].drop_null().to_pylist())
    af = f"ipv{afs.pop()}" if len(afs) == 1 and table["af"].null_count == 0 else "any"
    scope = "global" if pc.all(pc.equal(table["origin_asn"], 0)).as_py() else "local"
    return f"ihr_hegemony_{af}_{scope}.csv{suffix_of(path)}"


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    out = []
    for path in paths:
        with open(path, "rb") as fh:
            if fh.read(4) == LZ4_MAGIC:
                raise InputError("lz4-compressed: nethealth reads gz, bz2, xz or plain files",
                                 path=path, hint="decompress it first: lz4 -d FILE")  # fmt: skip
        got = parse_hegemony(decompressed(path), path)
        content = (
            Dated(got.first_bin.date(), True, f"its first time bin {when(got.first_bin)}")
            if got.first_bin
            else None
        )
        n = got.table.num_rows
        note = f"{n:,} scores of {len(set(got.table['asn'].to_pylist())):,} ASes"
        out.append(simple(path, _name(path, got.table), content, opts, [note]))
    return out


def build(ctx: StepContext) -> None:
    files = ctx.raw_files(SOURCE_ID)
    tables = []
    for i, raw in enumerate(files):
        ctx.progress(f"hegemony {raw.provenance.snapshot}", i, len(files))
        table = parse_hegemony(decompressed(raw.path), raw.path).table
        tables.append(with_snapshot(table, raw))
    ctx.write_dataset(DATASET, concat(tables, SCHEMA))


STEP = Step(
    id="ihr-hegemony",
    version="1",
    description="Parse IHR AS hegemony files into as_hegemony",
    run=build,
    outputs=(DATASET,),
    sources=(SOURCE_ID,),
)
