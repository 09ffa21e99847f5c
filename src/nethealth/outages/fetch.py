"""Fetching detection inputs into the raw store: RIS and RouteViews MRT files, RIPE Atlas
daily dumps and probe archives, in the publishers' layouts (or a mirror of them).

Raw sources: `mrt` (name `<collector>.<file name>`, snapshot = the file's day) and `atlas`
(dumps keep their names; probe archives become `probes-YYYYMMDD.json.bz2`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from nethealth.errors import ConfigError, FetchError
from nethealth.lake.raw import RawFile, RawStore
from nethealth.outages.config import OutageSettings
from nethealth.settings import Settings
from nethealth.sources.download import fetch_to_store, join_url

MRT_SOURCE = "mrt"
ATLAS_SOURCE = "atlas"
MRT_LICENCE = "RIPE NCC RIS / University of Oregon RouteViews: free to use with attribution"
ATLAS_LICENCE = "RIPE Atlas data: RIPE NCC terms of use, attribution required"
Progress = Callable[[str, int, int], None]


@dataclass
class FetchReport:
    stored: list[RawFile] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # URLs the publisher does not have


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _times(first: date, last: date, every_minutes: int) -> list[datetime]:
    t = datetime(first.year, first.month, first.day, tzinfo=UTC)
    stop = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    out = []
    while t < stop:
        out.append(t)
        t += timedelta(minutes=every_minutes)
    return out


def ris_paths(collector: str, first: date, last: date) -> list[str]:
    """The RIB dump at the start of `first`, then every 5-minute update file to `last`."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    out = [f"{collector}/{start:%Y.%m}/bview.{start:%Y%m%d.%H%M}.gz"]
    out += [f"{collector}/{t:%Y.%m}/updates.{t:%Y%m%d.%H%M}.gz" for t in _times(first, last, 5)]
    return out


def routeviews_paths(
    collector: str, first: date, last: date, *, legacy_root: bool = False
) -> list[str]:
    """As RouteViews lays them out: RIBS every 2 h, UPDATES every 15 minutes. The original
    collector (route-views2) lives at the archive's root (`bgpdata/…`) on the real site."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    base = "bgpdata" if legacy_root else f"{collector}/bgpdata"
    out = [f"{base}/{start:%Y.%m}/RIBS/rib.{start:%Y%m%d.%H%M}.bz2"]
    out += [
        f"{base}/{t:%Y.%m}/UPDATES/updates.{t:%Y%m%d.%H%M}.bz2" for t in _times(first, last, 15)
    ]
    return out


def atlas_paths(
    first: date, last: date, kinds: Sequence[str] = ("ping", "traceroute")
) -> list[str]:
    return [
        f"{t:%Y-%m-%d}/{k}-{t:%Y-%m-%d}T{t:%H}00.bz2"
        for t in _times(first, last, 60)
        for k in kinds
    ]


def _store(
    store: RawStore,
    settings: Settings,
    source: str,
    url: str,
    name: str,
    day: str,
    licence: str,
    report: FetchReport,
    progress: Progress | None,
) -> None:
    try:
        report.stored.append(
            fetch_to_store(
                store,
                source_id=source,
                snapshot=day,
                name=name,
                url=url,
                licence=licence,
                settings=settings,
                progress=progress,
            )
        )
    except FetchError as exc:
        if "no such file" in exc.message or "404" in exc.message:
            report.missing.append(url)  # archives have gaps; the detector sees missing bins
        else:
            raise


def _real_routeviews(config: OutageSettings) -> bool:
    return "archive.routeviews.org" in config.routeviews_base_url


def _day_of(rel: str) -> str:
    stamp = rel.rsplit("/", 1)[-1].split(".")[1]
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"


def fetch_mrt(
    settings: Settings,
    store: RawStore,
    config: OutageSettings,
    *,
    collectors: Sequence[str],
    first: date,
    last: date,
    progress: Progress | None = None,
) -> FetchReport:
    if last < first:
        raise ConfigError("--to is before --from", hint="give --from on or before --to")
    report = FetchReport()
    jobs: list[tuple[str, str, str]] = []
    for c in collectors:
        if c.startswith("rrc"):
            jobs += [
                (join_url(config.ris_base_url, rel), f"{c}.{rel.rsplit('/', 1)[-1]}", _day_of(rel))
                for rel in ris_paths(c, first, last)
            ]
        elif c.startswith("route-views"):
            jobs += [
                (
                    join_url(config.routeviews_base_url, rel),
                    f"{c}.{rel.rsplit('/', 1)[-1]}",
                    _day_of(rel),
                )
                for rel in routeviews_paths(
                    c, first, last, legacy_root=c == "route-views2" and _real_routeviews(config)
                )
            ]
        else:
            raise ConfigError(
                f"unknown collector {c!r}",
                hint="RIS collectors are rrcNN, RouteViews ones route-views*",
            )
    for i, (url, name, day) in enumerate(jobs):
        if progress is not None:
            progress("fetch mrt", i, len(jobs))
        _store(store, settings, MRT_SOURCE, url, name, day, MRT_LICENCE, report, None)
    if progress is not None:
        progress("fetch mrt", len(jobs), len(jobs))
    return report


def fetch_atlas(
    settings: Settings,
    store: RawStore,
    config: OutageSettings,
    *,
    first: date,
    last: date,
    progress: Progress | None = None,
) -> FetchReport:
    if last < first:
        raise ConfigError("--to is before --from", hint="give --from on or before --to")
    report = FetchReport()
    jobs = [
        (join_url(config.atlas_dumps_base_url, rel), rel.rsplit("/", 1)[-1], rel[:10])
        for rel in atlas_paths(first, last)
    ]
    jobs += [
        (
            join_url(config.atlas_probes_base_url, f"{d:%Y/%m/%Y%m%d}.json.bz2"),
            f"probes-{d:%Y%m%d}.json.bz2",
            d.isoformat(),
        )
        for d in _days(first, last)
    ]
    for i, (url, name, day) in enumerate(jobs):
        if progress is not None:
            progress("fetch atlas", i, len(jobs))
        _store(store, settings, ATLAS_SOURCE, url, name, day, ATLAS_LICENCE, report, None)
    if progress is not None:
        progress("fetch atlas", len(jobs), len(jobs))
    return report


def raw_paths(store: RawStore, source: str) -> list[Path]:
    return [f.path for f in store.files(source)]


def epoch(d: date) -> int:
    return calendar.timegm(d.timetuple())
