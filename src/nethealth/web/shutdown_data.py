"""What the shutdown pages read: the curated store (events and their audit log, the same state
the `/api/v1/shutdowns` API and its Atom feed serve) and the lake's `shutdown_costs` dataset.

Events come from the store rather than from the lake's `shutdowns` dataset so that a page, its
CSV download (the API) and its feed never disagree, even between a curator's edit and the next
build. Cost estimates exist only in the lake: the cost model runs in the build.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pycountry
from fastapi import Request

from nethealth.errors import LakeUnavailableError
from nethealth.lake.reader import LakeReader
from nethealth.shutdowns.store import ShutdownStore, store_dir
from nethealth.ui.context import AppContext

# Shared with nethealth.shutdowns.api: one store per app, so the log is parsed once per change.
STORE_ATTR = "shutdown_store"


def get_store(request: Request) -> ShutdownStore:
    """FastAPI dependency: the app's shutdown store (its parsed state is cached on the log)."""
    ctx: AppContext = request.app.state.nethealth
    store = getattr(request.app.state, STORE_ATTR, None)
    if not isinstance(store, ShutdownStore) or store.root != store_dir(ctx.settings):
        store = ShutdownStore.for_settings(ctx.settings)
        setattr(request.app.state, STORE_ATTR, store)
    return store


def today_utc() -> date:
    return datetime.now(UTC).date()


def country_names(lake: LakeReader) -> tuple[dict[str, str], bool]:
    """alpha-2 → name as the country pages write it, and whether those pages exist (a lake).
    Without a lake the tracker still works: names then come from ISO 3166 (pycountry)."""
    try:
        return {c.cc: c.name for c in lake.countries()}, True
    except LakeUnavailableError:
        return {str(c.alpha_2): str(c.name) for c in pycountry.countries}, False


# Costs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostRow:
    """One row of the lake's `shutdown_costs` (nethealth.shutdowns.lake.COST_SCHEMA)."""

    event_id: str  # the record
    cc: str
    year: int | None
    cost_low_usd: float
    cost_central_usd: float
    cost_high_usd: float
    days_low: float | None
    days_central: float | None
    days_high: float | None
    service_factor: float | None
    area_share: float | None
    users_affected: float | None
    gdp_usd: float | None
    gdp_year: int | None
    internet_share: float | None
    notes: str | None
    method_version: str
    simulated: bool
    scope_kind: str | None
    scoped: bool | None
    scope_basis: str | None
    internet_year: int | None
    population_year: int | None
    wdi_sources: list[str] | None
    wdi_gap_years: int | None
    wdi_far: bool | None


_COST_COLS = ", ".join(CostRow.__dataclass_fields__)
OLD_LAKE = (
    "the lake's shutdown_costs was built by an older cost model (without scopes and World Bank "
    "years): run `nethealth build`"
)


@dataclass(frozen=True)
class CostLookup:
    rows: list[CostRow]
    dataset_rows: int  # rows in the whole dataset: 0 means the model has not run with figures
    unavailable: str | None = None  # why the lake could not answer


def _query(lake: LakeReader, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
    return lake.query(sql, params)  # reopens after a rebuild; a missing view is a 503


def event_costs(lake: LakeReader, event_id: str) -> CostLookup:
    """The cost rows of one record."""
    return record_costs(lake, [event_id])


def record_costs(lake: LakeReader, record_ids: Sequence[str]) -> CostLookup:
    """The cost rows of some records (a distinct event's, for its total: each record once)."""
    marks = ", ".join("?" for _ in record_ids) or "NULL"
    try:
        rows = _query(
            lake,
            f"SELECT {_COST_COLS} FROM shutdown_costs WHERE event_id IN ({marks}) "
            "ORDER BY year, event_id, cc",
            list(record_ids),
        )
        total = _query(lake, "SELECT count(*) FROM shutdown_costs", [])[0][0]
    except LakeUnavailableError as exc:
        return CostLookup([], 0, f"{exc.message}: {exc.hint}" if exc.hint else exc.message)
    except duckdb.BinderException:  # a column this model writes is missing: an older build
        return CostLookup([], 0, OLD_LAKE)
    return CostLookup([CostRow(*r) for r in rows], int(total))
