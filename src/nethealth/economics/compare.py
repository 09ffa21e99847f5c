"""Compare our per-event cost estimates, summed by country and year, with Top10VPN's published
country-year totals: correlation on log cost, ratios, coverage — whatever the figures are."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from nethealth.economics.cost_model import (
    METHOD_VERSION,
    CostEstimate,
    CostParameters,
    Range,
    estimate,
)
from nethealth.economics.stats import median, pearson, spearman
from nethealth.economics.top10vpn import Top10Row
from nethealth.economics.wdi import WdiPanel
from nethealth.shutdowns.model import Json


@dataclass
class CountryYear:
    cc: str
    year: int
    ours: Range | None = None
    days: float = 0.0  # central days summed over events (overlaps counted twice)
    events: int = 0
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
    events_total: int
    events_estimated: int
    why_not: Counter[str]
    as_of: str | None
    method_version: str = METHOD_VERSION


def estimate_all(
    records: Iterable[Mapping[str, Json]],
    panel: WdiPanel,
    params: CostParameters | None = None,
    *,
    as_of: date | None = None,
) -> list[CostEstimate]:
    return [estimate(r, panel, params, as_of=as_of) for r in records]


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
    )


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
    lines = [
        f"Produced by `{command}` (cost model version {c.method_version}"
        + (f", ongoing events counted until {c.as_of}" if c.as_of else "")
        + ").",
        "",
        f"- Events: {c.events_total:,}; with an estimate: {c.events_estimated:,}"
        + (
            " (without: " + ", ".join(f"{k} {v}" for k, v in sorted(c.why_not.items())) + ")"
            if c.why_not
            else ""
        )
        + ".",
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
        "| year | country | theirs | ours low | ours central | ours high | events | "
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
