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
