"""The open-standards area's read model: adoption series from the lake dataset `scan_results`
(the same computation as the registered indicators, `standards.adoption`), for the API.

Per country the series is the country's list (CrUX, else country-toplist); without a country,
the global series (Tranco's list); `list_id` asks for one list instead (a ccTLD list, say).
A country or list without a scan of the check answers one `not measured` row, never a zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb

from nethealth.common.status import Status
from nethealth.errors import DatasetNotBuiltError, InputError, NotFoundError
from nethealth.standards.adoption import (
    COUNTRY_LISTS,
    GAPS,
    GLOBAL_LIST,
    LISTS,
    TECHNOLOGIES,
    VERSION,
    AdoptionRow,
    Technology,
    adoption_rows,
    preferred,
    technology,
)
from nethealth.standards.results import DATASET as RESULTS


@dataclass(frozen=True)
class Series:
    tech: Technology
    country: str | None
    list_id: str | None
    rows: list[AdoptionRow]
    missing: str | None  # why there is no row (not measured), None when there are rows


def known(indicator_id: str) -> Technology:
    tech = technology(indicator_id)
    if tech is None:
        raise NotFoundError(
            f"no adoption indicator {indicator_id!r}",
            hint=f"known: {', '.join(t.id for t in TECHNOLOGIES)}; not measured yet (no check): "
            f"{', '.join(GAPS)}",
        )
    return tech


def adoption_series(
    lake_dir: Path,
    indicator_id: str,
    country: str | None = None,
    day: dt.date | None = None,
    list_id: str | None = None,
) -> Series:
    """The series of `indicator_id` for `country` (None: global), every date, or with `day`
    the latest value on or before it."""
    tech = known(indicator_id)
    if list_id is not None and list_id not in LISTS:
        raise InputError(f"unknown list {list_id!r}", field="list",
                         hint=f"one of {', '.join(LISTS)}")  # fmt: skip
    path = lake_dir / f"{RESULTS}.parquet"
    if not path.is_file():
        raise DatasetNotBuiltError(
            f"dataset {RESULTS} has not been built",
            hint="scan a list (`nethealth scan-list LIST`) and run `nethealth build`",
        )
    con = duckdb.connect()
    try:
        con.read_parquet(str(path)).create_view(RESULTS)
        rows = adoption_rows(con, tech, [list_id] if list_id else LISTS)
    finally:
        con.close()
    if list_id is None:
        rows = preferred(rows)
    rows = [r for r in rows if r.country == country]
    if day is not None:
        rows = [r for r in rows if r.date <= day][-1:]
    missing = None
    if not rows:
        whom = country or "the world (Tranco)"
        missing = (
            f"no {tech.check_id} result for {whom}"
            + (f" in {list_id}" if list_id else "")
            + (f" on or before {day}" if day else "")
        )
    return Series(tech, country, list_id, rows, missing)


def not_measured_row(series: Series) -> dict[str, object]:
    """The row a series without values answers."""
    return {"date": None, "country": series.country, "list": series.list_id, "value": None,
            "status": Status.NOT_MEASURED.value, "reason": series.missing}  # fmt: skip


def method_version() -> str:
    return VERSION


def _scan_table(lake_dir: Path) -> Path:
    path = lake_dir / f"{RESULTS}.parquet"
    if not path.is_file():
        raise DatasetNotBuiltError(
            f"dataset {RESULTS} has not been built",
            hint="scan a list (`nethealth scan-list LIST`) and run `nethealth build`",
        )
    return path


def by_technology(lake_dir: Path, country: str | None) -> dict[str, list[AdoptionRow]]:
    """Every technology's series for one country (its own list) or, with None, the world
    (Tranco's list): only that country's results are read (a bound filter)."""
    path = _scan_table(lake_dir)
    con = duckdb.connect()
    try:
        if country is None:
            con.execute(f"CREATE TEMP TABLE {RESULTS} AS SELECT * FROM read_parquet(?) "
                        "WHERE country IS NULL AND list_id = ?", [str(path), GLOBAL_LIST])  # fmt: skip
        else:
            con.execute(f"CREATE TEMP TABLE {RESULTS} AS SELECT * FROM read_parquet(?) "
                        "WHERE country = ?", [str(path), country])  # fmt: skip
        lists = [GLOBAL_LIST] if country is None else list(COUNTRY_LISTS)
        out = {}
        for tech in TECHNOLOGIES:
            rows = preferred(adoption_rows(con, tech, lists))
            out[tech.id] = [r for r in rows if r.country == country]
        return out
    finally:
        con.close()


def by_country(lake_dir: Path, indicator_id: str) -> dict[str | None, list[AdoptionRow]]:
    """One technology's series for every country (its own list) and the world (key None).
    Kept per version of the dataset file (a build replaces it, so its stat changes)."""
    tech = known(indicator_id)
    path = _scan_table(lake_dir)
    st = path.stat()
    return dict(_by_country(str(path), st.st_mtime_ns, st.st_size, tech))


@lru_cache(maxsize=64)
def _by_country(
    path: str, _mtime: int, _size: int, tech: Technology
) -> dict[str | None, list[AdoptionRow]]:
    con = duckdb.connect()
    try:
        con.read_parquet(path).create_view(RESULTS)
        rows = preferred(adoption_rows(con, tech, [*COUNTRY_LISTS, GLOBAL_LIST]))
    finally:
        con.close()
    out: dict[str | None, list[AdoptionRow]] = {}
    for r in rows:
        out.setdefault(r.country, []).append(r)
    return out
