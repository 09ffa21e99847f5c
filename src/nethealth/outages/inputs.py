"""Finding and reading the detection inputs: MRT RIB/UPDATES files of RIS and RouteViews
collectors, RIPE Atlas result dumps and probe archives, RIR delegated files.

MRT files are recognised by their content (the first record's type and time), whatever their
names; Atlas files by the publishers' own names (`ping-*`/`traceroute-*` dumps and
`probes/archive/…/YYYYMMDD.json*`), whether they sit in a publisher-layout mirror, in the raw
store (`bgp-ris`, `bgp-routeviews`, `atlas`) or anywhere else; the collector comes from the
path as in `nethealth bgp ingest`.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from nethealth.bgp.damage import build_reader
from nethealth.bgp.ingest import guess_collector
from nethealth.common import asof
from nethealth.errors import InputError
from nethealth.formats import compression
from nethealth.formats.atlas import (
    PROBE_SCHEMA,
    RESULT_SCHEMA,
    ParseReport,
    iter_results,
    read_probes,
)
from nethealth.outages.signals.bgp import ROUTE_COLUMNS, reduce_elements
from nethealth.sources.mrt import collector_from_path, mrt_dumps

Progress = Callable[[str, int, int], None]
_ATLAS = re.compile(r"^(ping|traceroute)[-_.]")
_PROBES = re.compile(r"(\d{8})\.json(?:\.(?:bz2|gz|xz))?$")
_SKIP_SUFFIXES = (".prov.json", ".part", ".tmp", ".report.json")
_DUMP_NAME = re.compile(r"(?:^|\.)(bview|rib|updates)\.(\d{8})\.(\d{4})(?:\.|$)")
MAX_PERIOD = 900  # RouteViews' update files: 15 minutes (RIS: 5)
DAY = 86400


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


@dataclass(frozen=True)
class MrtFile:
    path: Path
    collector: str
    kind: str  # "rib" or "updates"
    time: int  # epoch seconds of the file's first MRT record


@dataclass
class BgpFiles:
    ribs: dict[str, list[MrtFile]] = field(default_factory=dict)
    updates: dict[str, list[MrtFile]] = field(default_factory=dict)

    def add(self, f: MrtFile) -> None:
        target = self.ribs if f.kind == "rib" else self.updates
        target.setdefault(f.collector, []).append(f)

    def sort(self) -> None:
        for d in (self.ribs, self.updates):
            for v in d.values():
                v.sort(key=lambda f: (f.time, f.path.name))


def _files(roots: Sequence[Path]) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            for p in sorted(root.rglob("*")):
                if (
                    p.is_file()
                    and not p.name.startswith(".")
                    and not p.name.endswith(_SKIP_SUFFIXES)
                ):
                    yield p
        else:
            raise InputError(
                "no such file or directory",
                path=root,
                hint="give MRT files or directories holding them",
            )


def collector_of(path: Path) -> str:
    """The collector, from raw-store names (`rrc00.updates.…`, `route-views2.rib.…`, or any
    `<collector>.bview|rib|updates.…` a load stored) or the archive layout
    (`…/rrc00/2025.06/updates.…`, `…/route-views.jinx/bgpdata/…`)."""
    return collector_from_path(path) or guess_collector(path) or path.parent.name


def find_mrt(roots: Sequence[Path]) -> BgpFiles:
    """The RIB and update dumps under `roots`, known by their first MRT record (kind and time,
    `sources.mrt.mrt_dumps`), whatever they are called; the collector from the path. An update
    dump without any record (a quiet interval of a small table) has no first record: it is
    known by its publisher name, `updates.YYYYMMDD.HHMM`, and counts as data (nothing
    changed), not as a gap."""
    out = BgpFiles()
    paths = list(_files(roots))
    found = mrt_dumps(paths)
    for d in found:
        time = interval_start(d.path, d.time) if d.kind == "updates" else d.time
        out.add(MrtFile(d.path, collector_of(d.path), d.kind, time))
    known = {d.path for d in found}
    for p in paths:
        if p not in known and (t := empty_updates_time(p)) is not None:
            out.add(MrtFile(p, collector_of(p), "updates", t))
    out.sort()
    return out


def _name_time(path: Path) -> int | None:
    m = _DUMP_NAME.search(path.name)
    if m is None:
        return None
    ymd, hm = m[2], m[3]
    return calendar.timegm(
        (int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]), int(hm[:2]), int(hm[2:]), 0, 0, 0, 0)
    )


def interval_start(path: Path, first_record: int) -> int:
    """When an update dump's interval begins: the time in its publisher name
    (`updates.20250601.0005`) when its first record lies in that interval (within the longest
    period, 15 minutes), else its first record's time. A quiet first minute must not shift a
    file off its 5-minute grid: the gap between files is how a missing file is told apart. (A
    RIB keeps its first record's time: the state it holds is of that moment.)"""
    named = _name_time(path)
    if named is not None and named <= first_record < named + MAX_PERIOD:
        return named
    return first_record


def empty_updates_time(path: Path) -> int | None:
    """The time in the name of an update dump that decompresses to nothing (None otherwise)."""
    if not path.name.startswith("updates.") and ".updates." not in path.name:
        return None
    named = _name_time(path)
    if named is None:
        return None
    try:
        with compression.open_binary(path) as fh:
            if fh.read(1):
                return None
    except (OSError, EOFError):
        return None
    return named


def rib_tolerance(collector: str) -> int:
    """Seconds a RIB may precede the window it starts (the as-of tolerance of its source)."""
    source = "bgp-routeviews" if collector.startswith("route-views") else "bgp-ris"
    return asof.tolerance(source).days * DAY


def select_mrt_checked(
    files: BgpFiles, start: int, end: int
) -> tuple[list[MrtFile], dict[str, str]]:
    """Per collector: the last RIB at or before `start` (or, when none is, its first RIB before
    `end`: the collector's data then begin later), then the update files from that RIB's time
    until `end`. A RIB older than its source's tolerance (`nethealth.common.asof`, 1 day) is not
    the state of the window: that collector is refused, with the reason. Collectors without a
    RIB are left out (every route would look new)."""
    chosen: list[MrtFile] = []
    refused: dict[str, str] = {}
    for collector, ribs in sorted(files.ribs.items()):
        before = [r for r in ribs if r.time <= start]
        if before:
            rib = before[-1]
            age = start - rib.time
            if age > rib_tolerance(collector):
                refused[collector] = (
                    f"{collector}: newest RIB at or before the window start, {_iso(rib.time)}, "
                    f"is {asof.gap_text(age // DAY)} older than {_iso(start)} (tolerance "
                    f"{asof.gap_text(rib_tolerance(collector) // DAY)}): not the state of the "
                    "window, collector refused"
                )
                continue
        else:
            rib = ribs[0]
        if rib.time >= end:
            continue
        chosen.append(rib)
        chosen += [u for u in files.updates.get(collector, []) if rib.time - 900 <= u.time < end]
    for collector in sorted(set(files.updates) - set(files.ribs)):
        refused[collector] = f"{collector}: update dumps without any RIB, collector refused"
    return chosen, refused


def select_mrt(files: BgpFiles, start: int, end: int) -> list[MrtFile]:
    """`select_mrt_checked` without the reasons for refused collectors."""
    return select_mrt_checked(files, start, end)[0]


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%MZ")


def _period(times: Sequence[int]) -> int:
    """A collector's update-file period: the most common gap between files (5 minutes when
    unknown)."""
    gaps = [b - a for a, b in itertools.pairwise(sorted(times)) if b > a]
    return max(set(gaps), key=gaps.count) if gaps else 300


def data_windows(files: Sequence[MrtFile]) -> dict[str, list[tuple[int, int]]]:
    """Per collector, the time intervals its files describe: each update file its period
    [time, time + period), the RIB only its own period. Time without a file is time without
    data (no series is drawn over it), however long the RIB's routes stay in the table."""
    by: dict[str, list[MrtFile]] = {}
    for f in files:
        by.setdefault(f.collector, []).append(f)
    out: dict[str, list[tuple[int, int]]] = {}
    for c, group in by.items():
        period = _period([f.time for f in group if f.kind == "updates"])
        out[c] = sorted((f.time, f.time + period) for f in group)
    return out


def covered_bins(
    windows: dict[str, list[tuple[int, int]]], t0: int, step: int, n: int
) -> np.ndarray:
    """Bins [t0 + i·step, t0 + (i+1)·step) that some collector's data window overlaps."""
    mask = np.zeros(n, dtype=bool)
    for intervals in windows.values():
        for a, b in intervals:
            lo = max(0, (a - t0) // step)
            hi = min(n, -(-(b - t0) // step))
            if hi > lo:
                mask[lo:hi] = True
    return mask


def coverage(files: Sequence[MrtFile]) -> dict[str, int]:
    """Per collector, when its data ends: its last update file's time plus the file period
    (the most common gap between its update files; 5 minutes when unknown); a collector with a
    RIB only covers the RIB's own 5-minute bin."""
    out: dict[str, int] = {}
    by: dict[str, list[int]] = {}
    for f in files:
        if f.kind == "updates":
            by.setdefault(f.collector, []).append(f.time)
        else:
            out.setdefault(f.collector, f.time - f.time % 300 + 300)
    for c, times in by.items():
        times.sort()
        gaps = [b - a for a, b in itertools.pairwise(times) if b > a]
        period = max(set(gaps), key=gaps.count) if gaps else 300
        out[c] = times[-1] + period
    return out


def update_gaps(
    files: Sequence[MrtFile], tolerance: float = 1.5
) -> dict[str, list[tuple[int, int]]]:
    """Per collector, the stretches between its first and last update files with no file:
    where the next file comes later than `tolerance` times the usual period (the most common
    gap). Messages of those stretches were not recorded, so the collector's peers have no
    data then (a state not updated is not a state seen)."""
    by: dict[str, list[int]] = {}
    for f in files:
        if f.kind == "updates":
            by.setdefault(f.collector, []).append(f.time)
    out: dict[str, list[tuple[int, int]]] = {}
    for c, times in by.items():
        times = sorted(set(times))
        gaps = [b - a for a, b in itertools.pairwise(times)]
        if not gaps:
            continue
        period = max(set(gaps), key=gaps.count)
        spans = [
            (a + period, b) for a, b in itertools.pairwise(times) if b - a > tolerance * period
        ]
        if spans:
            out[c] = spans
    return out


def read_bgp(
    files: Sequence[MrtFile], *, strict: bool = True, progress: Progress | None = None
) -> list[pa.Table]:
    """Decode the files into the reduced columns the visibility signal needs."""
    return list(iter_bgp(files, strict=strict, progress=progress)) or [ROUTE_COLUMNS.empty_table()]


def iter_bgp(
    files: Sequence[MrtFile], *, strict: bool = True, progress: Progress | None = None
) -> Iterator[pa.Table]:
    """`read_bgp` a decoded batch at a time (memory: one batch)."""
    report = progress or _noop
    for i, f in enumerate(files):
        report("bgp decode", i, len(files))
        reader = build_reader(f.path, collector=f.collector, strict=strict, threaded=False)
        for b in reader:
            yield reduce_elements(b)
    report("bgp decode", len(files), len(files))


@dataclass
class AtlasFiles:
    results: list[Path] = field(default_factory=list)
    probes: list[tuple[date, Path]] = field(default_factory=list)


def find_atlas(roots: Sequence[Path]) -> AtlasFiles:
    out = AtlasFiles()
    for p in _files(roots):
        if _ATLAS.match(p.name):
            out.results.append(p)
        elif (p.name.startswith("probes-") or "probe" in str(p.parent).lower()) and (
            m := _PROBES.search(p.name)
        ):
            d = m[1]
            out.probes.append((date(int(d[:4]), int(d[4:6]), int(d[6:])), p))
    out.probes.sort()
    return out


_HOUR = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2})")


def dump_hour(p: Path) -> int | None:
    m = _HOUR.search(p.name)
    if m is None:
        return None
    d = date.fromisoformat(m[1])
    return calendar.timegm((d.year, d.month, d.day, int(m[2]), 0, 0, 0, 0, 0))


def atlas_coverage(files: AtlasFiles) -> tuple[int, int] | None:
    """(first hour, end of the last hour) of the hourly dumps, when their names say it."""
    hours = [h for p in files.results if (h := dump_hour(p)) is not None]
    return (min(hours), max(hours) + 3600) if hours else None


def _parse_one(path: Path, strict: bool) -> tuple[list[pa.Table], ParseReport]:
    rep = ParseReport(str(path))
    return list(iter_results(path, strict=strict, report=rep)), rep


def read_atlas(
    files: AtlasFiles,
    *,
    start: int,
    end: int,
    lookback: int = 3600,
    strict: bool = True,
    progress: Progress | None = None,
    workers: int = 1,
) -> tuple[pa.Table, pa.Table, list[ParseReport]]:
    """(results, probes, reports): results of dumps that can hold [start - lookback, end).

    With `workers` > 1 the dumps are parsed in that many processes (decompression and JSON
    decoding dominate, and each file is independent)."""
    report = progress or _noop
    picked = [
        p
        for p in files.results
        if (h := dump_hour(p)) is None or start - lookback - 3600 <= h < end
    ]
    tables: list[pa.Table] = []
    reports: list[ParseReport] = []
    if workers > 1 and len(picked) > workers:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, (got, rep) in enumerate(pool.map(_parse_one, picked, [strict] * len(picked))):
                report("atlas parse", i, len(picked))
                tables.extend(got)
                reports.append(rep)
    else:
        for i, p in enumerate(picked):
            report("atlas parse", i, len(picked))
            got, rep = _parse_one(p, strict)
            tables.extend(got)
            reports.append(rep)
    report("atlas parse", len(picked), len(picked))
    results = pa.concat_tables(tables) if tables else RESULT_SCHEMA.empty_table()
    day = datetime.fromtimestamp(start, UTC).date()
    # the probe archive in force (as-of rule: the latest on or before the day, within a day)
    archive, _asof = asof.pick_item("atlas", day, ((d, p.name, p) for d, p in files.probes))
    probes = read_probes(archive) if archive is not None else PROBE_SCHEMA.empty_table()
    return results, probes, reports


def delegation_files(roots: Iterable[Path]) -> list[Path]:
    """RIR delegated-extended files (dated ones and `-latest`)."""
    pat = re.compile(r"^delegated-[a-z]+-extended-(\d{8}|latest)")
    return [p for p in _files(list(roots)) if pat.match(p.name)]
