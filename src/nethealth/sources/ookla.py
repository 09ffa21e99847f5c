"""Ookla open performance data (source `ookla`): quarterly tiles of fixed and mobile speed tests.

Layout (the public S3 bucket https://github.com/teamookla/ookla-open-data describes):
`<base>/parquet/performance/type={fixed|mobile}/year=YYYY/quarter=Q/YYYY-MM-01_performance_
{fixed|mobile}_tiles.parquet`. `nethealth fetch ookla --date D [--part fixed|mobile]` downloads the
quarter holding D (both types unless one is named); `nethealth load ookla FILE…` stores files
named as the publisher names them (the name is the only place the quarter is written). Each is
stored under the quarter's first day; the resilience step turns tiles into per-country figures.

Licence: Creative Commons Attribution-NonCommercial-ShareAlike 4.0 (CC BY-NC-SA 4.0) — "Speedtest®
by Ookla® Global Fixed and Mobile Network Performance Maps"; non-commercial use only, derived
data shared alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from nethealth.errors import ConfigError, InputError
from nethealth.formats.ookla import TYPES, Quarter, quarter_of_name, read_tiles
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions, Prepared, SourceInfo
from nethealth.sources.download import FetchReport, fetch_or_skip, fetch_to_store, join_url
from nethealth.sources.load import Dated, decompressed, simple

SOURCE_ID = "ookla"
DEFAULT_BASE_URL = "https://ookla-open-data.s3.amazonaws.com"
LICENCE = "CC BY-NC-SA 4.0 (Speedtest by Ookla Global Fixed and Mobile Network Performance Maps)"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="Ookla open performance data",
    publisher="Ookla (Speedtest by Ookla)",
    homepage="https://github.com/teamookla/ookla-open-data",
    licence=LICENCE,
    licence_url="https://creativecommons.org/licenses/by-nc-sa/4.0/",
    attribution="Speedtest® by Ookla® Global Fixed and Mobile Network Performance Maps. Based on "
    "analysis by Ookla of Speedtest Intelligence® data; licensed CC BY-NC-SA 4.0 (non-commercial).",
    description="Quarterly mean download, upload and latency of speed tests per zoom-16 map tile, "
    "fixed and mobile; nethealth gives each tile the country of its centre.",
)
Progress = Callable[[str, int, int], None]


def quarter_of(day: date, kind: str) -> Quarter:
    return Quarter(date(day.year, 3 * ((day.month - 1) // 3) + 1, 1), kind)


def path_of(q: Quarter) -> str:
    n = (q.first_day.month - 1) // 3 + 1
    return (f"parquet/performance/type={q.kind}/year={q.first_day.year}/quarter={n}/"
            f"{q.name}")  # fmt: skip


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    day: date,
    kinds: Sequence[str] = TYPES,
    base_url: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> FetchReport:
    """The quarter holding `day`, each of `kinds`; a quarter not published is reported missing."""
    bad = sorted(set(kinds) - set(TYPES))
    if bad:
        raise ConfigError(f"unknown Ookla type(s) {', '.join(bad)}", hint="--part fixed or mobile")
    report = FetchReport()
    for kind in kinds:
        q = quarter_of(day, kind)
        url = join_url(base_url or DEFAULT_BASE_URL, path_of(q))

        def one(url: str = url, q: Quarter = q) -> RawFile:
            return fetch_to_store(store, source_id=SOURCE_ID, snapshot=q.first_day.isoformat(),
                                  name=q.name, url=url, licence=LICENCE, settings=settings,
                                  progress=progress)  # fmt: skip

        fetch_or_skip(report, strict, one, url)
    return report


def load(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """Tiles files named as Ookla names them (the name says the quarter and the type)."""
    out = []
    for path in paths:
        q = quarter_of_name(path.name)
        if q is None:
            raise InputError("the name does not say the quarter and type", path=path,
                             hint="keep Ookla's name: YYYY-MM-01_performance_{fixed,mobile}_"
                             "tiles.parquet (MM = 01, 04, 07 or 10)")  # fmt: skip
        table = read_tiles(decompressed(path), path)
        content = Dated(q.first_day, True, f"quarter starting {q.first_day} (file name)")
        out.append(simple(path, q.name, content, opts,
                          [f"{table.num_rows:,} {q.kind} tiles"]))  # fmt: skip
    return out
