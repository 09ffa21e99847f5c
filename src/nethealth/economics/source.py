"""The economics area's source: World Bank World Development Indicators (GDP, population,
Internet users), the inputs of the cost model. Fetched from the WDI API (`nethealth fetch
worldbank`) or loaded from the API's JSON or the bulk/tidy CSVs (`nethealth load worldbank`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nethealth.common.cadence import Cadence, Retention
from nethealth.economics import worldbank
from nethealth.economics.worldbank import indicator_of_name, named_for
from nethealth.errors import ConfigError, InputError
from nethealth.formats.wdi import (
    INDICATOR_CODE,
    INDICATORS,
    IndicatorNeeded,
    read_wdi,
    release_date,
)
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources.base import (
    FetchRequest,
    LoadOptions,
    Prepared,
    Progress,
    Source,
    SourceInfo,
    check_request,
    stored,
)
from nethealth.sources.download import FetchReport
from nethealth.sources.load import Dated, simple

WORLD_BANK = SourceInfo(
    id="worldbank",
    title="World Bank World Development Indicators",
    publisher="The World Bank",
    homepage="https://data.worldbank.org/",
    licence="CC BY 4.0",
    licence_url="https://datacatalog.worldbank.org/public-licenses",
    attribution="World Development Indicators, The World Bank, CC BY 4.0.",
    description=(
        "GDP (current US$), GDP per capita, population and Internet users (% of population) "
        "per country and year: the inputs of the shutdown cost model."
    ),
)


def fetch_worldbank(
    settings: Settings, store: RawStore, req: FetchRequest, bar: Progress
) -> FetchReport:
    """`nethealth fetch worldbank [--part CODE …] [--base-url URL]`: the cost model's
    indicators (or the WDI codes given), 2010–2025, from the API (JSON)."""
    check_request(req, "worldbank", "--base-url", "--part")
    codes = req.parts or INDICATORS
    return stored(*worldbank.fetch(settings, indicators=codes, base_url=req.base_url, progress=bar))


def load_worldbank(paths: Sequence[Path], opts: LoadOptions) -> list[Prepared]:
    """World Bank WDI: API JSON, bulk CSV/ZIP, wide or long CSVs, stored as they are; a wide CSV
    that does not say its indicator needs --indicator, which its stored name then carries."""
    out = []
    for path in paths:
        name = path.name
        try:
            obs = read_wdi(path)
        except IndicatorNeeded:
            if opts.indicator is None:
                raise InputError(
                    "this wide CSV does not say which indicator it holds",
                    path=path,
                    hint="pass --indicator CODE, e.g. --indicator NY.GDP.PCAP.CD",
                ) from None
            if not INDICATOR_CODE.match(opts.indicator):
                raise ConfigError(f"--indicator {opts.indicator!r} is not a WDI indicator code",
                                  hint="e.g. NY.GDP.PCAP.CD or IT.NET.USER.ZS") from None  # fmt: skip
            obs = read_wdi(path, opts.indicator)
            name = named_for(opts.indicator, path.name)
        if indicator_of_name(path.name) and name == path.name:
            raise InputError("the name looks like a stored name with an indicator (CODE__…)",
                             path=path, hint="rename the file")  # fmt: skip
        if not obs:
            raise InputError("no country values in the file", path=path,
                             hint="give WDI data for countries (not only aggregates)")  # fmt: skip
        released = release_date(path)
        content = (
            Dated(released, True, f"its World Bank update date {released}") if released else None
        )
        indicators = sorted({o.indicator for o in obs})
        years = sorted({o.year for o in obs})
        notes = [f"{len(obs):,} values of {', '.join(indicators)} for {years[0]}–{years[-1]} "
                 f"({len({o.iso3 for o in obs})} countries)"]  # fmt: skip
        out.append(simple(path, name, content, opts, notes))
    return out


# WDI is revised a few times a year; asked weekly (a conditional GET where the API allows it)
SOURCES = (
    Source(WORLD_BANK, fetch_worldbank, load_worldbank, cadence=Cadence(
        "quarterly (revisions of the yearly values)", 92, fetch_by="latest", routine=True,
        check_days=7, retention=Retention(daily=4))),
)  # fmt: skip
