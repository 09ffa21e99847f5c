"""Routing-security indicators v1 (area "routing"), per country and RIB snapshot date.

They read `routing_rov_country` (lake step `routing`; definitions in `nethealth.rpki.coverage`)
and are given only where the country's ASes originate routes of that family: a country with no
routes has no ROA coverage, not a coverage of zero. Values are percentages.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from nethealth.indicators.registry import Compute, Indicator, register

# {value} is one of the fixed expressions below, never user input.
COUNTRY_SQL = """
SELECT r.cc AS country, r.snapshot AS date, ({value})::DOUBLE AS value,
       bool_or(r.simulated) AS simulated
FROM routing_rov_country r JOIN countries c ON c.cc = r.cc
WHERE (? IS NULL OR r.af = ?)
GROUP BY r.cc, r.snapshot HAVING sum(r.routes) > 0
ORDER BY country, date
"""
SOURCES = ("bgp-ris", "bgp-routeviews", "rpki", "rir", "countries")
DATASETS = ("routing_rov_country", "countries")
COMMON = (
    "Routes are the distinct (prefix, origin AS) pairs in the first RIB of the day of every "
    "stored RIPE RIS and RouteViews collector; an AS belongs to the country the RIRs' "
    "delegation files register it in; RPKI states are RFC 6811's against the latest VRP "
    "snapshot on or before the date."
)
CAVEATS = (
    "Registration country, not where the routes are used. Collectors see the routes their "
    "peers export, which is nearly all routed prefixes but not all."
)


def _query(value: str, af: int | None) -> Compute:
    sql = COUNTRY_SQL.format(value=value)

    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        return con.sql(sql, params=[af, af]).to_arrow_table()

    return compute


def _routing(id_: str, title: str, method: str, value: str, af: int | None, better: str) -> None:
    register(Indicator(
        id=id_, title=title, unit="%", area="routing", version="1",
        method=f"{method} {COMMON}", caveats=CAVEATS, sources=SOURCES, datasets=DATASETS,
        compute=_query(value, af), higher_is=better,
    ))  # fmt: skip


_routing(
    "roa_prefix_coverage_v4",
    "ROA coverage of routed IPv4 prefixes",
    "Share of the distinct IPv4 prefixes that the country's ASes originate for which at least "
    "one VRP exists (RPKI state valid or invalid), in percent.",
    "100 * sum(r.prefixes_covered) / sum(r.prefixes)",
    4,
    "better",
)
_routing(
    "roa_prefix_coverage_v6",
    "ROA coverage of routed IPv6 prefixes",
    "Share of the distinct IPv6 prefixes that the country's ASes originate for which at least "
    "one VRP exists, in percent.",
    "100 * sum(r.prefixes_covered) / sum(r.prefixes)",
    6,
    "better",
)
_routing(
    "roa_space_coverage_v4",
    "ROA coverage of routed IPv4 address space",
    "Address space (union of prefixes, nested ones counted once) of the IPv4 prefixes the "
    "country's ASes originate that some VRP covers, as a share of all the address space they "
    "originate, in percent.",
    "100 * sum(r.space_covered) / sum(r.space)",
    4,
    "better",
)
_routing(
    "rpki_valid_route_share",
    "Routes RPKI-valid",
    "Share of the routes (IPv4 and IPv6) originated by the country's ASes whose RPKI state is "
    "valid, in percent.",
    "100 * sum(r.valid) / sum(r.routes)",
    None,
    "better",
)
_routing(
    "rpki_invalid_route_share",
    "Routes RPKI-invalid",
    "Share of the routes (IPv4 and IPv6) originated by the country's ASes whose RPKI state is "
    "invalid (wrong origin AS or longer than the VRP's maxLength), in percent.",
    "100 * sum(r.invalid) / sum(r.routes)",
    None,
    "worse",
)


# MANRS-style readiness, from the monthly scorecards' country roll-up (lake step
# `routing_scorecards`, method in nethealth.routing.scorecard). {action} is one of the fixed
# names below, never user input.
READINESS_SQL = """
SELECT r.cc AS country, strptime(r.month || '-01', '%Y-%m-%d')::DATE AS date,
       100 * r.share_ready AS value, r.simulated
FROM routing_scorecard_countries r JOIN countries c ON c.cc = r.cc
WHERE r.action = ? AND r.share_ready IS NOT NULL
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
READINESS_DATASETS = ("routing_scorecard_countries", "countries")
READINESS_SOURCES = ("bgp-ris", "bgp-routeviews", "rpki", "rir", "irr", "peeringdb", "countries")


def _readiness_query(action: str) -> Compute:
    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        return con.sql(READINESS_SQL, params=[action]).to_arrow_table()

    return compute


for _action, _how in READINESS_ACTIONS.items():
    register(Indicator(
        id=f"manrs_{_action}_ready_share",
        title=f"Networks MANRS-ready: {READINESS_TITLES[_action]}",
        unit="%", area="routing", version="1",
        method="Share of the ASes registered in the country that originate routes in the month "
        f"whose scorecard readiness for this action is at least 90 %. {_how} Monthly, from the "
        "scorecards of nethealth.routing.scorecard (MANRS Observatory-style actions; the "
        "thresholds are nethealth's, not MANRS's).",
        caveats="Only ASes that originate routes seen by the collectors are scored; an AS that "
        "does nothing wrong but announces nothing has no scorecard. Filtering is null (no value) "
        "for months without incident data.",
        sources=READINESS_SOURCES, datasets=READINESS_DATASETS,
        compute=_readiness_query(_action), higher_is="better",
    ))  # fmt: skip
