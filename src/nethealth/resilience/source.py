"""The resilience area's own sources: how each is fetched (`nethealth fetch SOURCE`) and loaded
(`nethealth load SOURCE FILE…`). Its other inputs come from the other areas' datasets and the
World Bank files of the economics area."""

from __future__ import annotations

from nethealth.common.cadence import Cadence
from nethealth.errors import ConfigError
from nethealth.formats.ookla import TYPES
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import apnic_ipv6, ookla
from nethealth.sources.base import FetchRequest, Progress, Source, check_request
from nethealth.sources.download import FetchReport


def fetch_apnic_ipv6(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """`--part CC` (repeatable) limits the economies; `--base-url` names a mirror."""
    check_request(req, apnic_ipv6.SOURCE_ID, "--base-url", "--part")
    return apnic_ipv6.fetch(settings, store, countries=req.parts, base_url=req.base_url,
                            strict=req.strict, progress=bar)  # fmt: skip


def fetch_ookla(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """`--date D` picks the quarter holding D; `--part fixed|mobile` one type (default both)."""
    check_request(req, ookla.SOURCE_ID, "--date", "--base-url", "--part")
    if req.day is None:
        raise ConfigError(
            "ookla needs --date (a day of the quarter)", hint="e.g. --date 2025-01-01"
        )
    return ookla.fetch(settings, store, day=req.day, kinds=req.parts or TYPES,
                       base_url=req.base_url, strict=req.strict, progress=bar)  # fmt: skip


SOURCES = (
    # one file per economy, revised daily; a monthly fetch keeps the index current
    Source(apnic_ipv6.SOURCE, fetch_apnic_ipv6, apnic_ipv6.load, cadence=Cadence(
        "daily series (fetched monthly)", 31, fetch_by="latest", size_band=None)),
    # a file per quarter and type, hundreds of MB: not routine; `update --source ookla` asks for
    # the month (dated the 1st), which the fetcher maps to its quarter (an unchanged file: 304)
    Source(ookla.SOURCE, fetch_ookla, ookla.load, cadence=Cadence(
        "quarterly (published weeks after the quarter)", 92, lag_days=45, fetch_by="month",
        size_band=None)),
)  # fmt: skip
