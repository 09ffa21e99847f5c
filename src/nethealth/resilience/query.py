"""The resilience index's read model: every query its API and pages make (datasets
`resilience_scores`, `resilience_inputs`, `resilience_bounds` of the `resilience` step, country
names and regions from `countries`, source files from `_provenance`).

An answer shows one index date: the latest on or before the date asked for (default: the
latest). Every input carries its own reference date; the drill-down goes index → pillar →
dimension → input → source record.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.errors import InputError, NotFoundError
from nethealth.lake.reader import LakeReader
from nethealth.resilience.config import CONFIG, Config, Input, Kind

HINT = "run `nethealth build` (the `resilience` step) after loading its sources"
DATASETS = ("resilience_scores", "resilience_inputs", "resilience_bounds")


class RankedCountry(BaseModel):
    cc: str
    name: str
    region: str | None
    subregion: str | None
    score: float | None = Field(description="0–100; null: not measured (coverage too low)")
    rank: int | None = Field(description="1 = most resilient among the countries ranked")
    rank_low: int | None = Field(description="Best rank in the Monte Carlo interval")
    rank_high: int | None = Field(description="Worst rank in the Monte Carlo interval")
    coverage: float = Field(description="Share (0–1) of the configured weight measured")
    status: str
    reason: str
    pillars: dict[str, float | None] = Field(description="Pillar scores 0–100, null: none")
    simulated: bool
    links: dict[str, str]


class Ranking(BaseModel):
    date: dt.date = Field(description="The index date of every row")
    dates: list[dt.date] = Field(description="Every index date computed, oldest first")
    config_version: str
    ranked: int = Field(description="Countries with an index on this date")
    countries: list[RankedCountry]


class SourceRecord(BaseModel):
    """Where an input's value comes from."""

    kind: str
    source: str = Field(description="Source id(s) of the catalog")
    api: str | None = Field(None, description="nethealth API answer holding the value")
    url: str | None = Field(None, description="The publisher's page for the value")
    files: list[dict[str, str | None]] = Field(
        default_factory=list, description="Stored files of the source (snapshot, name, url, "
        "licence), latest first")  # fmt: skip


class InputValue(BaseModel):
    id: str
    title: str
    unit: str
    direction: str
    weight: float = Field(description="Configured weight among its dimension's inputs")
    effective_weight: float = Field(description="Its share of the index when all is measured")
    missing_rule: str
    reference_date: dt.date | None = Field(description="The one date of this input's values")
    value: float | None
    capped: float | None = Field(description="After IQR capping")
    score: float | None = Field(description="0–100 after min–max and direction")
    status: str
    reason: str
    simulated: bool
    links: dict[str, str]


class InputRecord(InputValue):
    cc: str
    date: dt.date
    bounds: dict[str, float | int | bool | str | None] = Field(
        description="The input's quartiles, fences, min and max across countries on this date"
    )
    source: SourceRecord


class DimensionScore(BaseModel):
    id: str
    title: str
    weight: float
    score: float | None
    inputs: list[InputValue]


class PillarScore(BaseModel):
    id: str
    title: str
    weight: float
    score: float | None
    dimensions: list[DimensionScore]


class HistoryPoint(BaseModel):
    date: dt.date
    score: float | None
    rank: int | None
    coverage: float


class Peer(BaseModel):
    cc: str
    name: str
    score: float | None
    rank: int | None


class Comparison(BaseModel):
    group: str = Field(description="region or subregion (UN M49)")
    name: str | None
    mean: float | None = Field(description="Mean index of the group's countries with one")
    countries: int = Field(description="Countries of the group with an index")
    rank_in_group: int | None
    peers: list[Peer]


class CountryIndex(BaseModel):
    cc: str
    name: str
    date: dt.date
    config_version: str
    score: float | None
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    ranked: int | None
    coverage: float
    min_coverage: float
    status: str
    reason: str
    simulated: bool
    pillars: list[PillarScore]
    comparisons: list[Comparison]
    history: list[HistoryPoint]
    links: dict[str, str]


def check_country(text: str) -> str:
    cc = text.strip().upper()
    if len(cc) != 2 or not cc.isascii() or not cc.isalpha():
        raise InputError(f"{text!r} is not an ISO 3166-1 alpha-2 code", field="cc",
                         hint="e.g. /api/v1/resilience/KE")  # fmt: skip
    return cc


def _has(lake: LakeReader, view: str) -> bool:
    rows = lake.query("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [view])
    return bool(rows[0][0])


def built(lake: LakeReader) -> bool:
    return all(_has(lake, v) for v in DATASETS)


def dates(lake: LakeReader) -> list[dt.date]:
    if not built(lake):
        return []
    return [r[0] for r in lake.query("SELECT DISTINCT date FROM resilience_scores ORDER BY 1")]


def date_for(lake: LakeReader, day: dt.date | None) -> dt.date:
    if not built(lake):
        raise NotFoundError("the resilience index has not been built", hint=HINT)
    ds = dates(lake)
    if not ds:
        raise NotFoundError("the resilience index has no date: none of its inputs has a value",
                            hint=HINT)  # fmt: skip
    if day is None:
        return ds[-1]
    before = [d for d in ds if d <= day]
    if not before:
        raise NotFoundError(f"no resilience index on or before {day}",
                            hint=f"the earliest is {ds[0]}")  # fmt: skip
    return before[-1]


def _q(**params: object) -> str:
    given = {k: v for k, v in params.items() if v is not None}
    return "?" + urlencode(given) if given else ""


def country_links(cc: str, day: dt.date | None) -> dict[str, str]:
    q = _q(date=day.isoformat() if day else None)
    return {"api": f"/api/v1/resilience/{cc}{q}", "html": f"/resilience/{cc}{q}",
            "json": f"/resilience/{cc}.json{q}"}  # fmt: skip


def ranking(lake: LakeReader, day: dt.date | None = None, *, pinned: bool = False) -> Ranking:
    """Every country on the index date (those with an index by rank, then the others by name).
    `pinned`: links keep the date."""
    d = date_for(lake, day)
    rows = lake.query(
        "SELECT s.cc, coalesce(c.name, s.cc), c.region, c.subregion, s.score, s.rank, "
        "s.rank_low, s.rank_high, s.coverage, s.status, s.reason, s.simulated, s.ranked, "
        "s.config_version FROM resilience_scores s LEFT JOIN countries c ON c.cc = s.cc "
        "WHERE s.date = ? AND s.level = 'index'", [d])  # fmt: skip
    pillars: dict[str, dict[str, float | None]] = {}
    for cc, node, score in lake.query("SELECT cc, node, score FROM resilience_scores "
                                      "WHERE date = ? AND level = 'pillar'", [d]):  # fmt: skip
        pillars.setdefault(cc, {})[node] = score
    out = [RankedCountry(cc=r[0], name=r[1], region=r[2], subregion=r[3], score=r[4], rank=r[5],
                         rank_low=r[6], rank_high=r[7], coverage=r[8], status=r[9], reason=r[10],
                         simulated=r[11], pillars=pillars.get(r[0], {}),
                         links=country_links(r[0], d if pinned else None)) for r in rows]  # fmt: skip
    out.sort(key=lambda c: (c.rank is None, c.rank or 0, c.name.lower()))
    ranked = rows[0][12] if rows else 0
    version = rows[0][13] if rows else CONFIG.version
    return Ranking(date=d, dates=dates(lake), config_version=version, ranked=ranked or 0,
                   countries=out)  # fmt: skip


def input_links(cc: str, inp: Input, d: dt.date) -> dict[str, str]:
    return {"record": f"/api/v1/resilience/{cc}/inputs/{inp.id}?date={d.isoformat()}"}


def _inputs(lake: LakeReader, cc: str, d: dt.date, config: Config) -> dict[str, InputValue]:
    rows = lake.query("SELECT input_id, reference_date, value, capped, score, weight, status, "
                      "reason, simulated FROM resilience_inputs WHERE date = ? AND cc = ?",
                      [d, cc])  # fmt: skip
    known = {i.id: i for _p, _d, i in config.inputs()}
    out = {}
    for iid, ref, value, capped, score, eff, status, reason, sim in rows:
        inp = known.get(iid)
        if inp is None:  # built with another configuration version
            continue
        out[iid] = InputValue(
            id=iid, title=inp.title, unit=inp.unit, direction=inp.direction.value,
            weight=inp.weight, effective_weight=eff, missing_rule=inp.missing.value,
            reference_date=ref, value=value, capped=capped, score=score, status=status,
            reason=reason, simulated=sim, links=input_links(cc, inp, d),
        )  # fmt: skip
    return out


def _comparisons(lake: LakeReader, cc: str, d: dt.date, region: str | None,
                 subregion: str | None) -> list[Comparison]:  # fmt: skip
    out = []
    for group, name in (("subregion", subregion), ("region", region)):
        if name is None:
            continue
        rows = lake.query(
            f"SELECT s.cc, coalesce(c.name, s.cc), s.score FROM resilience_scores s JOIN "
            f"countries c ON c.cc = s.cc WHERE s.date = ? AND s.level = 'index' AND "
            f"c.{group} = ? ORDER BY s.score DESC NULLS LAST, 2", [d, name])  # fmt: skip
        scored = [(c, n, s) for c, n, s in rows if s is not None]
        mean = sum(s for _c, _n, s in scored) / len(scored) if scored else None
        own = next((s for c, _n, s in scored if c == cc), None)
        rank = 1 + sum(1 for _c, _n, s in scored if s > own) if own is not None else None
        peers = [Peer(cc=c, name=n, score=s,
                      rank=(1 + sum(1 for _x, _y, t in scored if t > s)) if s is not None else None)
                 for c, n, s in rows]  # fmt: skip
        out.append(Comparison(group=group, name=name, mean=mean, countries=len(scored),
                              rank_in_group=rank, peers=peers))  # fmt: skip
    return out


def country(lake: LakeReader, cc: str, day: dt.date | None = None, config: Config = CONFIG,
            *, pinned: bool = False) -> CountryIndex:  # fmt: skip
    """One country's index, pillars, dimensions and inputs on the index date, its comparison
    with its subregion and region, and its history."""
    cc = check_country(cc)
    d = date_for(lake, day)
    head = lake.query("SELECT score, rank, rank_low, rank_high, ranked, coverage, status, reason, "
                      "simulated, config_version FROM resilience_scores WHERE date = ? AND "
                      "cc = ? AND level = 'index'", [d, cc])  # fmt: skip
    if not head:
        raise NotFoundError(f"no resilience index row for {cc} on {d}",
                            hint="give an ISO 3166-1 alpha-2 code listed at /api/v1/resilience")  # fmt: skip
    score, rank, lo, hi, ranked, cov, status, reason, sim, version = head[0]
    nodes = {(lvl, n): s for lvl, n, s in lake.query(
        "SELECT level, node, score FROM resilience_scores WHERE date = ? AND cc = ? AND "
        "level IN ('pillar', 'dimension')", [d, cc])}  # fmt: skip
    values = _inputs(lake, cc, d, config)
    pillars = [
        PillarScore(id=p.id, title=p.title, weight=p.weight, score=nodes.get(("pillar", p.id)),
                    dimensions=[DimensionScore(id=dm.id, title=dm.title, weight=dm.weight,
                                               score=nodes.get(("dimension", dm.id)),
                                               inputs=[values[i.id] for i in dm.inputs
                                                       if i.id in values])
                                for dm in p.dimensions])
        for p in config.pillars
    ]  # fmt: skip
    meta = lake.country(cc)
    history = [HistoryPoint(date=hd, score=s, rank=r, coverage=c) for hd, s, r, c in lake.query(
        "SELECT date, score, rank, coverage FROM resilience_scores WHERE cc = ? AND "
        "level = 'index' ORDER BY date", [cc])]  # fmt: skip
    return CountryIndex(
        cc=cc, name=meta.name if meta else cc, date=d, config_version=version, score=score,
        rank=rank, rank_low=lo, rank_high=hi, ranked=ranked, coverage=cov,
        min_coverage=config.min_coverage, status=status, reason=reason, simulated=sim,
        pillars=pillars,
        comparisons=_comparisons(lake, cc, d, meta.region if meta else None,
                                 meta.subregion if meta else None),
        history=history, links=country_links(cc, d if pinned else None),
    )  # fmt: skip


WDI_PAGE = "https://data.worldbank.org/indicator/{code}?locations={cc}"
APNIC_PAGE = "https://stats.labs.apnic.net/ipv6/{cc}"
PROVENANCE_OF: dict[Kind, str] = {
    Kind.WDI: "worldbank", Kind.APNIC_IPV6: "apnic-ipv6", Kind.PEERINGDB_FAC: "peeringdb",
    Kind.ROUTE_DIVERSITY: "bgp-ris", Kind.UPSTREAMS: "bgp-ris", Kind.SHUTDOWNS: "shutdowns",
    Kind.OOKLA: "ookla",
}  # fmt: skip


def _files(lake: LakeReader, source_id: str, name: str | None) -> list[dict[str, str | None]]:
    sql = "SELECT snapshot, name, url, licence FROM _provenance WHERE source_id = ?"
    params: list[object] = [source_id]
    if name is not None:
        sql += " AND name = ?"
        params.append(name)
    rows = lake.query(sql + " ORDER BY snapshot DESC, name LIMIT 5", params)
    return [{"snapshot": s, "name": n, "url": u, "licence": lic} for s, n, u, lic in rows]


def source_record(lake: LakeReader, cc: str, inp: Input, ref: dt.date | None) -> SourceRecord:
    rec = SourceRecord(kind=inp.kind.value, source=inp.source, api=None, url=None)
    if inp.kind is Kind.INDICATOR:
        q = _q(country=cc, **({"from": ref.isoformat(), "to": ref.isoformat()} if ref else {}))
        rec.api = f"/api/v1/indicators/{inp.ref}{q}"
        return rec
    if inp.kind is Kind.WDI:
        rec.url = WDI_PAGE.format(code=inp.ref, cc=cc)
    elif inp.kind is Kind.APNIC_IPV6:
        rec.url = APNIC_PAGE.format(cc=cc)
    elif inp.kind in (Kind.ROUTE_DIVERSITY, Kind.UPSTREAMS):
        rec.api = f"/api/v1/countries/{cc}/dependency{_q(date=ref.isoformat() if ref else None)}"
    elif inp.kind is Kind.SHUTDOWNS:
        rec.api = f"/api/v1/shutdowns{_q(country=cc)}"
    name = f"{cc}.json" if inp.kind is Kind.APNIC_IPV6 else None
    rec.files = _files(lake, PROVENANCE_OF[inp.kind], name)
    return rec


def input_record(lake: LakeReader, cc: str, input_id: str, day: dt.date | None = None,
                 config: Config = CONFIG) -> InputRecord:  # fmt: skip
    """One input of one country on the index date, with the input's bounds across countries
    and where its value comes from."""
    cc = check_country(cc)
    try:
        _p, _dm, inp = config.input(input_id)
    except KeyError:
        known = ", ".join(i.id for _a, _b, i in config.inputs())
        raise NotFoundError(f"unknown resilience input {input_id!r}",
                            hint=f"known inputs: {known}") from None  # fmt: skip
    d = date_for(lake, day)
    value = _inputs(lake, cc, d, config).get(input_id)
    if value is None:
        raise NotFoundError(f"no {input_id} row for {cc} on {d}", hint="see /api/v1/resilience")
    names = ("reference_date", "used", "reason", "q1", "q3", "low", "high", "min", "max",
             "countries")  # fmt: skip
    b = lake.query(f"SELECT {', '.join(names)} FROM resilience_bounds WHERE date = ? AND "
                   "input_id = ?", [d, input_id])  # fmt: skip
    bounds = dict(zip(names, b[0], strict=True)) if b else {}
    if bounds.get("reference_date") is not None:
        bounds["reference_date"] = str(bounds["reference_date"])
    return InputRecord(
        **value.model_dump(),
        cc=cc,
        date=d,
        bounds=bounds,
        source=source_record(lake, cc, inp, value.reference_date),
    )
