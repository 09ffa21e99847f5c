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
import pyarrow as pa

from nethealth.rpki.coverage import coverage_by_asn, coverage_by_country, route_states

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
