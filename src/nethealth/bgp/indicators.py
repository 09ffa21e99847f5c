"""Routing indicators per country from the `bgp` build step's `bgp_country_routed` dataset.

Zero-filled for every ISO country only where the snapshot's inputs cover it
(`bgp_country_routed_status`): the RIBs cover the whole routing table *of the address families
their full-feed peers carry*, and countries come from RIR files and ip-location-db snapshots in
force on the RIB date (`nethealth.common.asof`). There a country with nothing visible has a
measured zero; elsewhere every country's value is null, with the status and reason.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from nethealth.bgp.derived import FULL_FEED_SHARE, VISIBLE
from nethealth.common.asof import TOLERANCES
from nethealth.indicators.registry import Compute, Indicator

# {column} is one of the three fixed column names below, never user input.
ROUTED_SQL = """
WITH st AS (SELECT snapshot AS d, status, reason, simulated FROM bgp_country_routed_status
            WHERE measure = ?)
SELECT c.cc AS country, st.d AS date,
       CASE WHEN st.status = 'measured' THEN coalesce(r.{column}, 0) END::DOUBLE AS value,
       st.simulated, st.status, st.reason
FROM countries c CROSS JOIN st
LEFT JOIN bgp_country_routed r ON r.cc = c.cc AND r.snapshot = st.d
"""
_TOL = {k: t.days for k, t in TOLERANCES.items()}
_COLUMNS = ("asns_routed", "ipv4_routed_s24", "ipv6_routed_s48")

_VISIBILITY = (
    f"A (prefix, origin AS) pair counts as routed when at least {VISIBLE:.0%} of the full-feed "
    f"peers of the snapshot's RIB dumps (RIPE RIS, RouteViews; per collector the day's first "
    f"RIB) carry it. A full-feed peer sends at least {FULL_FEED_SHARE:.0%} of the largest "
    f"peer's number of prefixes for that address family. A snapshot whose RIBs have no "
    f"full-feed peer of a family has no value for that family (not measured). The other "
    f"inputs are taken by the as-of rule: latest on or before the RIB date within the "
    f"source's tolerance (RIR files {_TOL['rir']} days, ip-location-db {_TOL['ipdb']} days), "
    f"never a later snapshot; "
    f"otherwise no country has a value that date (not comparable, with the dates)."
)


def _routed(column: str) -> Compute:
    if column not in _COLUMNS:
        raise ValueError(column)
    sql = ROUTED_SQL.format(column=column)

    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        return con.sql(sql, params=[column]).to_arrow_table()

    return compute


ASNS_ROUTED = Indicator(
    id="asns_routed",
    title="ASNs routed",
    unit="ASNs",
    area="routing",
    version="2",
    method=(
        "Number of distinct origin ASes of routed (prefix, origin) pairs that the Regional "
        "Internet Registries register to holders in the country (delegated-extended files; "
        "every RIR's file must be in force). " + _VISIBILITY
    ),
    caveats="The country is the ASN holder's registered country, not where it operates. "
    "Origins inside an AS_SET count too.",
    sources=("bgp-ris", "bgp-routeviews", "rir", "countries"),
    datasets=("bgp_country_routed", "bgp_country_routed_status", "countries"),
    compute=_routed("asns_routed"),
)  # fmt: skip

IPV4_ROUTED = Indicator(
    id="ipv4_routed_s24",
    title="IPv4 address space routed (/24 equivalents)",
    unit="/24 equivalents",
    area="routing",
    version="2",
    method=(
        "The union of the IPv4 prefixes of routed (prefix, origin) pairs, intersected with the "
        "ranges that ip-location-db's asn-country database places in the country (its snapshot "
        "in force on the RIB date), in addresses divided by 256. Overlapping announcements "
        "(a /16 and its more-specifics) count once. " + _VISIBILITY
    ),
    caveats="Registration country of the address ranges, not where addresses are used.",
    sources=("bgp-ris", "bgp-routeviews", "ipdb", "countries"),
    datasets=("bgp_country_routed", "bgp_country_routed_status", "countries"),
    compute=_routed("ipv4_routed_s24"),
)  # fmt: skip

IPV6_ROUTED = Indicator(
    id="ipv6_routed_s48",
    title="IPv6 address space routed (/48 equivalents)",
    unit="/48 equivalents",
    area="routing",
    version="2",
    method=(
        "As `ipv4_routed_s24` for IPv6, counted in /64 units and reported in /48 equivalents "
        "(/64 count / 65536); prefixes longer than /64 count as one /64. " + _VISIBILITY
    ),
    caveats="Registration country of the address ranges, not where addresses are used.",
    sources=("bgp-ris", "bgp-routeviews", "ipdb", "countries"),
    datasets=("bgp_country_routed", "bgp_country_routed_status", "countries"),
    compute=_routed("ipv6_routed_s48"),
)  # fmt: skip

INDICATORS = (ASNS_ROUTED, IPV4_ROUTED, IPV6_ROUTED)
