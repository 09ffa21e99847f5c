"""The IXP tracker's pages and their JSON twins, declared as `Page`s: `/ixps` (the IXPs of one
PeeringDB snapshot, filtered by country and activity) and `/ixp/{ix_id}` (one IXP: its values,
members and member history). Every figure comes from `infrastructure.query`, as the API's do."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from nethealth.area import Glance, Page, Section, SectionContext
from nethealth.common.dates import parse_date
from nethealth.infrastructure import community_pages as cp
from nethealth.infrastructure import query
from nethealth.infrastructure.query import HistoryPoint, Ixp, Member
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.params import DATE
from nethealth.ui.views import PageLinks

Ctx = Annotated[AppContext, Depends(get_context)]
DateParam = Annotated[
    str | None, DATE, Query(alias="date", description="The latest PeeringDB snapshot on or before")
]


class IxpFilters(BaseModel):
    country: str | None = None
    active: bool | None = None
    date: str | None = None


class CountryOption(BaseModel):
    value: str
    label: str


class IxpListView(BaseModel):
    snapshot: date = Field(description="The PeeringDB snapshot every row comes from")
    snapshots: list[date] = Field(description="Every stored snapshot, oldest first")
    filters: IxpFilters
    countries: list[CountryOption]
    count: int
    measured: int = Field(description="Rows whose members are measured")
    ixps: list[Ixp]
    simulated: bool
    links: PageLinks


class IxpPageView(BaseModel):
    ixp: Ixp
    country_name: str
    members: list[Member]
    history: list[HistoryPoint]
    simulated: bool
    links: PageLinks


def _names(ctx: AppContext) -> dict[str, str]:
    return {c.cc: c.name for c in ctx.lake.countries()}


def _query(**params: object) -> str:
    given = {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()
             if v is not None}  # fmt: skip
    return "?" + urlencode(given) if given else ""


def ixps(
    ctx: Ctx,
    country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2")] = None,
    active: Annotated[str | None, Query(description="true or false")] = None,
    day: DateParam = None,
    t: Translator = ENGLISH,
) -> IxpListView:
    cc = query.check_country(country)
    act = query.check_active(active)
    snap, rows = query.ixps(ctx.lake, parse_date(day, "date"), cc, act)
    names = _names(ctx)
    listed = query.countries_listed(ctx.lake, snap)
    q = _query(country=cc, active=act, date=day or None)
    q_csv = _query(country=cc, active=act, date=day or None, format="csv")
    return IxpListView(
        snapshot=snap,
        snapshots=query.snapshots(ctx.lake),
        filters=IxpFilters(country=cc, active=act, date=day or None),
        countries=[CountryOption(value=c, label=names.get(c, c)) for c in listed],
        count=len(rows),
        measured=sum(1 for r in rows if r.members is not None),
        ixps=rows,
        simulated=any(r.simulated for r in rows),
        links=PageLinks(html=f"/ixps{q}", json_=f"/ixps.json{q}", api=f"/api/v1/ixps{q}",
                        csv=f"/api/v1/ixps{q_csv}"),
    )  # fmt: skip


def ixp(ix_id: int, ctx: Ctx, day: DateParam = None, t: Translator = ENGLISH) -> IxpPageView:
    ix = query.ixp(ctx.lake, ix_id, parse_date(day, "date"))
    q = _query(date=day or None)
    return IxpPageView(
        ixp=ix,
        country_name=_names(ctx).get(ix.country, ix.country),
        members=query.members(ctx.lake, ix),
        history=query.history(ctx.lake, ix_id),
        simulated=ix.simulated,
        links=PageLinks(html=f"/ixp/{ix_id}{q}", json_=f"/ixp/{ix_id}.json{q}",
                        api=f"/api/v1/ixps/{ix_id}{q}"),
    )  # fmt: skip


def _list_title(_view: IxpListView, t: Translator) -> str:
    return t.gettext("Internet exchange points")


def _ixp_title(view: IxpPageView, t: Translator) -> str:
    return t.gettext("IXP %(name)s", name=view.ixp.name)


PAGES = (
    Page("/ixps", "ixps.html", ixps, _list_title, "JSON twin of /ixps"),
    Page("/ixp/{ix_id}", "ixp.html", ixp, _ixp_title, "JSON twin of an IXP's page"),
    Page("/communities", "communities.html", cp.communities, cp.list_title,
         "JSON twin of /communities"),
    Page("/communities/{kind}/{record_id}", "community.html", cp.community_record,
         cp.record_title, "JSON twin of a community record's page"),
)  # fmt: skip


# The country page's section -------------------------------------------------------------------

TOP = 10  # IXPs listed on the country page; the rest are one link away


class IxpBrief(BaseModel):
    ix_id: int
    name: str
    city: str | None
    members: int | None
    members_status: str
    active: bool | None


class CountryIxps(BaseModel):
    snapshot: date = Field(description="The PeeringDB snapshot of every figure")
    count: int = Field(description="IXPs listed in the country")
    active: int | None = Field(description="Active IXPs (≥ 3 members); null: not measured")
    ixps: list[IxpBrief] = Field(description=f"At most {TOP}, most members first")
    simulated: bool
    links: PageLinks


def country_ixps(ctx: SectionContext) -> CountryIxps | None:
    """The country's IXPs in the latest PeeringDB snapshot; None when the tracker has not been
    built or lists none there (the `ixps` indicator still says 0)."""
    if not query.built(ctx.app.lake):
        return None
    snap, rows = query.ixps(ctx.app.lake, None, ctx.cc)
    if not rows:
        return None
    measured = [r for r in rows if r.members is not None]
    ranked = sorted(rows, key=lambda r: (-(r.members or 0), r.name.lower()))[:TOP]
    q = _query(country=ctx.cc)
    return CountryIxps(
        snapshot=snap,
        count=len(rows),
        active=sum(1 for r in measured if r.active) if measured else None,
        ixps=[IxpBrief(ix_id=r.ix_id, name=r.name, city=r.city, members=r.members,
                       members_status=r.members_status, active=r.active) for r in ranked],
        simulated=any(r.simulated for r in rows),
        links=PageLinks(html=f"/ixps{q}", json_=f"/ixps.json{q}", api=f"/api/v1/ixps{q}",
                        csv=f"/api/v1/ixps{_query(country=ctx.cc, format='csv')}"),
    )  # fmt: skip


def _glance(model: CountryIxps, t: Translator) -> Glance:
    value = t.number(model.count)
    if model.active is not None:
        value += " " + t.ngettext("(%(num)s active)", "(%(num)s active)", model.active)
    return Glance("ixp-tracker", t.gettext("IXPs (PeeringDB %(date)s)", date=model.snapshot.isoformat()),
                  value)  # fmt: skip


SECTIONS = (
    Section("ixp_tracker", "ixp_country.html", CountryIxps, country_ixps, glance=_glance,
            description="The country's IXPs in the latest PeeringDB snapshot (IXP tracker)"),
    Section("communities", "community_country.html", cp.CountryCommunities,
            cp.country_communities,
            description="The country's curated NRENs, NOGs, community networks and enabling "
            "environment, and PeeringDB's research networks"),
)  # fmt: skip
