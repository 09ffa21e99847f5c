"""Download the STOP sheet from the publisher's CSV export, keep it as a raw file, import it."""

from __future__ import annotations

from collections.abc import Callable

from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.shutdowns.config import ShutdownSettings
from nethealth.shutdowns.importer import LICENCE, SOURCE_ID, ImportReport, import_file
from nethealth.sources.common import today_utc
from nethealth.sources.download import fetch_to_store

Progress = Callable[[str, int, int], None]
RAW_NAME = "keepiton-stop.csv"


def fetch_stop(
    settings: Settings,
    *,
    url: str | None = None,
    progress: Progress | None = None,
) -> RawFile:
    """The publisher's current sheet, as raw/access-now/<today>/keepiton-stop.csv + provenance."""
    return fetch_to_store(
        RawStore(settings.raw_dir),
        source_id=SOURCE_ID,
        snapshot=today_utc(),
        name=RAW_NAME,
        url=url or ShutdownSettings.from_settings(settings).stop_url,
        licence=LICENCE,
        settings=settings,
        progress=progress,
    )


def fetch_and_import(
    settings: Settings,
    *,
    url: str | None = None,
    actor: str = "fetch",
    lenient: bool = False,
    progress: Progress | None = None,
) -> tuple[RawFile, ImportReport]:
    """`nethealth fetch access-now` and its alias `nethealth shutdowns fetch`: the sheet as a
    raw file, then imported (its snapshot is the raw file's: the day it was fetched)."""
    raw = fetch_stop(settings, url=url, progress=progress)
    report = import_file(settings, raw.path, actor=actor, snapshot=raw.provenance.snapshot,
                         lenient=lenient, progress=progress)  # fmt: skip
    return raw, report
