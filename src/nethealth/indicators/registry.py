"""The indicator registry: a closed set of typed, versioned definitions.

Each definition carries the text a reader needs to judge a number (method, unit, sources, licence)
and the function that computes it from the lake. Method versions change whenever results could.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from nethealth.errors import NotFoundError

# The function gets a DuckDB connection on which every input dataset is a view, and returns a
# table (country VARCHAR, date DATE, value DOUBLE, simulated BOOLEAN).
Compute = Callable[[duckdb.DuckDBPyConnection], pa.Table]


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    unit: str
    area: str
    method: str
    version: str
    sources: tuple[str, ...]
    datasets: tuple[str, ...]
    compute: Compute
    higher_is: str = "neutral"  # "better", "worse" or "neutral": only for colouring and wording
    caveats: str = ""


_REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.id in _REGISTRY and _REGISTRY[indicator.id] is not indicator:
        raise ValueError(f"indicator {indicator.id!r} is registered twice")
    _REGISTRY[indicator.id] = indicator
    return indicator


def all_indicators() -> list[Indicator]:
    _load_definitions()
    return sorted(_REGISTRY.values(), key=lambda i: (i.area, i.id))


def get_indicator(indicator_id: str) -> Indicator:
    _load_definitions()
    try:
        return _REGISTRY[indicator_id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise NotFoundError(
            f"unknown indicator {indicator_id!r}", hint=f"known indicators: {known}"
        ) from None


def _load_definitions() -> None:
    # Imported lazily so that importing the registry has no side effects.
    from nethealth.bgp import indicators as _bgp  # noqa: F401
    from nethealth.indicators import infrastructure  # noqa: F401
    from nethealth.routing import indicators as _routing  # noqa: F401
