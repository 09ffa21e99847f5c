"""Why a value exists or not: the four statuses every indicator value carries.

"No data" is never zero. A value is shown only when it was measured: `measured` (a number from
inputs of one date), `zero measured` (a real zero: the input was complete for that date and held
nothing for the entity). Otherwise the value is null and the status says why: `not measured` (no
input for that date, or the input cannot say: an IPv4-only RIB says nothing about IPv6) or
`not comparable` (inputs exist but their dates differ from the computation date by more than the
source's tolerance, `nethealth.common.asof`). The reason is a short English sentence naming the
dates involved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    MEASURED = "measured"
    ZERO_MEASURED = "zero measured"
    NOT_MEASURED = "not measured"
    NOT_COMPARABLE = "not comparable"


STATUSES = tuple(s.value for s in Status)
WITH_VALUE = frozenset({Status.MEASURED, Status.ZERO_MEASURED})
# When inputs disagree the combined status is the worst: no input at all outranks stale inputs.
_RANK = {
    Status.MEASURED: 0,
    Status.ZERO_MEASURED: 0,
    Status.NOT_COMPARABLE: 1,
    Status.NOT_MEASURED: 2,
}


def has_value(status: str) -> bool:
    """True for the statuses that carry a number (measured, zero measured)."""
    return Status(status) in WITH_VALUE


def of_value(value: float) -> Status:
    """The status of a number computed from complete inputs: zero is a measured zero."""
    return Status.ZERO_MEASURED if value == 0 else Status.MEASURED


@dataclass(frozen=True)
class Judgement:
    """Whether the inputs of one computation allow a value, and why (the reason names dates)."""

    status: Status
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status in WITH_VALUE

    def value(self, number: float | None) -> tuple[float | None, Status, str]:
        """(value, status, reason) of a number computed from these inputs: null unless ok."""
        if not self.ok:
            return None, self.status, self.reason
        if number is None:
            return None, Status.NOT_MEASURED, self.reason
        return number, of_value(number), self.reason


MEASURED = Judgement(Status.MEASURED)


def combine(judgements: Iterable[Judgement]) -> Judgement:
    """One judgement for a computation with several inputs: the worst status; the reasons of the
    inputs that are not ok (or, when all are, of all of them), joined with "; "."""
    items = list(judgements)
    if not items:
        return MEASURED
    worst = max(items, key=lambda j: _RANK[j.status])
    pick = [j for j in items if not j.ok] or items
    reasons = list(dict.fromkeys(j.reason for j in pick if j.reason))
    status = worst.status if not worst.ok else Status.MEASURED
    return Judgement(status, "; ".join(reasons))
