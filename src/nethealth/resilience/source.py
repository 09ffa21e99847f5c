"""The resilience area's own sources: how each is fetched (`nethealth fetch SOURCE`) and loaded
(`nethealth load SOURCE FILE…`). Its other inputs come from the other areas' datasets and the
World Bank files of the economics area."""

from __future__ import annotations

from nethealth.common.cadence import Cadence
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import apnic_ipv6
from nethealth.sources.base import FetchRequest, Progress, Source, check_request
from nethealth.sources.download import FetchReport


def fetch_apnic_ipv6(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """`--part CC` (repeatable) limits the economies; `--base-url` names a mirror."""
    check_request(req, apnic_ipv6.SOURCE_ID, "--base-url", "--part")
    return apnic_ipv6.fetch(settings, store, countries=req.parts, base_url=req.base_url,
                            strict=req.strict, progress=bar)  # fmt: skip


SOURCES = (
    # one file per economy, revised daily; a monthly fetch keeps the index current
    Source(apnic_ipv6.SOURCE, fetch_apnic_ipv6, apnic_ipv6.load, cadence=Cadence(
        "daily series (fetched monthly)", 31, fetch_by="latest", size_band=None)),
)  # fmt: skip
