"""The scanner's vocabulary: a check's declaration and the attempt it returns.

A check never raises to the scan: whatever happens becomes an `Attempt` — a result (pass, fail,
warning, info, not applicable) or an error with its reason — so one failing check never stops a
scan. Statuses and reasons are closed sets; JSON reports print them verbatim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from nethealth.standards.context import ScanContext

Status = Literal["pass", "fail", "warning", "info", "error", "not_applicable"]
Reason = Literal["timeout", "refused_by_policy", "connection", "not_applicable", "bug"]
Family = Literal["web", "mail", "dns", "connection"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "warning", "info", "error", "not_applicable")
REASONS: tuple[Reason, ...] = (
    "timeout",
    "refused_by_policy",
    "connection",
    "not_applicable",
    "bug",
)


@dataclass(frozen=True)
class Attempt:
    """What one check found. `detail` is plain text with the data printed verbatim; `reason` is
    set for errors only."""

    status: Status
    detail: str
    reason: Reason | None = None

    def __post_init__(self) -> None:
        if (self.status == "error") != (self.reason is not None):
            raise ValueError("an error attempt has a reason, and only an error attempt")


def passed(detail: str) -> Attempt:
    return Attempt("pass", detail)


def failed(detail: str) -> Attempt:
    return Attempt("fail", detail)


def error(reason: Reason, detail: str) -> Attempt:
    return Attempt("error", detail, reason)


CheckFn = Callable[["ScanContext"], Awaitable[Attempt]]


@dataclass(frozen=True)
class Check:
    """One check of the registry. `version` is bumped whenever what the check tests or how it
    judges changes. A mandatory check earns `points` when it passes; an informative check earns
    none and reports a miss as `warning` rather than `fail` (docs/standards.md, Scoring)."""

    id: str
    family: Family
    title: str
    version: int
    mandatory: bool
    points: int
    run: CheckFn
    advice: str  # how to fix a miss: one or two sentences an operator can act on
    reference: str  # the standard or the recommendation the check applies

    def __post_init__(self) -> None:
        if self.mandatory != (self.points > 0):
            raise ValueError(f"{self.id}: mandatory checks earn points, informative ones none")


def declare(
    family: Family,
    id: str,
    title: str,
    run: CheckFn,
    points: int,
    advice: str,
    reference: str,
    version: int = 1,
) -> Check:
    """A check of `family`; points > 0 makes it mandatory, 0 informative."""
    return Check(
        id=id, family=family, title=title, version=version, mandatory=points > 0, points=points,
        run=run, advice=advice, reference=reference,
    )  # fmt: skip
