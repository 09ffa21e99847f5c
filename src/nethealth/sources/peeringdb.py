"""PeeringDB: the live API (`{base}/api/{obj}`, today's state) or CAIDA's daily archive
(`{archive}/{YYYY}/{MM}/peeringdb_2_dump_{YYYY}_{MM}_{DD}.json`, one JSON with every object)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pyarrow as pa

from nethealth.errors import ConfigError
from nethealth.formats.compression import read_bytes
from nethealth.formats.peeringdb import OBJECTS, SCHEMAS, load_json, parse_dump, parse_object_list
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.catalog import get_source
from nethealth.sources.common import concat, today_utc, with_snapshot
from nethealth.sources.download import fetch_to_store, join_url

SOURCE_ID = "peeringdb"
DUMP_NAME = "peeringdb_2_dump.json"


def archive_path(day: date) -> str:
    return f"{day:%Y}/{day:%m}/peeringdb_2_dump_{day:%Y_%m_%d}.json"


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    day: date | None = None,
    objects: Sequence[str] = OBJECTS,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[RawFile]:
    """Today's objects from the API, or the whole archived dump of `day`."""
    licence = get_source(SOURCE_ID).licence
    if day is not None:
        url = join_url(settings.peeringdb_archive_base_url, archive_path(day))
        return [
            fetch_to_store(store, source_id=SOURCE_ID, snapshot=day.isoformat(), name=DUMP_NAME,
                           url=url, licence=licence, settings=settings, progress=progress)
        ]  # fmt: skip
    unknown = [o for o in objects if o not in OBJECTS]
    if unknown:
        raise ConfigError(f"unknown PeeringDB object(s) {unknown}", hint=f"choose among {OBJECTS}")
    snapshot = today_utc()
    return [
        fetch_to_store(store, source_id=SOURCE_ID, snapshot=snapshot, name=f"{obj}.json",
                       url=join_url(settings.peeringdb_base_url, "api", obj), licence=licence,
                       settings=settings, progress=progress)
        for obj in objects
    ]  # fmt: skip


def _schema(obj: str) -> pa.Schema:
    cols = [pa.field("snapshot", pa.date32())]
    cols += [pa.field(name, typ) for name, typ, _r in SCHEMAS[obj]]
    cols.append(pa.field("simulated", pa.bool_()))
    return pa.schema(cols)


def build(ctx: StepContext) -> None:
    tables: dict[str, list[pa.Table]] = {obj: [] for obj in OBJECTS}
    files = ctx.raw_files(SOURCE_ID)
    for i, raw in enumerate(files):
        ctx.progress(f"peeringdb {raw.provenance.snapshot} {raw.provenance.name}", i, len(files))
        doc = load_json(read_bytes(raw.path), raw.path)
        if raw.provenance.name == DUMP_NAME:
            parsed = parse_dump(doc, raw.path)
        else:
            obj = raw.provenance.name.removesuffix(".json")
            parsed = {obj: parse_object_list(doc, obj, raw.path)} if obj in SCHEMAS else {}
        for obj, table in parsed.items():
            tables[obj].append(with_snapshot(table, raw))
    for obj in OBJECTS:
        ctx.write_dataset(f"peeringdb_{obj}", concat(tables[obj], _schema(obj)))


STEP = Step(
    id="peeringdb",
    version="1",
    description="Parse PeeringDB API documents and archive dumps into peeringdb_<object>",
    run=build,
    outputs=tuple(f"peeringdb_{obj}" for obj in OBJECTS),
    sources=(SOURCE_ID,),
)
