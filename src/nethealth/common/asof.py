"""One as-of rule for dated inputs: which snapshot of a source a computation date uses.

For a computation date D and a source S, the snapshot used is the nearest one on or before D,
provided D − snapshot ≤ the tolerance declared for S in `TOLERANCES`. Otherwise there is no
value: `not measured` when S has no snapshot at all, `not comparable` when it has snapshots but
none on or before D within the tolerance (the reason names the nearest dates and the gap). A
snapshot *after* D is never used: it describes a later state of the Internet. There is no "else
the earliest" fallback anywhere.

Tolerances (days) follow how often each publisher updates and how fast what it describes
changes; docs/methodology.md ("Dates and tolerances") justifies each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from nethealth.common.status import Judgement, Status, combine

T = TypeVar("T")


@dataclass(frozen=True)
class Tolerance:
    days: int
    label: str  # how a reason names one snapshot of the source
    why: str  # one line for the docs


TOLERANCES: dict[str, Tolerance] = {
    "bgp-ris": Tolerance(
        1,
        "RIB",
        "RIS dumps a RIB every 8 h: a day-old RIB is the latest "
        "state a window may start from; older, routes have churned.",
    ),
    "bgp-routeviews": Tolerance(1, "RIB", "RouteViews dumps a RIB every 2 h; as RIS."),
    "rir": Tolerance(
        31,
        "RIR delegation file",
        "published daily but often archived monthly; a country's delegations change by well "
        "under 1 % a month, so a month-old file still counts them.",
    ),
    "ipdb": Tolerance(
        31,
        "ip-location-db snapshot",
        "rebuilt from RIR and RouteViews data "
        "about weekly; registration countries of ranges move slowly.",
    ),
    "rpki": Tolerance(
        3,
        "VRP snapshot",
        "VRPs change hourly and ROAs expire in days: older "
        "VRPs would misjudge routes as invalid or not-found.",
    ),
    "peeringdb": Tolerance(
        31, "PeeringDB snapshot", "daily dumps; IXP and membership records change over months."
    ),
    "atlas-anchors": Tolerance(
        31,
        "RIPE Atlas anchor list",
        "anchors are installed and retired a few a month; a month-old list still places them.",
    ),
    "manrs-ixps": Tolerance(
        92,
        "MANRS IXP participant list",
        "IXPs join MANRS a few a quarter and rarely leave; a list up to three months old still "
        "says who takes part (a later joiner is missed, never invented).",
    ),
    "caida-asrel": Tolerance(
        62,
        "CAIDA AS-relationship file",
        "monthly, dated the 1st and published late; one missing month is tolerated.",
    ),
    "irr": Tolerance(7, "IRR dump", "daily dumps; route objects change daily but slowly."),
    "dbip-city": Tolerance(
        62, "DB-IP city file", "monthly, dated the 1st; one missing month is tolerated."
    ),
    "atlas": Tolerance(
        31,
        "RIPE Atlas probe archive",
        "daily archive; a probe's country and network change rarely (a month-old archive "
        "still places them).",
    ),
}


def tolerance(source: str) -> Tolerance:
    try:
        return TOLERANCES[source]
    except KeyError:
        known = ", ".join(sorted(TOLERANCES))
        raise ValueError(
            f"no as-of tolerance declared for source {source!r} (known: {known})"
        ) from None


def gap_text(days: int) -> str:
    """A gap in words, exact in days up to 120 (tolerances are compared in days), then whole
    months, then whole years: "1 day", "63 days", "7 months", "9 years"."""
    days = abs(days)
    if days >= 730:
        return f"{days // 365} years"
    if days > 120:
        return f"{days // 30} months"
    return "1 day" if days == 1 else f"{days} days"


@dataclass(frozen=True)
class AsOf:
    """The snapshot a computation date uses (None: none may be used) and the judgement."""

    source: str
    day: date
    snapshot: date | None
    judgement: Judgement

    @property
    def ok(self) -> bool:
        return self.snapshot is not None

    @property
    def status(self) -> Status:
        return self.judgement.status

    @property
    def reason(self) -> str:
        return self.judgement.reason


def pick(
    source: str,
    day: date,
    snapshots: Iterable[date],
    *,
    what: str | None = None,
    tolerance_days: int | None = None,
) -> AsOf:
    """The snapshot of `source` that computation date `day` uses, under the as-of rule.

    `what` names the input in reasons (default: the source's label); `tolerance_days`
    overrides the declared tolerance (tests, and callers that state a stricter rule)."""
    tol = tolerance(source)
    days = tol.days if tolerance_days is None else tolerance_days
    label = what or tol.label
    snaps = sorted(set(snapshots))
    if not snaps:
        return AsOf(source, day, None, Judgement(Status.NOT_MEASURED, f"no {label} stored"))
    before = [s for s in snaps if s <= day]
    if not before:
        first = snaps[0]
        reason = (
            f"no {label} on or before {day}; the earliest, {first}, is "
            f"{gap_text((first - day).days)} newer"
        )
        return AsOf(source, day, None, Judgement(Status.NOT_COMPARABLE, reason))
    snap = before[-1]
    age = (day - snap).days
    if age > days:
        reason = f"{label} {snap} is {gap_text(age)} older than {day} (tolerance {gap_text(days)})"
        return AsOf(source, day, None, Judgement(Status.NOT_COMPARABLE, reason))
    return AsOf(source, day, snap, Judgement(Status.MEASURED, f"{label} {snap}"))


def pick_item(
    source: str, day: date, items: Iterable[tuple[date, str, T]], *, what: str | None = None
) -> tuple[T | None, AsOf]:
    """As `pick` over dated items (date, tie-break name, item): the item of the chosen
    snapshot (the last by name when several share it) and the judgement."""
    listed = list(items)
    asof = pick(source, day, (d for d, _n, _i in listed), what=what)
    if asof.snapshot is None:
        return None, asof
    same = sorted((x for x in listed if x[0] == asof.snapshot), key=lambda x: x[1])
    return same[-1][2], asof


@dataclass(frozen=True)
class GroupAsOf:
    """Per key (e.g. per RIR) the snapshot used, and one judgement for the whole group."""

    day: date
    snapshots: dict[str, date]
    judgement: Judgement

    @property
    def ok(self) -> bool:
        return self.judgement.ok

    def described(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.snapshots.items()))


def pick_group(
    source: str,
    day: date,
    snapshots: Mapping[str, Iterable[date]],
    *,
    what: str | None = None,
    unusable: Mapping[tuple[str, date], str] | None = None,
) -> GroupAsOf:
    """As `pick` for a source published in parts (the five RIRs' files): every part that
    exists at all must have a snapshot within the tolerance, or the group is not ok (a missing
    part would undercount its share). A chosen snapshot listed in `unusable` (part, snapshot) →
    why (e.g. a truncated file) makes the group `not measured` with that reason: counts from it
    would be too low, and an older snapshot is not the state of the day either."""
    snapshots = {k: list(v) for k, v in snapshots.items()}
    if not snapshots:
        label = what or tolerance(source).label
        return GroupAsOf(day, {}, Judgement(Status.NOT_MEASURED, f"no {label} stored"))
    picks = {
        key: pick(source, day, snaps, what=f"{what or tolerance(source).label} of {key}")
        for key, snaps in sorted(snapshots.items())
    }
    chosen = {k: a.snapshot for k, a in picks.items() if a.snapshot is not None}
    judgement = combine(a.judgement for a in picks.values())
    later = [min(snaps) for snaps in snapshots.values() if snaps and min(snaps) > day]
    if len(later) == len(picks) > 1:  # every part only after the day: one sentence, not five
        label = what or tolerance(source).label
        first, last = min(later), max(later)
        span = f"{first}" if first == last else f"{first} to {last}"
        gap = gap_text((first - day).days)
        reason = f"no {label}s on or before {day}; the earliest, {span}, are {gap} newer"
        judgement = Judgement(Status.NOT_COMPARABLE, reason)
    broken = [
        f"{tolerance(source).label} of {k} {v}: {unusable[(k, v)]}"
        for k, v in sorted(chosen.items())
        if unusable and (k, v) in unusable
    ]
    if broken and judgement.ok:
        return GroupAsOf(day, chosen, Judgement(Status.NOT_MEASURED, "; ".join(broken)))
    if judgement.ok:
        label = what or tolerance(source).label
        first, last = min(chosen.values()), max(chosen.values())
        span = f"{first}" if first == last else f"{first} to {last}"
        judgement = Judgement(judgement.status, f"{label}s {span}")
    return GroupAsOf(day, chosen, judgement)
