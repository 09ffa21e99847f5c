"""Routing-security indicators v1 (area "routing"), per country and RIB snapshot date.

They read `routing_rov_country` (lake step `routing`; definitions in `nethealth.rpki.coverage`)
and `routing_inputs` (whether the VRPs and RIR files were in force on the RIB date). Every
country gets a row per RIB date; the value is null unless measured: a country whose ASes
originate no routes of the family has no ROA coverage (not measured), not a coverage of zero,
and a date without VRPs or RIR files in force (`nethealth.common.asof`) has no value for any
country (not comparable / not measured, with the dates). Values are percentages.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from nethealth.common.asof import TOLERANCES
from nethealth.indicators.registry import Compute, Indicator

_TOL = {k: t.days for k, t in TOLERANCES.items()}
# {value} is one of the fixed expressions below, never user input.
COUNTRY_SQL = """
WITH v AS (SELECT snapshot AS d, status, reason, input_snapshot, simulated
           FROM routing_inputs WHERE input = 'rpki'),
g AS (SELECT snapshot AS d, status, reason FROM routing_inputs WHERE input = 'rir'),
agg AS (SELECT r.cc, r.snapshot AS d, ({value})::DOUBLE AS value, sum(r.routes) AS routes
        FROM routing_rov_country r WHERE (? IS NULL OR r.af = ?) GROUP BY ALL)
SELECT c.cc AS country, v.d AS date,
       CASE WHEN v.status = 'measured' AND g.status = 'measured' AND agg.routes > 0
            THEN agg.value END AS value,
       v.simulated,
       CASE WHEN g.status <> 'measured' THEN g.status
            WHEN v.status <> 'measured' THEN v.status
            WHEN coalesce(agg.routes, 0) = 0 THEN 'not measured'
            ELSE 'measured' END AS status,
       CASE WHEN g.status <> 'measured' THEN g.reason
            WHEN v.status <> 'measured' THEN v.reason
            WHEN coalesce(agg.routes, 0) = 0
            THEN 'the country''s ASes originate no ' || ? || ' routes in the RIBs of '
                 || strftime(v.d, '%Y-%m-%d')
            ELSE 'RIBs ' || strftime(v.d, '%Y-%m-%d') || '; ' || v.reason || '; ' || g.reason
       END AS reason
FROM countries c CROSS JOIN v JOIN g ON g.d = v.d
LEFT JOIN agg ON agg.cc = c.cc AND agg.d = v.d
ORDER BY country, date
"""
SOURCES = ("bgp-ris", "bgp-routeviews", "rpki", "rir", "countries")
DATASETS = ("routing_rov_country", "routing_inputs", "countries")
COMMON = (
    "Routes are the distinct (prefix, origin AS) pairs in the first RIB of the day of every "
    "stored RIPE RIS and RouteViews collector; an AS belongs to the country the RIRs' "
    "delegation files in force register it in; RPKI states are RFC 6811's against the VRP "
    "snapshot in force. In force means the latest on or before the RIB date within the "
    f"source's tolerance (VRPs {_TOL['rpki']} days, RIR files {_TOL['rir']} days), never a "
    "later one; otherwise no "
    "country has a value that date (not comparable)."
)
CAVEATS = (
    "Registration country, not where the routes are used. Collectors see the routes their "
    "peers export, which is nearly all routed prefixes but not all."
)


def _query(value: str, af: int | None) -> Compute:
    sql = COUNTRY_SQL.format(value=value)

    family = {4: "IPv4", 6: "IPv6"}.get(af or 0, "IPv4 or IPv6")

    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        return con.sql(sql, params=[af, af, family]).to_arrow_table()

    return compute


def _routing(
    id_: str, title: str, method: str, value: str, af: int | None, better: str
) -> Indicator:
    return Indicator(
        id=id_, title=title, unit="%", area="routing", version="2",
        method=f"{method} {COMMON}", caveats=CAVEATS, sources=SOURCES, datasets=DATASETS,
        compute=_query(value, af), higher_is=better,
    )  # fmt: skip


ROV_INDICATORS = (
    _routing(
        "roa_prefix_coverage_v4",
        "ROA coverage of routed IPv4 prefixes",
        "Share of the distinct IPv4 prefixes that the country's ASes originate for which at least "
        "one VRP exists (RPKI state valid or invalid), in percent.",
        "100 * sum(r.prefixes_covered) / sum(r.prefixes)",
        4,
        "better",
    ),
    _routing(
        "roa_prefix_coverage_v6",
        "ROA coverage of routed IPv6 prefixes",
        "Share of the distinct IPv6 prefixes that the country's ASes originate for which at least "
        "one VRP exists, in percent.",
        "100 * sum(r.prefixes_covered) / sum(r.prefixes)",
        6,
        "better",
    ),
    _routing(
        "roa_space_coverage_v4",
        "ROA coverage of routed IPv4 address space",
        "Address space (union of prefixes, nested ones counted once) of the IPv4 prefixes the "
        "country's ASes originate that some VRP covers, as a share of all the address space they "
        "originate, in percent.",
        "100 * sum(r.space_covered) / sum(r.space)",
        4,
        "better",
    ),
    _routing(
        "rpki_valid_route_share",
        "Routes RPKI-valid",
        "Share of the routes (IPv4 and IPv6) originated by the country's ASes whose RPKI state is "
        "valid, in percent.",
        "100 * sum(r.valid) / sum(r.routes)",
        None,
        "better",
    ),
    _routing(
        "rpki_invalid_route_share",
        "Routes RPKI-invalid",
        "Share of the routes (IPv4 and IPv6) originated by the country's ASes whose RPKI state is "
        "invalid (wrong origin AS or longer than the VRP's maxLength), in percent.",
        "100 * sum(r.invalid) / sum(r.routes)",
        None,
        "worse",
    ),
)


# MANRS-style readiness, from the monthly scorecards' country roll-up (lake step
# `routing_scorecards`, method in nethealth.routing.scorecard). {action} is one of the fixed
# names below, never user input.
READINESS_SQL = """
WITH m AS (SELECT i.month, i.status, i.reason, i.simulated, g.status AS g_status,
                  g.reason AS g_reason
           FROM routing_scorecard_inputs i
           JOIN routing_scorecard_inputs g ON g.month = i.month AND g.action = 'country'
           WHERE i.action = ?)
SELECT c.cc AS country, strptime(m.month || '-01', '%Y-%m-%d')::DATE AS date,
       CASE WHEN r.status IN ('measured', 'zero measured') THEN 100 * r.share_ready END
         AS value,
       m.simulated,
       CASE WHEN g_status <> 'measured' THEN g_status
            WHEN m.status <> 'measured' THEN m.status
            WHEN r.cc IS NULL THEN 'not measured'
            ELSE r.status END AS status,
       CASE WHEN g_status <> 'measured' THEN g_reason
            WHEN m.status <> 'measured' THEN m.reason
            WHEN r.cc IS NULL THEN 'no AS registered in the country originates routes in '
                                   || m.month
            ELSE r.reason END AS reason
FROM countries c CROSS JOIN m
LEFT JOIN routing_scorecard_countries r ON r.cc = c.cc AND r.month = m.month AND r.action = ?
ORDER BY country, date
"""
READINESS_ACTIONS = {
    "filtering": "Filtering (action 1): no incident that the AS or a direct customer caused, "
    "weighted by duration as MANRS does (< 30 min 0.5, < 24 h 1, +1 per further day); "
    "readiness 100 x max(0, 1 - weight / 10).",
    "rpki": "Global validation, RPKI (action 4): valid share - 10 x invalid share of the AS's "
    "routes in the month's latest RIB snapshot, clipped to 0-100.",
    "irr": "Global validation, IRR (action 4): share of the AS's routes with a matching "
    "route/route6 object (same origin, equal or covering prefix).",
    "coordination": "Coordination (action 3): contact data in PeeringDB (a net record with a "
    "website or general policy 100, a record without either 50, none 0).",
}
READINESS_TITLES = {"filtering": "filtering", "rpki": "RPKI", "irr": "IRR",
                    "coordination": "coordination"}  # fmt: skip
READINESS_DATASETS = ("routing_scorecard_countries", "routing_scorecard_inputs", "countries")
READINESS_SOURCES = ("bgp-ris", "bgp-routeviews", "rpki", "rir", "irr", "peeringdb", "countries")


def _readiness_query(action: str) -> Compute:
    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        return con.sql(READINESS_SQL, params=[action, action]).to_arrow_table()

    return compute


def _readiness(_action: str, _how: str) -> Indicator:
    return Indicator(
        id=f"manrs_{_action}_ready_share",
        title=f"Networks MANRS-ready: {READINESS_TITLES[_action]}",
        unit="%", area="routing", version="2",
        method="Share of the ASes registered in the country that originate routes in the month "
        f"whose scorecard readiness for this action is at least 90 %. {_how} Monthly, from the "
        "scorecards of nethealth.routing.scorecard (MANRS Observatory-style actions; the "
        "thresholds are nethealth's, not MANRS's).",
        caveats="Only ASes that originate routes seen by the collectors are scored; an AS that "
        "does nothing wrong but announces nothing has no scorecard. A month whose input for the "
        "action is missing has no value (not measured), never 0 % or 100 %: Filtering without "
        "incident detection that month, RPKI without VRPs in force on the RIB date (3 days), IRR "
        f"without an IRR dump in force ({_TOL['irr']} days), coordination without a PeeringDB "
        f"snapshot in force ({_TOL['peeringdb']} days); and every action without RIR files in "
        f"force ({_TOL['rir']} days).",
        sources=READINESS_SOURCES, datasets=READINESS_DATASETS,
        compute=_readiness_query(_action), higher_is="better",
    )  # fmt: skip


READINESS_INDICATORS = tuple(_readiness(a, h) for a, h in READINESS_ACTIONS.items())
INDICATORS = (*ROV_INDICATORS, *READINESS_INDICATORS)
