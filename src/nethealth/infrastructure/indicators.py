"""Infrastructure indicators: number resources, address space and IXPs per country and date.

Counting indicators are zero-filled for every ISO country on every date whose inputs are
complete and in force (`nethealth.common.asof`): a source that covers the world and lists
nothing for a country means zero (`zero measured`). A date whose inputs are missing or out of
tolerance has no value for any country (`not measured` / `not comparable`, with the reason).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from nethealth.common.asof import TOLERANCES, GroupAsOf, pick, pick_group
from nethealth.common.status import Judgement, Status, combine, of_value
from nethealth.indicators.registry import Compute, Indicator, with_status

_TOL = {k: t.days for k, t in TOLERANCES.items()}
# Every date with an RIR file is a computation date; per date each registry's file comes from
# the as-of rule (all registries that appear at all must be in force: a missing RIR would
# undercount its countries). {agg} is one of the fixed aggregate expressions below.
RIR_FILES = "SELECT DISTINCT registry, snapshot FROM rir_delegations ORDER BY ALL"
RIR_AGG = """
WITH pick AS (SELECT unnest(?::VARCHAR[]) AS registry, unnest(?::DATE[]) AS snap),
agg AS (
  SELECT x.cc, {agg} AS value
  FROM pick JOIN rir_delegations x ON x.registry = pick.registry AND x.snapshot = pick.snap
  WHERE x.type = ? AND x.status IN ('allocated', 'assigned') AND x.cc IS NOT NULL
  GROUP BY ALL),
sim AS (SELECT coalesce(bool_or(x.simulated), false) AS simulated
        FROM pick JOIN rir_delegations x ON x.registry = pick.registry AND x.snapshot = pick.snap)
SELECT c.cc AS country, ?::DATE AS date, coalesce(agg.value, 0)::DOUBLE AS value, sim.simulated
FROM countries c CROSS JOIN sim LEFT JOIN agg ON agg.cc = c.cc
"""


RIR_PROBLEMS = "SELECT registry, snapshot, problem FROM rir_files WHERE problem IS NOT NULL"


def rir_asof(con: duckdb.DuckDBPyConnection) -> list[GroupAsOf]:
    """Per RIR file date: each registry's file in force and whether all are (a truncated file
    in force makes the date not measured: its counts would be too low)."""
    files: dict[str, list[date]] = {}
    for registry, snap in con.sql(RIR_FILES).fetchall():
        files.setdefault(registry, []).append(snap)
    broken = {(r, d): p for r, d, p in con.sql(RIR_PROBLEMS).fetchall()}
    days = sorted({d for snaps in files.values() for d in snaps})
    return [pick_group("rir", d, files, unusable=broken) for d in days]


def _rir(agg: str, kind: str) -> Compute:
    sql = RIR_AGG.format(agg=agg)

    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        parts, judged = [], {}
        for g in rir_asof(con):
            regs = sorted(g.snapshots)
            params = [regs, [g.snapshots[r] for r in regs], kind, g.day]
            parts.append(con.sql(sql, params=params).to_arrow_table())
            judged[g.day] = g.judgement
        if not parts:
            return _empty()
        return with_status(pa.concat_tables(parts), judged)

    return compute


# Address space in ip-location-db: IPv4 ranges in addresses, IPv6 ranges in /64 units. A
# snapshot without a single range of the family says nothing about it (not measured).
IPDB_SPACE = """
WITH agg AS (
  SELECT snapshot AS d, cc, sum(("end" - start + 1)::DOUBLE) / ? AS value
  FROM ipdb_country WHERE af = ? GROUP BY ALL),
sim AS (SELECT snapshot AS d, bool_or(simulated) AS simulated,
               count(*) FILTER (WHERE af = ?) AS ranges
        FROM ipdb_country GROUP BY ALL)
SELECT c.cc AS country, sim.d AS date, coalesce(agg.value, 0)::DOUBLE AS value, sim.simulated,
       sim.ranges
FROM countries c CROSS JOIN sim LEFT JOIN agg ON agg.cc = c.cc AND agg.d = sim.d
"""


def _ipdb_space(unit: float, af: int) -> Compute:
    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        t = con.sql(IPDB_SPACE, params=[unit, af, af]).to_arrow_table()
        judged = {}
        for day, ranges in set(zip(t["date"].to_pylist(), t["ranges"].to_pylist(), strict=True)):
            judged[day] = (
                Judgement(Status.MEASURED, f"ip-location-db snapshot {day}")
                if ranges
                else Judgement(
                    Status.NOT_MEASURED,
                    f"the ip-location-db snapshot {day} has no IPv{af} ranges",
                )
            )
        return with_status(t.drop_columns(["ranges"]), judged)

    return compute


def _empty() -> pa.Table:
    return pa.table({
        "country": pa.array([], pa.string()), "date": pa.array([], pa.date32()),
        "value": pa.array([], pa.float64()), "simulated": pa.array([], pa.bool_()),
        "status": pa.array([], pa.string()), "reason": pa.array([], pa.string()),
    })  # fmt: skip


# Both range lists are disjoint, so the overlap join is two binary searches per ASN range.
SNAPSHOTS = """
SELECT snapshot AS d, bool_or(simulated) AS simulated FROM ipdb_country GROUP BY ALL ORDER BY d
"""
ASN_SNAPSHOTS = "SELECT DISTINCT snapshot FROM ipdb_asn"
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


@dataclass(frozen=True)
class RoutedDay:
    """The ASNs originating each country's address space on one ip-location-db date."""

    day: date
    simulated: bool
    judgement: Judgement
    per_cc: dict[str, set[int]]


def routed_asns(con: duckdb.DuckDBPyConnection) -> list[RoutedDay]:
    """Per asn-country snapshot: origin ASNs (asn snapshot in force) overlapping each country's
    registered ranges; an empty mapping when no asn snapshot is in force (the judgement says)."""
    asn_snaps = [r[0] for r in con.sql(ASN_SNAPSHOTS).fetchall()]
    out = []
    for day, simulated in con.sql(SNAPSHOTS).fetchall():
        asof = pick("ipdb", day, asn_snaps, what="ip-location-db asn snapshot")
        per_cc: dict[str, set[int]] = {}
        if asof.snapshot is None:
            out.append(RoutedDay(day, bool(simulated), asof.judgement, per_cc))
            continue
        for af in (4, 6):
            c = con.sql(COUNTRY_RANGES, params=[day, af]).to_arrow_table()
            a = con.sql(ASN_RANGES, params=[asof.snapshot, af]).to_arrow_table()
            ci, ai = overlapping_pairs(
                c["start"].to_numpy(), c["end"].to_numpy(),
                a["start"].to_numpy(), a["end"].to_numpy(),
            )  # fmt: skip
            ccs = c["cc"].to_numpy(zero_copy_only=False)[ci]
            asns = a["asn"].to_numpy()[ai]
            for cc, asn in set(zip(ccs.tolist(), asns.tolist(), strict=True)):
                per_cc.setdefault(cc, set()).add(asn)
        judged = Judgement(
            Status.MEASURED, f"ip-location-db asn-country {day}, asn {asof.snapshot}"
        )
        out.append(RoutedDay(day, bool(simulated), judged, per_cc))
    return out


def _countries(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.sql("SELECT cc FROM countries ORDER BY cc").fetchall()]


def _asns_with_space(con: duckdb.DuckDBPyConnection) -> pa.Table:
    countries = _countries(con)
    rows: dict[str, list[object]] = {"country": [], "date": [], "value": [], "simulated": []}
    judged: dict[object, Judgement] = {}
    for rd in routed_asns(con):
        judged[rd.day] = rd.judgement
        for cc in countries:
            rows["country"].append(cc)
            rows["date"].append(rd.day)
            rows["value"].append(float(len(rd.per_cc.get(cc, ()))))
            rows["simulated"].append(rd.simulated)
    return with_status(_rows_table(rows), judged)


def _rows_table(rows: dict[str, list[object]]) -> pa.Table:
    return pa.table({
        "country": pa.array(rows["country"], pa.string()),
        "date": pa.array(rows["date"], pa.date32()),
        "value": pa.array(rows["value"], pa.float64()),
        "simulated": pa.array(rows["simulated"], pa.bool_()),
    })  # fmt: skip


# The IXP tracker's snapshots with memberships: active IXPs (≥ 3 members) per country.
ACTIVE_SQL = """
WITH days AS (SELECT snapshot AS d, bool_or(simulated) AS simulated,
                     count(members) AS measured FROM ixp_snapshots GROUP BY ALL),
agg AS (SELECT snapshot AS d, country AS cc, count(*) AS value FROM ixp_snapshots
        WHERE active GROUP BY ALL)
SELECT c.cc AS country, days.d AS date, coalesce(agg.value, 0)::DOUBLE AS value,
       days.simulated, days.measured
FROM countries c CROSS JOIN days LEFT JOIN agg ON agg.cc = c.cc AND agg.d = days.d
"""


def _ixps_active(con: duckdb.DuckDBPyConnection) -> pa.Table:
    t = con.sql(ACTIVE_SQL).to_arrow_table()
    judged = {}
    for day, measured in set(zip(t["date"].to_pylist(), t["measured"].to_pylist(), strict=True)):
        judged[day] = (
            Judgement(Status.MEASURED, f"PeeringDB snapshot {day} (memberships)")
            if measured
            else Judgement(
                Status.NOT_MEASURED,
                f"PeeringDB snapshot {day} has no memberships (netixlan): members not measured",
            )
        )
    return with_status(t.drop_columns(["measured"]), judged)


# Members of the IXPs located in each country, per tracker snapshot.
LOCAL_MEMBERS = """
SELECT DISTINCT s.country, m.asn FROM ixp_members m
JOIN ixp_snapshots s ON s.snapshot = m.snapshot AND s.ix_id = m.ix_id WHERE m.snapshot = ?
"""
MEMBER_SNAPSHOTS = """
SELECT snapshot, bool_or(simulated) FROM ixp_snapshots WHERE members IS NOT NULL GROUP BY ALL
"""


CONE_SNAPSHOTS = "SELECT snapshot, bool_or(simulated) FROM as_customer_links GROUP BY ALL"
CONE_LINKS = "SELECT provider, customer FROM as_customer_links WHERE snapshot = ?"


def customer_cone(seeds: Iterable[int], customers: Mapping[int, list[int]]) -> set[int]:
    """The seeds and every AS below them over provider-to-customer links."""
    seen = set(seeds)
    todo = list(seen)
    while todo:
        for c in customers.get(todo.pop(), ()):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return seen


def _links(con: duckdb.DuckDBPyConnection, snap: date) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for p, c in con.sql(CONE_LINKS, params=[snap]).fetchall():
        out.setdefault(p, []).append(c)
    return out


def _domestic(cone: bool) -> Compute:
    """Share of the country's routed networks at a local IXP (`cone`: or in the customer cone
    of a network there)."""

    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        countries = _countries(con)
        # a value from simulated memberships or relationships is simulated, whatever ipdb is
        snaps = dict(con.sql(MEMBER_SNAPSHOTS).fetchall())
        rel_snaps = dict(con.sql(CONE_SNAPSHOTS).fetchall()) if cone else {}
        cols = ("country", "date", "value", "simulated", "status", "reason")
        out: dict[str, list[object]] = {k: [] for k in cols}
        links_cache: dict[date, dict[int, list[int]]] = {}
        for rd in routed_asns(con):
            asof = pick("peeringdb", rd.day, snaps, what="PeeringDB snapshot with memberships")
            inputs = [rd.judgement, asof.judgement]
            rel = pick("caida-asrel", rd.day, rel_snaps) if cone else None
            if rel is not None:
                inputs.append(rel.judgement)
            judged = combine(inputs)
            simulated = (
                rd.simulated
                or bool(snaps.get(asof.snapshot))
                or bool(rel is not None and rel_snaps.get(rel.snapshot))
            )
            local: dict[str, set[int]] = {}
            if judged.ok:
                for cc, asn in con.sql(LOCAL_MEMBERS, params=[asof.snapshot]).fetchall():
                    local.setdefault(cc, set()).add(asn)
            used = f"{rd.judgement.reason}; PeeringDB {asof.snapshot}"
            if rel is not None and rel.snapshot is not None:
                used += f"; CAIDA AS relationships {rel.snapshot}"
                if judged.ok and rel.snapshot not in links_cache:
                    links_cache[rel.snapshot] = _links(con, rel.snapshot)
            for cc in countries:
                value, status, why = None, judged.status, judged.reason
                routed = rd.per_cc.get(cc, set())
                if judged.ok:
                    why = used
                    reached = local.get(cc, set())
                    if rel is not None and rel.snapshot is not None and reached:
                        reached = customer_cone(reached, links_cache[rel.snapshot])
                    if routed:
                        present = len(routed & reached)
                        value = 100.0 * present / len(routed)
                        status = of_value(value)
                        why += f": {present} of {len(routed)} networks"
                    else:
                        status = Status.NOT_MEASURED
                        why += ": no network originates the country's address space"
                for k, v in zip(cols, (cc, rd.day, value, simulated, status.value, why),
                                strict=True):  # fmt: skip
                    out[k].append(v)
        return pa.table({
            "country": pa.array(out["country"], pa.string()),
            "date": pa.array(out["date"], pa.date32()),
            "value": pa.array(out["value"], pa.float64()),
            "simulated": pa.array(out["simulated"], pa.bool_()),
            "status": pa.array(out["status"], pa.string()),
            "reason": pa.array(out["reason"], pa.string()),
        })  # fmt: skip

    return compute


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


def _peeringdb(sql: str) -> Compute:
    """A PeeringDB dump lists every IXP (and membership) it knows: zero-filled per snapshot."""

    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        t = con.sql(sql).to_arrow_table()
        days = set(t["date"].to_pylist())
        return with_status(
            t, {d: Judgement(Status.MEASURED, f"PeeringDB snapshot {d}") for d in days}
        )

    return compute


ASNS_REGISTERED = Indicator(
    id="asns_registered",
    title="ASNs registered",
    unit="ASNs",
    area="infrastructure",
    version="3",
    method=(
        "Number of autonomous system numbers that the five Regional Internet Registries list as "
        "allocated or assigned to holders in the country, summed over the `asn` records of the "
        "delegated-extended files (a record's value is a count of consecutive ASNs). Each date "
        "with an RIR file is reported; per RIR the file used is the latest on or before the "
        f"date within the RIR tolerance ({_TOL['rir']} days). When any RIR that has files at all "
        "has none "
        "in force, the date has no value (not comparable, the reason names the files' dates): "
        "a missing RIR would undercount its countries. A file in force that holds fewer "
        "records than its header or summary lines announce (a cut download) makes the date not "
        "measured, naming the file. A country with no records on a complete date is a measured "
        "zero."
    ),
    caveats="The country is the holder's registered country, not where the network operates.",
    sources=("rir", "countries"),
    datasets=("rir_delegations", "rir_files", "countries"),
    compute=_rir("sum(x.value)", "asn"),
)  # fmt: skip

IPV4_DELEGATED = Indicator(
    id="ipv4_delegated_s24",
    title="IPv4 address space delegated (/24 equivalents)",
    unit="/24 equivalents",
    area="infrastructure",
    version="3",
    method=(
        "IPv4 addresses the RIRs list as allocated or assigned to holders in the country, "
        "divided by 256 (one /24 block). Same RIR file selection as `asns_registered`."
    ),
    sources=("rir", "countries"),
    datasets=("rir_delegations", "rir_files", "countries"),
    compute=_rir("sum(x.value) / 256.0", "ipv4"),
)  # fmt: skip

IPV6_DELEGATED = Indicator(
    id="ipv6_delegated_s48",
    title="IPv6 address space delegated (/48 equivalents)",
    unit="/48 equivalents",
    area="infrastructure",
    version="3",
    method=(
        "IPv6 prefixes the RIRs list as allocated or assigned to holders in the country, in "
        "/48 equivalents: a /n prefix counts 2^(48−n). Same RIR file selection as "
        "`asns_registered`."
    ),
    sources=("rir", "countries"),
    datasets=("rir_delegations", "rir_files", "countries"),
    compute=_rir("sum(pow(2, 48 - x.value))", "ipv6"),
)  # fmt: skip

IPV4_SPACE = Indicator(
    id="ipv4_space_s24",
    title="IPv4 address space (/24 equivalents)",
    unit="/24 equivalents",
    area="infrastructure",
    version="2",
    method=(
        "Sum of the IPv4 ranges that ip-location-db's asn-country database (compiled from the "
        "five RIRs' data, via the NRO) places in the country, divided by 256. A snapshot "
        "without any IPv4 range has no value (not measured), not zeros."
    ),
    caveats="Registration country, not where addresses are used.",
    sources=("ipdb", "countries"),
    datasets=("ipdb_country", "countries"),
    compute=_ipdb_space(256.0, 4),
)  # fmt: skip

IPV6_SPACE = Indicator(
    id="ipv6_space_s48",
    title="IPv6 address space (/48 equivalents)",
    unit="/48 equivalents",
    area="infrastructure",
    version="2",
    method=(
        "Sum of the IPv6 ranges that ip-location-db's asn-country database places in the "
        "country, in /48 equivalents (range size / 2^80). Ranges are counted at /64 "
        "granularity, exact for the /64-aligned ranges RIRs delegate. A snapshot without any "
        "IPv6 range has no value (not measured), not zeros."
    ),
    caveats="Registration country, not where addresses are used.",
    sources=("ipdb", "countries"),
    datasets=("ipdb_country", "countries"),
    compute=_ipdb_space(65536.0, 6),
)  # fmt: skip

ASNS_WITH_SPACE = Indicator(
    id="asns_with_space",
    title="Networks originating the country's address space",
    unit="ASNs",
    area="infrastructure",
    version="2",
    method=(
        "Distinct AS numbers that, according to ip-location-db's asn database (RouteViews "
        "routing data and DB-IP), originate at least one IPv4 or IPv6 range overlapping an "
        "address range registered to the country in its asn-country database. The asn "
        f"snapshot is the latest on or before the asn-country snapshot within {_TOL['ipdb']} days; "
        "otherwise the date has no value (not comparable)."
    ),
    caveats=(
        "A network announcing a single range registered in the country counts; large "
        "international networks therefore count in many countries."
    ),
    sources=("ipdb", "countries"),
    datasets=("ipdb_asn", "ipdb_country", "countries"),
    compute=_asns_with_space,
)  # fmt: skip

IXPS_COUNT = Indicator(
    id="ixps",
    title="Internet exchange points",
    unit="IXPs",
    area="infrastructure",
    version="1",
    method="PeeringDB `ix` records with status ok whose country is the country.",
    caveats="PeeringDB is self-reported; some IXPs are not listed.",
    sources=("peeringdb", "countries"),
    datasets=("peeringdb_ix", "countries"),
    compute=_peeringdb(IXPS_SQL),
)  # fmt: skip

IXP_NETWORKS = Indicator(
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
    compute=_peeringdb(IXP_NETWORKS_SQL),
)  # fmt: skip

IXPS_ACTIVE = Indicator(
    id="ixps_active",
    title="Active Internet exchange points",
    unit="IXPs",
    area="infrastructure",
    version="1",
    method=(
        "PeeringDB `ix` records with status ok in the country that have at least 3 member "
        "networks (distinct ASNs with a `netixlan` membership, status ok, on the IXP's peering "
        "LANs): the Internet Society Pulse IXP tracker's rule for an active IXP. Every PeeringDB "
        "snapshot is a date; a snapshot without memberships (the API's per-object files can "
        "lack `netixlan`) has no value (not measured), not zero."
    ),
    caveats="PeeringDB is self-reported; an IXP whose members are not listed counts as inactive.",
    sources=("peeringdb", "countries"),
    datasets=("ixp_snapshots", "countries"),
    compute=_ixps_active,
)  # fmt: skip

IXP_DOMESTIC_MEMBERSHIP = Indicator(
    id="ixp_domestic_membership",
    title="Domestic networks present at a local IXP",
    unit="% of networks",
    area="infrastructure",
    version="1",
    method=(
        "Share of the networks that originate the country's address space (the ASNs of "
        "`asns_with_space`, same ip-location-db dates) that are members of at least one IXP "
        "located in the country (PeeringDB `netixlan`, status ok). Each ip-location-db date "
        "uses the latest PeeringDB snapshot with memberships on or before it within "
        f"{_TOL['peeringdb']} days; otherwise the date has no value (not comparable). A country "
        "with no network originating its space has no value (not measured)."
    ),
    caveats=(
        "A network that announces a single range registered in the country counts as "
        "domestic. `ixp_domestic_membership_cone` also counts the customers of IXP members."
    ),
    sources=("ipdb", "peeringdb", "countries"),
    datasets=("ipdb_asn", "ipdb_country", "ixp_members", "ixp_snapshots", "countries"),
    compute=_domestic(cone=False),
)  # fmt: skip

IXP_DOMESTIC_MEMBERSHIP_CONE = Indicator(
    id="ixp_domestic_membership_cone",
    title="Domestic networks at a local IXP or in the customer cone of one",
    unit="% of networks",
    area="infrastructure",
    version="1",
    method=(
        "As `ixp_domestic_membership`, counting also the networks in the customer cone of a "
        "member of a local IXP: every AS reachable from a member by following "
        "provider-to-customer links of the CAIDA AS Relationships file in force (the latest on "
        f"or before the date within {_TOL['caida-asrel']} days; none: not comparable). Such a "
        "network can reach the IXP through its provider's port."
    ),
    caveats=(
        "CAIDA's relationships are inferred from public BGP data (AS-Rank); peering links are "
        "not followed, and a cone says a path exists, not that local traffic uses it."
    ),
    sources=("ipdb", "peeringdb", "caida-asrel", "countries"),
    datasets=("ipdb_asn", "ipdb_country", "ixp_members", "ixp_snapshots", "as_customer_links",
              "countries"),
    compute=_domestic(cone=True),
)  # fmt: skip

INDICATORS = (
    ASNS_REGISTERED,
    IPV4_DELEGATED,
    IPV6_DELEGATED,
    IPV4_SPACE,
    IPV6_SPACE,
    ASNS_WITH_SPACE,
    IXPS_COUNT,
    IXP_NETWORKS,
    IXPS_ACTIVE,
    IXP_DOMESTIC_MEMBERSHIP,
    IXP_DOMESTIC_MEMBERSHIP_CONE,
)
