"""The plain-language paragraph about one country's index, written from its data in the reader's
language (msgids extracted for the Babel catalogs; numbers and dates in the sentence)."""

from __future__ import annotations

from nethealth.resilience.query import CountryIndex, PillarScore
from nethealth.ui.i18n import Translator


def _score(t: Translator, value: float) -> str:
    return t.number(round(value, 1))


def _pct(t: Translator, share: float) -> str:
    return t.number(round(share * 100))


def pillar_extremes(index: CountryIndex) -> tuple[PillarScore, PillarScore] | None:
    """(strongest, weakest) of the pillars with a score; None with fewer than two."""
    scored = [p for p in index.pillars if p.score is not None]
    if len(scored) < 2:
        return None
    ordered = sorted(scored, key=lambda p: (-(p.score or 0.0), p.id))
    return ordered[0], ordered[-1]


def input_dates(index: CountryIndex) -> tuple[str, str] | None:
    days = sorted(i.reference_date for p in index.pillars for d in p.dimensions for i in d.inputs
                  if i.score is not None and i.reference_date is not None)  # fmt: skip
    return (days[0].isoformat(), days[-1].isoformat()) if days else None


def paragraph(index: CountryIndex, name: str, t: Translator) -> list[str]:
    """Sentences about the country's index on its date: score, rank and interval, coverage and
    the inputs' dates, strongest and weakest pillar, and its subregion."""
    day = index.date.isoformat()
    if index.score is None:
        return [t.gettext(
            "%(country)s has no resilience index on %(date)s: its measured inputs carry "
            "%(coverage)s %% of the weight, and %(minimum)s %% is needed.",
            country=name, date=day, coverage=_pct(t, index.coverage),
            minimum=_pct(t, index.min_coverage))]  # fmt: skip
    out = [t.gettext(
        "On %(date)s, %(country)s scores %(score)s out of 100 on the resilience index and ranks "
        "%(rank)s of %(ranked)s countries.", date=day, country=name,
        score=_score(t, index.score), rank=t.number(index.rank or 0),
        ranked=t.number(index.ranked or 0))]  # fmt: skip
    if index.rank_low is not None and index.rank_high is not None:
        if index.rank_low == index.rank_high:
            out.append(t.gettext("Other plausible weights leave its rank unchanged."))
        else:
            out.append(t.gettext(
                "With other plausible weights its rank stays between %(low)s and %(high)s.",
                low=t.number(index.rank_low), high=t.number(index.rank_high)))  # fmt: skip
    dates = input_dates(index)
    if dates is not None and dates[0] == dates[1]:
        out.append(t.gettext(
            "The score rests on inputs carrying %(coverage)s %% of the weight, all dated "
            "%(first)s.", coverage=_pct(t, index.coverage), first=dates[0]))  # fmt: skip
    elif dates is not None:
        out.append(t.gettext(
            "The score rests on inputs carrying %(coverage)s %% of the weight, dated %(first)s "
            "to %(last)s.", coverage=_pct(t, index.coverage), first=dates[0], last=dates[1]))  # fmt: skip
    ends = pillar_extremes(index)
    if ends is not None:
        strong, weak = ends
        out.append(t.gettext(
            "Its strongest pillar is %(strong)s (%(strong_score)s); its weakest is %(weak)s "
            "(%(weak_score)s).", strong=t.tr(strong.title).lower(), strong_score=_score(t, strong.score or 0.0),
            weak=t.tr(weak.title).lower(), weak_score=_score(t, weak.score or 0.0)))  # fmt: skip
    for comp in index.comparisons:
        # the subregion stands for the neighbours; alone in it, there is nothing to compare
        if comp.group != "subregion" or comp.mean is None or comp.rank_in_group is None:
            continue
        if comp.countries < 2:
            continue
        out.append(t.ngettext(
            "In %(group)s, where %(num)s country has an index, it ranks %(rank)s; their mean "
            "is %(mean)s.",
            "In %(group)s, where %(num)s countries have an index, it ranks %(rank)s; their mean "
            "is %(mean)s.", comp.countries, group=comp.name,
            rank=t.number(comp.rank_in_group), mean=_score(t, comp.mean)))  # fmt: skip
    return out
