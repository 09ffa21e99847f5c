"""View models of the "Concentration" pages and the country page's section, built from the
area's read model (`standards.query`: the values and provider tables the API serves).

Every value carries its date, its list, the sites counted (attributed, unknown, not applicable)
and its status: a block or a country without an attributed site is `not measured`, never an
HHI of 0. Bands are words (Pulse's), never only a colour.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.common.status import Status
from nethealth.standards.attribution import BLOCKS
from nethealth.standards.attribution import VERSION as RULES_VERSION
from nethealth.standards.concentration import BLOCK_TITLES, indicator_id, method
from nethealth.standards.query import BlockData, ConcValue, ProviderShare
from nethealth.ui.views import PageLinks

BASE = "/concentration"
API = "/api/v1/concentration"


class ConcView(BaseModel):
    """One concentration value as the pages show it (`value` is the HHI)."""

    block: str
    date: dt.date | None
    list_id: str | None
    country: str | None
    value: float | None = Field(description="HHI, 0–10,000")
    band: str | None = Field(description="Pulse's band: low, moderate, high, extremely high")
    cr1: float | None
    cr3: float | None
    cr5: float | None
    gini: float | None
    weighted_gini: float | None
    weighted_status: str | None
    weighted_reason: str | None
    status: str
    reason: str
    attributed: int | None
    unknown: int | None
    not_applicable: int | None
    providers: int | None
    list_date: dt.date | None
    simulated: bool


def conc_view(v: ConcValue) -> ConcView:
    return ConcView(
        block=v.block, date=v.date, list_id=v.list_id, country=v.country, value=v.hhi,
        band=v.band, cr1=v.cr1, cr3=v.cr3, cr5=v.cr5, gini=v.gini,
        weighted_gini=v.weighted_gini, weighted_status=v.weighted_status,
        weighted_reason=v.weighted_reason, status=v.status, reason=v.reason,
        attributed=v.attributed, unknown=v.unknown, not_applicable=v.not_applicable,
        providers=v.providers, list_date=v.list_to, simulated=v.simulated,
    )  # fmt: skip


def missing(block: str, reason: str | None) -> ConcView:
    return ConcView(
        block=block, date=None, list_id=None, country=None, value=None, band=None, cr1=None,
        cr3=None, cr5=None, gini=None, weighted_gini=None, weighted_status=None,
        weighted_reason=None, status=Status.NOT_MEASURED.value, reason=reason or "",
        attributed=None, unknown=None, not_applicable=None, providers=None, list_date=None,
        simulated=False,
    )  # fmt: skip


def _current(data: BlockData) -> ConcView:
    return conc_view(data.current) if data.current else missing(data.block, data.missing)


def block_href(block: str, country: str | None = None) -> str:
    return f"{BASE}/{block}" + (f"?{urlencode({'country': country})}" if country else "")


# The index -------------------------------------------------------------------------------------


class BlockSummary(BaseModel):
    block: str
    title: str
    href: str
    global_: ConcView = Field(serialization_alias="global", description="Tranco's list")
    countries_measured: int
    country_high: ConcView | None = Field(description="The most concentrated latest country")
    country_low: ConcView | None = Field(description="The least concentrated latest country")


class CountryBlocks(BaseModel):
    """One row of the index's country table: the country's latest value of each block."""

    cc: str
    name: str
    values: list[ConcView] = Field(description="One per block, in BLOCKS order")


class ConcIndexView(BaseModel):
    rules_version: int
    blocks: list[BlockSummary]
    countries: list[CountryBlocks] = Field(description="Countries with any value, by name")
    simulated: bool
    links: PageLinks


def country_rows(by_block: dict[str, BlockData], names: dict[str, str]) -> list[CountryBlocks]:
    latest = {(v.block, v.country): conc_view(v) for d in by_block.values() for v in d.countries}
    ccs = sorted({cc for _b, cc in latest if cc}, key=lambda c: names.get(c, c))
    return [
        CountryBlocks(cc=cc, name=names.get(cc, cc), values=[
            latest.get((b, cc)) or missing(b, f"no {b} attribution for {cc}") for b in BLOCKS])
        for cc in ccs
    ]  # fmt: skip


def index_view(
    by_block: dict[str, BlockData], names: dict[str, str] | None = None
) -> ConcIndexView:
    items = []
    for block in BLOCKS:
        data = by_block.get(block)
        if data is None:
            items.append(BlockSummary(block=block, title=BLOCK_TITLES[block],
                                      href=block_href(block),
                                      global_=missing(block, "not built"), countries_measured=0,
                                      country_high=None, country_low=None))  # fmt: skip
            continue
        measured = sorted((conc_view(v) for v in data.countries if v.hhi is not None),
                          key=lambda v: v.value or 0.0)  # fmt: skip
        items.append(BlockSummary(
            block=block, title=BLOCK_TITLES[block], href=block_href(block),
            global_=_current(data), countries_measured=len(measured),
            country_high=measured[-1] if measured else None,
            country_low=measured[0] if measured else None,
        ))  # fmt: skip
    sim = any(
        v.simulated for d in by_block.values() for v in [*d.series, *d.countries]
    )  # fmt: skip
    return ConcIndexView(rules_version=RULES_VERSION, blocks=items,
                         countries=country_rows(by_block, names or {}), simulated=sim,
                         links=PageLinks(html=BASE, json_=f"{BASE}.json", api=API))  # fmt: skip


# One block --------------------------------------------------------------------------------------


class ProviderRow(BaseModel):
    provider: str
    name: str | None
    targets: int
    share: float


class CountryConcRow(BaseModel):
    cc: str
    name: str
    href: str = Field(description="This page for the country's list")
    latest: ConcView


class ConcBlockView(BaseModel):
    block: str
    title: str
    indicator: str
    method: str
    country: str | None
    country_name: str | None
    list_id: str
    current: ConcView
    series: list[ConcView]
    providers: list[ProviderRow]
    countries: list[CountryConcRow]
    simulated: bool
    links: PageLinks
    csv_providers: str


def _providers(rows: list[ProviderShare]) -> list[ProviderRow]:
    return [ProviderRow(provider=p.provider, name=p.name, targets=p.targets, share=p.share)
            for p in rows]  # fmt: skip


def block_view(data: BlockData, names: dict[str, str]) -> ConcBlockView:
    q = {k: v for k, v in {"country": data.country}.items() if v}
    suffix = f"?{urlencode(q)}" if q else ""
    api = f"{API}/{data.block}{suffix}"
    sep = "&" if q else "?"
    countries = [
        CountryConcRow(cc=v.country or "", name=names.get(v.country or "", v.country or ""),
                       href=block_href(data.block, v.country), latest=conc_view(v))
        for v in data.countries
    ]  # fmt: skip
    series = [conc_view(v) for v in data.series]
    return ConcBlockView(
        block=data.block, title=BLOCK_TITLES[data.block], indicator=indicator_id(data.block),
        method=method(data.block), country=data.country,
        country_name=names.get(data.country, data.country) if data.country else None,
        list_id=data.list_id, current=_current(data), series=series,
        providers=_providers(data.providers), countries=countries,
        simulated=any(v.simulated for v in series) or any(c.latest.simulated for c in countries),
        links=PageLinks(html=f"{BASE}/{data.block}{suffix}",
                        json_=f"{BASE}/{data.block}.json{suffix}", api=api,
                        csv=f"{api}{sep}format=csv"),
        csv_providers=f"{api}{sep}table=providers&format=csv",
    )  # fmt: skip


# The country page's section ---------------------------------------------------------------------


class CountryBlock(BaseModel):
    block: str
    title: str
    href: str
    latest: ConcView
    top_provider: ProviderRow | None


class CountryConcentration(BaseModel):
    cc: str
    measured: int = Field(description="Blocks with a measured latest value")
    blocks: list[CountryBlock]
    links: PageLinks


def country_concentration(cc: str, by_block: dict[str, BlockData]) -> CountryConcentration:
    blocks = []
    for block in BLOCKS:
        data = by_block.get(block)
        latest = _current(data) if data else missing(block, "not built")
        top = _providers(data.providers[:1]) if data else []
        blocks.append(CountryBlock(block=block, title=BLOCK_TITLES[block],
                                   href=block_href(block, cc), latest=latest,
                                   top_provider=top[0] if top else None))  # fmt: skip
    return CountryConcentration(
        cc=cc, measured=sum(1 for b in blocks if b.latest.value is not None), blocks=blocks,
        links=PageLinks(html=BASE, json_=f"{BASE}.json", api=API),
    )  # fmt: skip
