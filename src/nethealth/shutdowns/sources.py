"""Source descriptions for the catalogue (to be added to nethealth.sources.catalog.SOURCES)."""

from __future__ import annotations

from nethealth.sources.base import SourceInfo

ACCESS_NOW = SourceInfo(
    id="access-now",
    title="Access Now #KeepItOn STOP dataset",
    publisher="Access Now (#KeepItOn coalition)",
    homepage="https://www.accessnow.org/keepiton-data/",
    licence="Reuse with attribution to Access Now",
    licence_url="https://www.accessnow.org/keepiton-data/",
    attribution="Shutdown records from Access Now's #KeepItOn STOP dataset.",
    description=(
        "Internet shutdowns worldwide since 2016: dates, country, area, type (shutdown, "
        "throttling, service blocking), networks and services affected, cause, official "
        "justification and sources."
    ),
)
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
SOURCES = (ACCESS_NOW, WORLD_BANK)
