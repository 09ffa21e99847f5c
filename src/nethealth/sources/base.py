"""What every source declares about itself: publisher, licence and the attribution to show, and
the two ways its files reach the raw store — `fetch` from the publisher, `load` from local files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nethealth.common.cadence import Cadence
from nethealth.errors import ConfigError
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.download import FetchReport

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SourceInfo:
    id: str
    title: str
    publisher: str
    homepage: str
    licence: str
    licence_url: str
    attribution: str
    description: str
    fetchable: bool = True  # False: comes with an installed package, not downloaded


@dataclass(frozen=True)
class FetchRequest:
    """What `nethealth fetch SOURCE` was asked for. A fetcher uses what applies to its source and
    refuses (ConfigError) an option that does not, or one it needs and lacks."""

    day: date | None = None  # a snapshot day, or the first day of a range
    to: date | None = None  # the last day of a range
    base_url: str | None = None  # a mirror of the publisher (http(s) or file://)
    strict: bool = False  # stop at the first file the publisher does not have
    collectors: tuple[str, ...] = ()
    kind: str | None = None  # bgp-*: rib or updates
    objects: tuple[str, ...] = ()  # peeringdb: API object types
    parts: tuple[str, ...] = ()  # a source published in parts: rir registries, irr databases


Fetcher = Callable[[Settings, RawStore, FetchRequest, Progress], FetchReport]


@dataclass(frozen=True)
class LoadOptions:
    """What the command line adds to the files: a date, a collector, an indicator, leniency."""

    day: date | None = None
    collector: str | None = None
    indicator: str | None = None
    lenient: bool = False
    country: str | None = None  # target lists: the country the list belongs to


@dataclass
class Prepared:
    """One parsed file, ready to store."""

    path: Path
    name: str
    snapshot: str
    dated_by: str
    notes: list[str] = field(default_factory=list)
    # runs after the file is stored (e.g. the shutdown tracker imports a STOP sheet)
    after: Callable[[Settings, RawFile], list[str]] | None = None


Loader = Callable[[Sequence[Path], LoadOptions], list[Prepared]]


@dataclass(frozen=True)
class Source:
    """A source as an area declares it: who publishes it, how to fetch it, how to load a file,
    and how often its publisher publishes (`cadence`: staleness, plausible sizes, what
    `nethealth update` asks for and what `nethealth prune` keeps; `nethealth.common.cadence`)."""

    info: SourceInfo
    fetch: Fetcher | None = None
    load: Loader | None = None
    cadence: Cadence = field(kw_only=True)

    @property
    def id(self) -> str:
        return self.info.id


def check_request(req: FetchRequest, source_id: str, *allowed: str) -> None:
    """Refuse the options of `nethealth fetch` that `source_id` does not use (a silently ignored
    `--date` would fetch something other than what was asked)."""
    given = {
        "--date": req.day is not None, "--to": req.to is not None,
        "--base-url": req.base_url is not None, "--collector": bool(req.collectors),
        "--kind": req.kind is not None, "--object": bool(req.objects), "--part": bool(req.parts),
    }  # fmt: skip
    extra = [name for name, used in given.items() if used and name not in allowed]
    if extra:
        takes = ", ".join(allowed) or "no option"
        raise ConfigError(
            f"{source_id} does not take {', '.join(extra)}", hint=f"{source_id} takes {takes}"
        )


def stored(*files: RawFile) -> FetchReport:
    """A fetch that stores files and has no notion of a missing one."""
    return FetchReport(stored=list(files))
