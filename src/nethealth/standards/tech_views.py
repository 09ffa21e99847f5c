"""View models of the "Enabling technologies" pages and the country page's section, built from
the area's read model (`standards.query`, the adoption series the API serves).

Every value carries its date, its denominator (adopting of conclusive sites, the list, its
country and date) and its status: a country or technology without a conclusive result is
`not measured`, never 0. The technologies the scanner has no check for (`adoption.GAPS`) are
listed with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.common.status import Status
from nethealth.standards.adoption import GAPS, TECHNOLOGIES, WINDOW_DAYS, AdoptionRow, method
from nethealth.standards.adoption import Technology as Tech
from nethealth.ui.formatting import fmt_value
from nethealth.ui.views import PageLinks

UNIT = "%"
API = "/api/v1/adoption"
BASE = "/technologies"


class TechValue(BaseModel):
    """One value of a series, with everything behind it."""

    date: dt.date | None
    value: float | None
    value_text: str
    status: str
    reason: str
    adopted: int | None = Field(description="Sites adopting (pass)")
    conclusive: int | None = Field(description="The denominator: sites with a pass/fail/warning")
    errors: int | None
    not_applicable: int | None
    list_id: str | None
    country: str | None
    list_date: dt.date | None = Field(description="The list's date (the latest, if several)")
    denominator: str | None = Field(description="e.g. '412 of 980 sites, list …'")
    simulated: bool


class TechGap(BaseModel):
    technology: str
    status: str = Status.NOT_MEASURED.value
    why: str


class Trend(BaseModel):
    first_date: dt.date
    first_value: float
    change: float = Field(description="Latest minus first value, in percentage points")
    change_text: str


def _list_name(list_id: str, country: str | None) -> str:
    return f"{list_id}{' ' + country if country else ''}"


def tech_value(row: AdoptionRow) -> TechValue:
    where = f"list {_list_name(row.list_id, row.country)} {row.list_dates[1].isoformat()}"
    return TechValue(
        date=row.date, value=row.value,
        value_text=fmt_value(row.value, UNIT) if row.value is not None else row.status,
        status=row.status, reason=row.reason, adopted=row.adopted, conclusive=row.conclusive,
        errors=row.errors, not_applicable=row.not_applicable, list_id=row.list_id,
        country=row.country, list_date=row.list_dates[1],
        denominator=f"{row.adopted:,} of {row.conclusive:,} sites, {where}",
        simulated=row.simulated,
    )  # fmt: skip


def missing(reason: str) -> TechValue:
    return TechValue(
        date=None, value=None, value_text=Status.NOT_MEASURED.value,
        status=Status.NOT_MEASURED.value, reason=reason, adopted=None, conclusive=None,
        errors=None, not_applicable=None, list_id=None, country=None, list_date=None,
        denominator=None, simulated=False,
    )  # fmt: skip


def latest(rows: Sequence[AdoptionRow], whom: str, tech: Tech) -> TechValue:
    return tech_value(rows[-1]) if rows else missing(f"no {tech.check_id} result for {whom}")


def trend(rows: Sequence[AdoptionRow]) -> Trend | None:
    """The change from the series' first measured value to its latest (None with fewer than
    two measured values: one value is not a trend)."""
    got = [r for r in rows if r.value is not None]
    if len(got) < 2 or got[-1].value is None or got[0].value is None:
        return None
    delta = got[-1].value - got[0].value
    return Trend(first_date=got[0].date, first_value=got[0].value, change=delta,
                 change_text=f"{delta:+.1f} points since {got[0].date.isoformat()}")  # fmt: skip


def gaps() -> list[TechGap]:
    return [TechGap(technology=k, why=v) for k, v in GAPS.items()]


def tech_href(tech: Tech) -> str:
    return f"{BASE}/{tech.id}"


# The index -------------------------------------------------------------------------------------


class TechSummary(BaseModel):
    id: str
    title: str
    check: str
    what: str
    href: str
    global_: TechValue = Field(serialization_alias="global", description="Tranco's list")
    countries_measured: int = Field(description="Countries with a measured latest value")
    countries_scanned: int = Field(description="Countries whose list has any result")
    country_low: TechValue | None = Field(description="The lowest latest country value")
    country_high: TechValue | None = Field(description="The highest latest country value")
    country_dates: list[dt.date] = Field(description="First and last date of the latest values")


class TechIndexView(BaseModel):
    window_days: int
    technologies: list[TechSummary]
    not_measured: list[TechGap]
    simulated: bool
    links: PageLinks


def summary(
    tech: Tech, world: Sequence[AdoptionRow], countries: dict[str, list[AdoptionRow]]
) -> TechSummary:
    last = [tech_value(rows[-1]) for rows in countries.values() if rows]
    measured = sorted((v for v in last if v.value is not None), key=lambda v: v.value or 0.0)
    dates = sorted(v.date for v in measured if v.date is not None)
    return TechSummary(
        id=tech.id, title=tech.title, check=tech.check_id, what=tech.what, href=tech_href(tech),
        global_=latest(world, "the world (Tranco)", tech), countries_measured=len(measured),
        countries_scanned=len(last), country_low=measured[0] if measured else None,
        country_high=measured[-1] if measured else None,
        country_dates=[dates[0], dates[-1]] if dates else [],
    )  # fmt: skip


def index_view(by_tech: dict[str, dict[str | None, list[AdoptionRow]]]) -> TechIndexView:
    """`by_tech`: per technology id, the series per country (None: the world)."""
    items = []
    for tech in TECHNOLOGIES:
        series = by_tech.get(tech.id, {})
        countries = {cc: rows for cc, rows in series.items() if cc is not None}
        items.append(summary(tech, series.get(None, []), countries))
    sim = any(r.simulated for s in by_tech.values() for rows in s.values() for r in rows)
    return TechIndexView(
        window_days=WINDOW_DAYS, technologies=items, not_measured=gaps(), simulated=sim,
        links=PageLinks(html=BASE, json_=f"{BASE}.json", api=API),
    )  # fmt: skip


# One technology --------------------------------------------------------------------------------


class TechSort(StrEnum):
    name = "name"
    value = "value"
    change = "change"
    date = "date"


class Order(StrEnum):
    asc = "asc"
    desc = "desc"


class CountryTechRow(BaseModel):
    cc: str
    name: str
    href: str
    latest: TechValue
    trend: Trend | None


class TechPageView(BaseModel):
    id: str
    title: str
    check: str
    method: str
    global_latest: TechValue
    global_series: list[TechValue]
    global_trend: Trend | None
    countries: list[CountryTechRow] = Field(description="Countries whose list has a result")
    countries_not_scanned: int = Field(description="Countries of the lake without any result")
    sort: TechSort
    order: Order
    map_href: str = Field(description="The home map coloured by this indicator")
    simulated: bool
    not_measured: list[TechGap]
    links: PageLinks


def _key(row: CountryTechRow, sort: TechSort) -> tuple[int, float | str]:
    """Rows without a value sort last whatever the order (never as a zero)."""
    if sort is TechSort.name:
        return (0, row.name)
    if sort is TechSort.date:
        return (0, row.latest.date.isoformat()) if row.latest.date else (1, "")
    if sort is TechSort.change:
        return (0, row.trend.change) if row.trend else (1, 0.0)
    return (0, row.latest.value) if row.latest.value is not None else (1, 0.0)


def sort_rows(rows: list[CountryTechRow], sort: TechSort, order: Order) -> list[CountryTechRow]:
    have = [r for r in rows if _key(r, sort)[0] == 0]
    lack = [r for r in rows if _key(r, sort)[0] == 1]
    have.sort(key=lambda r: (_key(r, sort)[1], r.name), reverse=order is Order.desc)
    return have + sorted(lack, key=lambda r: r.name)


def page_query(sort: TechSort, order: Order) -> str:
    return urlencode({"sort": sort.value, "order": order.value})


def tech_page_view(
    tech: Tech,
    series: dict[str | None, list[AdoptionRow]],
    names: dict[str, str],
    sort: TechSort,
    order: Order,
) -> TechPageView:
    """`names`: the lake's countries (cc → name); a list of a country the lake does not know
    is still shown, under its code."""
    world = series.get(None, [])
    rows = [
        CountryTechRow(cc=cc, name=names.get(cc, cc), href=f"/country/{cc}#technologies",
                       latest=latest(s, cc, tech), trend=trend(s))
        for cc, s in series.items() if cc is not None
    ]  # fmt: skip
    query = page_query(sort, order)
    href = tech_href(tech)
    return TechPageView(
        id=tech.id, title=tech.title, check=tech.check_id, method=method(tech),
        global_latest=latest(world, "the world (Tranco)", tech),
        global_series=[tech_value(r) for r in world], global_trend=trend(world),
        countries=sort_rows(rows, sort, order),
        countries_not_scanned=len(set(names) - {r.cc for r in rows}),
        sort=sort, order=order, map_href=f"/?indicator={tech.id}",
        simulated=any(r.simulated for s in series.values() for r in s),
        not_measured=gaps(),
        links=PageLinks(html=f"{href}?{query}", json_=f"{href}.json?{query}",
                        api=f"{API}/{tech.id}", csv=f"{API}/{tech.id}?format=csv"),
    )  # fmt: skip


# The country page's section ----------------------------------------------------------------------


class CountryTechItem(BaseModel):
    id: str
    title: str
    href: str
    csv: str = Field(description="The country's series with its counts, CSV (the API's)")
    latest: TechValue
    trend: Trend | None
    series: list[TechValue]


class CountryTechnologies(BaseModel):
    cc: str
    technologies: list[CountryTechItem]
    measured: int = Field(description="Technologies with a measured latest value")
    not_measured: list[TechGap]
    simulated: bool
    links: PageLinks


def country_technologies(cc: str, series: dict[str, list[AdoptionRow]]) -> CountryTechnologies:
    items = [
        CountryTechItem(id=t.id, title=t.title, href=tech_href(t),
                        csv=f"{API}/{t.id}?country={cc}&format=csv",
                        latest=latest(series.get(t.id, []), cc, t),
                        trend=trend(series.get(t.id, [])),
                        series=[tech_value(r) for r in series.get(t.id, [])])
        for t in TECHNOLOGIES
    ]  # fmt: skip
    return CountryTechnologies(
        cc=cc, technologies=items,
        measured=sum(1 for i in items if i.latest.value is not None), not_measured=gaps(),
        simulated=any(i.latest.simulated for i in items),
        links=PageLinks(html=BASE, json_=f"{BASE}.json", api=API),
    )  # fmt: skip
