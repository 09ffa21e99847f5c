"""DB-IP "IP to City Lite" (source `dbip-city`): monthly IP range → country and first-level
subdivision, the sub-national geolocation behind region-scope outage signals.

Published as `{base}/dbip-city-lite-YYYY-MM.csv.gz` (default base
https://download.db-ip.com/free, `Settings.dbip_base_url`), CC BY 4.0 with the attribution
"IP Geolocation by DB-IP". Stored as raw/dbip-city/YYYY-MM-01/<file name>.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa

from nethealth.common.asof import AsOf
from nethealth.errors import InputError
from nethealth.formats.compression import read_bytes
from nethealth.formats.dbip_city import CityReport, parse_city_csv
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources import common
from nethealth.sources.base import SourceInfo

SOURCE_ID = "dbip-city"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="IP to City Lite (DB-IP)",
    publisher="DB-IP (db-ip.com)",
    homepage="https://db-ip.com/db/download/ip-to-city-lite",
    licence="CC BY 4.0",
    licence_url="https://creativecommons.org/licenses/by/4.0/",
    attribution="IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0.",
    description="Monthly IPv4 and IPv6 ranges with continent, country, state or province, "
    "city and coordinates; nethealth keeps country and the ISO 3166-2 code of the subdivision.",
)
FILE_NAME = re.compile(r"^dbip-city-lite-(\d{4})-(\d{2})\.csv(?:\.gz)?$")


def file_name(month: date) -> str:
    return f"dbip-city-lite-{month.year:04d}-{month.month:02d}.csv.gz"


month_of = common.parse_month


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    month: date,
    base_url: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RawFile:
    """Download one month's file (http(s) with resume, or file://) into the raw store."""
    return common.fetch_monthly(
        settings, store, source_id=SOURCE_ID, licence=SOURCE.licence, month=month,
        name=file_name(month.replace(day=1)), base_url=base_url or settings.dbip_base_url,
        progress=progress,
    )  # fmt: skip


def stored_file(store: RawStore, on: date | None = None) -> RawFile | None:
    """The stored file in force on `on` (the as-of rule, `nethealth.common.asof`: the latest
    month on or before it within the tolerance, never a later month); without `on`, the latest
    stored. None when no file qualifies (`file_in_force` says why)."""
    files = [f for f in store.files(SOURCE_ID) if FILE_NAME.match(f.provenance.name)]
    if on is None:
        return max(files, key=lambda f: (f.provenance.snapshot, f.provenance.name), default=None)
    return file_in_force(store, on)[0]


def file_in_force(store: RawStore, on: date) -> tuple[RawFile | None, AsOf]:
    """The stored file in force on `on` and the as-of judgement (its reason names the dates)."""
    files = [f for f in store.files(SOURCE_ID) if FILE_NAME.match(f.provenance.name)]
    return common.file_in_force(SOURCE_ID, files, on)


def read_regions(path: Path, *, strict: bool = True) -> tuple[pa.Table, CityReport]:
    """(formats.dbip_city.CITY_SCHEMA ranges, report) of one stored or mirrored file."""
    report = CityReport(str(path))
    try:
        data = read_bytes(path)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot decompress: {exc}", path=path,
                         hint="the download is damaged; run `nethealth outages fetch-geo` again"
                         ) from None  # fmt: skip
    return parse_city_csv(data, path, strict=strict, report=report), report
