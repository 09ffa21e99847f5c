"""Routing indicators per country from the `bgp` build step's `bgp_country_routed` dataset.

Zero-filled for every ISO country on every snapshot date: the RIBs cover the whole routing table,
so a country with nothing visible has zero routed resources, not "no data".
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from nethealth.bgp.derived import FULL_FEED_SHARE, VISIBLE
from nethealth.indicators.registry import Compute, Indicator, register

# {column} is one of the three fixed column names below, never user input.
ROUTED_SQL = """
WITH sim AS (SELECT snapshot AS d, bool_or(simulated) AS simulated FROM bgp_country_routed
             GROUP BY ALL)
SELECT c.cc AS country, sim.d AS date, coalesce(r.{column}, 0)::DOUBLE AS value, sim.simulated
FROM countries c CROSS JOIN sim
LEFT JOIN bgp_country_routed r ON r.cc = c.cc AND r.snapshot = sim.d
"""
_COLUMNS = ("asns_routed", "ipv4_routed_s24", "ipv6_routed_s48")

_VISIBILITY = (
    f"A (prefix, origin AS) pair counts as routed when at least {VISIBLE:.0%} of the full-feed "
    f"peers of the snapshot's RIB dumps (RIPE RIS, RouteViews; per collector the day's first "
    f"RIB) carry it. A full-feed peer sends at least {FULL_FEED_SHARE:.0%} of the largest "
    f"peer's number of prefixes for that address family."
)


def _routed(column: str) -> Compute:
    if column not in _COLUMNS:
        raise ValueError(column)
    sql = ROUTED_SQL.format(column=column)

    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        return con.sql(sql).to_arrow_table()

    return compute


ASNS_ROUTED = register(Indicator(
    id="asns_routed",
    title="ASNs routed",
    unit="ASNs",
    area="routing",
    version="1",
    method=(
        "Number of distinct origin ASes of routed (prefix, origin) pairs that the Regional "
        "Internet Registries register to holders in the country (delegated-extended files, per "
        "RIR the latest on or before the snapshot date). " + _VISIBILITY
    ),
    caveats="The country is the ASN holder's registered country, not where it operates. "
    "Origins inside an AS_SET count too.",
    sources=("bgp-ris", "bgp-routeviews", "rir", "countries"),
    datasets=("bgp_country_routed", "countries"),
    compute=_routed("asns_routed"),
))  # fmt: skip

IPV4_ROUTED = register(Indicator(
    id="ipv4_routed_s24",
    title="IPv4 address space routed (/24 equivalents)",
    unit="/24 equivalents",
    area="routing",
    version="1",
    method=(
        "The union of the IPv4 prefixes of routed (prefix, origin) pairs, intersected with the "
        "ranges that ip-location-db's asn-country database places in the country (its snapshot "
        "nearest before the RIB date), in addresses divided by 256. Overlapping announcements "
        "(a /16 and its more-specifics) count once. " + _VISIBILITY
    ),
    caveats="Registration country of the address ranges, not where addresses are used.",
    sources=("bgp-ris", "bgp-routeviews", "ipdb", "countries"),
    datasets=("bgp_country_routed", "countries"),
    compute=_routed("ipv4_routed_s24"),
))  # fmt: skip

IPV6_ROUTED = register(Indicator(
    id="ipv6_routed_s48",
    title="IPv6 address space routed (/48 equivalents)",
    unit="/48 equivalents",
    area="routing",
    version="1",
    method=(
        "As `ipv4_routed_s24` for IPv6, counted in /64 units and reported in /48 equivalents "
        "(/64 count / 65536); prefixes longer than /64 count as one /64. " + _VISIBILITY
    ),
    caveats="Registration country of the address ranges, not where addresses are used.",
    sources=("bgp-ris", "bgp-routeviews", "ipdb", "countries"),
    datasets=("bgp_country_routed", "countries"),
    compute=_routed("ipv6_routed_s48"),
))  # fmt: skip
