"""Infrastructure indicators v1: number resources, address space and IXPs per country and date.

Counting indicators are zero-filled for every ISO country on every date their source covers:
a source that covers the world and lists nothing for a country means zero, not "no data".
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from nethealth.indicators.registry import Compute, Indicator, register

# Per registry, use its latest file on or before each date, and only dates on which every
# registry that appears at all already has a file: a missing RIR would undercount its countries.
# {agg} is one of the fixed aggregate expressions below, never user input.
RIR_ASOF = """
WITH files AS (SELECT DISTINCT registry, snapshot FROM rir_delegations),
firsts AS (SELECT registry, min(snapshot) AS first FROM files GROUP BY registry),
dates AS (SELECT DISTINCT snapshot AS d FROM files
          WHERE snapshot >= (SELECT max(first) FROM firsts)),
pick AS (SELECT dates.d, files.registry, max(files.snapshot) AS snap
         FROM dates JOIN files ON files.snapshot <= dates.d GROUP BY ALL),
agg AS (
  SELECT pick.d, x.cc, {agg} AS value
  FROM pick JOIN rir_delegations x ON x.registry = pick.registry AND x.snapshot = pick.snap
  WHERE x.type = ? AND x.status IN ('allocated', 'assigned') AND x.cc IS NOT NULL
  GROUP BY ALL),
sim AS (SELECT pick.d, bool_or(x.simulated) AS simulated
        FROM pick JOIN rir_delegations x ON x.registry = pick.registry AND x.snapshot = pick.snap
        GROUP BY ALL)
SELECT c.cc AS country, sim.d AS date, coalesce(agg.value, 0)::DOUBLE AS value, sim.simulated
FROM countries c CROSS JOIN sim
LEFT JOIN agg ON agg.cc = c.cc AND agg.d = sim.d
"""

# Address space in ip-location-db: IPv4 ranges in addresses, IPv6 ranges in /64 units.
IPDB_SPACE = """
WITH agg AS (
  SELECT snapshot AS d, cc, sum(("end" - start + 1)::DOUBLE) / ? AS value
  FROM ipdb_country WHERE af = ? GROUP BY ALL),
sim AS (SELECT snapshot AS d, bool_or(simulated) AS simulated FROM ipdb_country
        WHERE af = ? GROUP BY ALL)
SELECT c.cc AS country, sim.d AS date, coalesce(agg.value, 0)::DOUBLE AS value, sim.simulated
FROM countries c CROSS JOIN sim LEFT JOIN agg ON agg.cc = c.cc AND agg.d = sim.d
"""

# Both range lists are disjoint, so the overlap join is two binary searches per ASN range.
SNAPSHOT_PAIRS = """
SELECT c.snapshot AS d, max(a.snapshot) AS asn_snap,
       (SELECT bool_or(simulated) FROM ipdb_country x WHERE x.snapshot = c.snapshot) AS simulated
FROM (SELECT DISTINCT snapshot FROM ipdb_country) c
JOIN (SELECT DISTINCT snapshot FROM ipdb_asn) a ON a.snapshot <= c.snapshot
GROUP BY ALL ORDER BY d
"""
COUNTRY_RANGES = (
    'SELECT start, "end", cc FROM ipdb_country WHERE snapshot = ? AND af = ? ORDER BY start'
)
ASN_RANGES = 'SELECT start, "end", asn FROM ipdb_asn WHERE snapshot = ? AND af = ?'


def overlapping_pairs(
    c_start: np.ndarray, c_end: np.ndarray, a_start: np.ndarray, a_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (country range, ASN range) that overlap; country ranges sorted and disjoint."""
    first = np.searchsorted(c_end, a_start, side="left")  # first country range ending >= start
    stop = np.searchsorted(c_start, a_end, side="right")  # country ranges starting <= end
    counts = np.maximum(stop - first, 0)
    a_idx = np.repeat(np.arange(len(a_start)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(first, counts) + offsets, a_idx


def _asns_with_space(con: duckdb.DuckDBPyConnection) -> pa.Table:
    countries = [r[0] for r in con.sql("SELECT cc FROM countries ORDER BY cc").fetchall()]
    rows: dict[str, list[object]] = {"country": [], "date": [], "value": [], "simulated": []}
    for day, asn_snap, simulated in con.sql(SNAPSHOT_PAIRS).fetchall():
        per_cc: dict[str, set[int]] = {}
        for af in (4, 6):
            c = con.sql(COUNTRY_RANGES, params=[day, af]).to_arrow_table()
            a = con.sql(ASN_RANGES, params=[asn_snap, af]).to_arrow_table()
            ci, ai = overlapping_pairs(
                c["start"].to_numpy(),
                c["end"].to_numpy(),
                a["start"].to_numpy(),
                a["end"].to_numpy(),
            )
            ccs = c["cc"].to_numpy(zero_copy_only=False)[ci]
            asns = a["asn"].to_numpy()[ai]
            for cc, asn in set(zip(ccs.tolist(), asns.tolist(), strict=True)):
                per_cc.setdefault(cc, set()).add(asn)
        for cc in countries:
            rows["country"].append(cc)
            rows["date"].append(day)
            rows["value"].append(float(len(per_cc.get(cc, ()))))
            rows["simulated"].append(bool(simulated))
    return pa.table({
        "country": pa.array(rows["country"], pa.string()),
        "date": pa.array(rows["date"], pa.date32()),
        "value": pa.array(rows["value"], pa.float64()),
        "simulated": pa.array(rows["simulated"], pa.bool_()),
    })  # fmt: skip


IXPS_SQL = """
WITH agg AS (
  SELECT snapshot AS d, upper(country) AS cc, count(*) AS value FROM peeringdb_ix
  WHERE coalesce(status, 'ok') = 'ok' GROUP BY ALL),
sim AS (SELECT snapshot AS d, bool_or(simulated) AS simulated FROM peeringdb_ix GROUP BY ALL)
SELECT c.cc AS country, sim.d AS date, coalesce(agg.value, 0)::DOUBLE AS value, sim.simulated
FROM countries c CROSS JOIN sim LEFT JOIN agg ON agg.cc = c.cc AND agg.d = sim.d
"""

# Memberships name their IXP through the peering LAN; only snapshots with memberships count.
IXP_NETWORKS_SQL = """
WITH members AS (
  SELECT n.snapshot AS d, upper(ix.country) AS cc, n.asn, n.simulated
  FROM peeringdb_netixlan n
  JOIN peeringdb_ixlan l ON l.snapshot = n.snapshot AND l.id = n.ixlan_id
  JOIN peeringdb_ix ix ON ix.snapshot = n.snapshot AND ix.id = l.ix_id
  WHERE coalesce(n.status, 'ok') = 'ok' AND coalesce(ix.status, 'ok') = 'ok'),
agg AS (SELECT d, cc, count(DISTINCT asn) AS value FROM members GROUP BY ALL),
sim AS (SELECT snapshot AS d, bool_or(simulated) AS simulated FROM peeringdb_netixlan
        GROUP BY ALL)
SELECT c.cc AS country, sim.d AS date, coalesce(agg.value, 0)::DOUBLE AS value, sim.simulated
FROM countries c CROSS JOIN sim LEFT JOIN agg ON agg.cc = c.cc AND agg.d = sim.d
"""


def _query(sql: str, params: list[object]) -> Compute:
    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        return con.sql(sql, params=params).to_arrow_table()

    return compute


ASNS_REGISTERED = register(Indicator(
    id="asns_registered",
    title="ASNs registered",
    unit="ASNs",
    area="infrastructure",
    version="1",
    method=(
        "Number of autonomous system numbers that the five Regional Internet Registries list as "
        "allocated or assigned to holders in the country, summed over the `asn` records of the "
        "delegated-extended files (a record's value is a count of consecutive ASNs). Each RIR's "
        "latest file on or before the date is used; a date is reported only once every RIR has "
        "a file."
    ),
    caveats="The country is the holder's registered country, not where the network operates.",
    sources=("rir", "countries"),
    datasets=("rir_delegations", "countries"),
    compute=_query(RIR_ASOF.format(agg="sum(x.value)"), ["asn"]),
))  # fmt: skip

IPV4_DELEGATED = register(Indicator(
    id="ipv4_delegated_s24",
    title="IPv4 address space delegated (/24 equivalents)",
    unit="/24 equivalents",
    area="infrastructure",
    version="1",
    method=(
        "IPv4 addresses the RIRs list as allocated or assigned to holders in the country, "
        "divided by 256 (one /24 block). Same RIR file selection as `asns_registered`."
    ),
    sources=("rir", "countries"),
    datasets=("rir_delegations", "countries"),
    compute=_query(RIR_ASOF.format(agg="sum(x.value) / 256.0"), ["ipv4"]),
))  # fmt: skip

IPV6_DELEGATED = register(Indicator(
    id="ipv6_delegated_s48",
    title="IPv6 address space delegated (/48 equivalents)",
    unit="/48 equivalents",
    area="infrastructure",
    version="1",
    method=(
        "IPv6 prefixes the RIRs list as allocated or assigned to holders in the country, in "
        "/48 equivalents: a /n prefix counts 2^(48−n). Same RIR file selection as "
        "`asns_registered`."
    ),
    sources=("rir", "countries"),
    datasets=("rir_delegations", "countries"),
    compute=_query(RIR_ASOF.format(agg="sum(pow(2, 48 - x.value))"), ["ipv6"]),
))  # fmt: skip

IPV4_SPACE = register(Indicator(
    id="ipv4_space_s24",
    title="IPv4 address space (/24 equivalents)",
    unit="/24 equivalents",
    area="infrastructure",
    version="1",
    method=(
        "Sum of the IPv4 ranges that ip-location-db's asn-country database (compiled from the "
        "five RIRs' data, via the NRO) places in the country, divided by 256."
    ),
    caveats="Registration country, not where addresses are used.",
    sources=("ipdb", "countries"),
    datasets=("ipdb_country", "countries"),
    compute=_query(IPDB_SPACE, [256.0, 4, 4]),
))  # fmt: skip

IPV6_SPACE = register(Indicator(
    id="ipv6_space_s48",
    title="IPv6 address space (/48 equivalents)",
    unit="/48 equivalents",
    area="infrastructure",
    version="1",
    method=(
        "Sum of the IPv6 ranges that ip-location-db's asn-country database places in the "
        "country, in /48 equivalents (range size / 2^80). Ranges are counted at /64 "
        "granularity, exact for the /64-aligned ranges RIRs delegate."
    ),
    caveats="Registration country, not where addresses are used.",
    sources=("ipdb", "countries"),
    datasets=("ipdb_country", "countries"),
    compute=_query(IPDB_SPACE, [65536.0, 6, 6]),
))  # fmt: skip

ASNS_WITH_SPACE = register(Indicator(
    id="asns_with_space",
    title="Networks originating the country's address space",
    unit="ASNs",
    area="infrastructure",
    version="1",
    method=(
        "Distinct AS numbers that, according to ip-location-db's asn database (RouteViews "
        "routing data and DB-IP), originate at least one IPv4 or IPv6 range overlapping an "
        "address range registered to the country in its asn-country database."
    ),
    caveats=(
        "A network announcing a single range registered in the country counts; large "
        "international networks therefore count in many countries."
    ),
    sources=("ipdb", "countries"),
    datasets=("ipdb_asn", "ipdb_country", "countries"),
    compute=_asns_with_space,
))  # fmt: skip

IXPS_COUNT = register(Indicator(
    id="ixps",
    title="Internet exchange points",
    unit="IXPs",
    area="infrastructure",
    version="1",
    method="PeeringDB `ix` records with status ok whose country is the country.",
    caveats="PeeringDB is self-reported; some IXPs are not listed.",
    sources=("peeringdb", "countries"),
    datasets=("peeringdb_ix", "countries"),
    compute=_query(IXPS_SQL, []),
))  # fmt: skip

IXP_NETWORKS = register(Indicator(
    id="ixp_networks",
    title="Networks present at the country's IXPs",
    unit="ASNs",
    area="infrastructure",
    version="1",
    method=(
        "Distinct AS numbers with at least one PeeringDB `netixlan` membership (status ok) on a "
        "peering LAN of an IXP located in the country. Reported only for snapshots that include "
        "memberships."
    ),
    caveats="Counts foreign networks present at local IXPs too; PeeringDB is self-reported.",
    sources=("peeringdb", "countries"),
    datasets=("peeringdb_netixlan", "peeringdb_ixlan", "peeringdb_ix", "countries"),
    compute=_query(IXP_NETWORKS_SQL, []),
))  # fmt: skip
