"""Per-ASN monthly scorecard in the spirit of the MANRS actions (method version 1).

Every AS that originates a route in the month's data gets four readiness percentages:

- **Filtering** (action 1). Incidents (`routing_incidents`) that the AS or one of its direct
  customers (p2c links of `routing_relationships`) caused and that *started* in the month. Each
  weighs by its duration d = end − start (ongoing: until the month's end), as MANRS does:
  d < 30 min → 0.5; d < 24 h → 1; from 24 h on, +1 for every further 24 h period started, i.e.
  1 + floor(d / 24 h) (24 h → 2, 48 h → 3). With M the summed weight,
  readiness = 100 × max(0, 1 − M / 10): no incident 100 %, 10 weighted incidents or more 0 %.
  Null when no incident data are loaded (no data is not "no incidents").
- **Global validation, RPKI** (action 4). Over the AS's routes (distinct prefix, origin; both
  families) of the month's latest RIB snapshot: score = valid share − 10 × invalid share,
  clipped to [0, 1], in percent.
- **Global validation, IRR** (action 4). Share of those routes with a matching IRR route or
  route6 object: same origin AS, and the object's prefix equals or covers the route's. Null when
  no IRR data are loaded.
- **Coordination** (action 3). The AS's PeeringDB `net` record (latest snapshot up to the month's
  end): 100 % with a website or a general peering policy, 50 % with a record but neither, 0 %
  without a record. Null when no PeeringDB data are loaded.

Country roll-ups: per action, the median readiness of the country's ASes and the share of them
at ≥ 90 % (ASes with a null value for the action are left out of that action).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nethealth.errors import InputError
from nethealth.lake.build import Step, StepContext

METHOD_VERSION = "1"
HALF_HOUR = 30 * 60
DAY = 24 * 3600
FILTERING_ZERO_AT = 10.0  # summed incident weight at which Filtering readiness reaches 0 %
INVALID_PENALTY = 10.0
READY_AT = 90.0
ACTIONS = ("filtering", "rpki", "irr", "coordination")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

CARD_SQL = """
WITH r AS (SELECT DISTINCT af, prefix, origin_asn, state, start, start_lo, "end", end_lo
           FROM routes WHERE origin_asn IS NOT NULL),
rpki AS (SELECT origin_asn AS asn, count(*) AS routes,
                count(*) FILTER (WHERE state = 'valid') AS valid,
                count(*) FILTER (WHERE state = 'invalid') AS invalid
         FROM r GROUP BY 1),
matched AS (
  SELECT DISTINCT r.prefix, r.origin_asn FROM r JOIN irr o
    ON o.origin_asn = r.origin_asn AND o.af = r.af
   AND (o.start < r.start OR (o.start = r.start AND o.start_lo <= r.start_lo))
   AND (r."end" < o."end" OR (r."end" = o."end" AND r.end_lo <= o.end_lo))),
irr_by AS (SELECT origin_asn AS asn, count(*) AS irr_matched FROM matched GROUP BY 1),
resp AS (SELECT asn, asn AS culprit FROM rpki
         UNION SELECT asn1, asn2 FROM rel WHERE rel = -1 AND asn1 IN (SELECT asn FROM rpki)),
filt AS (SELECT resp.asn, count(w.weight) AS incidents, coalesce(sum(w.weight), 0) AS weight
         FROM resp LEFT JOIN weights w ON w.culprit_asn = resp.culprit GROUP BY 1),
pdb AS (SELECT asn, bool_or(coalesce(trim(website), '') <> ''
                            OR coalesce(trim(policy_general), '') <> '') AS contact
        FROM net GROUP BY 1)
SELECT rpki.asn::UINTEGER AS asn, ?::VARCHAR AS month,
       filt.incidents AS filtering_incidents, filt.weight::DOUBLE AS filtering_weight,
       CASE WHEN ? THEN 100 * greatest(0, 1 - filt.weight / ?) END AS filtering,
       rpki.routes, rpki.valid::DOUBLE / rpki.routes AS rpki_valid_share,
       rpki.invalid::DOUBLE / rpki.routes AS rpki_invalid_share,
       100 * least(1, greatest(0, (rpki.valid - ? * rpki.invalid)::DOUBLE / rpki.routes))
         AS rpki,
       coalesce(irr_by.irr_matched, 0) AS irr_matched,
       CASE WHEN ? THEN 100.0 * coalesce(irr_by.irr_matched, 0) / rpki.routes END AS irr,
       CASE WHEN ? THEN CASE WHEN pdb.contact THEN 100.0 WHEN pdb.asn IS NOT NULL THEN 50.0
                             ELSE 0.0 END END::DOUBLE AS coordination
FROM rpki JOIN filt USING (asn) LEFT JOIN irr_by USING (asn) LEFT JOIN pdb USING (asn)
ORDER BY asn
"""
ROLLUP_SQL = """
WITH j AS (SELECT m.cc, c.* FROM cards c JOIN asn_cc m USING (asn)),
long AS (UNPIVOT j ON filtering, rpki, irr, coordination INTO NAME action VALUE readiness)
SELECT cc, month, action, count(*) AS ases, median(readiness) AS median,
       avg((readiness >= ?)::INTEGER) AS share_ready
FROM long GROUP BY ALL ORDER BY cc, action
"""


@dataclass(frozen=True)
class ScoreInputs:
    """The month's data. `routes`: distinct routes with RPKI state (af, prefix, origin_asn,
    state, start, start_lo, end, end_lo — `routing_route_states`); `incidents`: culprit_asn,
    start, end (timestamps); `relationships`: asn1, asn2, rel (CAIDA: -1 = asn1 provides asn2);
    `irr`: af, origin_asn and the range columns; `peeringdb_net`: asn, website, policy_general.
    None = not loaded (the action's readiness is null)."""

    routes: pa.Table
    incidents: pa.Table | None = None
    relationships: pa.Table | None = None
    irr: pa.Table | None = None
    peeringdb_net: pa.Table | None = None


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of 'YYYY-MM', UTC."""
    m = _MONTH.match(month)
    if m is None:
        raise InputError(f"not a month: {month!r}", field="month", hint="use YYYY-MM, e.g. 2025-06")
    y, mo = int(m[1]), int(m[2])
    start = datetime(y, mo, 1, tzinfo=UTC)
    return start, datetime(y + mo // 12, mo % 12 + 1, 1, tzinfo=UTC)


def duration_weights(seconds: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """MANRS incident weights: < 30 min 0.5, < 24 h 1, then 1 + whole days elapsed."""
    d = np.asarray(seconds, dtype=np.float64)
    out: npt.NDArray[np.float64] = np.where(
        d < HALF_HOUR, 0.5, np.where(d < DAY, 1.0, 1.0 + np.floor(d / DAY))
    )
    return out


def filtering_readiness(weight: float) -> float:
    return 100.0 * max(0.0, 1.0 - weight / FILTERING_ZERO_AT)


def incident_weights(incidents: pa.Table, month: str) -> pa.Table:
    """(culprit_asn, weight) of the incidents that started in the month."""
    t0, t1 = month_bounds(month)
    ts = pa.timestamp("us", tz="UTC")
    start = pc.cast(incidents["start"], ts)
    keep = pc.and_(pc.greater_equal(start, pa.scalar(t0, ts)), pc.less(start, pa.scalar(t1, ts)))
    rows = incidents.filter(keep)
    s = pc.cast(rows["start"], ts).to_numpy(zero_copy_only=False).astype("datetime64[us]")
    end = pc.fill_null(pc.cast(rows["end"], ts), pa.scalar(t1, ts))
    e = end.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    secs = (e - s).astype("timedelta64[us]").astype(np.int64) / 1e6
    return pa.table({
        "culprit_asn": pc.cast(rows["culprit_asn"], pa.uint32()),
        "weight": pa.array(duration_weights(secs), pa.float64()),
    })  # fmt: skip


_EMPTY_REL = pa.table(
    {
        "asn1": pa.array([], pa.uint32()),
        "asn2": pa.array([], pa.uint32()),
        "rel": pa.array([], pa.int8()),
    }
)
_EMPTY_IRR = pa.table({
    "af": pa.array([], pa.int8()), "origin_asn": pa.array([], pa.uint32()),
    **{c: pa.array([], pa.uint64()) for c in ("start", "start_lo", "end", "end_lo")},
})  # fmt: skip
_EMPTY_NET = pa.table({
    "asn": pa.array([], pa.int64()), "website": pa.array([], pa.string()),
    "policy_general": pa.array([], pa.string()),
})  # fmt: skip


def scorecards(inputs: ScoreInputs, month: str) -> pa.Table:
    """One row per originating AS: counts, shares and the four readiness percentages."""
    month_bounds(month)  # validates
    weights = (
        incident_weights(inputs.incidents, month)
        if inputs.incidents is not None
        else pa.table(
            {"culprit_asn": pa.array([], pa.uint32()), "weight": pa.array([], pa.float64())}
        )
    )
    con = duckdb.connect()
    try:
        con.register("routes", inputs.routes)
        con.register("weights", weights)
        con.register(
            "rel", inputs.relationships if inputs.relationships is not None else _EMPTY_REL
        )
        con.register("irr", inputs.irr if inputs.irr is not None else _EMPTY_IRR)
        net = inputs.peeringdb_net if inputs.peeringdb_net is not None else _EMPTY_NET
        con.register("net", net.select(["asn", "website", "policy_general"]))
        params = [
            month, inputs.incidents is not None, FILTERING_ZERO_AT, INVALID_PENALTY,
            inputs.irr is not None, inputs.peeringdb_net is not None,
        ]  # fmt: skip
        return con.sql(CARD_SQL, params=params).to_arrow_table()
    finally:
        con.close()


def country_rollup(cards: pa.Table, asn_country: pa.Table) -> pa.Table:
    """Per country and action: ASes scored, median readiness, share of ASes at >= 90 %."""
    con = duckdb.connect()
    try:
        con.register("cards", cards.select(["asn", "month", *ACTIONS]))
        con.register("asn_cc", asn_country.select(["asn", "cc"]))
        return con.sql(ROLLUP_SQL, params=[READY_AT]).to_arrow_table()
    finally:
        con.close()


# --- reading the month's inputs from a lake directory --------------------------------------

LATEST_IN = """
SELECT * FROM read_parquet(?)
WHERE snapshot = (SELECT max(snapshot) FROM read_parquet(?) WHERE snapshot >= ? AND snapshot < ?)
"""
LATEST_UPTO = """
SELECT * FROM read_parquet(?)
WHERE snapshot = (SELECT max(snapshot) FROM read_parquet(?) WHERE snapshot < ?)
"""


def _read(con: duckdb.DuckDBPyConnection, path: Path, sql: str, *bounds: date) -> pa.Table | None:
    if not path.is_file():
        return None
    return con.sql(sql, params=[str(path), str(path), *bounds]).to_arrow_table()


def _only(table: pa.Table | None, column: str, asn: int) -> pa.Table | None:
    if table is None:
        return None
    return table.filter(pc.equal(pc.cast(table[column], pa.int64()), asn))


def load_inputs(
    lake: Path, month: str, asn: int | None = None
) -> tuple[ScoreInputs, pa.Table | None]:
    """The month's inputs from the lake (`routing` step datasets, `peeringdb_net`, and
    `routing_incidents` when written), plus the ASN→country map of the month's RIB snapshot.
    With `asn`, routes, IRR objects and PeeringDB records are cut to that AS (its scorecard
    needs no other AS's)."""
    t0, t1 = month_bounds(month)
    d0, d1 = t0.date(), t1.date()
    con = duckdb.connect()
    try:
        routes = _read(con, lake / "routing_route_states.parquet", LATEST_IN, d0, d1)
        if routes is None or routes.num_rows == 0:
            raise InputError(
                f"no RIB snapshot in {month}",
                path=lake / "routing_route_states.parquet",
                hint="fetch RIB dumps of that month and run `nethealth build --only routing`",
            )
        rel = _read(con, lake / "routing_relationships.parquet", LATEST_IN, d0, d1)
        cc = _read(con, lake / "routing_asn_country.parquet", LATEST_IN, d0, d1)
        irr = _read(con, lake / "routing_irr_routes.parquet", LATEST_UPTO, d1)
        net = _read(con, lake / "peeringdb_net.parquet", LATEST_UPTO, d1)
        inc_path = lake / "routing_incidents.parquet"
        incidents = (
            pq.read_table(inc_path, columns=["culprit_asn", "start", "end"])
            if inc_path.is_file()
            else None
        )
    finally:
        con.close()
    if asn is not None:
        routes = _only(routes, "origin_asn", asn)
        irr = _only(irr, "origin_asn", asn)
        net = _only(net, "asn", asn)
    return ScoreInputs(
        routes=routes,
        incidents=incidents,
        relationships=rel,
        irr=irr if irr is not None and irr.num_rows else None,
        peeringdb_net=net if net is not None and net.num_rows else None,
    ), cc


# --- the lake build step `routing_scorecards` ----------------------------------------------

SCORECARDS = "routing_scorecards"
COUNTRY_ROLLUPS = "routing_scorecard_countries"
MONTHS_SQL = """
SELECT DISTINCT strftime(snapshot, '%Y-%m') AS month, bool_or(simulated) AS simulated
FROM read_parquet(?) GROUP BY 1 ORDER BY 1
"""
_EMPTY_ROUTES = pa.table({
    "af": pa.array([], pa.int8()), "prefix": pa.array([], pa.string()),
    "origin_asn": pa.array([], pa.uint32()), "state": pa.array([], pa.string()),
    **{c: pa.array([], pa.uint64()) for c in ("start", "start_lo", "end", "end_lo")},
})  # fmt: skip
_EMPTY_CC = pa.table({"asn": pa.array([], pa.uint32()), "cc": pa.array([], pa.string())})


def _flag(table: pa.Table, simulated: bool) -> pa.Table:
    table = table.append_column("method_version", pa.array([METHOD_VERSION] * table.num_rows))
    return table.append_column("simulated", pa.array([simulated] * table.num_rows, pa.bool_()))


def month_tables(lake: Path, month: str, simulated: bool) -> tuple[pa.Table, pa.Table]:
    """Every originating AS's scorecard of the month and the per-country roll-up."""
    inputs, cc = load_inputs(lake, month)
    cards = scorecards(inputs, month)
    rollup = country_rollup(cards, cc if cc is not None else _EMPTY_CC)
    return _flag(cards, simulated), _flag(rollup, simulated)


def build_scorecards(ctx: StepContext) -> None:
    """Per month with a RIB snapshot (`routing_route_states`): `routing_scorecards` (one row per
    originating AS) and `routing_scorecard_countries` (per country and action)."""
    states = ctx.dataset_path("routing_route_states")
    con = duckdb.connect()
    try:
        months = con.sql(MONTHS_SQL, params=[str(states)]).fetchall() if states.is_file() else []
    finally:
        con.close()
    cards: list[pa.Table] = []
    rollups: list[pa.Table] = []
    for i, (month, simulated) in enumerate(months):
        ctx.progress(f"routing scorecards {month}", i, len(months))
        c, r = month_tables(ctx.lake_dir, month, bool(simulated))
        cards.append(c)
        rollups.append(r)
    ctx.progress("routing scorecards", len(months), len(months))
    if not months:  # the schemas, from the same code path
        empty = scorecards(ScoreInputs(routes=_EMPTY_ROUTES), "1970-01")
        cards = [_flag(empty, False)]
        rollups = [_flag(country_rollup(empty, _EMPTY_CC), False)]
    ctx.write_dataset(SCORECARDS, pa.concat_tables(cards))
    ctx.write_dataset(COUNTRY_ROLLUPS, pa.concat_tables(rollups))


STEP = Step(
    id="routing_scorecards",
    version="1",
    description="MANRS-style scorecards per month and originating AS, with country roll-ups",
    run=build_scorecards,
    outputs=(SCORECARDS, COUNTRY_ROLLUPS),
    # routing: routes, relationships, IRR, ASN->country; routing_incidents: Filtering;
    # peeringdb: Coordination
    depends=("routing", "routing_incidents", "peeringdb"),
)
