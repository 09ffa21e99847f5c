"""The registry of checks: closed (only what is listed here), typed and versioned; and the
provider evidence checks `select` and `scan-list` also know (checks.providers).

One module per family (`domain`: the DNS checks, scored with the web ones); `REGISTRY` is every check in report order. The web and mail families are
built (docs/standards.md says what is left of issue 14)."""

from __future__ import annotations

from collections.abc import Iterable

from nethealth.errors import InputError
from nethealth.standards.checks import domain, mail, providers, web
from nethealth.standards.model import Check

REGISTRY: tuple[Check, ...] = (*web.CHECKS, *domain.CHECKS, *mail.CHECKS)
# What `scan-list` runs by default: the registry and the provider evidence checks
# (checks.providers: informative, outside the registry so single-domain reports are unchanged).
LIST_CHECKS: tuple[Check, ...] = (*REGISTRY, *providers.PROVIDERS)


def select(ids: Iterable[str] | None = None) -> tuple[Check, ...]:
    """The checks named (in registry order), all when None; an unknown id is an InputError."""
    if ids is None:
        return REGISTRY
    wanted = {i.strip() for i in ids if i.strip()}
    known = {c.id for c in LIST_CHECKS}
    unknown = sorted(wanted - known)
    if unknown:
        raise InputError(
            f"unknown check(s): {', '.join(unknown)}",
            field="--checks",
            hint=f"known checks: {', '.join(c.id for c in LIST_CHECKS)}",
        )
    return tuple(c for c in LIST_CHECKS if c.id in wanted)
