"""MANRS IXP participants (source `manrs-ixps`) into the lake dataset `manrs_ixps`.

MANRS lists its participating IXPs on a web page (https://manrs.org/ixps/), not in a file. The
operator transcribes it into a CSV (`formats.manrs_ixps`: peeringdb_ix_id, name, country) and
loads it with `nethealth load manrs-ixps FILE --date D`, D the day the list was read (the CSV
says no date). `nethealth fetch manrs-ixps --base-url URL` downloads such a CSV from where the
operator keeps it. Each snapshot is the whole list of that day. No list loaded: MANRS
participation is "not measured", never "no".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa

from nethealth.formats.manrs_ixps import SCHEMA as LIST_SCHEMA
from nethealth.formats.manrs_ixps import parse_manrs_ixps
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, SourceInfo
from nethealth.sources.common import concat, today_utc, with_snapshot
from nethealth.sources.download import fetch_to_store
from nethealth.sources.load import decompressed, simple, suffix_of

SOURCE_ID = "manrs-ixps"
DATASET = "manrs_ixps"
NAME = "manrs-ixps.csv"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="MANRS IXP participants",
    publisher="MANRS (Mutually Agreed Norms for Routing Security), transcribed by the operator",
    homepage="https://manrs.org/ixps/",
    licence="MANRS website terms (the participant list is public)",
    licence_url="https://manrs.org/",
    attribution="IXP participation in the MANRS IXP Programme, from manrs.org.",
    description="The IXPs taking part in the MANRS IXP Programme, by PeeringDB ix id (a CSV the "
    "operator loads: peeringdb_ix_id, name, country).",
)
SCHEMA = pa.schema([("snapshot", pa.date32()), *LIST_SCHEMA, ("simulated", pa.bool_())])


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """Participant CSVs; each needs --date (the list says no date)."""
    out = []
    for path in paths:
        table = parse_manrs_ixps(decompressed(path), path)
        out.append(simple(path, NAME + suffix_of(path), None, opts,
                          [f"{table.num_rows:,} IXPs"]))  # fmt: skip
    return out


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    url: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> RawFile:
    """The CSV at `url` as today's list (parsed first: a bad file is refused when built)."""
    return fetch_to_store(store, source_id=SOURCE_ID, snapshot=today_utc(), name=NAME, url=url,
                          licence=SOURCE.licence, settings=settings, progress=progress)  # fmt: skip


def build(ctx: StepContext) -> None:
    files = ctx.raw_files(SOURCE_ID)
    tables = []
    for i, raw in enumerate(files):
        ctx.progress(f"manrs-ixps {raw.provenance.snapshot}", i, len(files))
        tables.append(with_snapshot(parse_manrs_ixps(decompressed(raw.path), raw.path), raw))
    ctx.write_dataset(DATASET, concat(tables, SCHEMA))


STEP = Step(
    id="manrs_ixps",
    version="1",
    description="Parse the MANRS IXP participant lists into manrs_ixps",
    run=build,
    outputs=(DATASET,),
    sources=(SOURCE_ID,),
)
