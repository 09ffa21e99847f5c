"""AS names (source `as-names`) into the lake dataset `as_names`.

RIPE NCC publishes every AS number with its registry handle, description and country as
https://ftp.ripe.net/ripe/asnames/asn.txt (compiled from the five RIRs' registries); tools often
republish it as JSON `{asn: "HANDLE description, CC"}` (`formats.asnames` reads both). Neither
says its date: `nethealth load as-names FILE --date D`. Stored as raw/as-names/<day>/asn.txt or
asnames.json (compression kept). `fetch` downloads `{base}/asn.txt` (base
https://ftp.ripe.net/ripe/asnames, regenerated daily) as the snapshot of the day it is fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa

from nethealth.formats.asnames import SCHEMA as NAME_SCHEMA
from nethealth.formats.asnames import parse_asnames
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, SourceInfo
from nethealth.sources.common import concat, today_utc, with_snapshot
from nethealth.sources.download import fetch_to_store, join_url
from nethealth.sources.load import decompressed, simple, suffix_of

SOURCE_ID = "as-names"
DATASET = "as_names"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="AS names (RIPE NCC asn.txt)",
    publisher="RIPE NCC, compiled from the registries of AFRINIC, APNIC, ARIN, LACNIC and RIPE NCC",
    homepage="https://ftp.ripe.net/ripe/asnames/",
    licence="RIPE NCC terms for its FTP data (attribution to the RIPE NCC)",
    licence_url="https://www.ripe.net/about-us/legal/",
    attribution="AS names from the RIPE NCC (asn.txt), compiled from the RIR registries.",
    description="Every allocated AS number with its registry handle, the holder's description "
    "and the holder's country.",
    fetchable=True,
)
DEFAULT_BASE_URL = "https://ftp.ripe.net/ripe/asnames"
SCHEMA = pa.schema([("snapshot", pa.date32()), *NAME_SCHEMA, ("simulated", pa.bool_())])


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """asn.txt or its JSON form; one file per snapshot day."""
    out = []
    for path in paths:
        data = decompressed(path)
        table = parse_asnames(data, path)
        kind = "asnames.json" if data.lstrip()[:1] == b"{" else "asn.txt"
        known = table.num_rows - table["cc"].null_count
        note = f"{table.num_rows:,} AS names ({known:,} with a country)"
        out.append(simple(path, kind + suffix_of(path), None, opts, [note]))
    return out


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    base_url: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RawFile:
    """Today's asn.txt into raw/as-names/<today>/asn.txt."""
    return fetch_to_store(
        store, source_id=SOURCE_ID, snapshot=today_utc(), name="asn.txt",
        url=join_url(base_url or DEFAULT_BASE_URL, "asn.txt"), licence=SOURCE.licence,
        settings=settings, progress=progress,
    )  # fmt: skip


def build(ctx: StepContext) -> None:
    files = ctx.raw_files(SOURCE_ID)
    tables = []
    for i, raw in enumerate(files):
        ctx.progress(f"as-names {raw.provenance.snapshot}", i, len(files))
        tables.append(with_snapshot(parse_asnames(decompressed(raw.path), raw.path), raw))
    ctx.write_dataset(DATASET, concat(tables, SCHEMA))


STEP = Step(
    id="as-names",
    version="1",
    description="Parse AS-name lists into as_names",
    run=build,
    outputs=(DATASET,),
    sources=(SOURCE_ID,),
)
