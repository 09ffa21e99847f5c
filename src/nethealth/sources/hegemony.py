"""IHR AS hegemony (source `ihr-hegemony`) into the lake dataset `as_hegemony`.

The Internet Health Report (IIJ Research Laboratory) publishes AS hegemony (Fontugne et al.,
"AS Hegemony: A Robust Metric for AS Centrality", PAM 2018) in its archive as daily LZ4-compressed
CSV, `timebin,originasn,asn,hege,af`:

    {base}/ihr/hegemony/ipv{4,6}/global/YYYY/MM/DD/ihr_hegemony_ipv{4,6}_global_YYYY-MM-DD.csv.lz4

(base https://ihr-archive.iijlab.net), and reduced global lists (`asn,hege`) circulate too.
`formats.hegemony` reads both, `formats.lz4` the compression. A file with time bins is dated by
its first bin; a reduced list needs `--date`. Stored as
raw/ihr-hegemony/<day>/ihr_hegemony_<ipv4|ipv6|any>_<global|local>.csv[.lz4|.gz…].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from nethealth.errors import ConfigError
from nethealth.formats.hegemony import SCHEMA as HEGE_SCHEMA
from nethealth.formats.hegemony import parse_hegemony
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, SourceInfo
from nethealth.sources.common import concat, with_snapshot
from nethealth.sources.download import FetchReport, fetch_or_skip, fetch_to_store, join_url
from nethealth.sources.load import Dated, decompressed, simple, suffix_of, when

SOURCE_ID = "ihr-hegemony"
DATASET = "as_hegemony"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="AS hegemony (Internet Health Report)",
    publisher="Internet Health Report, IIJ Research Laboratory",
    homepage="https://ihr.iijlab.net/ihr/en-us/documentation",
    licence="CC BY-NC-SA 4.0 (non-commercial use)",
    licence_url="https://creativecommons.org/licenses/by-nc-sa/4.0/",
    attribution="AS hegemony from the Internet Health Report (IIJ Research Laboratory), "
    "Fontugne et al., PAM 2018.",
    description="How central each AS is to the paths towards all networks (global) or towards "
    "one origin AS (local): the share of paths, trimmed of outliers, that cross it, 0 to 1.",
    fetchable=True,
)
DEFAULT_BASE_URL = "https://ihr-archive.iijlab.net"
SCHEMA = pa.schema([("snapshot", pa.date32()), *HEGE_SCHEMA, ("simulated", pa.bool_())])


def _name(path: Path, table: pa.Table) -> str:
    afs = set(table["af"].drop_null().to_pylist())
    af = f"ipv{afs.pop()}" if len(afs) == 1 and table["af"].null_count == 0 else "any"
    scope = "global" if pc.all(pc.equal(table["origin_asn"], 0)).as_py() else "local"
    return f"ihr_hegemony_{af}_{scope}.csv{suffix_of(path)}"


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    out = []
    for path in paths:
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


def archive_path(af: int, day: date) -> str:
    return (f"ihr/hegemony/ipv{af}/global/{day:%Y/%m/%d}/"
            f"ihr_hegemony_ipv{af}_global_{day:%Y-%m-%d}.csv.lz4")  # fmt: skip


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    first: date,
    last: date,
    afs: Sequence[int] = (4, 6),
    base_url: str | None = None,
    strict: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> FetchReport:
    """The daily global files of `afs` for `first`..`last`; days the archive lacks are
    reported as missing (or raised when `strict`)."""
    if last < first:
        raise ConfigError("--to is before --date", hint="give --to on or after --date")
    report = FetchReport()
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        for af in afs:
            url = join_url(base_url or DEFAULT_BASE_URL, archive_path(af, day))

            def one(url: str = url, af: int = af, day: date = day) -> RawFile:
                return fetch_to_store(
                    store, source_id=SOURCE_ID, snapshot=day.isoformat(),
                    name=f"ihr_hegemony_ipv{af}_global.csv.lz4", url=url,
                    licence=SOURCE.licence, settings=settings, progress=progress,
                )  # fmt: skip

            fetch_or_skip(report, strict, one, url)
    return report


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
