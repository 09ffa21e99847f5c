"""PeeringDB: the live API (`{base}/api/{obj}`, today's state) or CAIDA's daily archive
(`{archive}/{YYYY}/{MM}/peeringdb_2_dump_{YYYY}_{MM}_{DD}.json`, one JSON with every object).

Stored as raw/peeringdb/<day>/<obj>.json (one API object type) or peeringdb_2_dump.json (a whole
dump), compressed or not. `load` takes local files of either kind, whatever their names
(`ix.json`, `ixlan-0.json` from PeeringDB's cache, a CAIDA dump): the object type is read off the
records. A document's `meta.generated` dates it; else the files loaded together are one
snapshot, `--date` or (at the earliest) the day of their newest `updated` record.
"""

from __future__ import annotations

import lzma
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from nethealth.errors import ConfigError, InputError
from nethealth.formats.compression import read_bytes
from nethealth.formats.peeringdb import (
    ALL_OBJECTS,
    OBJECTS,
    SCHEMAS,
    check_records,
    generated_at,
    is_dump,
    load_json,
    newest_update,
    object_of,
    object_of_name,
    parse_dump,
    parse_object_list,
)
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, SourceInfo
from nethealth.sources.common import concat, today_utc, with_snapshot
from nethealth.sources.download import FetchReport, fetch_or_skip, fetch_to_store, join_url
from nethealth.sources.load import Dated, simple, suffix_of, when

INFO = SourceInfo(
    id="peeringdb",
    title="PeeringDB",
    publisher="PeeringDB (archive dumps by CAIDA)",
    homepage="https://www.peeringdb.com/",
    licence="PeeringDB Acceptable Use Policy",
    licence_url="https://docs.peeringdb.com/aup/",
    attribution="Interconnection data from PeeringDB; historical dumps archived by CAIDA.",
    description=(
        "Organisations, facilities, Internet exchange points (IXPs), their peering LANs and "
        "prefixes, networks and their IXP memberships."
    ),
)


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
    """Today's objects from the API, or the whole archived dump of `day`; a missing file
    raises."""
    return fetch_report(
        settings, store, day=day, objects=objects, progress=progress, strict=True
    ).stored


def fetch_report(
    settings: Settings,
    store: RawStore,
    *,
    day: date | None = None,
    objects: Sequence[str] = OBJECTS,
    progress: Callable[[str, int, int], None] | None = None,
    strict: bool = False,
) -> FetchReport:
    """Like `fetch`; an object type (or an archive day) the publisher does not serve is
    reported as missing, or raised when `strict`."""
    licence = INFO.licence
    report = FetchReport()
    if day is not None:
        url = join_url(settings.peeringdb_archive_base_url, archive_path(day))
        fetch_or_skip(report, strict, lambda: fetch_to_store(
            store, source_id=SOURCE_ID, snapshot=day.isoformat(), name=DUMP_NAME, url=url,
            licence=licence, settings=settings, progress=progress), url)  # fmt: skip
        return report
    unknown = [o for o in objects if o not in ALL_OBJECTS]
    if unknown:
        raise ConfigError(f"unknown PeeringDB object(s) {', '.join(unknown)}",
                          hint=f"choose among {', '.join(ALL_OBJECTS)}")  # fmt: skip
    snapshot = today_utc()
    for obj in dict.fromkeys(objects):
        url = join_url(settings.peeringdb_base_url, "api", obj)

        def one(obj: str = obj, url: str = url) -> RawFile:
            return fetch_to_store(store, source_id=SOURCE_ID, snapshot=snapshot,
                                  name=f"{obj}.json", url=url, licence=licence,
                                  settings=settings, progress=progress)  # fmt: skip

        fetch_or_skip(report, strict, one, url)
    return report


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
        if raw.provenance.name.startswith(DUMP_NAME):
            parsed = parse_dump(doc, raw.path)
        else:
            obj = object_of_name(raw.provenance.name)
            parsed = {obj: parse_object_list(doc, obj, raw.path)} if obj in SCHEMAS else {}
        for obj, table in parsed.items():
            tables[obj].append(with_snapshot(table, raw))
    for obj in OBJECTS:
        ctx.write_dataset(f"peeringdb_{obj}", concat(tables[obj], _schema(obj)))


def _document(path: Path) -> Any:
    try:
        data = read_bytes(path)
    except (OSError, EOFError, ValueError, lzma.LZMAError) as exc:
        raise InputError(f"cannot decompress: {exc}", path=path,
                         hint="the file is damaged or truncated; download it again") from None  # fmt: skip
    return load_json(data, path)


def _prepare(path: Path, doc: Any) -> tuple[str, str]:
    """(stored name, what it holds) of one validated document."""
    if is_dump(doc):
        tables = parse_dump(doc, path)
        kept = ", ".join(f"{t.num_rows:,} {o}" for o, t in tables.items())
        return f"{DUMP_NAME}{suffix_of(path)}", f"a dump with {kept or 'no parsed objects'}"
    obj = object_of(doc, path.name, path)
    if obj in SCHEMAS:
        n = parse_object_list(doc, obj, path).num_rows
        what = f"{n:,} {obj} records"
    else:
        n = check_records(doc, obj, path)
        what = f"{n:,} {obj} records (kept; the build does not read {obj} yet)"
    return f"{obj}.json{suffix_of(path)}", what


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """PeeringDB API documents and dumps (see the module docstring for the dates)."""
    docs = [(path, _document(path)) for path in paths]
    undated = [(p, newest_update(d)) for p, d in docs if generated_at(d) is None]
    bounds = [b for _p, b in undated if b is not None]
    # files without their own time are one snapshot: the newest record among them bounds it
    group = Dated(max(bounds).date(), False, f"the newest `updated` record, {when(max(bounds))}"
                  ) if bounds else None  # fmt: skip
    out = []
    for path, doc in docs:
        name, what = _prepare(path, doc)
        made = generated_at(doc)
        content = (
            Dated(made.date(), True, f"its meta.generated time {when(made)}") if made else group
        )
        out.append(simple(path, name, content, opts, [what]))
    return out


STEP = Step(
    id="peeringdb",
    version="1",
    description="Parse PeeringDB API documents and archive dumps into peeringdb_<object>",
    run=build,
    outputs=tuple(f"peeringdb_{obj}" for obj in OBJECTS),
    sources=(SOURCE_ID,),
)
