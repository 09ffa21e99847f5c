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

Inputs are judged per month (`nethealth.common.status`, `routing_scorecard_inputs`): an action
whose input for the month is missing says "not measured" (or "not comparable"), never 100 % or
0 %. Filtering needs incident detection to have run on at least one day of the month
(`routing_incident_days`); RPKI needs the VRPs in force on the month's latest RIB date
(`routing_inputs`); IRR and PeeringDB records are taken by the as-of rule from that date
(`nethealth.common.asof`); the country roll-up needs the RIR files in force (`routing_inputs`).
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

from nethealth.common.asof import pick
from nethealth.common.status import MEASURED, Judgement, Status, combine
from nethealth.errors import InputError
from nethealth.lake.build import StepContext

METHOD_VERSION = "2"
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
       CASE WHEN ? THEN 100 * least(1, greatest(0, (rpki.valid - ? * rpki.invalid)::DOUBLE
                                                   / rpki.routes)) END AS rpki,
       coalesce(irr_by.irr_matched, 0) AS irr_matched,
       CASE WHEN ? THEN 100.0 * coalesce(irr_by.irr_matched, 0) / rpki.routes END AS irr,
       CASE WHEN ? THEN CASE WHEN pdb.contact THEN 100.0 WHEN pdb.asn IS NOT NULL THEN 50.0
                             ELSE 0.0 END END::DOUBLE AS coordination
FROM rpki JOIN filt USING (asn) LEFT JOIN irr_by USING (asn) LEFT JOIN pdb USING (asn)
ORDER BY asn
"""
ROLLUP_SQL = """
WITH j AS (SELECT m.cc, c.* FROM cards c JOIN asn_cc m USING (asn)),
long AS (SELECT cc, month, unnest(['filtering', 'rpki', 'irr', 'coordination']) AS action,
                 unnest([filtering, rpki, irr, coordination]) AS readiness
          FROM j)  -- nulls kept: an action nobody could be scored on still has its row
SELECT cc, month, action, count(readiness) AS ases, median(readiness) AS median,
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
    # Per action (and "country" for the ASN→country map), whether the month's input allows a
    # value and why; an action judged not ok has a null readiness whatever the tables hold.
    judgements: dict[str, Judgement] | None = None

    def judgement(self, action: str) -> Judgement:
        if self.judgements is not None and action in self.judgements:
            return self.judgements[action]
        loaded = {
            "filtering": self.incidents, "irr": self.irr, "coordination": self.peeringdb_net,
        }.get(action, self.routes)  # fmt: skip
        return MEASURED if loaded is not None else Judgement(Status.NOT_MEASURED, "not loaded")


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
        ok = {a: inputs.judgement(a).ok for a in ACTIONS}
        params = [
            month, ok["filtering"], FILTERING_ZERO_AT, ok["rpki"], INVALID_PENALTY,
            ok["irr"], ok["coordination"],
        ]  # fmt: skip
        cards = con.sql(CARD_SQL, params=params).to_arrow_table()
    finally:
        con.close()
    n = cards.num_rows
    # counts behind an action without its input are no measurement either
    hidden = {
        "filtering": ("filtering_incidents", "filtering_weight"),
        "rpki": ("rpki_valid_share", "rpki_invalid_share"),
        "irr": ("irr_matched",),
    }
    for action, columns in hidden.items():
        for col in columns if not ok[action] else ():
            i = cards.schema.get_field_index(col)
            cards = cards.set_column(i, col, pa.nulls(n, cards.schema.field(col).type))
    for action in ACTIONS:
        j = inputs.judgement(action)
        cards = cards.append_column(f"{action}_status", pa.array([j.status.value] * n, pa.string()))
        cards = cards.append_column(f"{action}_reason", pa.array([j.reason] * n, pa.string()))
    return cards


def country_rollup(
    cards: pa.Table, asn_country: pa.Table, judgements: dict[str, Judgement] | None = None
) -> pa.Table:
    """Per country and action: ASes scored, median readiness, share of ASes at >= 90 %, and
    the status and reason of the action's inputs (with the ASN→country map's, "country")."""
    con = duckdb.connect()
    try:
        con.register("cards", cards.select(["asn", "month", *ACTIONS]))
        con.register("asn_cc", asn_country.select(["asn", "cc"]))
        out = con.sql(ROLLUP_SQL, params=[READY_AT]).to_arrow_table()
    finally:
        con.close()
    given = judgements or {}
    statuses, reasons = [], []
    for action, share in zip(
        out["action"].to_pylist(), out["share_ready"].to_pylist(), strict=True
    ):
        j = combine([given.get("country", MEASURED), given.get(action, MEASURED)])
        if j.ok and share is None:
            j = Judgement(Status.NOT_MEASURED, j.reason or "no AS of the country has a value")
        statuses.append(j.status.value)
        reasons.append(j.reason)
    out = out.append_column("status", pa.array(statuses, pa.string()))
    return out.append_column("reason", pa.array(reasons, pa.string()))


# --- reading the month's inputs from a lake directory --------------------------------------

LATEST_IN = """
SELECT * FROM read_parquet(?)
WHERE snapshot = (SELECT max(snapshot) FROM read_parquet(?) WHERE snapshot >= ? AND snapshot < ?)
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
        inc_path = lake / "routing_incidents.parquet"
        incidents = (
            pq.read_table(inc_path, columns=["culprit_asn", "start", "end"])
            if inc_path.is_file()
            else None
        )
        rib_day = max(routes["snapshot"].to_pylist()) if "snapshot" in routes.column_names else d0
        judged = month_judgements(con, lake, month, rib_day)
        irr = _as_of(con, lake / "routing_irr_routes.parquet", "irr", rib_day, judged)
        net = _as_of(con, lake / "peeringdb_net.parquet", "peeringdb", rib_day, judged)
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
        irr=irr,
        peeringdb_net=net,
        judgements=judged,
    ), cc


SNAPSHOTS_OF = "SELECT DISTINCT snapshot FROM read_parquet(?)"
ONE_SNAPSHOT = "SELECT * FROM read_parquet(?) WHERE snapshot = ?"
INCIDENT_DAYS = """
SELECT count(*) FROM read_parquet(?) WHERE day >= ? AND day < ?
"""
INPUT_OF = """
SELECT status, reason FROM read_parquet(?) WHERE snapshot = ? AND input = ?
"""
_ACTION_OF = {"irr": "irr", "peeringdb": "coordination"}


def _as_of(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: str,
    day: date,
    judged: dict[str, Judgement],
) -> pa.Table | None:
    """The snapshot of `path` in force on `day` (as-of rule); records the judgement."""
    action = _ACTION_OF[source]
    snaps = (
        [r[0] for r in con.sql(SNAPSHOTS_OF, params=[str(path)]).fetchall()]
        if path.is_file()
        else []
    )
    asof = pick(source, day, snaps)
    judged[action] = asof.judgement
    if asof.snapshot is None:
        return None
    return con.sql(ONE_SNAPSHOT, params=[str(path), asof.snapshot]).to_arrow_table()


def month_judgements(
    con: duckdb.DuckDBPyConnection, lake: Path, month: str, rib_day: date
) -> dict[str, Judgement]:
    """Filtering, RPKI and the ASN→country map of the month (IRR and PeeringDB: `_as_of`)."""
    t0, t1 = month_bounds(month)
    out: dict[str, Judgement] = {}
    days_path = lake / "routing_incident_days.parquet"
    if not days_path.is_file():
        out["filtering"] = Judgement(Status.NOT_MEASURED, "no incident detection in the lake")
    else:
        n = con.sql(INCIDENT_DAYS, params=[str(days_path), t0.date(), t1.date()]).fetchall()[0][0]
        total = (t1 - t0).days
        out["filtering"] = (
            Judgement(Status.MEASURED, f"incident detection ran on {n} of {total} days of {month}")
            if n
            else Judgement(
                Status.NOT_MEASURED,
                f"no incident detection ran in {month} (no RIB and update dumps of one day)",
            )
        )
    inputs = lake / "routing_inputs.parquet"
    if not inputs.is_file():  # a directory written by `nethealth routing coverage`: its VRPs
        # and ASN map were given explicitly, for that RIB
        given = Judgement(
            Status.MEASURED, f"inputs given to `nethealth routing coverage` ({rib_day})"
        )
        return out | {"rpki": given, "country": given}
    for action, name in (("rpki", "rpki"), ("country", "rir")):
        rows = (
            con.sql(INPUT_OF, params=[str(inputs), rib_day, name]).fetchall()
            if inputs.is_file()
            else []
        )
        out[action] = (
            Judgement(Status(rows[0][0]), rows[0][1])
            if rows
            else Judgement(Status.NOT_MEASURED, f"no record of the {name} input of {rib_day}")
        )
    return out


# --- the lake build step `routing_scorecards` (declared in `routing.step`) ------------------

SCORECARDS = "routing_scorecards"
COUNTRY_ROLLUPS = "routing_scorecard_countries"
INPUTS = "routing_scorecard_inputs"
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


def month_tables(lake: Path, month: str, simulated: bool) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Every originating AS's scorecard of the month and the per-country roll-up."""
    inputs, cc = load_inputs(lake, month)
    cards = scorecards(inputs, month)
    rollup = country_rollup(cards, cc if cc is not None else _EMPTY_CC, inputs.judgements)
    return (
        _flag(cards, simulated),
        _flag(rollup, simulated),
        _flag(inputs_table(month, inputs.judgements or {}), simulated),
    )


def inputs_table(month: str, judged: dict[str, Judgement]) -> pa.Table:
    """`routing_scorecard_inputs`: per month and action (plus "country"), status and reason."""
    keys = [*ACTIONS, "country"]
    js = [judged.get(k, MEASURED) for k in keys]
    return pa.table({
        "month": pa.array([month] * len(keys), pa.string()), "action": pa.array(keys),
        "status": pa.array([j.status.value for j in js]),
        "reason": pa.array([j.reason for j in js]),
    })  # fmt: skip


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
    judged: list[pa.Table] = []
    for i, (month, simulated) in enumerate(months):
        ctx.progress(f"routing scorecards {month}", i, len(months))
        c, r, j = month_tables(ctx.lake_dir, month, bool(simulated))
        cards.append(c)
        rollups.append(r)
        judged.append(j)
    ctx.progress("routing scorecards", len(months), len(months))
    if not months:  # the schemas, from the same code path
        empty = scorecards(ScoreInputs(routes=_EMPTY_ROUTES), "1970-01")
        cards = [_flag(empty, False)]
        rollups = [_flag(country_rollup(empty, _EMPTY_CC), False)]
        judged = [_flag(inputs_table("1970-01", {}).slice(0, 0), False)]
    ctx.write_dataset(SCORECARDS, pa.concat_tables(cards))
    ctx.write_dataset(COUNTRY_ROLLUPS, pa.concat_tables(rollups))
    ctx.write_dataset(INPUTS, pa.concat_tables(judged))
