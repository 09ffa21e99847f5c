"""Response models of API v1 and of the pages' JSON twins.

Stability promise: fields of v1 are only ever added, never renamed, retyped or removed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

API_VERSION = "v1"


class ErrorDetail(BaseModel):
    status: int = Field(description="The HTTP status, repeated for clients that lose it")
    code: str = Field(description="Stable machine-readable code, e.g. not_found, bad_request")
    message: str = Field(description="What went wrong")
    hint: str | None = Field(default=None, description="What to do next")


class ErrorBody(BaseModel):
    """The one error body of every endpoint, served with the real HTTP status."""

    error: ErrorDetail


# The error answers the OpenAPI document lists for every endpoint (routers add their own).
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Bad parameter (invalid date, range, format…)"},
    404: {"model": ErrorBody, "description": "Unknown country, indicator or record"},
    503: {"model": ErrorBody, "description": "The dataset has not been built yet"},
}
WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorBody, "description": "No bearer token"},
    403: {"model": ErrorBody, "description": "Not a curator's token, or curation is closed"},
    413: {"model": ErrorBody, "description": "The request body is too large"},
}


def _status_field() -> Any:
    return Field(
        default="measured",
        description="Why the value exists or not: measured, zero measured (a real zero from a "
        "complete input), not measured (no input for that date), not comparable (inputs of "
        "different dates beyond the source's tolerance). `value` is null unless measured.",
    )


def _reason_field() -> Any:
    return Field(
        default="",
        description="The inputs' dates behind a value, or why there is none (names the dates)",
    )


class Value(BaseModel):
    date: dt.date
    value: float | None
    simulated: bool = Field(description="True when the value comes from nethealth's simulator")
    method_version: str | None = None
    status: str = _status_field()
    reason: str = _reason_field()


class CountryValue(BaseModel):
    country: str = Field(description="ISO 3166-1 alpha-2")
    date: dt.date
    value: float | None
    simulated: bool = Field(description="True when the value comes from nethealth's simulator")
    method_version: str | None = None
    status: str = _status_field()
    reason: str = _reason_field()


class SourceRef(BaseModel):
    id: str
    title: str
    publisher: str | None = None
    homepage: str | None = None
    licence: str | None = None
    licence_url: str | None = None
    attribution: str | None = None


class IndicatorMeta(BaseModel):
    id: str
    title: str
    unit: str
    area: str
    method: str
    version: str
    higher_is: str = Field(description="better, worse or neutral")
    caveats: str = ""
    sources: list[SourceRef]


class IndicatorList(BaseModel):
    api_version: str = API_VERSION
    count: int
    indicators: list[IndicatorMeta]


class CountryMeta(BaseModel):
    cc: str = Field(description="ISO 3166-1 alpha-2")
    alpha3: str | None = None
    numeric: str | None = Field(default=None, description="ISO 3166-1 numeric, zero padded")
    name: str
    official_name: str | None = None
    name_fr: str | None = None
    name_es: str | None = None
    region: str | None = Field(default=None, description="UN M49 region")
    subregion: str | None = None
    intermediate_region: str | None = None


class CountrySummary(CountryMeta):
    latest: dict[str, Value] = Field(
        description="Latest value of every indicator that has one, keyed by indicator id"
    )


class CountryList(BaseModel):
    api_version: str = API_VERSION
    count: int
    indicators: list[str] = Field(description="Ids of the indicators served")
    countries: list[CountrySummary]


class ProvenanceRecord(BaseModel):
    source_id: str
    snapshot: str
    name: str
    url: str
    licence: str
    fetched_at: str
    upstream_modified: str | None = None
    sha256: str
    size: int
    simulated: bool
    integrity: Literal["complete", "damaged"] | None = Field(
        default=None,
        description="What the build found reading the file in full: complete, or damaged "
        "(truncated or corrupt; the build used what could be read); null when no build step "
        "reads it in full (only MRT dumps are checked so far)",
    )
    damage: str | None = Field(
        default=None, description="For a damaged file: what was wrong, what was kept, what was lost"
    )


SERIES_DESCRIPTION = (
    "Every value in date order with `?series=all`; null by default (follow `series_url`)"
)
PROVENANCE_DESCRIPTION = (
    "Every raw file behind the values with `?series=all`; null by default (see "
    "`provenance_summary`)"
)


class ProvenanceSummary(BaseModel):
    """The raw files of one source behind a country's values, counted."""

    source_id: str
    files: int = Field(description="Raw files of this source (each file counted once)")
    bytes: int = Field(description="Their total size")
    first_snapshot: str
    newest_snapshot: str
    simulated: bool = Field(description="True when any of these files is simulated")
    damaged: int = Field(description="Files a build step found damaged (truncated or corrupt)")


class IndicatorSeries(BaseModel):
    id: str
    title: str
    unit: str
    version: str
    latest: Value | None = Field(
        description="The latest measured value with its date; without one, the latest row "
        "(value null, status and reason saying why)"
    )
    series: list[Value] | None = Field(default=None, description=SERIES_DESCRIPTION)
    series_url: str = Field(
        default="", description="This indicator's values for this country (the series endpoint)"
    )


class CountryDetail(BaseModel):
    api_version: str = API_VERSION
    country: CountryMeta
    simulated: bool = Field(description="True when any value in this response is simulated")
    indicators: list[IndicatorSeries]
    sources: list[SourceRef]
    provenance: list[ProvenanceRecord] | None = Field(
        default=None, description=PROVENANCE_DESCRIPTION
    )
    provenance_summary: list[ProvenanceSummary] = Field(
        default_factory=list, description="Per source: how many raw files, their size, snapshots"
    )
    full_url: str = Field(
        default="", description="This document with every series and every raw file"
    )


class ValueQuery(BaseModel):
    countries: list[str] | None
    from_: dt.date = Field(serialization_alias="from")
    to: dt.date


class IndicatorValues(BaseModel):
    api_version: str = API_VERSION
    indicator: IndicatorMeta
    query: ValueQuery
    simulated: bool = Field(description="True when any value in this response is simulated")
    count: int
    values: list[CountryValue]
