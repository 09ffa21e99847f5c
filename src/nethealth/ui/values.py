"""The read model shared by the API and the pages: lake rows + registry → response models."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from nethealth.errors import InputError, NotFoundError
from nethealth.indicators.registry import Indicator
from nethealth.lake.reader import CountryRow, ProvenanceRow, ValueRow
from nethealth.ui.context import AppContext
from nethealth.ui.models import (
    CountryDetail,
    CountryList,
    CountryMeta,
    CountrySummary,
    CountryValue,
    IndicatorList,
    IndicatorMeta,
    IndicatorSeries,
    IndicatorValues,
    ProvenanceRecord,
    ProvenanceSummary,
    SourceRef,
    Value,
    ValueQuery,
)

_CC = re.compile(r"^[A-Za-z]{2}$")


# Registry --------------------------------------------------------------------------------------


def source_refs(ctx: AppContext, ids: Iterable[str]) -> list[SourceRef]:
    """Sources in the given order; an id the catalogue lacks still appears, by id only."""
    known = {s.id: s for s in ctx.sources()}
    refs = []
    for sid in dict.fromkeys(ids):
        s = known.get(sid)
        if s is None:
            refs.append(SourceRef(id=sid, title=sid))
        else:
            refs.append(SourceRef.model_validate(s, from_attributes=True))
    return refs


def indicator_meta(ctx: AppContext, ind: Indicator) -> IndicatorMeta:
    return IndicatorMeta(
        id=ind.id,
        title=ind.title,
        unit=ind.unit,
        area=ind.area,
        method=ind.method,
        version=ind.version,
        higher_is=ind.higher_is,
        caveats=ind.caveats,
        sources=source_refs(ctx, ind.sources),
    )


def indicator_list(ctx: AppContext) -> IndicatorList:
    metas = [indicator_meta(ctx, i) for i in ctx.indicators()]
    return IndicatorList(count=len(metas), indicators=metas)


def resolve_indicator(ctx: AppContext, indicator_id: str) -> Indicator:
    """The registered indicator, or a 404 that names the nearest ids."""
    indicators = ctx.indicators()
    for ind in indicators:
        if ind.id == indicator_id:
            return ind
    ids = [i.id for i in indicators]
    near = difflib.get_close_matches(indicator_id, ids, n=3, cutoff=0.5)
    hint = "list every indicator id at /api/v1/indicators"
    if near:
        hint = f"did you mean {', '.join(near)}? " + hint
    raise NotFoundError(f"no indicator with id {indicator_id!r}", hint=hint)


# Countries -------------------------------------------------------------------------------------


def country_meta(row: CountryRow) -> CountryMeta:
    return CountryMeta(
        cc=row.cc,
        alpha3=row.alpha3,
        numeric=row.numeric,
        name=row.name,
        official_name=row.official_name,
        name_fr=row.name_fr,
        name_es=row.name_es,
        region=row.region,
        subregion=row.subregion,
        intermediate_region=row.intermediate_region,
    )


def _country_suggestions(raw: str, rows: Sequence[CountryRow]) -> list[CountryRow]:
    key = raw.strip().upper()
    exact = [r for r in rows if (r.alpha3 or "").upper() == key or r.name.upper() == key]
    if exact:
        return exact
    by_name = {r.name.upper(): r for r in rows}
    names = difflib.get_close_matches(key, list(by_name), n=3, cutoff=0.6)
    if names:
        return [by_name[n] for n in names]
    by_cc = {r.cc: r for r in rows}
    return [by_cc[c] for c in difflib.get_close_matches(key, list(by_cc), n=3, cutoff=0.5)]


def unknown_country(ctx: AppContext, raw: str) -> NotFoundError:
    """A 404 whose hint names near matches (alpha-3 codes and names map back to alpha-2)."""
    near = _country_suggestions(raw, ctx.lake.countries())
    hint = "country codes are ISO 3166-1 alpha-2, e.g. NL; list them at /api/v1/countries"
    if near:
        hint = "did you mean " + ", ".join(f"{r.cc} ({r.name})" for r in near) + "? " + hint
    return NotFoundError(f"no country with code {raw!r}", hint=hint)


def resolve_country(ctx: AppContext, raw: str) -> CountryRow:
    """Case-insensitive alpha-2 lookup; anything else is a 404 with suggestions."""
    row = ctx.lake.country(raw.upper()) if _CC.match(raw) else None
    if row is None:
        raise unknown_country(ctx, raw)
    return row


def _value(row: ValueRow) -> Value:
    return Value(
        date=row.date, value=row.value, simulated=row.simulated,
        method_version=row.method_version, status=row.status, reason=row.reason,
    )  # fmt: skip


def country_list(ctx: AppContext) -> CountryList:
    indicators = [i.id for i in ctx.indicators()]
    wanted = set(indicators)
    latest: dict[str, dict[str, Value]] = defaultdict(dict)
    for row in ctx.lake.latest_values():
        if row.indicator_id in wanted:
            latest[row.country][row.indicator_id] = _value(row)
    countries = [
        CountrySummary(**country_meta(c).model_dump(), latest=latest.get(c.cc, {}))
        for c in ctx.lake.countries()
    ]
    return CountryList(count=len(countries), indicators=indicators, countries=countries)


def provenance_records(rows: Iterable[ProvenanceRow]) -> list[ProvenanceRecord]:
    return [ProvenanceRecord(**vars(r)) for r in rows]


def series_url(indicator_id: str, cc: str) -> str:
    """The series endpoint of one indicator and country (bounded by `max_range_days`)."""
    return f"/api/v1/indicators/{indicator_id}?country={cc}"


def full_url(cc: str) -> str:
    return f"/api/v1/countries/{cc}?series=all"


def provenance_summary(records: Iterable[ProvenanceRecord]) -> list[ProvenanceSummary]:
    """The raw files per source: count, bytes, first and newest snapshot, damaged ones."""
    by_source: dict[str, list[ProvenanceRecord]] = defaultdict(list)
    for r in records:
        by_source[r.source_id].append(r)
    return [
        ProvenanceSummary(
            source_id=sid,
            files=len(rows),
            bytes=sum(r.size for r in rows),
            first_snapshot=min(r.snapshot for r in rows),
            newest_snapshot=max(r.snapshot for r in rows),
            simulated=any(r.simulated for r in rows),
            damaged=sum(r.integrity == "damaged" for r in rows),
        )
        for sid, rows in sorted(by_source.items())
    ]


def country_detail(ctx: AppContext, raw_cc: str, *, full: bool = True) -> CountryDetail:
    """One country. `full`: every series and every raw file (the `?series=all` document);
    otherwise the latest value per indicator, links to the series and a provenance summary."""
    country = resolve_country(ctx, raw_cc)
    by_indicator: dict[str, list[ValueRow]] = defaultdict(list)
    for row in ctx.lake.series(countries=[country.cc]):
        by_indicator[row.indicator_id].append(row)
    series = []
    source_ids: list[str] = []
    simulated = False
    for ind in ctx.indicators():
        values = [_value(r) for r in by_indicator.get(ind.id, [])]
        present = [v for v in values if v.value is not None]
        simulated = simulated or any(v.simulated for v in values)
        series.append(
            IndicatorSeries(
                id=ind.id,
                title=ind.title,
                unit=ind.unit,
                version=ind.version,
                # the latest measured value; without one, the latest row says why (null)
                latest=present[-1] if present else (values[-1] if values else None),
                series=values if full else None,
                series_url=series_url(ind.id, country.cc),
            )
        )
        source_ids.extend(ind.sources)
    records = provenance_records(ctx.lake.provenance(list(dict.fromkeys(source_ids))))
    return CountryDetail(
        country=country_meta(country),
        simulated=simulated,
        indicators=series,
        sources=source_refs(ctx, source_ids),
        provenance=records if full else None,
        provenance_summary=provenance_summary(records),
        full_url=full_url(country.cc),
    )


# Indicator values ------------------------------------------------------------------------------


def parse_country_filter(ctx: AppContext, raw: Sequence[str] | None) -> list[str] | None:
    """`country` may repeat and hold comma-separated codes; malformed → 400, unknown → 404."""
    if not raw:
        return None
    codes = [c.strip() for item in raw for c in item.split(",") if c.strip()]
    if not codes:
        return None
    bad = [c for c in codes if not _CC.match(c)]
    if bad:
        raise InputError(
            f"invalid country code(s): {', '.join(bad)}",
            hint="use ISO 3166-1 alpha-2 codes, e.g. country=NL,FR or country=NL&country=FR",
        )
    known = {r.cc for r in ctx.lake.countries()}
    upper = list(dict.fromkeys(c.upper() for c in codes))
    for cc in upper:
        if cc not in known:
            raise unknown_country(ctx, cc)
    return upper


def resolve_range(
    ctx: AppContext, indicator_id: str, start: date | None, end: date | None
) -> tuple[date, date]:
    """Defaults: `to` = last date with data, `from` = `to` − max_range_days. Always bounded."""
    max_days = ctx.settings.max_range_days
    if end is None:
        end = ctx.lake.last_date(indicator_id) or date.today()
        if start is not None and start > end:
            end = start
    if start is None:
        start = end - timedelta(days=max_days)
    if start > end:
        raise InputError(
            f"'from' ({start.isoformat()}) is after 'to' ({end.isoformat()})",
            hint="swap the two dates",
        )
    if (end - start).days > max_days:
        raise InputError(
            f"the range {start.isoformat()}..{end.isoformat()} spans {(end - start).days} days; "
            f"at most {max_days} are served per request",
            hint="split the range into several requests, or download the bulk files",
        )
    return start, end


def indicator_values(
    ctx: AppContext,
    indicator_id: str,
    countries: Sequence[str] | None,
    start: date | None,
    end: date | None,
) -> IndicatorValues:
    ind = resolve_indicator(ctx, indicator_id)
    codes = parse_country_filter(ctx, countries)
    start, end = resolve_range(ctx, ind.id, start, end)
    rows = ctx.lake.series(indicator_id=ind.id, countries=codes, start=start, end=end)
    values = [
        CountryValue(
            country=r.country,
            date=r.date,
            value=r.value,
            simulated=r.simulated,
            method_version=r.method_version,
            status=r.status,
            reason=r.reason,
        )
        for r in rows
    ]
    return IndicatorValues(
        indicator=indicator_meta(ctx, ind),
        query=ValueQuery(countries=codes, from_=start, to=end),
        simulated=any(v.simulated for v in values),
        count=len(values),
        values=values,
    )
