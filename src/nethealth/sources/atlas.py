"""RIPE Atlas: the hourly daily-dump files of public ping and traceroute results, and the
daily probe archive (probe id, ASN, country, status), in the publisher's layout:

- dumps:  {atlas_dumps_base_url}/{YYYY-MM-DD}/{ping,traceroute}-{YYYY-MM-DD}T{HH}00.bz2
- probes: {atlas_probes_base_url}/{YYYY}/{MM}/{YYYYMMDD}.json.bz2

Raw source `atlas`: dumps keep their names, probe archives are stored as
`probes-YYYYMMDD.json.bz2`; snapshot = the file's day; provenance as for every source.
The archive has gaps (hours without a dump); those are reported, not fatal, so the detector
sees missing bins instead of a failed fetch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from nethealth.errors import ConfigError, FetchError
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import SourceInfo
from nethealth.sources.download import fetch_to_store, join_url

SOURCE_ID = "atlas"
KINDS = ("ping", "traceroute")
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="RIPE Atlas daily dumps and probe archive",
    publisher="RIPE NCC (RIPE Atlas)",
    homepage="https://atlas.ripe.net/",
    licence="RIPE Atlas data: RIPE NCC terms of use, attribution required",
    licence_url="https://www.ripe.net/about-us/legal/ripe-atlas-terms-and-conditions/",
    attribution="Measurement data from RIPE Atlas (RIPE NCC).",
    description="Hourly dumps of all public ping and traceroute results, and the daily archive "
    "of probes with their AS numbers, countries and status.",
)
Progress = Callable[[str, int, int], None]


@dataclass
class FetchReport:
    stored: list[RawFile] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # URLs the publisher does not have


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def dump_paths(first: date, last: date, kinds: Sequence[str] = KINDS) -> list[str]:
    """Every hourly dump of the days `first`..`last`, relative to the dumps base URL."""
    t = datetime(first.year, first.month, first.day, tzinfo=UTC)
    stop = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    out: list[str] = []
    while t < stop:
        out += [f"{t:%Y-%m-%d}/{k}-{t:%Y-%m-%d}T{t:%H}00.bz2" for k in kinds]
        t += timedelta(hours=1)
    return out


def probe_path(day: date) -> str:
    return f"{day:%Y/%m/%Y%m%d}.json.bz2"


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    first: date,
    last: date,
    kinds: Sequence[str] = KINDS,
    progress: Progress | None = None,
) -> FetchReport:
    """Fetch the dumps and the probe archives of the days `first`..`last` (files already
    stored are not fetched again)."""
    if last < first:
        raise ConfigError("the last day is before the first", hint="give --to on or after --from")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ConfigError(f"unknown Atlas dump kind(s) {unknown}", hint="choose ping, traceroute")
    jobs = [
        (join_url(settings.atlas_dumps_base_url, rel), rel.rsplit("/", 1)[-1], rel[:10])
        for rel in dump_paths(first, last, kinds)
    ]
    jobs += [
        (
            join_url(settings.atlas_probes_base_url, probe_path(d)),
            f"probes-{d:%Y%m%d}.json.bz2",
            d.isoformat(),
        )
        for d in _days(first, last)
    ]
    have = {f.provenance.url: f for f in store.files(SOURCE_ID)}
    report = FetchReport()
    for i, (url, name, day) in enumerate(jobs):
        if progress is not None:
            progress("fetch atlas", i, len(jobs))
        if url in have:
            report.stored.append(have[url])
            continue
        try:
            raw = fetch_to_store(
                store,
                source_id=SOURCE_ID,
                snapshot=day,
                name=name,
                url=url,
                licence=SOURCE.licence,
                settings=settings,
            )
        except FetchError as exc:
            if not exc.missing:
                raise
            report.missing.append(url)
            continue
        report.stored.append(raw)
    if progress is not None:
        progress("fetch atlas", len(jobs), len(jobs))
    return report
