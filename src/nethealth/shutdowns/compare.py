"""Compare our cost estimates of shutdown records (nethealth.shutdowns.costs), summed by country
and year, with Top10VPN's published country-year totals: correlation on log cost, ratios,
coverage — whatever the figures are. `nethealth shutdowns cost-compare` prints it.

Our unit is the record: a record's estimate covers its event's days inside its count year, so
a country-year sums each record of that year once, and an event listed over several years
contributes to each year only its days in that year.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nethealth.economics.cost_model import METHOD_VERSION, CostEstimate, Range
from nethealth.economics.stats import median, pearson, spearman
from nethealth.shutdowns.top10vpn import Top10Row


@dataclass
class CountryYear:
    cc: str
    year: int
    ours: Range | None = None
    days: float = 0.0  # central days summed over records (overlaps counted twice)
    events: int = 0  # records of that year: one per distinct event active in the year
    users: float | None = None  # largest central users-affected among the events
    theirs: float | None = None
    their_hours: float | None = None
    their_users: float | None = None
    their_names: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.theirs or self.ours.central <= 0:
            return None
        return self.ours.central / self.theirs


@dataclass(frozen=True)
class Agreement:
    label: str
    n: int
    pearson_log: float | None
    spearman: float | None
    median_ratio: float | None
    within_range: float | None  # share of their figures inside our [low, high]
    within_3x: float | None  # share with ours/theirs between 1/3 and 3
    ours_total: float
    theirs_total: float


@dataclass
class Comparison:
    pairs: list[CountryYear]
    theirs_unmatched: list[CountryYear]  # no estimate of ours for that country and year
    unmatched_with_events: set[tuple[str, int]]  # … though STOP has events there
    their_not_iso: list[str]
    ours_only: int
    per_year: list[Agreement]
    overall: Agreement
    hours_spearman: float | None
    hours_median_ratio: float | None
    events_total: int  # records estimated or not
    events_estimated: int
    why_not: Counter[str]
    as_of: str | None
    method_version: str = METHOD_VERSION
    distinct_events: int = 0
    scope_kinds: Counter[str] = field(default_factory=Counter)
    unscoped: Counter[str] = field(default_factory=Counter)
    wdi_far: int = 0
    per_country: list[CountryAgreement] = field(default_factory=list)


@dataclass(frozen=True)
class CountryAgreement:
    cc: str
    years: list[int]
    theirs_total: float
    ours_total: float
    ratio: float | None  # ours / theirs over the years both have
    within_3x: int  # years with ours/theirs between 1/3 and 3
    inside_range: int  # years with their figure inside our low–high


def _by_country_year(estimates: Iterable[CostEstimate]) -> dict[tuple[str, int], CountryYear]:
    out: dict[tuple[str, int], CountryYear] = {}
    for est in estimates:
        for part in est.parts:
            cy = out.setdefault((part.cc, est.year), CountryYear(part.cc, est.year))
            cy.ours = part.cost if cy.ours is None else cy.ours + part.cost
            cy.events += 1
            cy.days += est.days.central if est.days else 0.0
            if part.users_affected is not None:
                cy.users = max(cy.users or 0.0, part.users_affected)
    return out


def _agreement(label: str, pairs: Sequence[CountryYear]) -> Agreement:
    usable = [p for p in pairs if p.ours and p.ours.central > 0 and p.theirs and p.theirs > 0]
    xs = [math.log10(p.ours.central) for p in usable if p.ours]
    ys = [math.log10(p.theirs) for p in usable if p.theirs]
    ratios = [r for p in usable if (r := p.ratio) is not None]
    inside = [p for p in usable if p.ours and p.theirs and p.ours.low <= p.theirs <= p.ours.high]
    n = len(usable)
    return Agreement(
        label=label,
        n=n,
        pearson_log=pearson(xs, ys),
        spearman=spearman(xs, ys) if n >= 3 else None,
        median_ratio=median(ratios),
        within_range=len(inside) / n if n else None,
        within_3x=sum(1 for r in ratios if 1 / 3 <= r <= 3) / n if n else None,
        ours_total=sum(p.ours.central for p in usable if p.ours),
        theirs_total=sum(p.theirs for p in usable if p.theirs),
    )


def compare(
    estimates: Sequence[CostEstimate], theirs: Sequence[Top10Row], *, as_of: str | None = None
) -> Comparison:
    years = sorted({r.year for r in theirs})
    ours = _by_country_year(e for e in estimates if e.year in years)
    their_cy: dict[tuple[str, int], CountryYear] = {}
    not_iso: list[str] = []
    for row in theirs:
        if row.cc is None:
            not_iso.append(f"{row.name} {row.year}")
            continue
        cy = their_cy.setdefault((row.cc, row.year), CountryYear(row.cc, row.year))
        cy.theirs = (cy.theirs or 0.0) + row.cost_usd
        if row.hours is not None:
            cy.their_hours = (cy.their_hours or 0.0) + row.hours
        if row.users is not None:
            cy.their_users = max(cy.their_users or 0.0, row.users)
        cy.their_names.append(row.name)
    pairs, unmatched = [], []
    for key, t in sorted(their_cy.items()):
        mine = ours.get(key)
        if mine is None or mine.ours is None:
            unmatched.append(t)
            continue
        mine.theirs, mine.their_hours, mine.their_users = t.theirs, t.their_hours, t.their_users
        mine.their_names = t.their_names
        pairs.append(mine)
    hour_pairs = [(p.days * 24, p.their_hours) for p in pairs if p.their_hours]
    hours_ratios = [a / b for a, b in hour_pairs if b]
    why: Counter[str] = Counter()
    for est in estimates:
        if est.cost is None:
            why[_reason(est)] += 1
    with_events = {(cc, e.year) for e in estimates for cc in e.countries}
    kinds: Counter[str] = Counter(e.scope.kind for e in estimates if e.scope is not None)
    unscoped: Counter[str] = Counter(
        e.scope.basis.split(";")[0] for e in estimates if e.scope and not e.scope.scoped
    )
    unscoped.update(
        p.area_basis.split(":")[0] for e in estimates for p in e.parts if not p.area_scoped
    )
    return Comparison(
        pairs=pairs,
        theirs_unmatched=unmatched,
        unmatched_with_events={(t.cc, t.year) for t in unmatched} & with_events,
        their_not_iso=not_iso,
        ours_only=sum(1 for k in ours if k not in their_cy),
        per_year=[_agreement(str(y), [p for p in pairs if p.year == y]) for y in years],
        overall=_agreement("all years", pairs),
        hours_spearman=spearman([a for a, _ in hour_pairs], [b for _, b in hour_pairs or []])
        if len(hour_pairs) >= 3
        else None,
        hours_median_ratio=median(hours_ratios),
        events_total=len(estimates),
        events_estimated=sum(1 for e in estimates if e.cost is not None),
        why_not=why,
        as_of=as_of,
        distinct_events=len({e.distinct_event_id or e.event_id for e in estimates}),
        scope_kinds=kinds,
        unscoped=unscoped,
        wdi_far=sum(1 for e in estimates if e.cost is not None and e.wdi_far),
        per_country=_per_country(pairs),
    )


def _per_country(pairs: Sequence[CountryYear]) -> list[CountryAgreement]:
    """Each country Top10VPN publishes, over the years both have, largest total first."""
    by_cc: dict[str, list[CountryYear]] = {}
    for p in pairs:
        if p.ours is not None and p.theirs:
            by_cc.setdefault(p.cc, []).append(p)
    out = []
    for cc, items in by_cc.items():
        theirs = sum(p.theirs or 0.0 for p in items)
        ours = sum(p.ours.central for p in items if p.ours)
        ratios = [r for p in items if (r := p.ratio) is not None]
        out.append(
            CountryAgreement(
                cc=cc,
                years=sorted(p.year for p in items),
                theirs_total=theirs,
                ours_total=ours,
                ratio=ours / theirs if theirs else None,
                within_3x=sum(1 for r in ratios if 1 / 3 <= r <= 3),
                inside_range=sum(
                    1
                    for p in items
                    if p.ours and p.theirs and p.ours.low <= p.theirs <= p.ours.high
                ),
            )
        )
    return sorted(out, key=lambda c: (-c.theirs_total, c.cc))


def _reason(est: CostEstimate) -> str:
    for note in est.notes:
        if "no ISO country" in note:
            return "no ISO country"
        if "no World Bank" in note:
            return "no World Bank figures"
        if "no population" in note:
            return "no population figure"
    return "no start date" if est.days is None else "other"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _years(years: Sequence[int]) -> str:
    """2019, 2021–2023 (runs collapsed)."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def usd(value: float | None) -> str:
    if value is None:
        return "–"
    for unit, size in (("bn", 1e9), ("m", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"${value / size:.1f}{unit}"
    return f"${value:.0f}"


def render_markdown(c: Comparison, *, command: str) -> str:
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(c.scope_kinds.items()))
    unscoped = ", ".join(f"{k} {v:,}" for k, v in sorted(c.unscoped.items())) or "none"
    lines = [
        f"Produced by `{command}` (cost model version {c.method_version}"
        + (f", ongoing events counted until {c.as_of}" if c.as_of else "")
        + ").",
        "",
        f"- Records: {c.events_total:,} (distinct events: {c.distinct_events:,}); "
        f"with an estimate: {c.events_estimated:,}"
        + (
            " (without: " + ", ".join(f"{k} {v}" for k, v in sorted(c.why_not.items())) + ")"
            if c.why_not
            else ""
        )
        + ".",
        f"- What the records cut (scope): {kinds}. Not scoped, hence wide ranges: {unscoped}.",
        f"- Estimates using a World Bank figure more than 2 years from the count year "
        f"(flagged): {c.wdi_far:,}.",
        f"- Top10VPN country-years compared: {c.overall.n}; theirs without an estimate of ours: "
        f"{len(c.theirs_unmatched)}; not an ISO country: {len(c.their_not_iso)} "
        f"({', '.join(c.their_not_iso) or 'none'}); ours absent from their list: {c.ours_only}.",
        f"- Duration check (ours: central event-days × 24, summed; theirs: hours): Spearman "
        f"{_num(c.hours_spearman)}, median ratio ours/theirs {_num(c.hours_median_ratio)}.",
        "",
        "| year | n | Pearson r (log cost) | Spearman ρ | median ours/theirs | "
        "theirs inside our low–high | within ×3 | ours (central) | theirs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for a in [*c.per_year, c.overall]:
        label = f"**{a.label}**" if a is c.overall else a.label
        lines.append(
            f"| {label} | {a.n} | {_num(a.pearson_log)} | {_num(a.spearman)} | "
            f"{_num(a.median_ratio)} | {_pct(a.within_range)} | {_pct(a.within_3x)} | "
            f"{usd(a.ours_total)} | {usd(a.theirs_total)} |"
        )
    lines += [
        "",
        "Largest Top10VPN country-years, with ours:",
        "",
        "| year | country | theirs | ours low | ours central | ours high | records | "
        "hours theirs | hours ours |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    top = sorted(c.pairs + c.theirs_unmatched, key=lambda p: -(p.theirs or 0))[:15]
    for p in sorted(top, key=lambda p: (p.year, -(p.theirs or 0))):
        o = p.ours
        lines.append(
            f"| {p.year} | {p.cc} | {usd(p.theirs)} | {usd(o.low if o else None)} | "
            f"{usd(o.central if o else None)} | {usd(o.high if o else None)} | {p.events} | "
            f"{_num(p.their_hours, 0)} | {_num(p.days * 24 if p.events else None, 0)} |"
        )
    lines += [
        "",
        "Per country (every country Top10VPN publishes, over the years both have; ratio = ours "
        "central / theirs, summed):",
        "",
        "| country | years | theirs | ours (central) | ratio | years within ×3 | "
        "years theirs inside our low–high |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for ca in c.per_country:
        lines.append(
            f"| {ca.cc} | {_years(ca.years)} | {usd(ca.theirs_total)} | {usd(ca.ours_total)} | "
            f"{_num(ca.ratio)} | {ca.within_3x} of {len(ca.years)} | "
            f"{ca.inside_range} of {len(ca.years)} |"
        )
    no_event = [p for p in c.theirs_unmatched if (p.cc, p.year) not in c.unmatched_with_events]
    no_figures = [p for p in c.theirs_unmatched if (p.cc, p.year) in c.unmatched_with_events]
    for label, items in (
        ("Top10VPN country-years with no STOP event", no_event),
        ("Top10VPN country-years whose STOP events lack World Bank figures", no_figures),
    ):
        if items:
            listed = ", ".join(f"{p.cc} {p.year} ({usd(p.theirs)})" for p in items)
            lines += ["", f"{label}: {listed}."]
    return "\n".join(lines) + "\n"
