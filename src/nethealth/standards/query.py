"""The open-standards area's read model: adoption series from the lake dataset `scan_results`
(the same computation as the registered indicators, `standards.adoption`), and concentration
values with their provider tables from the step `concentration`'s datasets, for the API and
the pages.

Per country the series is the country's list (CrUX, else country-toplist); without a country,
the global series (Tranco's list); `list_id` asks for one list instead (a ccTLD list, say).
A country or list without a scan of the check answers one `not measured` row, never a zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

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
from nethealth.standards.attribution import BLOCKS
from nethealth.standards.concentration import TABLES as CONC_TABLES
from nethealth.standards.concentration import VALUES as CONC_VALUES
from nethealth.standards.concentration import country_lists
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


# Concentration (the step `concentration`) -------------------------------------------------------


@dataclass(frozen=True)
class ConcValue:
    """One concentration value with the counts and dates behind it (a `concentration` row)."""

    block: str
    list_id: str
    country: str | None
    date: dt.date
    status: str
    reason: str
    targets: int  # attributed + unknown
    attributed: int
    unknown: int
    not_applicable: int
    providers: int
    hhi: float | None
    band: str | None
    cr1: float | None
    cr3: float | None
    cr5: float | None
    gini: float | None
    weighted_gini: float | None
    weighted_status: str
    weighted_reason: str
    list_from: dt.date | None
    list_to: dt.date | None
    scan_from: dt.date | None
    simulated: bool

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["list"] = out.pop("list_id")
        for k in ("date", "list_from", "list_to", "scan_from"):
            out[k] = out[k].isoformat() if out[k] is not None else None
        return out


@dataclass(frozen=True)
class ProviderShare:
    provider: str
    name: str | None
    targets: int
    share: float  # percent of the attributed targets

    def to_json(self) -> dict[str, Any]:
        return {"provider": self.provider, "name": self.name, "targets": self.targets,
                "share": self.share}  # fmt: skip


@dataclass(frozen=True)
class BlockData:
    """A block's answer for one list: its series, the value of the date asked (the latest on
    or before it) with its provider table, and every country's latest value (own list)."""

    block: str
    country: str | None
    list_id: str
    series: list[ConcValue]
    current: ConcValue | None
    providers: list[ProviderShare]
    countries: list[ConcValue]
    missing: str | None  # why there is no value (not measured), None when there is one


def known_block(block: str) -> str:
    if block not in BLOCKS:
        raise NotFoundError(f"no building block {block!r}", hint=f"one of {', '.join(BLOCKS)}")
    return block


def _conc_path(lake_dir: Path, name: str) -> Path:
    path = lake_dir / f"{name}.parquet"
    if not path.is_file():
        raise DatasetNotBuiltError(
            f"dataset {name} has not been built",
            hint="scan a list (`nethealth scan-list LIST`) and run `nethealth build`",
        )
    return path


def concentration_values(lake_dir: Path, block: str | None = None) -> list[ConcValue]:
    """Every row of `concentration` (of one block), by block, list, country and date. Kept per
    version of the dataset file (a build replaces it, so its stat changes)."""
    path = _conc_path(lake_dir, CONC_VALUES)
    st = path.stat()
    rows = _conc_values(str(path), st.st_mtime_ns, st.st_size)
    return [r for r in rows if block is None or r.block == block]


@lru_cache(maxsize=8)
def _conc_values(path: str, _mtime: int, _size: int) -> tuple[ConcValue, ...]:
    con = duckdb.connect()
    try:
        cur = con.execute("SELECT * FROM read_parquet(?) ORDER BY block, list_id, "
                          "country NULLS FIRST, date", [path])  # fmt: skip
        names = [d[0] for d in cur.description]
        return tuple(ConcValue(**dict(zip(names, r, strict=True))) for r in cur.fetchall())
    finally:
        con.close()


def provider_table(lake_dir: Path, value: ConcValue) -> list[ProviderShare]:
    """The providers behind one value, most targets first."""
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT provider, name, targets, share FROM read_parquet(?) WHERE block = ? AND "
            "list_id = ? AND country IS NOT DISTINCT FROM ? AND date = ? "
            "ORDER BY targets DESC, provider",
            [str(_conc_path(lake_dir, CONC_TABLES)), value.block, value.list_id, value.country,
             value.date],
        ).fetchall()  # fmt: skip
    finally:
        con.close()
    return [ProviderShare(p, n, int(t), float(s)) for p, n, t, s in rows]


def _own(values: list[ConcValue]) -> dict[str, str]:
    return country_lists((v.block, v.list_id, v.country, v.date) for v in values)


def latest_by_country(values: list[ConcValue], day: dt.date | None = None) -> list[ConcValue]:
    """Each country's latest value (on or before `day`) of its own list, by country."""
    own = _own(values)
    latest: dict[str, ConcValue] = {}
    for v in values:
        if v.country is None or own.get(v.country) != v.list_id:
            continue
        if day is not None and v.date > day:
            continue
        if v.country not in latest or v.date > latest[v.country].date:
            latest[v.country] = v
    return [latest[c] for c in sorted(latest)]


def block_data(
    lake_dir: Path,
    block: str,
    country: str | None = None,
    day: dt.date | None = None,
    list_id: str | None = None,
    with_providers: bool = True,
) -> BlockData:
    """`block` for `country` (None: the global list, Tranco's), or one list with `list_id`."""
    known_block(block)
    if list_id is not None and list_id not in LISTS:
        raise InputError(f"unknown list {list_id!r}", field="list",
                         hint=f"one of {', '.join(LISTS)}")  # fmt: skip
    values = concentration_values(lake_dir, block)
    chosen = list_id or (GLOBAL_LIST if country is None else _own(values).get(country))
    series = [v for v in values if v.list_id == chosen and v.country == country]
    upto = [v for v in series if day is None or v.date <= day]
    current = upto[-1] if upto else None
    missing = None
    if current is None:
        whom = country or "the world (Tranco)"
        missing = (f"no {block} attribution for {whom}" + (f" in {list_id}" if list_id else "")
                   + (f" on or before {day}" if day else ""))  # fmt: skip
    providers = provider_table(lake_dir, current) if current and with_providers else []
    return BlockData(block, country, chosen or list_id or COUNTRY_LISTS[0], series, current,
                     providers, latest_by_country(values, day), missing)  # fmt: skip
