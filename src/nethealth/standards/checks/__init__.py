"""The registry of checks: closed (only what is listed here), typed and versioned.

One module per family (`domain`: the DNS checks, scored with the web ones); `REGISTRY` is every check in report order. The web and mail families are
built (docs/standards.md says what is left of issue 14)."""

from __future__ import annotations

from collections.abc import Iterable

from nethealth.errors import InputError
from nethealth.standards.checks import domain, mail, web
from nethealth.standards.model import Check

REGISTRY: tuple[Check, ...] = (*web.CHECKS, *domain.CHECKS, *mail.CHECKS)


def select(ids: Iterable[str] | None = None) -> tuple[Check, ...]:
    """The checks named (in registry order), all when None; an unknown id is an InputError."""
    if ids is None:
        return REGISTRY
    wanted = {i.strip() for i in ids if i.strip()}
    known = {c.id for c in REGISTRY}
    unknown = sorted(wanted - known)
    if unknown:
        raise InputError(
            f"unknown check(s): {', '.join(unknown)}",
            field="--checks",
            hint=f"known checks: {', '.join(c.id for c in REGISTRY)}",
        )
    return tuple(c for c in REGISTRY if c.id in wanted)
