"""The bgp area's sources: RIPE RIS and RouteViews MRT dumps (RIBs and updates), fetched with
`nethealth fetch bgp-ris|bgp-routeviews` and loaded with `nethealth load`. Who publishes them,
their archive layouts and the loaders live in `nethealth.sources.collectors` and
`nethealth.sources.mrt`."""

from __future__ import annotations

from nethealth.common.cadence import Cadence, Retention
from nethealth.errors import ConfigError
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import mrt
from nethealth.sources.base import Fetcher, FetchRequest, Progress, Source, check_request
from nethealth.sources.collectors import RIS, ROUTEVIEWS
from nethealth.sources.download import FetchReport

__all__ = ["RIS", "ROUTEVIEWS", "SOURCES", "dump_fetcher"]  # RIS, ROUTEVIEWS: the infos


def dump_fetcher(source_id: str) -> Fetcher:
    """`nethealth fetch bgp-ris|bgp-routeviews --collector C --date D [--to D] [--kind rib]`:
    every dump of those days on the publisher's grid (missing ones skipped and listed)."""

    def fetch(settings: Settings, store: RawStore, req: FetchRequest, bar: Progress) -> FetchReport:
        check_request(req, source_id, "--date", "--to", "--base-url", "--collector", "--kind")
        if req.day is None:
            raise ConfigError(f"{source_id} needs --date", hint="e.g. --date 2025-06-01")
        if not req.collectors:
            raise ConfigError(f"{source_id} needs --collector", hint="e.g. --collector rrc00")
        kind = req.kind or "rib"
        if kind not in ("rib", "updates"):
            raise ConfigError(f"unknown --kind {kind!r}", hint="choose rib or updates")
        return mrt.fetch_days(
            settings, store, source_id=source_id, collectors=req.collectors,
            kind=kind,  # type: ignore[arg-type]
            first=req.day, last=req.to or req.day, base_url=req.base_url, strict=req.strict,
            progress=bar,
        )  # fmt: skip

    return fetch


# RIBs several times a day, updates every few minutes (1-3 GB a collector a day): fetched by
# `nethealth update` for the collectors the operator names; sizes compared between RIBs only
SOURCES = (
    Source(RIS, dump_fetcher(RIS.id), mrt.load_ris, cadence=Cadence(
        "RIBs every 8 hours, updates every 5 minutes", 1, lag_days=1, fetch_by="day",
        sized=r"\.(bview|rib)\.", retention=Retention(daily=7))),
    Source(ROUTEVIEWS, dump_fetcher(ROUTEVIEWS.id), mrt.load_routeviews, cadence=Cadence(
        "RIBs every 2 hours, updates every 15 minutes", 1, lag_days=1, fetch_by="day",
        sized=r"\.(bview|rib)\.", retention=Retention(daily=7))),
)  # fmt: skip
