"""RIPE Atlas anchors (source `atlas-anchors`) into the lake dataset `atlas_anchors`.

`fetch` pages through `{base}/api/v2/anchors?format=json&page_size=500&page=N` (base
https://atlas.ripe.net) until it holds the `count` the first page announces, storing
raw/atlas-anchors/<today>/anchors-<N>.json. `load` takes API pages or a JSON list of anchors
(`formats.atlas_anchors`); the content has no date of its own, so the snapshot is `--date` or, at
the earliest, the newest anchor's `date_live` (said so). The files of one snapshot form one list;
it is complete when it holds the `count` a page announces (a single page of 500 out of 851 is
not, and the IXP tracker then says "no anchor found" only as not measured).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa

from nethealth.formats.atlas_anchors import SCHEMA as ANCHOR_SCHEMA
from nethealth.formats.atlas_anchors import AnchorPage, parse_anchors
from nethealth.formats.peeringdb import load_json
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, SourceInfo
from nethealth.sources.common import concat, today_utc, with_snapshot
from nethealth.sources.download import fetch_to_store, join_url
from nethealth.sources.load import Dated, decompressed, simple, when

SOURCE_ID = "atlas-anchors"
DATASET = "atlas_anchors"
DEFAULT_BASE_URL = "https://atlas.ripe.net"
PAGE_SIZE = 500
MAX_PAGES = 40  # 20,000 anchors: far above the ~900 that exist; stops a runaway `count`
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="RIPE Atlas anchors",
    publisher="RIPE NCC (RIPE Atlas)",
    homepage="https://atlas.ripe.net/anchors/",
    licence="RIPE Atlas data: RIPE NCC terms of use, attribution required",
    licence_url="https://www.ripe.net/about-us/legal/ripe-atlas-terms-and-conditions/",
    attribution="Anchor list from RIPE Atlas (RIPE NCC).",
    description="RIPE Atlas anchors: their networks (ASN of the IPv4 and IPv6 address), city "
    "and country; used to say which IXPs have an anchor in a member network.",
)
SCHEMA = pa.schema([
    ("snapshot", pa.date32()), *ANCHOR_SCHEMA, ("declared", pa.int64()), ("simulated", pa.bool_()),
])  # fmt: skip


def _page(path: Path) -> AnchorPage:
    return parse_anchors(load_json(decompressed(path), path), path)


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """Anchor lists; the files of one call are one snapshot (pages of one list)."""
    pages = [(path, _page(path)) for path in paths]
    lives = [p.newest_live for _path, p in pages if p.newest_live is not None]
    content = Dated(max(lives).date(), False, f"the newest anchor's date_live {when(max(lives))}"
                    ) if lives else None  # fmt: skip
    out = []
    for n, (path, page) in enumerate(pages, start=1):
        what = f"{page.table.num_rows:,} anchors"
        if page.declared is not None:
            what += f" (the API counts {page.declared:,} in all)"
        out.append(simple(path, f"anchors-{n}.json", content, opts, [what]))
    return out


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    base_url: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[RawFile]:
    """Every page of today's anchor list into raw/atlas-anchors/<today>/anchors-<N>.json."""
    root = join_url(base_url or DEFAULT_BASE_URL, "api/v2/anchors")
    snapshot, out, n = today_utc(), [], 1
    while n <= MAX_PAGES:
        url = f"{root}?format=json&page_size={PAGE_SIZE}&page={n}"
        raw = fetch_to_store(store, source_id=SOURCE_ID, snapshot=snapshot,
                             name=f"anchors-{n}.json", url=url, licence=SOURCE.licence,
                             settings=settings, progress=progress)  # fmt: skip
        out.append(raw)
        doc = load_json(raw.path.read_bytes(), raw.path)  # a bad page: InputError naming it
        count = doc.get("count") if isinstance(doc, dict) else None
        if not isinstance(count, int) or n * PAGE_SIZE >= count:
            break
        n += 1
    return out


def build(ctx: StepContext) -> None:
    files = ctx.raw_files(SOURCE_ID)
    by_snapshot: dict[str, list[tuple[RawFile, AnchorPage]]] = {}
    for i, raw in enumerate(files):
        ctx.progress(f"atlas anchors {raw.provenance.snapshot}", i, len(files))
        by_snapshot.setdefault(raw.provenance.snapshot, []).append((raw, _page(raw.path)))
    tables = []
    for snap, pages in sorted(by_snapshot.items()):
        declared = max((p.declared for _r, p in pages if p.declared is not None), default=None)
        parts = [with_snapshot(p.table, raw) for raw, p in pages]
        table = pa.concat_tables(parts)
        # pages fetched a minute apart may repeat an anchor: keep one row per id
        _ids, first = _first_of(table["id"].to_pylist())
        table = table.take(first)
        n = table.num_rows
        tables.append(table.append_column("declared", pa.array([declared] * n, pa.int64()))
                      .select(SCHEMA.names))  # fmt: skip
        if declared is not None and n < declared:
            ctx.note(f"atlas anchors {snap}: {n:,} of the {declared:,} anchors the API counts "
                     "(incomplete list)", level="warning")  # fmt: skip
    ctx.write_dataset(DATASET, concat(tables, SCHEMA))


def _first_of(ids: list[int]) -> tuple[set[int], list[int]]:
    seen: set[int] = set()
    keep = []
    for i, x in enumerate(ids):
        if x not in seen:
            seen.add(x)
            keep.append(i)
    return seen, keep


STEP = Step(
    id="atlas_anchors",
    version="1",
    description="Parse RIPE Atlas anchor lists into atlas_anchors",
    run=build,
    outputs=(DATASET,),
    sources=(SOURCE_ID,),
)
