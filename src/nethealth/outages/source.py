"""The outage area's own sources: RIPE Atlas results (active-probing signals) and DB-IP City Lite
(region-level scope). Its BGP dumps are the bgp area's sources."""

from __future__ import annotations

from datetime import date

from nethealth.common.cadence import Cadence, Retention
from nethealth.errors import ConfigError
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import atlas, dbip
from nethealth.sources.base import FetchRequest, Progress, Source, check_request, stored
from nethealth.sources.download import FetchReport
from nethealth.sources.load import load_dbip_city


def fetch_atlas(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """`nethealth fetch atlas --date D [--to D] [--base-url URL]`: the daily dumps and the
    probe archive of those days (missing ones skipped and listed)."""
    check_request(req, atlas.SOURCE_ID, "--date", "--to", "--base-url")
    if req.day is None:
        raise ConfigError("atlas needs --date", hint="e.g. --date 2025-06-01")
    if req.base_url is not None:
        settings = settings.model_copy(update={"atlas_dumps_base_url": req.base_url})
    return atlas.fetch(settings, store, first=req.day, last=req.to or req.day, progress=bar,
                       strict=req.strict)  # fmt: skip


def fetch_dbip(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """`nethealth fetch dbip-city --date YYYY-MM-01 [--base-url URL]`: the month's file."""
    check_request(req, dbip.SOURCE_ID, "--date", "--base-url")
    if req.day is None:
        raise ConfigError("dbip-city needs --date (the month's first day)",
                          hint="e.g. --date 2026-06-01")  # fmt: skip
    month = date(req.day.year, req.day.month, 1)
    return stored(dbip.fetch(settings, store, month=month, base_url=req.base_url, progress=bar))


SOURCES = (
    # hourly result dumps (sizes vary by hour; the daily probe archives are compared)
    Source(atlas.SOURCE, fetch_atlas, atlas.load, cadence=Cadence(
        "hourly result dumps, a probe archive a day", 1, lag_days=1, fetch_by="day",
        sized=r"^probes-", retention=Retention(daily=7))),
    Source(dbip.SOURCE, fetch_dbip, load_dbip_city, cadence=Cadence(
        "monthly (dated the 1st)", 31, fetch_by="month", retention=Retention(daily=2))),
)  # fmt: skip
