"""The communities' pages and country-page section, as view models built from
`infrastructure.query` (the API's read model): `/communities` (every curated dataset, filtered by
country, with PeeringDB's research networks), `/communities/{kind}/{record_id}` (one record, its
connectivity and its history) and the `communities` section of the country page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from nethealth.area import SectionContext
from nethealth.infrastructure import query
from nethealth.infrastructure.community_model import KINDS, check_country, check_kind
from nethealth.infrastructure.query import Connectivity, PdbNrens
from nethealth.ui.context import AppContext, get_context
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.msgids import N_
from nethealth.ui.views import PageLinks

Ctx = Annotated[AppContext, Depends(get_context)]
KIND_TITLES = {
    "nren": N_("Research and education networks (NRENs)"),
    "nog": N_("Network operator groups (NOGs)"),
    "community_network": N_("Community networks"),
    "enabling_environment": N_("Enabling environment for community networks"),
}


class KindBlock(BaseModel):
    kind: str
    title: str = Field(description="msgid of the dataset's title")
    count: int = Field(description="Records listed (retracted ones left out)")
    records: list[dict[str, Any]]
    links: PageLinks


class CommunitiesView(BaseModel):
    country: str | None
    countries: list[str] = Field(description="Countries with at least one record")
    kinds: list[KindBlock]
    peeringdb_nrens: PdbNrens
    links: PageLinks


class CommunityRecordView(BaseModel):
    kind: str
    title: str
    record: dict[str, Any]
    connectivity: Connectivity | None = Field(description="Null: the record has no ASN")
    history: list[dict[str, Any]]
    links: PageLinks


def _q(**params: str | None) -> str:
    given = {k: v for k, v in params.items() if v}
    return "?" + urlencode(given) if given else ""


def _block(ctx: AppContext, kind: str, cc: str | None) -> KindBlock:
    recs = query.community_records(ctx.settings, kind, cc)
    q, q_csv = _q(country=cc), _q(country=cc, format="csv")
    return KindBlock(kind=kind, title=KIND_TITLES[kind], count=len(recs),
                     records=[r.as_dict() for r in recs],
                     links=PageLinks(html=f"/communities{_q(country=cc)}#{kind}",
                                     json_=f"/communities.json{q}",
                                     api=f"/api/v1/communities/{kind}{q}",
                                     csv=f"/api/v1/communities/{kind}{q_csv}"))  # fmt: skip


def _in_country(found: PdbNrens, cc: str | None) -> PdbNrens:
    if cc is None:
        return found
    return found.model_copy(update={"networks": [n for n in found.networks if n.country == cc]})


def communities(
    ctx: Ctx,
    country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2")] = None,
    t: Translator = ENGLISH,
) -> CommunitiesView:
    cc = check_country(country)
    listed = sorted({str(r.fields["country"]) for k in KINDS
                     for r in query.community_records(ctx.settings, k) if r.fields.get("country")})  # fmt: skip
    q = _q(country=cc)
    return CommunitiesView(
        country=cc, countries=listed, kinds=[_block(ctx, k, cc) for k in KINDS],
        peeringdb_nrens=_in_country(query.peeringdb_nrens(ctx.lake), cc),
        links=PageLinks(html=f"/communities{q}", json_=f"/communities.json{q}",
                        api=f"/api/v1/communities{q}"),
    )  # fmt: skip


def community_record(kind: str, record_id: str, ctx: Ctx,
                     t: Translator = ENGLISH) -> CommunityRecordView:  # fmt: skip
    rec = query.community_record(ctx.settings, check_kind(kind), record_id)
    asns = [int(a) for a in rec.fields.get("asns") or []]  # type: ignore[union-attr]
    history = [{"at": e.at, "actor": e.actor, "op": e.op, "reason": e.reason,
                "changes": {k: {"old": v[0], "new": v[1]} for k, v in sorted(e.changes.items())}}
               for e in reversed(query.community_log(ctx.settings, kind, record_id))]  # fmt: skip
    path = f"/communities/{kind}/{record_id}"
    return CommunityRecordView(
        kind=kind, title=KIND_TITLES[kind], record=rec.as_dict(),
        connectivity=query.connectivity(ctx.settings, ctx.lake, asns), history=history,
        links=PageLinks(html=path, json_=f"{path}.json", api=f"/api/v1{path}"),
    )  # fmt: skip


def list_title(_view: CommunitiesView, t: Translator) -> str:
    return t.gettext("Communities: research networks, operator groups, community networks")


def record_title(view: CommunityRecordView, t: Translator) -> str:
    name = view.record.get("name") or view.record.get("country") or view.record["id"]
    return f"{name} — {t.gettext(view.title)}"


# The country page's section -------------------------------------------------------------------


class CountryCommunities(BaseModel):
    kinds: list[KindBlock] = Field(description="The curated records of the country, per dataset")
    peeringdb_nrens: PdbNrens = Field(description="PeeringDB Educational/Research networks "
                                      "whose organisation is in the country")  # fmt: skip
    links: PageLinks


def country_communities(ctx: SectionContext) -> CountryCommunities:
    """Always present: "none recorded" is worth saying for a curated dataset."""
    app = ctx.app
    q = _q(country=ctx.cc)
    return CountryCommunities(
        kinds=[_block(app, k, ctx.cc) for k in KINDS],
        peeringdb_nrens=_in_country(query.peeringdb_nrens(app.lake), ctx.cc),
        links=PageLinks(html=f"/communities{q}", json_=f"/communities.json{q}",
                        api=f"/api/v1/communities{q}"),
    )  # fmt: skip
