"""The routing area's read model: every query its API (`routing.api`) and its pages
(`routing.pages`) make of the `routing_*` datasets of the lake, as small typed functions, so a
page and `/api/v1/routing/...` always answer from the same rows.

One behaviour where the API and the pages used to differ (docs/api.md, "Changes"):
- figures of an AS or a country come from one RIB snapshot: the latest, or with `day` the latest
  on or before it (the API took every snapshot at once, the pages the latest);
- incidents come newest first, ties broken by id (the API listed them oldest first);
- an unknown incident type is a 400 (the API answered an empty list);
- the scorecards are those the `routing_scorecards` step built; nothing is computed per request.

The datasets are the lake's Parquet files (`settings.lake_dir`), read with DuckDB; every value is
a bound parameter, and the only text put into the SQL is the dataset's file, bound as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from fastapi import Request

from nethealth.errors import DatasetNotBuiltError, InputError, NotFoundError
from nethealth.routing import coverage_step, incidents_step
from nethealth.routing import scorecard as scorecards
from nethealth.ui.context import get_context

Row = dict[str, Any]

# The datasets read here (the steps that write them name them).
ROUTE_STATES = "routing_route_states"
ROV_ASN = "routing_rov_asn"
ROV_COUNTRY = "routing_rov_country"
ASN_COUNTRY = coverage_step.ASN_COUNTRY
INCIDENTS = incidents_step.DATASET
SCORECARDS = scorecards.SCORECARDS
COUNTRY_ROLLUPS = scorecards.COUNTRY_ROLLUPS
INCIDENT_TYPES = ("moas", "subprefix_hijack", "route_leak", "bogon_prefix", "bogon_asn")
MAX_ASN = 2**32 - 1
BUILD_HINT = "run `nethealth build` (the routing steps write it)"


@dataclass(frozen=True)
class RoutingLake:
    """The directory of the `routing_*` datasets (the lake's)."""

    root: Path

    def path(self, dataset: str) -> Path:
        return self.root / f"{dataset}.parquet"

    def has(self, dataset: str) -> bool:
        return self.path(dataset).is_file()

    def rows(self, dataset: str, sql: str, params: list[Any]) -> list[Row]:
        """Rows of `sql` where `{t}` is the dataset; a dataset not built is a 503."""
        if not self.has(dataset):
            raise DatasetNotBuiltError(f"dataset {dataset} has not been built", hint=BUILD_HINT)
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            rel = con.sql(sql.replace("{t}", "read_parquet(?)"),
                          params=[str(self.path(dataset)), *params])  # fmt: skip
            rows: list[Row] = rel.to_arrow_table().to_pylist()
            return rows
        finally:
            con.close()

    def columns(self, dataset: str) -> list[str]:
        con = duckdb.connect()
        try:
            rel = con.sql("SELECT * FROM read_parquet(?) LIMIT 0", params=[str(self.path(dataset))])
            return [str(c) for c in rel.columns]
        finally:
            con.close()


def routing_lake(request: Request) -> RoutingLake:
    """FastAPI dependency: the served lake's directory (`request.app.state.nethealth`)."""
    return RoutingLake(get_context(request).settings.lake_dir)


def simulated(lake: RoutingLake, dataset: str) -> bool:
    """Whether the dataset's rows are simulated. The lake's steps stamp `simulated`; a file
    without the column (written by an older build) reads as measured."""
    if not lake.has(dataset) or "simulated" not in lake.columns(dataset):
        return False
    rows = lake.rows(dataset, "SELECT bool_or(simulated) AS s FROM {t}", [])
    return bool(rows and rows[0]["s"])


def check_asn(asn: int | None, field: str = "asn") -> None:
    if asn is not None and not 0 <= asn <= MAX_ASN:
        raise InputError(f"AS number out of range: {asn}", field=field,
                         hint="AS numbers are 0..4294967295")  # fmt: skip


def check_country(cc: str, field: str = "cc") -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased."""
    code = cc.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InputError(f"not an ISO 3166 alpha-2 code: {cc!r}", field=field, hint="e.g. NL")
    return code


# RIB snapshots ---------------------------------------------------------------------------------


def snapshot(lake: RoutingLake, dataset: str, day: date | None = None) -> date | None:
    """The dataset's latest RIB snapshot (None when it has none), or with `day` the latest on or
    before it (404 when there is none)."""
    rows = lake.rows(dataset, "SELECT max(snapshot) AS s FROM {t} "
                     "WHERE CAST(? AS DATE) IS NULL OR snapshot <= ?", [day, day])  # fmt: skip
    found: date | None = rows[0]["s"] if rows else None
    if found is None and day is not None:
        raise NotFoundError(f"no RIB snapshot on or before {day}",
                            hint="give a later date, or none for the latest snapshot")  # fmt: skip
    return found


# One AS ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AsnRoutes:
    """An AS's ROV figures per address family and how many routes it originates, in one RIB
    snapshot."""

    asn: int
    snapshot: date | None
    rov: list[Row]  # routing_rov_asn rows, IPv4 first
    routes: int  # rows of routing_route_states (distinct prefix and origin)


def asn_routes(lake: RoutingLake, asn: int, day: date | None = None) -> AsnRoutes:
    """The AS's figures in the latest snapshot (on or before `day`); 404 when it originates no
    route there."""
    check_asn(asn)
    snap = snapshot(lake, ROV_ASN, day)
    rov = lake.rows(ROV_ASN, "SELECT * FROM {t} WHERE asn = ? AND snapshot = ? ORDER BY af",
                    [asn, snap])  # fmt: skip
    routes = lake.rows(ROUTE_STATES, "SELECT count(*) AS n FROM {t} "
                       "WHERE origin_asn = ? AND snapshot = ?", [asn, snap])[0]["n"]  # fmt: skip
    if not rov and not routes:
        where = "in the data" if day is None else f"in the RIB snapshot of {snap}"
        raise NotFoundError(f"AS{asn} originates no route {where}")
    return AsnRoutes(asn, snap, rov, int(routes))


def asn_prefixes(lake: RoutingLake, found: AsnRoutes, limit: int, offset: int = 0) -> list[Row]:
    """The AS's routes with their RFC 6811 state, IPv4 first, then by prefix."""
    return lake.rows(ROUTE_STATES, "SELECT snapshot, prefix, af, state, reason, peers FROM {t} "
                     "WHERE origin_asn = ? AND snapshot = ? ORDER BY af, prefix LIMIT ? OFFSET ?",
                     [found.asn, found.snapshot, limit, offset])  # fmt: skip


def asn_incidents(lake: RoutingLake, asn: int, limit: int) -> list[Row]:
    """Incidents the AS caused or suffered, newest first; none when incidents are not built."""
    if not lake.has(INCIDENTS):
        return []
    return lake.rows(INCIDENTS, "SELECT * FROM {t} WHERE culprit_asn = ? OR "
                     "list_contains(victim_asns, ?) ORDER BY start DESC, id LIMIT ?",
                     [asn, asn, limit])  # fmt: skip


def asn_countries(lake: RoutingLake, asn: int) -> list[str]:
    """Where the AS is registered (the RIR delegations' ASN→country map); none without it."""
    if not lake.has(ASN_COUNTRY):
        return []
    rows = lake.rows(ASN_COUNTRY, "SELECT DISTINCT cc FROM {t} WHERE asn = ? ORDER BY cc", [asn])
    return [str(r["cc"]) for r in rows]


def asns_with_routes(lake: RoutingLake, asns: list[int]) -> set[int]:
    """Which of some ASes originate a route in the routing data (so have an `/asn/{asn}` page)."""
    found: set[int] = set()
    if lake.has(ROV_ASN):
        rows = lake.rows(ROV_ASN, "SELECT DISTINCT asn AS a FROM {t} WHERE list_contains(?, asn)",
                         [asns])  # fmt: skip
        found |= {int(r["a"]) for r in rows}
    if lake.has(ROUTE_STATES):
        rows = lake.rows(ROUTE_STATES, "SELECT DISTINCT origin_asn AS a FROM {t} "
                         "WHERE list_contains(?, origin_asn)", [asns])  # fmt: skip
        found |= {int(r["a"]) for r in rows}
    return found


# One country -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryRov:
    cc: str
    snapshot: date | None
    rov: list[Row]  # routing_rov_country rows, IPv4 first


def country_rov(lake: RoutingLake, cc: str, day: date | None = None) -> CountryRov:
    """The country's ROV figures in the latest snapshot (on or before `day`); no rows when the
    ASes registered there originate nothing."""
    snap = snapshot(lake, ROV_COUNTRY, day)
    rows = lake.rows(ROV_COUNTRY, "SELECT * FROM {t} WHERE cc = ? AND snapshot = ? ORDER BY af",
                     [cc, snap])  # fmt: skip
    return CountryRov(cc, snap, rows)


def country_asns(lake: RoutingLake, cc: str) -> list[int]:
    """The ASNs registered in a country (the ASN→country map the routing step writes)."""
    if not lake.has(ASN_COUNTRY):
        raise DatasetNotBuiltError(
            f"dataset {ASN_COUNTRY} has not been built",
            hint="run `nethealth build` (the routing step writes the ASN→country map)",
        )
    rows = lake.rows(ASN_COUNTRY, "SELECT DISTINCT asn FROM {t} WHERE cc = ? ORDER BY asn", [cc])
    return [int(r["asn"]) for r in rows]


def top_invalid_origins(lake: RoutingLake, snap: date | None, asns: list[int],
                        limit: int) -> list[Row]:  # fmt: skip
    """Of some ASes, those originating the most RPKI-invalid routes in a snapshot."""
    if not asns:
        return []
    return lake.rows(ROV_ASN, "SELECT asn, sum(invalid) AS invalid, sum(routes) AS routes FROM {t} "
                     "WHERE snapshot = ? AND list_contains(?, asn) GROUP BY asn "
                     "HAVING sum(invalid) > 0 ORDER BY invalid DESC, asn LIMIT ?",
                     [snap, asns, limit])  # fmt: skip


# Incidents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentQuery:
    """Which incidents: of a type, caused or suffered by an AS, touching some ASes (origin,
    culprit or victim: a country's), running at or after `start`, starting at or before `end`."""

    type: str | None = None
    asn: int | None = None
    asns: list[int] | None = None
    start: datetime | None = None
    end: datetime | None = None

    def check(self, max_days: int | None = None) -> IncidentQuery:
        if self.type is not None and self.type not in INCIDENT_TYPES:
            raise InputError(f"unknown incident type {self.type!r}", field="type",
                             hint=" | ".join(INCIDENT_TYPES))  # fmt: skip
        check_asn(self.asn)
        if self.start and self.end:
            if self.end < self.start:
                raise InputError("'to' is before 'from'", field="to", hint="swap the dates")
            if max_days is not None and self.end - self.start > timedelta(days=max_days):
                raise InputError(
                    f"the range is longer than {max_days} days",
                    field="to",
                    hint=f"give 'from' and 'to' at most {max_days} days apart",
                )
        return self


_WHERE = (
    "(CAST(? AS VARCHAR) IS NULL OR type = ?) "
    "AND (CAST(? AS UINTEGER) IS NULL OR culprit_asn = ? OR list_contains(victim_asns, ?)) "
    'AND (CAST(? AS TIMESTAMPTZ) IS NULL OR coalesce("end", start) >= ?) '
    "AND (CAST(? AS TIMESTAMPTZ) IS NULL OR start <= ?) "
    "AND (CAST(? AS UINTEGER[]) IS NULL OR "
    "list_has_any(list_concat([origin_asn, culprit_asn], victim_asns), ?))"
)


def _params(q: IncidentQuery) -> list[Any]:
    return [q.type, q.type, q.asn, q.asn, q.asn, q.start, q.start, q.end, q.end, q.asns, q.asns]


def incidents(lake: RoutingLake, q: IncidentQuery, limit: int) -> list[Row]:
    """The incidents of a query, newest first (ties by id)."""
    return lake.rows(INCIDENTS, f"SELECT * FROM {{t}} WHERE {_WHERE} ORDER BY start DESC, id "
                     "LIMIT ?", [*_params(q), limit])  # fmt: skip


def count_incidents(lake: RoutingLake, q: IncidentQuery) -> int:
    rows = lake.rows(INCIDENTS, f"SELECT count(*) AS n FROM {{t}} WHERE {_WHERE}", _params(q))
    return int(rows[0]["n"])


def incident(lake: RoutingLake, incident_id: str) -> Row:
    rows = lake.rows(INCIDENTS, "SELECT * FROM {t} WHERE id = ?", [incident_id])
    if not rows:
        raise NotFoundError(f"no incident {incident_id!r}")
    return rows[0]


# MANRS-style scorecards ------------------------------------------------------------------------


def scorecard(lake: RoutingLake, asn: int, month: str) -> Row:
    """The AS's scorecard of a month (`routing_scorecards`); 404 when it has none."""
    check_asn(asn)
    rows = lake.rows(SCORECARDS, "SELECT * FROM {t} WHERE asn = ? AND month = ?", [asn, month])
    if not rows:
        raise NotFoundError(
            f"AS{asn} has no scorecard for {month}",
            hint="the AS originates no route in that month's RIB snapshot, or the month has none",
        )
    return rows[0]


@dataclass(frozen=True)
class LatestScorecard:
    row: Row | None
    month: str | None
    missing: str | None  # why there is none (shown as is)


def latest_scorecard(lake: RoutingLake, asn: int) -> LatestScorecard:
    """The AS's scorecard of the latest month it has one, or why there is none."""
    if not lake.has(SCORECARDS):
        return LatestScorecard(None, None, "the monthly scorecards have not been built")
    rows = lake.rows(SCORECARDS, "SELECT * FROM {t} WHERE asn = ? ORDER BY month DESC LIMIT 1",
                     [asn])  # fmt: skip
    if rows:
        return LatestScorecard(rows[0], str(rows[0]["month"]), None)
    months = lake.rows(SCORECARDS, "SELECT max(month) AS m FROM {t}", [])
    month = months[0]["m"] if months else None
    if month is None:
        return LatestScorecard(None, None, "no month has a RIB snapshot to score")
    return LatestScorecard(None, str(month), f"AS{asn} has no scorecard for {month}")


def scorecard_history(lake: RoutingLake, asn: int) -> list[Row]:
    """The AS's scorecards of every built month, oldest first."""
    if not lake.has(SCORECARDS):
        return []
    return lake.rows(SCORECARDS, "SELECT * FROM {t} WHERE asn = ? ORDER BY month", [asn])


def country_rollup(lake: RoutingLake, cc: str, month: str | None = None) -> list[Row]:
    """The country's scorecard roll-up per action, of `month` or the latest month."""
    return lake.rows(COUNTRY_ROLLUPS, "SELECT * FROM {t} WHERE cc = ? AND "
                     "(CAST(? AS VARCHAR) IS NULL OR month = ?) "
                     "QUALIFY month = max(month) OVER () ORDER BY action",
                     [cc, month, month])  # fmt: skip
