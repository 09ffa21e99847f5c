"""The country page's "Transit dependency" `Section`: the hegemony of the transit networks over
the paths towards the country's address space, with upstream and route diversity, from the
area's read model (`bgp.query`, the same function as `GET /api/v1/countries/{cc}/dependency`)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from nethealth.area import Section, SectionContext
from nethealth.bgp import query
from nethealth.errors import DatasetNotBuiltError, NotFoundError

SHOWN = 10  # transit ASes listed on the page (the API lists them all)


class TransitAs(BaseModel):
    asn: int
    hegemony: float = Field(description="0-1: the trimmed share of the paths that cross the AS")
    href: str


class CountryTransit(BaseModel):
    date: dt.date = Field(description="the RIB date")
    af: int
    status: str
    reason: str | None
    geo_snapshot: dt.date | None = Field(description="the ip-location-db snapshot used")
    peers: int | None = Field(description="peer ASes that see the country's address space")
    dependencies: list[TransitAs] = Field(description=f"the {SHOWN} most central transit ASes")
    scored: int = Field(description="how many transit ASes have a score")
    upstream_threshold: float
    upstream_count: int | None
    hhi: float | None = Field(description="route diversity: HHI, 0-10,000")
    hhi_ases: int | None
    simulated: bool
    api: str


def country_transit(lake: query.BgpLake, cc: str) -> CountryTransit | None:
    """The section's model; None when no hegemony has been computed (nothing to show)."""
    try:
        found = query.country_dependency(lake, cc)
    except (DatasetNotBuiltError, NotFoundError):
        return None
    deps = found["dependencies"]
    return CountryTransit(
        date=found["date"], af=found["af"], status=found["status"], reason=found["reason"],
        geo_snapshot=found["geo_snapshot"], peers=found["peers"],
        dependencies=[TransitAs(asn=d["asn"], hegemony=d["hegemony"], href=f"/asn/{d['asn']}")
                      for d in deps[:SHOWN]],
        scored=len(deps), upstream_threshold=found["upstream_diversity"]["threshold"],
        upstream_count=found["upstream_diversity"]["count"],
        hhi=found["route_diversity"]["hhi"], hhi_ases=found["route_diversity"]["ases"],
        simulated=bool(found["simulated"]),
        api=f"/api/v1/countries/{found['cc']}/dependency?date={found['date']}",
    )  # fmt: skip


def _country(ctx: SectionContext) -> CountryTransit | None:
    return country_transit(query.BgpLake(ctx.app.settings.lake_dir), ctx.cc)


SECTIONS = (
    Section(
        "transit",
        "transit_country.html",
        CountryTransit,
        _country,
        description="Transit dependency: AS hegemony over the paths towards the country's "
        "address space (null when no hegemony has been computed)",
    ),
)
