"""MRT dumps of the route collectors (sources bgp-ris, bgp-routeviews), known by their content.

`mrt_dumps` is the one place the build steps learn which stored (or mirrored) files are RIB or
update dumps, when each starts and which collector wrote it. Kind and time come from the file's
first MRT record (`formats.mrt_head`), never from a file-name grid, so a 2002 RIS
`bview.20020722.2337`, an hourly RouteViews RIB or `my-table.mrt.bz2` are all found. The
collector comes from the stored name (`<collector>.<bview|rib|updates>.<YYYYMMDD.HHMM>…`, which
`nethealth load` and the fetchers write) or else from the path (`…/rrc06/…`,
`route-views.jinx/bgpdata/…`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from nethealth.errors import ConfigError, InputError
from nethealth.formats.compression import detect
from nethealth.formats.mrt import MRTReader
from nethealth.formats.mrt_head import Kind, MrtHead, read_head
from nethealth.lake.raw import RawFile, RawStore
from nethealth.lake.storage import write_bytes_atomic
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared
from nethealth.sources.collectors import Collector, archive_url, dump_times, fetch_dumps
from nethealth.sources.download import FetchReport
from nethealth.sources.load import Dated, simple, when

SOURCES = ("bgp-ris", "bgp-routeviews")
COLLECTOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$")
_STORED = re.compile(r"^(?P<collector>.+?)\.(?:bview|rib|updates)\.\d{8}\.\d{4}(?:\.|$)")
_FROM_PATH = (
    re.compile(r"^(rrc\d{2})$"),  # a RIS archive directory
    re.compile(r"^(route-views[\w-]*(?:\.[a-z0-9-]+)?)$"),  # a RouteViews archive directory
    re.compile(r"(?:^|[._-])(rrc\d{2})(?=[._-]|$)"),  # ris.rrc06.updates…, rrc06-full-…
    re.compile(r"(?:^|\.)(route-views\d*(?:\.[a-z0-9-]+)?)\.(?:updates|bview|rib)"),
)
SUFFIXES = {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz", "plain": ""}
INDEX_NAME = "mrt-heads.json"


@dataclass(frozen=True)
class MrtDump:
    """One MRT file: where it is, which collector wrote it, RIB or updates, and when it starts."""

    path: Path
    collector: str
    kind: Kind
    time: int  # the first record's timestamp, epoch seconds UTC
    raw: RawFile | None = None  # the stored file, when listed from the raw store

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.time, UTC).date()

    @property
    def stamp(self) -> str:
        """YYYYMMDD.HHMM of the first record, as the archives name their files."""
        return datetime.fromtimestamp(self.time, UTC).strftime("%Y%m%d.%H%M")


def collector_from_path(path: Path) -> str | None:
    """The collector named by a stored name or an archive path, else None."""
    m = _STORED.match(path.name)
    if m and COLLECTOR.match(m["collector"]):
        return m["collector"]
    for part in reversed(path.parts):
        for pattern in _FROM_PATH:
            found = pattern.search(part)
            if found:
                return found.group(1)
    return None


def check_collector(name: str) -> str:
    """A collector name safe to put in a stored file name (letters, digits, '.', '_', '-')."""
    if not COLLECTOR.match(name) or len(name) > 64:
        raise InputError(
            f"{name!r} is not a collector name",
            field="collector",
            hint="use the archive's name, e.g. rrc06 or route-views.linx",
        )
    return name


def stored_name(source_id: str, collector: str, head: MrtHead, compression: str) -> str:
    """The raw-store name of a dump: the publisher's naming with the collector in front
    (`rrc06.bview.20100701.0759.gz`, `route-views2.rib.20250601.0000.bz2`)."""
    word = "updates" if head.kind == "updates" else ("bview" if source_id == "bgp-ris" else "rib")
    stamp = head.when.strftime("%Y%m%d.%H%M")
    return f"{collector}.{word}.{stamp}{SUFFIXES[compression]}"


@functools.lru_cache(maxsize=65536)
def _head(path: str, _size: int, _mtime_ns: int) -> MrtHead | None:
    """The first record header, or None when the file is not a readable RIB/updates dump.
    Cached per (path, size, mtime): several steps list the same files in one build."""
    try:
        return read_head(Path(path))
    except InputError:
        return None


def _path_head(path: Path) -> MrtHead | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return _head(str(path), st.st_size, st.st_mtime_ns)


class _HeadIndex:
    """First-record headers of stored dumps by SHA-256, kept in the raw store's `.index/` so
    that a build does not decompress the start of every dump again (a bzip2 block costs ~15 ms;
    a month of RouteViews updates is thousands of files). Derived data: deleting it is safe."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.heads: dict[str, list[int]] = {}
        self.dirty = False

    def open(self, raw: RawFile) -> None:
        if self.path is not None:
            return
        # raw/<source>/<snapshot>/<name>: the index lives in raw/.index/
        self.path = raw.path.parents[2] / ".index" / INDEX_NAME
        try:
            loaded = json.loads(self.path.read_text())
            self.heads = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            self.heads = {}

    def get(self, raw: RawFile) -> MrtHead | None:
        self.open(raw)
        got = self.heads.get(raw.provenance.sha256)
        if got == []:
            return None  # known not to be a RIB or update dump
        if isinstance(got, list) and len(got) == 4 and all(isinstance(x, int) for x in got):
            return MrtHead(*got)
        try:
            st = raw.path.stat()
        except OSError:
            return None
        head = _head(str(raw.path), st.st_size, st.st_mtime_ns)
        self.heads[raw.provenance.sha256] = (
            [] if head is None else [head.time, head.type, head.subtype, head.length]
        )
        self.dirty = True
        return head

    def save(self) -> None:
        if self.dirty and self.path is not None:
            with contextlib.suppress(OSError):  # a read-only raw store: only a speed-up lost
                write_bytes_atomic(self.path, json.dumps(self.heads, sort_keys=True).encode())
            self.dirty = False


def mrt_dumps(files: Iterable[RawFile | Path]) -> list[MrtDump]:
    """Every RIB or update dump among `files` (stored raw files or paths), with its collector,
    kind and first-record time, in (collector, time, name) order. Files that are not MRT, or
    whose first record cannot be read, are left out: a damaged dump is reported where it is
    decoded."""
    out: list[MrtDump] = []
    index = _HeadIndex()
    for f in files:
        if isinstance(f, RawFile):
            head = index.get(f)
            path = f.path
        else:
            head, path = _path_head(f), f
        if head is not None:
            collector = collector_from_path(path) or path.parent.name
            out.append(MrtDump(path, collector, head.kind, head.time,
                               f if isinstance(f, RawFile) else None))  # fmt: skip
    index.save()
    out.sort(key=lambda d: (d.collector, d.time, d.path.name))
    return out


# --- loading local files ---------------------------------------------------------------------

_OTHER_PROJECT = {"bgp-ris": re.compile(r"^route-views"), "bgp-routeviews": re.compile(r"^rrc\d")}


def _decode(path: Path, collector: str, lenient: bool) -> tuple[int, int, str | None]:
    """(records, elements, what lenient mode skipped) of a whole decode: the file is checked
    record by record, as the build will read it."""
    reader = MRTReader(path, collector=collector, strict=not lenient)
    elements = sum(batch.num_rows for batch in reader)
    rep = reader.report
    skipped = None
    if not rep.clean:
        skipped = (f"{rep.skipped_records:,} damaged records ({rep.skipped_bytes:,} bytes) "
                   "skipped (--lenient); the build skips them too")  # fmt: skip
    return rep.records, elements, skipped


def _load(source_id: str, paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    out = []
    for path in paths:
        head = read_head(path)
        collector = opts.collector or collector_from_path(path)
        if collector is None:
            raise InputError(
                "the path does not say which collector wrote this dump",
                path=path,
                hint="pass --collector, e.g. --collector rrc00 (RIS) or route-views2 (RouteViews)",
            )
        check_collector(collector)
        if _OTHER_PROJECT[source_id].match(collector):
            raise InputError(
                f"{collector} is not a collector of {source_id}",
                path=path,
                hint="load RIS collectors (rrcNN) as bgp-ris, RouteViews ones as bgp-routeviews",
            )
        records, elements, skipped = _decode(path, collector, opts.lenient)
        notes = [f"{head.kind} dump of {collector} ({head.type_name}): {records:,} records, "
                 f"{elements:,} elements"]  # fmt: skip
        if skipped:
            notes.append(skipped)
        content = Dated(head.when.date(), True, f"its first MRT record, {when(head.time)}")
        out.append(simple(path, stored_name(source_id, collector, head, detect(path)), content,
                          opts, notes))  # fmt: skip
    return out


def load_ris(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """RIS RIB (bview) and update dumps, any name, any era (TABLE_DUMP, TABLE_DUMP_V2, BGP4MP)."""
    return _load("bgp-ris", paths, opts)


def load_routeviews(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """RouteViews RIB and update dumps, any name."""
    return _load("bgp-routeviews", paths, opts)


# --- fetching whole days, reporting what the archive lacks -----------------------------------


def fetch_days(
    settings: Settings,
    store: RawStore,
    *,
    source_id: str,
    collectors: Sequence[str],
    kind: Kind,
    first: date,
    last: date,
    base_url: str | None = None,
    strict: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> FetchReport:
    """Every RIB (or update) dump of `collectors` on the days `first`..`last` from the RIS or
    RouteViews archive. A dump the archive lacks (collector outages) is reported as missing,
    not fatal, unless `strict`."""
    if last < first:
        raise ConfigError("--to is before --date", hint="give --to on or after --date")
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    return fetch_window(settings, store, source_id=source_id, collectors=collectors, kind=kind,
                        start=start, end=end, base_url=base_url, strict=strict,
                        progress=progress)  # fmt: skip


def fetch_window(
    settings: Settings,
    store: RawStore,
    *,
    source_id: str,
    collectors: Sequence[str],
    kind: Kind,
    start: datetime,
    end: datetime,
    base_url: str | None = None,
    strict: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> FetchReport:
    """The dumps of `collectors` due in [start, end) (UTC) on the archive's grid; what the
    archive lacks is listed as missing, or stops the fetch when `strict`."""
    if end <= start:
        raise ConfigError("the end of the time range is not after its start",
                          hint="give an end after the start")  # fmt: skip
    project = "ris" if source_id == "bgp-ris" else "routeviews"
    report = FetchReport()
    for name in collectors:
        c = Collector(project, check_collector(name))  # type: ignore[arg-type]
        if _OTHER_PROJECT[source_id].match(name):
            raise ConfigError(f"{name} is not a collector of {source_id}",
                              hint="RIS collectors are rrcNN, RouteViews ones route-views*")  # fmt: skip
        got = fetch_dumps(settings, store, [c], kind, start, end, base_url=base_url,
                          progress=progress, skip_missing=not strict)  # fmt: skip
        have = {f.provenance.url for f in got}
        base = base_url or (
            settings.ris_base_url if project == "ris" else settings.routeviews_base_url
        )
        report.stored += got
        report.missing += [
            url
            for t in dump_times(c.project, kind, start, end)
            if (url := archive_url(base, c, kind, t)) not in have
        ]
    return report
