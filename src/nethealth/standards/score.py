"""Scoring in the internet.nl manner, with its rules printed beside every report.

Each mandatory check carries documented points; a category's score is the points its mandatory
checks earned over the points of those that apply. A check passes or earns nothing: a failure
and an error (we could not verify) both earn 0, because an unverified property is not a
property a user can rely on. `not_applicable` leaves the check out of both sums. Informative
checks earn no points: a miss is a `warning`, shown with its advice, never counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from nethealth.standards.lab.plan import config_link
from nethealth.standards.model import Family
from nethealth.standards.scan import Report

RULES = (
    "Score per category = points earned / points possible, over its mandatory checks. "
    "A mandatory check earns its points only when it passes; fail and error (not verified) earn 0; "
    "not_applicable counts in neither sum. Informative checks earn no points: a miss is a warning."
)


@dataclass(frozen=True)
class CategoryScore:
    category: Family
    earned: int
    possible: int

    @property
    def percent(self) -> float | None:
        """None when no mandatory check of the category applied: no score, never 0 %."""
        return None if self.possible == 0 else round(100 * self.earned / self.possible, 1)


def scores(report: Report) -> list[CategoryScore]:
    out = []
    for family in dict.fromkeys(r.check.family for r in report.results):
        earned = possible = 0
        for r in report.results:
            if r.check.family != family or not r.check.mandatory:
                continue
            if r.attempt.status == "not_applicable":
                continue
            possible += r.check.points
            if r.attempt.status == "pass":
                earned += r.check.points
        out.append(CategoryScore(family, earned, possible))
    return out


def explanation(status: str, advice: str) -> str:
    """What a result means for the reader, and what to do about it."""
    if status == "pass":
        return "Meets the standard."
    if status == "not_applicable":
        return "Does not apply to this domain."
    if status == "error":
        return "Could not be verified (earns no points). " + advice
    return advice


def report_json(report: Report) -> dict[str, object]:
    """The report as JSON: one object per check (check, status, detail, …, `lab_config`: the
    docs/lab.md section whose configuration passes it), `score` per category (percent null when
    nothing applied), and the scoring rules."""
    return {
        "domain": report.domain,
        "lab": report.lab,
        "started": report.started.isoformat(timespec="seconds"),
        "finished": report.finished.isoformat(timespec="seconds"),
        "refused": report.refused,
        "checks": [
            {
                "check": r.check.id,
                "version": r.check.version,
                "category": r.check.family,
                "title": r.check.title,
                "status": r.attempt.status,
                "reason": r.attempt.reason,
                "detail": r.attempt.detail,
                "mandatory": r.check.mandatory,
                "points": r.check.points,
                "earned": r.check.points if r.attempt.status == "pass" else 0,
                "explanation": explanation(r.attempt.status, r.check.advice),
                "reference": r.check.reference,
                "lab_config": config_link(r.check.id),
            }
            for r in report.results
        ],
        "score": {
            s.category: {"earned": s.earned, "possible": s.possible, "percent": s.percent}
            for s in scores(report)
        },
        "rules": RULES,
    }
