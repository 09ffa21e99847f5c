"""RIR delegated-extended statistics of the five RIRs, fetched from each RIR's own archive.

Each RIR lays out its archive differently; the templates below follow the publishers' sites and
are relative to a per-RIR base URL (settings.rir_base_urls), so a mirror or test server can
stand in for any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from nethealth.common.asof import GroupAsOf, pick_group
from nethealth.errors import ConfigError, InputError
from nethealth.formats.compression import open_text
from nethealth.formats.delegated import DelegatedFile, DelegatedHeader, parse_delegated
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import SourceInfo
from nethealth.sources.common import concat
from nethealth.sources.download import FetchReport, fetch_or_skip, fetch_to_store, join_url

INFO = SourceInfo(
    id="rir",
    title="RIR delegated-extended statistics",
    publisher="AFRINIC, APNIC, ARIN, LACNIC and RIPE NCC",
    homepage="https://www.nro.net/about/rirs/statistics/",
    licence="Publicly available RIR statistics (NRO)",
    licence_url="https://www.nro.net/about/rirs/statistics/",
    attribution="Delegation statistics of AFRINIC, APNIC, ARIN, LACNIC and RIPE NCC.",
    description=(
        "Daily files listing every ASN, IPv4 and IPv6 block each Regional Internet Registry "
        "has allocated or assigned, with the country of the holder."
    ),
)


SOURCE_ID = "rir"
RIRS = ("afrinic", "apnic", "arin", "lacnic", "ripencc")
DATED_PATHS = {
    "afrinic": "{y}/delegated-afrinic-extended-{ymd}",
    "apnic": "{y}/delegated-apnic-extended-{ymd}.gz",
    "arin": "delegated-arin-extended-{ymd}",
    "lacnic": "delegated-lacnic-extended-{ymd}",
    "ripencc": "{y}/delegated-ripencc-extended-{ymd}.bz2",
}

SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("registry", pa.string()), ("cc", pa.string()),
    ("type", pa.string()), ("start", pa.string()), ("value", pa.int64()),
    ("date", pa.date32()), ("status", pa.string()), ("opaque_id", pa.string()),
    ("simulated", pa.bool_()),
])  # fmt: skip


# One row per stored file: what its header announces, what it holds, and why it cannot be used
# (a truncated download; null when complete). Counts and maps from such a file are not measured.
FILES_DATASET = "rir_files"
FILES_SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("registry", pa.string()), ("header_records", pa.int64()),
    ("present", pa.int64()), ("problem", pa.string()), ("simulated", pa.bool_()),
])  # fmt: skip


def file_problems(files: pa.Table | None) -> dict[tuple[str, date], str]:
    """(registry, snapshot) → why the file cannot be used, from a `rir_files` table."""
    if files is None or "problem" not in files.column_names:
        return {}
    return {
        (str(r["registry"]), r["snapshot"]): str(r["problem"])
        for r in files.select(["registry", "snapshot", "problem"]).to_pylist()
        if r["problem"]
    }


def file_problems_at(lake_dir: Path) -> dict[tuple[str, date], str]:
    """As `file_problems`, read from a lake directory (an older lake without it: none known)."""
    path = lake_dir / f"{FILES_DATASET}.parquet"
    return file_problems(pq.read_table(path) if path.is_file() else None)


IN_FORCE_FILES = "SELECT DISTINCT registry, snapshot FROM read_parquet(?)"


def in_force(con: duckdb.DuckDBPyConnection, delegations: Path | None, day: date) -> GroupAsOf:
    """Each RIR's file in force on `day` by the as-of rule, from a `rir_delegations` Parquet
    file: every registry stored must have one within the tolerance, and a truncated one
    (`rir_files` beside it) makes the day not measured. The one choice every step uses."""
    files: dict[str, list[date]] = {}
    if delegations is None or not delegations.is_file():
        return pick_group("rir", day, files)
    for registry, snap in con.sql(IN_FORCE_FILES, params=[str(delegations)]).fetchall():
        files.setdefault(registry, []).append(snap)
    return pick_group("rir", day, files, unusable=file_problems_at(delegations.parent))


def file_path(rir: str, day: date | None) -> str:
    if day is None:
        return f"delegated-{rir}-extended-latest"
    return DATED_PATHS[rir].format(y=f"{day:%Y}", ymd=f"{day:%Y%m%d}")


def read_file(path: Path) -> DelegatedFile:
    try:
        with open_text(path) as fh:
            return parse_delegated(fh, str(path))
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read: {exc}", path=path, hint="the file is damaged or truncated; fetch again"
        ) from None


def header_date(header: DelegatedHeader, path: Path | str) -> date:
    """The day a delegated file describes: its header's end date (the registry's data up to
    that day), else the serial when that is a YYYYMMDD date."""
    end = header.end if len(header.end) == 8 and header.end.isdigit() else header.serial[:8]
    try:
        return date(int(end[:4]), int(end[4:6]), int(end[6:8]))
    except ValueError:
        raise InputError(f"header end date {end!r} is not YYYYMMDD", path=path, line=1,
                         field="enddate") from None  # fmt: skip


def _snapshot_from_header(path: Path) -> str:
    return header_date(read_file(path).header, path).isoformat()


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    day: date | None = None,
    rirs: Sequence[str] = RIRS,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[RawFile]:
    """Fetch one day's files (or the latest ones) of the given RIRs; a missing one raises."""
    return fetch_report(settings, store, day=day, rirs=rirs, progress=progress, strict=True).stored


def fetch_report(
    settings: Settings,
    store: RawStore,
    *,
    day: date | None = None,
    rirs: Sequence[str] = RIRS,
    progress: Callable[[str, int, int], None] | None = None,
    strict: bool = False,
) -> FetchReport:
    """Fetch one day's files (or the latest ones) of the given RIRs. A file a registry does not
    publish (some skip days) is reported as missing, or raised when `strict`."""
    licence = INFO.licence
    report = FetchReport()
    for rir in rirs:
        if rir not in RIRS:
            raise ConfigError(f"unknown RIR {rir!r}", hint=f"choose among {', '.join(RIRS)}")
        base = settings.rir_base_urls.get(rir)
        if not base:
            raise ConfigError(f"no base URL for RIR {rir!r}", hint="set NETHEALTH_RIR_BASE_URLS")
        url = join_url(base, file_path(rir, day))

        def one(rir: str = rir, url: str = url) -> RawFile:
            return fetch_to_store(
                store,
                source_id=SOURCE_ID,
                snapshot=day.isoformat() if day else _snapshot_from_header,
                name=f"delegated-{rir}-extended",
                url=url,
                licence=licence,
                settings=settings,
                progress=progress,
            )

        fetch_or_skip(report, strict, one, url)
    return report


def _to_table(parsed: DelegatedFile, raw: RawFile) -> pa.Table:
    recs = parsed.records
    n = len(recs)
    snap = date.fromisoformat(raw.provenance.snapshot)
    return pa.table({
        "snapshot": pa.array([snap] * n, pa.date32()),
        "registry": [r.registry for r in recs],
        "cc": [r.cc for r in recs],
        "type": [r.type for r in recs],
        "start": [r.start for r in recs],
        "value": pa.array([r.value for r in recs], pa.int64()),
        "date": pa.array([r.date for r in recs], pa.date32()),
        "status": [r.status for r in recs],
        "opaque_id": pa.array([r.opaque_id for r in recs], pa.string()),
        "simulated": pa.array([raw.provenance.simulated] * n, pa.bool_()),
    })  # fmt: skip


def _file_row(parsed: DelegatedFile, raw: RawFile) -> dict[str, object]:
    return {
        "snapshot": date.fromisoformat(raw.provenance.snapshot),
        "registry": parsed.header.registry.lower(),
        "header_records": parsed.header.records,
        "present": len(parsed.records),
        "problem": parsed.incomplete(),
        "simulated": raw.provenance.simulated,
    }


def build(ctx: StepContext) -> None:
    files = ctx.raw_files(SOURCE_ID)
    tables, rows = [], []
    for i, raw in enumerate(files):
        ctx.progress(f"rir {raw.provenance.snapshot} {raw.provenance.name}", i, len(files))
        parsed = read_file(raw.path)
        tables.append(_to_table(parsed, raw))
        rows.append(_file_row(parsed, raw))
    for row in rows:  # the in-force rule skips these; a build note says so, once per file
        if row["problem"]:
            ctx.note(f"{row['registry']} {row['snapshot']}: {row['problem']}; nothing is counted "
                     "from this file", level="warning")  # fmt: skip
    ctx.write_dataset("rir_delegations", concat(tables, SCHEMA))
    ctx.write_dataset(FILES_DATASET, pa.Table.from_pylist(rows, schema=FILES_SCHEMA))


STEP = Step(
    id="rir",
    version="2",
    description="Parse RIR delegated-extended files into rir_delegations (and rir_files: what "
    "each file announces and holds)",
    run=build,
    outputs=("rir_delegations", FILES_DATASET),
    sources=(SOURCE_ID,),
)
