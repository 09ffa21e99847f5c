"""What the routing-security pages read: the `routing_*` Parquet datasets of the directory the
routing API reads (`app.state.routing_dir`, else the lake directory), so a page and
`/api/v1/routing/...` always answer from the same files."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from fastapi import Request

from nethealth.common.dates import parse_datetime
from nethealth.errors import DatasetNotBuiltError, InputError


@dataclass(frozen=True)
class RoutingData:
    root: Path

    def has(self, dataset: str) -> bool:
        return (self.root / f"{dataset}.parquet").is_file()

    def query(self, dataset: str, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """Rows of `sql` where `{t}` is the dataset; values are always bound parameters."""
        if not self.has(dataset):
            raise DatasetNotBuiltError(
                f"dataset {dataset} has not been built",
                hint="run `nethealth build` (or `nethealth routing coverage` / `incidents`)",
            )
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            path = str(self.root / f"{dataset}.parquet")
            rel = con.sql(sql.replace("{t}", "read_parquet(?)"), params=[path, *params])
            rows: list[dict[str, Any]] = rel.to_arrow_table().to_pylist()
            return rows
        finally:
            con.close()

    def simulated(self, dataset: str) -> bool:
        """Whether the dataset's rows are simulated. Only the lake step stamps `simulated`;
        files written by the CLI carry no flag, read as measured."""
        if not self.has(dataset):
            return False
        if "simulated" not in self._columns(dataset):
            return False
        rows = self.query(dataset, "SELECT bool_or(simulated) AS s FROM {t}", [])
        return bool(rows and rows[0]["s"])

    def _columns(self, dataset: str) -> list[str]:
        con = duckdb.connect()
        try:
            path = str(self.root / f"{dataset}.parquet")
            rel = con.sql("SELECT * FROM read_parquet(?) LIMIT 0", params=[path])
            return [str(c) for c in rel.columns]
        finally:
            con.close()


def get_routing(request: Request) -> RoutingData:
    """FastAPI dependency: the same directory the routing API reads."""
    d = getattr(request.app.state, "routing_dir", None)
    if d is None:
        d = request.app.state.nethealth.settings.lake_dir
    return RoutingData(Path(d))


def latest_snapshot(data: RoutingData, dataset: str) -> Any:
    rows = data.query(dataset, "SELECT max(snapshot) AS s FROM {t}", [])
    return rows[0]["s"] if rows else None


# Scorecard -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorecardLookup:
    row: dict[str, Any] | None
    month: str | None
    missing: str | None  # why there is no scorecard (shown on the page as is)


SCORECARD_DATASET = "routing_scorecards"


def scorecard_for(data: RoutingData, asn: int) -> ScorecardLookup:
    """The AS's MANRS-style scorecard: its latest month in the built `routing_scorecards`
    dataset when the lake has one, else computed with `nethealth.routing.scorecard` for the
    month of the latest RIB snapshot (directories written by the CLI have no dataset)."""
    if data.has(SCORECARD_DATASET):
        rows = data.query(
            SCORECARD_DATASET,
            "SELECT * FROM {t} WHERE asn = ? ORDER BY month DESC LIMIT 1",
            [asn],
        )
        if rows:
            return ScorecardLookup(rows[0], str(rows[0].get("month")), None)
    try:
        module = importlib.import_module("nethealth.routing.scorecard")
    except ImportError:
        return ScorecardLookup(None, None, "the scorecard is not computed yet")
    load_inputs = getattr(module, "load_inputs", None)
    scorecards = getattr(module, "scorecards", None)
    if load_inputs is None or scorecards is None or not data.has("routing_route_states"):
        return ScorecardLookup(None, None, "the scorecard is not computed yet")
    snap = latest_snapshot(data, "routing_route_states")
    if snap is None:
        return ScorecardLookup(None, None, "the scorecard is not computed yet")
    month = f"{snap.year:04d}-{snap.month:02d}"
    try:
        inputs, _ = load_inputs(data.root, month)
        rows = scorecards(inputs, month).to_pylist()
    except (InputError, duckdb.Error) as exc:  # inputs of another shape than the module expects
        return ScorecardLookup(None, month, f"the scorecard could not be computed: {exc}")
    for row in rows:
        if row["asn"] == asn:
            return ScorecardLookup(row, month, None)
    return ScorecardLookup(None, month, f"AS{asn} has no scorecard for {month}")


def scorecard_history(data: RoutingData, asn: int) -> list[dict[str, Any]]:
    """The AS's scorecards of every month in the built dataset, oldest first (none without
    the dataset: the computed fallback covers one month only)."""
    if not data.has(SCORECARD_DATASET):
        return []
    return data.query(SCORECARD_DATASET, "SELECT * FROM {t} WHERE asn = ? ORDER BY month", [asn])


ROLLUP_DATASET = "routing_scorecard_countries"


def country_rollup(data: RoutingData, cc: str) -> list[dict[str, Any]]:
    """The country's scorecard roll-up of its latest month (per action), or none."""
    if not data.has(ROLLUP_DATASET):
        return []
    return data.query(
        ROLLUP_DATASET,
        "SELECT * FROM {t} WHERE cc = ? QUALIFY month = max(month) OVER () ORDER BY action",
        [cc],
    )


def parse_time(value: str | None, field: str) -> datetime | None:
    """A `from`/`to` of the routing pages: `nethealth.common.dates.parse_datetime` (aware UTC,
    1970..2100), so the pages and `/api/v1/routing/incidents` read a time the same way."""
    return parse_datetime(value, field)
