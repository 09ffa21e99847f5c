"""Fetch World Bank WDI indicators into raw/worldbank/<date>/ with provenance.

Two publisher layouts, both under a configurable base URL (NETHEALTH_WORLDBANK_BASE_URL):
- api:  <base>/v2/country/all/indicator/<ID>?format=json&per_page=20000&date=A:B[&page=N]
- bulk: <base>/v2/en/indicator/<ID>?downloadformat=csv   (a ZIP with API_<ID>_DS2_….csv)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from nethealth.economics.wdi import WdiPanel
from nethealth.errors import ConfigError
from nethealth.formats.compression import read_bytes
from nethealth.formats.wdi import INDICATOR_CODE, INDICATORS, api_pages, read_wdi
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.common import today_utc
from nethealth.sources.download import fetch_to_store, join_url

SOURCE_ID = "worldbank"
DEFAULT_BASE_URL = "https://api.worldbank.org"
LICENCE = "CC BY 4.0 (World Bank World Development Indicators)"
PER_PAGE = 20000
FIRST_YEAR, LAST_YEAR = 2010, 2025  # the years fetched unless asked otherwise
NAME_SEPARATOR = "__"
Progress = Callable[[str, int, int], None]


def base_url_of(settings: Settings) -> str:
    """NETHEALTH_WORLDBANK_BASE_URL, or the World Bank's own API when it is unset or blank."""
    return settings.worldbank_base_url.strip() or DEFAULT_BASE_URL


def api_url(base: str, indicator: str, years: tuple[int, int], page: int = 1) -> str:
    query = f"format=json&per_page={PER_PAGE}&date={years[0]}:{years[1]}"
    if page > 1:
        query += f"&page={page}"
    return join_url(base, "v2/country/all/indicator", indicator) + "?" + query


def bulk_url(base: str, indicator: str) -> str:
    return join_url(base, "v2/en/indicator", indicator) + "?downloadformat=csv"


def fetch(
    settings: Settings,
    *,
    indicators: Sequence[str] = INDICATORS,
    years: tuple[int, int] = (FIRST_YEAR, LAST_YEAR),
    layout: str = "api",
    base_url: str | None = None,
    snapshot: str | None = None,
    progress: Progress | None = None,
) -> list[RawFile]:
    """Download each indicator (every page of the API answer) as raw files."""
    if layout not in ("api", "bulk"):
        raise ConfigError(f"unknown World Bank layout {layout!r}", hint="choose api or bulk")
    base = base_url or base_url_of(settings)
    store = RawStore(settings.raw_dir)
    snap = snapshot or today_utc()
    files: list[RawFile] = []
    for ind in indicators:
        if layout == "bulk":
            files.append(_get(store, settings, snap, f"{ind}.zip", bulk_url(base, ind), progress))
            continue
        first = _get(store, settings, snap, f"{ind}.json", api_url(base, ind, years), progress)
        files.append(first)
        for page in range(2, api_pages(read_bytes(first.path)) + 1):
            url = api_url(base, ind, years, page)
            files.append(_get(store, settings, snap, f"{ind}.p{page}.json", url, progress))
    return files


def _get(
    store: RawStore,
    settings: Settings,
    snapshot: str,
    name: str,
    url: str,
    progress: Progress | None,
) -> RawFile:
    return fetch_to_store(
        store,
        source_id=SOURCE_ID,
        snapshot=snapshot,
        name=name,
        url=url,
        licence=LICENCE,
        settings=settings,
        progress=progress,
    )


def named_for(indicator: str, name: str) -> str:
    """The raw-store name of a wide CSV that does not say its indicator (`nethealth load
    worldbank FILE --indicator CODE`): the code, `__`, then the file's own name."""
    return f"{indicator}{NAME_SEPARATOR}{name}"


def indicator_of_name(name: str) -> str | None:
    """The indicator a stored name carries (see `named_for`), else None."""
    head, sep, _rest = name.partition(NAME_SEPARATOR)
    return head if sep and INDICATOR_CODE.match(head) else None


def panel_from_raw(settings: Settings) -> WdiPanel:
    """Every fetched or loaded WDI file, oldest snapshot first (newer values replace older
    ones); a wide CSV without indicator code is read as the indicator its stored name carries."""
    files = sorted(RawStore(settings.raw_dir).files(SOURCE_ID), key=lambda f: f.provenance.snapshot)
    items: list[Path | tuple[Path, str]] = []
    for f in files:
        indicator = indicator_of_name(f.provenance.name)
        items.append((f.path, indicator) if indicator else f.path)
    return panel_from_files(items)


def panel_from_files(paths: Sequence[Path | tuple[Path, str]]) -> WdiPanel:
    """Files in order; a (path, indicator) pair names the indicator of a wide CSV."""
    panel = WdiPanel()
    for item in paths:
        path, indicator = item if isinstance(item, tuple) else (item, None)
        panel.add(read_wdi(path, indicator))
    return panel
