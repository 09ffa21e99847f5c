"""Fetching detection inputs into the raw store: a thin wrapper over the sources' own fetchers.

BGP: `nethealth.sources.collectors.fetch_dumps` (raw sources `bgp-ris` / `bgp-routeviews`, names
`<collector>.bview|rib|updates.YYYYMMDD.HHMM.gz|bz2`): the RIB dump at the window's start and
every update dump of the window. Atlas: `nethealth.sources.atlas.fetch` (raw source `atlas`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from nethealth.errors import ConfigError
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import atlas
from nethealth.sources.atlas import FetchReport
from nethealth.sources.collectors import Collector, Kind, archive_url, dump_times, fetch_dumps

Progress = Callable[[str, int, int], None]


def collector(name: str) -> Collector:
    """A collector by its archive name: rrcNN (RIS) or route-views* (RouteViews)."""
    if name.startswith("rrc"):
        return Collector("ris", name)
    if name.startswith("route-views"):
        return Collector("routeviews", name)
    raise ConfigError(
        f"unknown collector {name!r}", hint="RIS collectors are rrcNN, RouteViews ones route-views*"
    )


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def fetch_bgp(
    settings: Settings,
    store: RawStore,
    *,
    collectors: Sequence[str],
    first: date,
    last: date,
    progress: Progress | None = None,
) -> FetchReport:
    """The RIB dump at the start of `first` and every update dump to the end of `last`, per
    collector. Dumps the archive lacks (HTTP 404: collector outages) are listed as missing."""
    if last < first:
        raise ConfigError("--to is before --from", hint="give --from on or before --to")
    chosen = [collector(c) for c in collectors]
    start, end = _midnight(first), _midnight(last) + timedelta(days=1)
    report = FetchReport()
    for i, c in enumerate(chosen):
        if progress is not None:
            progress(f"fetch {c.name}", i, len(chosen))
        base = settings.ris_base_url if c.project == "ris" else settings.routeviews_base_url
        # The RIB at the start only: replay from it with the updates (one interval's window).
        windows: tuple[tuple[Kind, datetime, datetime], ...] = (
            ("rib", start, start + timedelta(seconds=1)),
            ("updates", start, end),
        )
        for kind, lo, hi in windows:
            got = fetch_dumps(settings, store, [c], kind, lo, hi, skip_missing=True)
            urls = {rf.provenance.url for rf in got}
            report.stored += got
            report.missing += [
                u
                for t in dump_times(c.project, kind, lo, hi)
                if (u := archive_url(base, c, kind, t)) not in urls
            ]
    if progress is not None:
        progress("fetch bgp", len(chosen), len(chosen))
    return report


def fetch_inputs(
    settings: Settings,
    store: RawStore,
    *,
    collectors: Sequence[str],
    first: date,
    last: date,
    with_atlas: bool = True,
    progress: Progress | None = None,
) -> FetchReport:
    """BGP dumps of `collectors` and (unless told not to) Atlas dumps and probe archives."""
    report = fetch_bgp(
        settings, store, collectors=collectors, first=first, last=last, progress=progress
    )
    if with_atlas:
        got = atlas.fetch(settings, store, first=first, last=last, progress=progress)
        report.stored += got.stored
        report.missing += got.missing
    return report
