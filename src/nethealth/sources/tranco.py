"""The Tranco top-sites list (source `tranco`) into the lake dataset `tranco_ranks`.

Tranco (Le Pochat et al., NDSS 2019) combines several popularity rankings into one list that is
hard to manipulate; each daily list has a permanent id. Files: `top-1m.csv` (`rank,domain`, no
header), zipped or not, or a republished list with one `Domain` column in rank order
(`formats.tranco`). A list does not say its date: `nethealth load tranco FILE --date D`, D the
day the list was generated. Stored as raw/tranco/<day>/tranco-list.csv (.zip/.gz kept).

`fetch` downloads the current daily list, `{base}/top-1m.csv.zip` (base https://tranco-list.eu),
as the snapshot of the day it is fetched (Tranco regenerates it daily).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa

from nethealth.formats.tranco import SCHEMA as LIST_SCHEMA
from nethealth.formats.tranco import parse_toplist
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, SourceInfo
from nethealth.sources.common import concat, today_utc, with_snapshot
from nethealth.sources.download import fetch_to_store, join_url
from nethealth.sources.load import decompressed, simple, suffix_of

SOURCE_ID = "tranco"
DATASET = "tranco_ranks"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="Tranco top-sites list",
    publisher="Tranco (V. Le Pochat et al., KU Leuven DistriNet), tranco-list.eu",
    homepage="https://tranco-list.eu/",
    licence="Tranco's terms on tranco-list.eu (cite Le Pochat et al., NDSS 2019); the "
    "rankings it combines keep their own terms",
    licence_url="https://tranco-list.eu/",
    attribution='Top sites from the Tranco list (Le Pochat et al., "Tranco: A Research-Oriented '
    'Top Sites Ranking Hardened Against Manipulation", NDSS 2019).',
    description="The most popular registrable domains, ranked 1 (most popular) to 1,000,000, "
    "averaged over 30 days of several rankings; the sites the scanner tests per country.",
    fetchable=True,
)
DEFAULT_BASE_URL = "https://tranco-list.eu"
LATEST = "top-1m.csv.zip"
SCHEMA = pa.schema([("snapshot", pa.date32()), *LIST_SCHEMA, ("simulated", pa.bool_())])


def _name(path: Path) -> str:
    with open(path, "rb") as fh:
        zipped = fh.read(4) == b"PK\x03\x04"
    return "tranco-list.csv" + (".zip" if zipped else suffix_of(path))


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """Top lists of any of the shapes above; one list per snapshot day."""
    out = []
    for path in paths:
        table = parse_toplist(decompressed(path), path)
        note = f"{table.num_rows:,} domains, ranks {table['rank'][0]}–{table['rank'][-1]}"
        out.append(simple(path, _name(path), None, opts, [note]))
    return out


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    base_url: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RawFile:
    """Today's list into raw/tranco/<today>/tranco-list.csv.zip."""
    return fetch_to_store(
        store, source_id=SOURCE_ID, snapshot=today_utc(), name="tranco-list.csv.zip",
        url=join_url(base_url or DEFAULT_BASE_URL, LATEST), licence=SOURCE.licence,
        settings=settings, progress=progress,
    )  # fmt: skip


def build(ctx: StepContext) -> None:
    files = ctx.raw_files(SOURCE_ID)
    tables = []
    for i, raw in enumerate(files):
        ctx.progress(f"tranco {raw.provenance.snapshot}", i, len(files))
        tables.append(with_snapshot(parse_toplist(decompressed(raw.path), raw.path), raw))
    ctx.write_dataset(DATASET, concat(tables, SCHEMA))


STEP = Step(
    id="tranco",
    version="1",
    description="Parse Tranco top lists into tranco_ranks",
    run=build,
    outputs=(DATASET,),
    sources=(SOURCE_ID,),
)
