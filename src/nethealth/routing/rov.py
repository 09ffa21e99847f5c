"""Route-origin-validation indicators of one snapshot: per ASN, per country, per transit AS.

Coverage and route-state shares come from `nethealth.rpki.coverage` (method version 1 there).
This module adds who *carries* RPKI-invalid routes and an estimate of ROV filtering:

- an AS carries a route when it appears on the route's AS path at a position other than the
  origin (prepending collapsed); `invalid_propagated` counts the distinct invalid (prefix,
  origin) pairs it carries — a transit AS that carries invalids is not filtering them all;
- the ROV-filtering estimate is only made where it is observable: for collector peers, whose
  whole table we see. Its value is 1 − (invalid pairs in the peer's table / invalid pairs seen by
  any full-feed peer of its family). A peer that drops (nearly) all invalids others accept filters.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.common.prefixes import format_prefixes, from_range_columns
from nethealth.rpki.coverage import coverage_by_asn, coverage_by_country, route_states
from nethealth.rpki.rov import VrpIndex

FULL_FEED_SHARE = 0.75  # as nethealth.bgp.derived: a full-feed peer has >= 75 % of the largest
FILTERS_AT = 0.9  # estimate >= this: "filters"; >= PARTIAL_AT: "partial"; else "none"
PARTIAL_AT = 0.5

# Routes joined to their validation state; positions on the path other than the origin's.
TRANSIT_SQL = """
WITH r AS (
  SELECT r.prefix, r.origin_asn, r.as_path, s.state
  FROM routes r JOIN states s ON s.prefix = r.prefix AND s.origin_asn = r.origin_asn
  WHERE r.elem_type = 'rib' AND r.origin_asn IS NOT NULL),
hops AS (
  SELECT DISTINCT as_path[i] AS asn, prefix, origin_asn, state
  FROM r, range(1, len(as_path) + 1) AS t(i) WHERE as_path[i] <> origin_asn)
SELECT ?::DATE AS snapshot, asn::UINTEGER AS asn, count(*) AS routes_carried,
       count(*) FILTER (WHERE state = 'invalid') AS invalid_propagated,
       count(*) FILTER (WHERE state = 'valid') AS valid_carried
FROM hops GROUP BY asn ORDER BY asn
"""
PEER_SQL = """
WITH r AS (
  SELECT r.collector, r.peer_ip, r.peer_asn, r.af, r.prefix, r.origin_asn, s.state
  FROM routes r JOIN states s ON s.prefix = r.prefix AND s.origin_asn = r.origin_asn
  WHERE r.elem_type = 'rib'),
peers AS (
  SELECT collector, peer_ip, any_value(peer_asn) AS peer_asn, af,
         count(DISTINCT prefix) AS prefixes,
         count(DISTINCT (prefix, origin_asn)) FILTER (WHERE state = 'invalid') AS invalid
  FROM r GROUP BY collector, peer_ip, af),
full_feed AS (
  SELECT *, prefixes >= ? * max(prefixes) OVER (PARTITION BY af) AS full_feed FROM peers),
seen AS (
  SELECT r.af, count(DISTINCT (r.prefix, r.origin_asn)) AS invalid_total
  FROM r JOIN full_feed f USING (collector, peer_ip, af)
  WHERE f.full_feed AND r.state = 'invalid' GROUP BY r.af)
SELECT ?::DATE AS snapshot, f.collector, f.peer_ip, f.peer_asn::UINTEGER AS peer_asn,
       f.af::TINYINT AS af, f.prefixes, f.full_feed, f.invalid AS invalid_accepted,
       coalesce(seen.invalid_total, 0) AS invalid_total,
       CASE WHEN f.full_feed AND coalesce(seen.invalid_total, 0) > 0
            THEN 1 - f.invalid / seen.invalid_total END AS rov_filtering_estimate
FROM full_feed f LEFT JOIN seen USING (af) ORDER BY f.af, f.collector, f.peer_ip
"""


def states_of(routes: pa.Table, vrps: pa.Table) -> pa.Table:
    """Distinct (prefix, origin) routes of the RIB rows with their RFC 6811 state."""
    rib = routes.filter(pa.compute.equal(routes["elem_type"], "rib"))
    return route_states(rib.select(["prefix", "origin_asn", "peer_asn", "peer_ip"]), vrps)


def _with_snapshot(table: pa.Table, day: date) -> pa.Table:
    return table.add_column(0, "snapshot", pa.array([day] * table.num_rows, pa.date32()))


def asn_indicators(states: pa.Table, day: date) -> pa.Table:
    return _with_snapshot(coverage_by_asn(states), day)


def country_indicators(states: pa.Table, asn_country: pa.Table, day: date) -> pa.Table:
    return _with_snapshot(coverage_by_country(states, asn_country), day)


def transit_indicators(routes: pa.Table, states: pa.Table, day: date) -> pa.Table:
    """Per AS seen in transit: distinct routes, invalid and valid routes it carries."""
    con = duckdb.connect()
    try:
        con.register("routes", routes)
        con.register("states", states)
        return con.sql(TRANSIT_SQL, params=[day]).to_arrow_table()
    finally:
        con.close()


def peer_filtering(routes: pa.Table, states: pa.Table, day: date) -> pa.Table:
    """Per collector peer and family: invalids accepted and the ROV-filtering estimate."""
    con = duckdb.connect()
    try:
        con.register("routes", routes)
        con.register("states", states)
        table = con.sql(PEER_SQL, params=[FULL_FEED_SHARE, day]).to_arrow_table()
    finally:
        con.close()
    est = table["rov_filtering_estimate"].to_pylist()
    verdict = [
        None
        if e is None
        else "filters"
        if e >= FILTERS_AT
        else "partial"
        if e >= PARTIAL_AT
        else "none"
        for e in est
    ]  # fmt: skip  (one value per peer session: a handful of rows)
    return table.append_column("rov_filtering", pa.array(verdict, pa.string()))


# Out of core: the same tables from decoded RIB elements (`bgp.elements/1` Parquet, view `elems`)
# in passes over hash partitions of the prefix. A (prefix, origin) route lies in one partition, so
# per-partition distinct counts add up exactly; each pass holds one partition's rows in DuckDB.
# Origin as `rpki.coverage.routes_from_bgp_elements` (RFC 6811): the single ASN of a path that
# does not end in an AS_SET / AS_CONFED_SET, else null.
PART_SQL = """
CREATE OR REPLACE TEMP TABLE part AS
SELECT collector::VARCHAR AS collector, peer_ip::VARCHAR AS peer_ip, peer_asn, af,
       range_start, range_start_lo, prefix_len,
       CASE WHEN len(origin_asns) = 1
             AND coalesce(as_path_segments[-1] & 127, 0) NOT IN (1, 4)
            THEN origin_asns[1] END AS origin_asn,
       as_path
FROM elems
WHERE elem_type = 'rib' AND hash(range_start, range_start_lo, prefix_len) % ? = ?
"""
# Distinct (prefix, origin) routes with their number of distinct peers (peer ASN, peer IP).
PAIRS_SQL = """
SELECT af, range_start, range_start_lo, prefix_len, origin_asn, count(*) AS peers
FROM (SELECT DISTINCT af, range_start, range_start_lo, prefix_len, origin_asn, peer_asn, peer_ip
      FROM part)
GROUP BY ALL
"""
# `st`: the partition's routes (`pid`, global) with their prefix (`prefix_id`) and state.
_JOINED = """
  SELECT p.*, s.pid, s.prefix_id, s.state FROM part p
  JOIN st s USING (af, range_start, range_start_lo, prefix_len, origin_asn)
"""  # a null origin joins nothing, as in TRANSIT_SQL / PEER_SQL
TRANSIT_PART_SQL = (
    "WITH r AS ("
    + _JOINED
    + """),
hops AS (SELECT DISTINCT asn, pid FROM (SELECT unnest(as_path) AS asn, pid, origin_asn FROM r)
         WHERE asn <> origin_asn)
SELECT h.asn, count(*) AS routes_carried,
       count(*) FILTER (WHERE s.state = 'invalid') AS invalid_propagated,
       count(*) FILTER (WHERE s.state = 'valid') AS valid_carried
FROM hops h JOIN st s USING (pid) GROUP BY h.asn
"""
)
PEER_PART_SQL = (
    "WITH r AS ("
    + _JOINED
    + """)
SELECT collector, peer_ip, af, any_value(peer_asn) AS peer_asn,
       count(DISTINCT prefix_id) AS prefixes,
       count(DISTINCT pid) FILTER (WHERE state = 'invalid') AS invalid
FROM r GROUP BY collector, peer_ip, af
"""
)
INVALID_PART_SQL = (
    "WITH r AS (" + _JOINED + ") SELECT DISTINCT collector, peer_ip, af, pid FROM r "
    "WHERE state = 'invalid'"
)
TRANSIT_FINAL_SQL = """
SELECT ?::DATE AS snapshot, asn::UINTEGER AS asn, sum(routes_carried)::BIGINT AS routes_carried,
       sum(invalid_propagated)::BIGINT AS invalid_propagated,
       sum(valid_carried)::BIGINT AS valid_carried
FROM transit_parts GROUP BY asn ORDER BY asn
"""
PEER_FINAL_SQL = """
WITH peers AS (
  SELECT collector, peer_ip, af, any_value(peer_asn) AS peer_asn,
         sum(prefixes)::BIGINT AS prefixes, sum(invalid)::BIGINT AS invalid
  FROM peer_parts GROUP BY collector, peer_ip, af),
full_feed AS (
  SELECT *, prefixes >= ? * max(prefixes) OVER (PARTITION BY af) AS full_feed FROM peers),
seen AS (
  SELECT i.af, count(DISTINCT i.pid) AS invalid_total
  FROM invalid_parts i JOIN full_feed f USING (collector, peer_ip, af)
  WHERE f.full_feed GROUP BY i.af)
SELECT ?::DATE AS snapshot, f.collector, f.peer_ip, f.peer_asn::UINTEGER AS peer_asn,
       f.af::TINYINT AS af, f.prefixes, f.full_feed, f.invalid AS invalid_accepted,
       coalesce(seen.invalid_total, 0) AS invalid_total,
       CASE WHEN f.full_feed AND coalesce(seen.invalid_total, 0) > 0
            THEN 1 - f.invalid / seen.invalid_total END AS rov_filtering_estimate
FROM full_feed f LEFT JOIN seen USING (af) ORDER BY f.af, f.collector, f.peer_ip
"""
ROWS_PER_PASS = 3_000_000
_STATE_KEYS = ["af", "start", "start_lo", "prefix_length", "origin_asn"]


def pair_states(pairs: pa.Table, index: VrpIndex, vrps: pa.Table) -> pa.Table:
    """RFC 6811 states (`rpki.coverage.STATE_SCHEMA`) of distinct routes given by their range
    columns with their peer counts (PAIRS_SQL), sorted by family, prefix and origin."""
    af = pairs["af"].to_numpy().astype("uint8")
    hi, lo = from_range_columns(
        af, pairs["range_start"].to_numpy(), pairs["range_start_lo"].to_numpy()
    )
    text = format_prefixes(af, hi, lo, pairs["prefix_len"].to_numpy())
    routes = pa.table({"prefix": pa.array(text, pa.string()), "origin_asn": pairs["origin_asn"]})
    # no peer column: every (distinct) row is one route, counted once; the real count is ours
    states = route_states(routes, vrps, index=index).sort_by(
        [(k, "ascending") for k in _STATE_KEYS]
    )
    mine = pairs.rename_columns(
        {"range_start": "start", "range_start_lo": "start_lo", "prefix_len": "prefix_length"}
    ).sort_by([(k, "ascending") for k in _STATE_KEYS])
    for k in _STATE_KEYS:
        if not states[k].cast(mine[k].type).equals(mine[k]):
            raise AssertionError(f"route states and routes disagree on {k}")
    i = states.schema.get_field_index("peers")
    return states.set_column(i, "peers", mine["peers"].cast(pa.int64()))


def _state_keys(states: pa.Table, first_pid: int) -> pa.Table:
    """The states' join keys in the element columns' names, with the state text, a route id
    (`pid`, from `first_pid`) and a prefix id (states are sorted, so a prefix's routes are
    adjacent; ids are only compared within a partition, where a prefix's routes all lie)."""
    keys = ("af", "start", "start_lo", "prefix_length")
    cols = [states[k].to_numpy() for k in keys]
    change = np.zeros(states.num_rows, dtype=bool)
    change[:1] = True
    for c in cols:
        change[1:] |= c[1:] != c[:-1]
    return pa.table({
        "af": states["af"], "range_start": states["start"], "range_start_lo": states["start_lo"],
        "prefix_len": states["prefix_length"], "origin_asn": states["origin_asn"],
        "state": states["state"],
        "pid": pa.array(np.arange(first_pid, first_pid + states.num_rows, dtype=np.int64)),
        "prefix_id": pa.array(np.cumsum(change, dtype=np.int64)),
    })  # fmt: skip


def tables_from_elements(
    con: duckdb.DuckDBPyConnection, rows: int, vrps: pa.Table, day: date
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(route states, transit, peer filtering) of the RIB rows of view `elems` (`rows` of them),
    as `states_of`, `transit_indicators` and `peer_filtering` compute them from routes."""
    k = max(1, -(-rows // ROWS_PER_PASS))
    index = VrpIndex.from_table(vrps)
    states, transit, peers, invalid = [], [], [], []
    first_pid = 0
    for i in range(k):
        con.execute(PART_SQL, [k, i])
        st = pair_states(con.sql(PAIRS_SQL).to_arrow_table(), index, vrps)
        states.append(st)
        con.register("st", _state_keys(st, first_pid))
        first_pid += st.num_rows
        transit.append(con.sql(TRANSIT_PART_SQL).to_arrow_table())
        peers.append(con.sql(PEER_PART_SQL).to_arrow_table())
        invalid.append(con.sql(INVALID_PART_SQL).to_arrow_table())
        con.unregister("st")
    con.execute("DROP TABLE IF EXISTS part")
    for name, parts in (("transit_parts", transit), ("peer_parts", peers),
                        ("invalid_parts", invalid)):  # fmt: skip
        con.register(name, pa.concat_tables(parts))
    all_states = pa.concat_tables(states).sort_by([(k, "ascending") for k in _STATE_KEYS])
    transit_t = con.sql(TRANSIT_FINAL_SQL, params=[day]).to_arrow_table()
    peer_t = con.sql(PEER_FINAL_SQL, params=[FULL_FEED_SHARE, day]).to_arrow_table()
    for name in ("transit_parts", "peer_parts", "invalid_parts"):
        con.unregister(name)
    return all_states, transit_t, _with_verdict(peer_t)


def _with_verdict(table: pa.Table) -> pa.Table:
    """The ROV-filtering class of each estimate (FILTERS_AT / PARTIAL_AT)."""
    est = table["rov_filtering_estimate"]
    verdict = pc.if_else(
        pc.greater_equal(est, FILTERS_AT),
        "filters",
        pc.if_else(pc.greater_equal(est, PARTIAL_AT), "partial", "none"),
    )
    return table.append_column("rov_filtering", verdict.cast(pa.string()))
