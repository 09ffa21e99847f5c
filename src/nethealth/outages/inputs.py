"""Finding and reading the detection inputs: MRT RIB/UPDATES files of RIS and RouteViews
collectors, RIPE Atlas result dumps and probe archives, RIR delegated files.

Files are recognised by the publishers' own names (`bview.YYYYMMDD.HHMM.gz`,
`rib.YYYYMMDD.HHMM.bz2`, `updates.YYYYMMDD.HHMM.*`; Atlas `ping-*`/`traceroute-*` dumps and
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

import pyarrow as pa

from nethealth.bgp.damage import build_reader
from nethealth.bgp.ingest import guess_collector
from nethealth.errors import InputError
from nethealth.formats.atlas import (
    PROBE_SCHEMA,
    RESULT_SCHEMA,
    ParseReport,
    iter_results,
    read_probes,
)
from nethealth.outages.signals.bgp import ROUTE_COLUMNS, reduce_elements

Progress = Callable[[str, int, int], None]
_MRT = re.compile(r"(?:^|\.)(bview|rib|updates)\.(\d{8})\.(\d{4})(?:\.|$)")
_ATLAS = re.compile(r"^(ping|traceroute)[-_.]")
_PROBES = re.compile(r"(\d{8})\.json(?:\.(?:bz2|gz|xz))?$")
_SKIP_SUFFIXES = (".prov.json", ".part", ".tmp", ".report.json")


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


@dataclass(frozen=True)
class MrtFile:
    path: Path
    collector: str
    kind: str  # "rib" or "updates"
    time: int  # epoch seconds from the file name


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


def _stamp(ymd: str, hm: str) -> int:
    return calendar.timegm(
        (int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]), int(hm[:2]), int(hm[2:]), 0, 0, 0, 0)
    )


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
    """The collector, from raw-store names (`rrc00.updates.…`, `route-views2.rib.…`) or the
    archive layout (`…/rrc00/2025.06/updates.…`, `…/route-views.jinx/bgpdata/…`)."""
    return guess_collector(path) or path.parent.name


def find_mrt(roots: Sequence[Path]) -> BgpFiles:
    out = BgpFiles()
    for p in _files(roots):
        m = _MRT.search(p.name)
        if m is None:
            continue
        collector = collector_of(p)
        out.add(
            MrtFile(p, collector, "updates" if m[1] == "updates" else "rib", _stamp(m[2], m[3]))
        )
    out.sort()
    return out


def select_mrt(files: BgpFiles, start: int, end: int) -> list[MrtFile]:
    """Per collector: the last RIB at or before `start` (else its first RIB), then the update
    files from that RIB's time until `end`. Collectors without a RIB are left out."""
    chosen: list[MrtFile] = []
    for collector, ribs in sorted(files.ribs.items()):
        before = [r for r in ribs if r.time <= start]
        rib = before[-1] if before else ribs[0]
        if rib.time >= end:
            continue
        chosen.append(rib)
        chosen += [u for u in files.updates.get(collector, []) if rib.time - 900 <= u.time < end]
    return chosen


def coverage(files: Sequence[MrtFile]) -> dict[str, int]:
    """Per collector, when its data ends: its last update file's time plus the file period
    (the most common gap between its update files; 5 minutes when unknown)."""
    out: dict[str, int] = {}
    by: dict[str, list[int]] = {}
    for f in files:
        if f.kind == "updates":
            by.setdefault(f.collector, []).append(f.time)
        else:
            out.setdefault(f.collector, f.time)
    for c, times in by.items():
        times.sort()
        gaps = [b - a for a, b in itertools.pairwise(times) if b > a]
        period = max(set(gaps), key=gaps.count) if gaps else 300
        out[c] = times[-1] + period
    return out


def read_bgp(
    files: Sequence[MrtFile], *, strict: bool = True, progress: Progress | None = None
) -> list[pa.Table]:
    """Decode the files into the reduced columns the visibility signal needs."""
    report = progress or _noop
    out: list[pa.Table] = []
    for i, f in enumerate(files):
        report("bgp decode", i, len(files))
        reader = build_reader(f.path, collector=f.collector, strict=strict, threaded=False)
        out.extend(reduce_elements(b) for b in reader)
    report("bgp decode", len(files), len(files))
    return out or [ROUTE_COLUMNS.empty_table()]


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
    archive = [p for d, p in files.probes if d <= day] or [p for _d, p in files.probes[:1]]
    probes = read_probes(archive[-1]) if archive else PROBE_SCHEMA.empty_table()
    return results, probes, reports


def delegation_files(roots: Iterable[Path]) -> list[Path]:
    """RIR delegated-extended files (dated ones and `-latest`)."""
    pat = re.compile(r"^delegated-[a-z]+-extended-(\d{8}|latest)")
    return [p for p in _files(list(roots)) if pat.match(p.name)]
