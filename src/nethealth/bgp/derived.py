"""Per-snapshot tables derived from RIB dumps: the logic of the lake build step `bgp`
(declared in `nethealth.bgp.step`).

For every UTC date with RIB dumps in the raw store (sources bgp-ris, bgp-routeviews; per
collector the day's first RIB, by the time of its first MRT record), the step decodes the RIBs
and computes:

- bgp_peers: each peer's prefix count per address family and whether it is a full-feed peer
  (at least FULL_FEED_SHARE of the largest peer's count for that family in the snapshot);
- bgp_prefix_origins: each (prefix, origin AS) pair with the peers and the full-feed peers
  that see it, and its visibility (share of the full-feed peers of its family);
- bgp_as_links: AS adjacencies from AS_SEQUENCE paths (prepending collapsed; paths with sets or
  confederations skipped), with the number of peers and distinct paths that show each link;
- bgp_country_routed: per country, the origin ASNs of visible pairs (visibility >= VISIBLE) that
  the RIRs register there (rir_delegations) and the routed address space that ip-location-db
  places there (ipdb_country): IPv4 in /24 and IPv6 in /48 equivalents;
- bgp_country_routed_status: per snapshot and measure (the three columns above), whether the
  snapshot's inputs allow it (`nethealth.common.status`) and why: the RIR files and the
  ip-location-db snapshot are chosen by the as-of rule (`nethealth.common.asof`: latest on or
  before the RIB date within the source's tolerance, never a later one), and an address family
  without a full-feed peer in the RIBs is not measured (an IPv4-only RIB says nothing of IPv6).

Each RIB is decoded once per build: `decoded_rib` keeps the decoded elements (Parquet,
`bgp.elements/1`) under the lake's `.work/decoded-ribs/`, named by the raw file's SHA-256, so
the `routing` step (and a rerun) reads them instead of decoding again, and a changed file gets a
new entry. This step removes the entries of files no longer in the raw store. The counts are
made while a RIB is decoded (or read back), in one streaming pass (`nethealth.bgp.aggregate`).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from nethealth.bgp.aggregate import RibAggregate
from nethealth.bgp.damage import report_decode
from nethealth.bgp.ingest import ingest_file, read_report
from nethealth.common.asof import AsOf, GroupAsOf, pick
from nethealth.common.status import Judgement, Status
from nethealth.lake.build import StepContext
from nethealth.lake.raw import RawFile
from nethealth.sources import rir as rir_source
from nethealth.sources.collectors import RIS, ROUTEVIEWS
from nethealth.sources.mrt import mrt_dumps

SOURCES = (RIS.id, ROUTEVIEWS.id)
FULL_FEED_SHARE = 0.75
VISIBLE = 0.5

PEERS_SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("collector", pa.string()), ("peer_ip", pa.string()),
    ("peer_asn", pa.uint32()), ("af", pa.int8()), ("prefixes", pa.int64()),
    ("full_feed", pa.bool_()), ("simulated", pa.bool_()),
])  # fmt: skip
ORIGINS_SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("af", pa.int8()), ("prefix", pa.string()),
    ("prefix_len", pa.uint8()), ("range_start", pa.uint64()), ("range_end", pa.uint64()),
    ("range_start_lo", pa.uint64()), ("range_end_lo", pa.uint64()), ("origin_asn", pa.uint32()),
    ("peers", pa.int64()), ("full_feed_peers", pa.int64()), ("visibility", pa.float64()),
    ("simulated", pa.bool_()),
])  # fmt: skip
LINKS_SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("asn_near", pa.uint32()), ("asn_far", pa.uint32()),
    ("peers", pa.int64()), ("paths", pa.int64()), ("simulated", pa.bool_()),
])  # fmt: skip
STATUS_SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("measure", pa.string()), ("status", pa.string()),
    ("reason", pa.string()), ("simulated", pa.bool_()),
])  # fmt: skip
MEASURES = ("asns_routed", "ipv4_routed_s24", "ipv6_routed_s48")
COUNTRY_SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("cc", pa.string()), ("asns_routed", pa.int64()),
    ("ipv4_routed_s24", pa.float64()), ("ipv6_routed_s48", pa.float64()),
    ("simulated", pa.bool_()),
])  # fmt: skip

# The reference SQL (`sql_aggregates`; the step itself uses `bgp.aggregate`): the aggregates run
# in K passes over hash partitions of their group key (a prefix, a peer, a path), so memory stays
# bounded; groups never span partitions, so every count is exact. `rib` is the RIB Parquet,
# `peers` the peer table (with `pid`).
PART = "hash({key}) % ? = ?"  # {key} is one of the fixed expressions below, never user input
PREFIX_KEY = "r.range_start, r.range_start_lo, r.prefix_len"
PEER_COUNTS_SQL = """
WITH per AS (
  SELECT r.collector, r.peer_ip::VARCHAR AS peer_ip, r.af, r.range_start, r.range_start_lo,
         r.prefix_len, any_value(r.peer_asn) AS peer_asn
  FROM rib r WHERE r.elem_type = 'rib' AND {part} GROUP BY ALL)
SELECT collector, peer_ip, af, any_value(peer_asn) AS peer_asn, count(*) AS prefixes
FROM per GROUP BY ALL
"""
PEERS_SQL = """
WITH counts AS (SELECT collector, peer_ip, af, any_value(peer_asn) AS peer_asn,
                       sum(prefixes)::BIGINT AS prefixes
                FROM peer_parts GROUP BY ALL)
SELECT (row_number() OVER (ORDER BY af, collector, peer_ip) - 1)::INTEGER AS pid,
       ?::DATE AS snapshot, collector, peer_ip, peer_asn, af, prefixes,
       prefixes >= ? * max(prefixes) OVER (PARTITION BY af) AS full_feed, ? AS simulated
FROM counts ORDER BY af, collector, peer_ip
"""
ORIGINS_SQL = """
WITH x AS (
  SELECT r.af, r.prefix, r.prefix_len, r.range_start, r.range_end, r.range_start_lo,
         r.range_end_lo, o.origin_asn, p.pid, p.full_feed
  FROM rib r, unnest(r.origin_asns) AS o(origin_asn)
  JOIN peers p ON p.collector = r.collector AND p.peer_ip = r.peer_ip::VARCHAR AND p.af = r.af
  WHERE r.elem_type = 'rib' AND {part} GROUP BY ALL)
SELECT af, prefix, prefix_len, range_start, range_end, range_start_lo, range_end_lo, origin_asn,
       count(*) AS peers, count(*) FILTER (WHERE full_feed) AS full_feed_peers
FROM x GROUP BY ALL
"""
ORIGINS_FINAL_SQL = """
WITH ff AS (SELECT af, count(*) FILTER (WHERE full_feed) AS n FROM peers GROUP BY af)
SELECT ?::DATE AS snapshot, o.af, o.prefix, o.prefix_len, o.range_start, o.range_end,
       o.range_start_lo, o.range_end_lo, o.origin_asn, o.peers, o.full_feed_peers,
       CASE WHEN ff.n > 0 THEN o.full_feed_peers / ff.n ELSE 0 END AS visibility, ? AS simulated
FROM origin_parts o JOIN ff USING (af)
ORDER BY o.af, o.range_start, o.range_start_lo, o.prefix_len, o.origin_asn
"""
# AS links from AS_SEQUENCE-only paths, prepending collapsed. Peers per link: one pass per peer
# partition; distinct paths per link: one pass per path-hash partition (paths are identified by
# their 64-bit hash).
PLAIN_PATHS = """
  SELECT p.pid, hash(r.as_path) AS h, any_value(r.as_path) AS as_path
  FROM rib r
  JOIN peers p ON p.collector = r.collector AND p.peer_ip = r.peer_ip::VARCHAR AND p.af = r.af
  WHERE r.elem_type = 'rib' AND r.as_path_segments IS NULL AND len(r.as_path) > 1 AND {part}
  GROUP BY p.pid, h
"""
LINK_PEERS_SQL = (
    """
WITH paths AS ("""
    + PLAIN_PATHS
    + """),
hops AS (SELECT pid, as_path[i] AS a, as_path[i + 1] AS b
         FROM paths, range(1, len(as_path)) AS t(i))
SELECT a, b, count(DISTINCT pid) AS peers FROM hops WHERE a <> b GROUP BY a, b
"""
)
LINK_PATHS_SQL = (
    """
WITH paths AS (SELECT h, any_value(as_path) AS as_path FROM ("""
    + PLAIN_PATHS
    + """) GROUP BY h),
hops AS (SELECT h, as_path[i] AS a, as_path[i + 1] AS b
         FROM paths, range(1, len(as_path)) AS t(i))
SELECT a, b, count(DISTINCT h) AS paths FROM hops WHERE a <> b GROUP BY a, b
"""
)
LINKS_SQL = """
WITH p AS (SELECT a, b, sum(peers)::BIGINT AS peers FROM link_peer_parts GROUP BY a, b),
q AS (SELECT a, b, sum(paths)::BIGINT AS paths FROM link_path_parts GROUP BY a, b)
SELECT ?::DATE AS snapshot, p.a AS asn_near, p.b AS asn_far, p.peers, q.paths, ? AS simulated
FROM p JOIN q USING (a, b) ORDER BY asn_near, asn_far
"""
ROWS_PER_PASS = 3_000_000
CACHE_DIR = Path(".work") / "decoded-ribs"
DECODE_VERSION = "2"  # bump when the decoder's output for the same file changes
# RIR files: per registry the file in force (common.asof); ASN records as number ranges.
ASN_CC_SQL = """
WITH pick AS (SELECT unnest(?::VARCHAR[]) AS registry, unnest(?::DATE[]) AS snap),
ranges AS (SELECT x.cc, CAST(x.start AS BIGINT) AS lo, CAST(x.start AS BIGINT) + x.value - 1 AS hi
           FROM rir_delegations x JOIN pick ON x.registry = pick.registry AND x.snapshot = pick.snap
           WHERE x.type = 'asn' AND x.status IN ('allocated', 'assigned') AND x.cc IS NOT NULL),
routed AS (SELECT DISTINCT origin_asn FROM origins WHERE visibility >= ?)
SELECT ranges.cc, count(DISTINCT routed.origin_asn) AS n
FROM routed JOIN ranges ON routed.origin_asn BETWEEN ranges.lo AND ranges.hi GROUP BY ranges.cc
"""
IPDB_SNAPS_SQL = "SELECT DISTINCT snapshot FROM ipdb_country"
IPDB_RANGES_SQL = """
SELECT start, "end", cc FROM ipdb_country WHERE snapshot = ? AND af = ? ORDER BY start
"""
ROUTED_RANGES_SQL = """
SELECT DISTINCT range_start, range_end FROM origins WHERE af = ? AND visibility >= ?
ORDER BY range_start
"""


def cache_dir(lake_dir: Path) -> Path:
    """Where decoded RIBs are kept between steps and builds."""
    return lake_dir / CACHE_DIR


def decoded_rib(
    lake_dir: Path,
    raw: RawFile,
    collector: str,
    sink: RibAggregate | None = None,
) -> Path:
    """The decoded elements of a stored RIB, decoding it (lenient) only when not cached yet;
    `sink` receives every decoded batch either way (as it is decoded, else read back).

    The key is the raw file's SHA-256 with the collector (written into every row) and the
    decoder's output version, so a changed file or decoder never reads a stale entry."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", collector)
    target = cache_dir(lake_dir) / f"{raw.provenance.sha256}.{safe}.v{DECODE_VERSION}.parquet"
    if target.is_file():
        report_decode(raw.path, read_report(target))  # damaged or complete: every step says
        if sink is not None:
            read_into(sink, target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".decode-", dir=target.parent))
    try:  # ingest_file writes atomically in `tmp`; the rename publishes it whole
        feed = None if sink is None else sink.add
        out = ingest_file(raw.path, tmp, collector=collector, strict=False, sink=feed).output
        Path(out).replace(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report_decode(raw.path, read_report(target))
    return target


def prune_cache(lake_dir: Path, files: Sequence[RawFile]) -> None:
    """Remove cached decodes of files no longer stored in `files`, of older decoders, and
    aggregation spills that an interrupted run left (`RibAggregate`)."""
    shas = {f.provenance.sha256 for f in files}
    folder = cache_dir(lake_dir)
    for p in folder.glob("*.parquet") if folder.is_dir() else ():
        current = p.name.endswith(f".v{DECODE_VERSION}.parquet")
        if not current or p.name.split(".", 1)[0] not in shas:
            p.unlink(missing_ok=True)
    for spill in folder.glob(".bgp-aggregate-*") if folder.is_dir() else ():
        shutil.rmtree(spill, ignore_errors=True)  # left by an interrupted run of this step


def select_ribs(files: Sequence[RawFile]) -> dict[date, list[tuple[str, RawFile]]]:
    """Per UTC date, per collector, the day's first RIB dump (kind and time read from the
    files' first MRT record by `sources.mrt.mrt_dumps`, whatever the files are called)."""
    best: dict[tuple[date, str], tuple[int, RawFile]] = {}
    for d in mrt_dumps(files):
        if d.kind != "rib" or d.raw is None:
            continue
        key = (d.day, d.collector)
        if key not in best or d.time < best[key][0]:
            best[key] = (d.time, d.raw)
    out: dict[date, list[tuple[str, RawFile]]] = {}
    for (day, collector), (_, f) in sorted(best.items(), key=lambda kv: kv[0]):
        out.setdefault(day, []).append((collector, f))
    return out


def merged(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of inclusive integer ranges sorted by start, as disjoint ranges."""
    if len(starts) == 0:
        return starts, ends
    run_end = np.maximum.accumulate(ends)
    new = np.ones(len(starts), dtype=bool)
    new[1:] = starts[1:] > run_end[:-1] + 1
    idx = np.flatnonzero(new)
    last = np.append(idx[1:] - 1, len(starts) - 1)
    return starts[idx], run_end[last]


def covered(
    m_start: np.ndarray, m_end: np.ndarray, q_start: np.ndarray, q_end: np.ndarray
) -> np.ndarray:
    """How many integers of each query range [q_start, q_end] the disjoint ranges cover."""
    if len(m_start) == 0:
        return np.zeros(len(q_start), dtype=np.float64)
    ms, me = m_start.astype(np.float64), m_end.astype(np.float64)
    cum = np.concatenate([[0.0], np.cumsum(me - ms + 1)])

    def below(x: np.ndarray) -> np.ndarray:  # covered integers < x
        i = np.searchsorted(ms, x, side="left")  # ranges starting before x: 0..i-1
        full = cum[i]
        j = np.maximum(i - 1, 0)
        over = np.where((i > 0) & (me[j] >= x), me[j] - x + 1, 0.0)
        return full - over

    qs, qe = q_start.astype(np.float64), q_end.astype(np.float64)
    result: np.ndarray = below(qe + 1) - below(qs)
    return result


def _country_space(
    con: duckdb.DuckDBPyConnection, ipdb_snap: object, af: int, unit: float
) -> dict[str, float]:
    routed = con.sql(ROUTED_RANGES_SQL, params=[af, VISIBLE]).to_arrow_table()
    ranges = con.sql(IPDB_RANGES_SQL, params=[ipdb_snap, af]).to_arrow_table()
    ms, me = merged(routed["range_start"].to_numpy(), routed["range_end"].to_numpy())
    cov = covered(ms, me, ranges["start"].to_numpy(), ranges["end"].to_numpy())
    out: dict[str, float] = {}
    for cc, v in zip(ranges["cc"].to_pylist(), cov.tolist(), strict=True):
        if v:
            out[cc] = out.get(cc, 0.0) + v / unit
    return out


FULL_FEED_AFS_SQL = "SELECT DISTINCT af FROM peers WHERE full_feed"


def _rir_in_force(con: duckdb.DuckDBPyConnection, lake: dict[str, Path], day: date) -> GroupAsOf:
    """Each RIR's delegation file in force on the RIB date (`sources.rir.in_force`); the view
    `rir_delegations` is what ASN_CC_SQL reads."""
    if "rir_delegations" not in lake:
        return rir_source.in_force(con, None, day)
    con.read_parquet(str(lake["rir_delegations"])).create_view("rir_delegations")
    return rir_source.in_force(con, lake["rir_delegations"], day)


def _ipdb_in_force(con: duckdb.DuckDBPyConnection, lake: dict[str, Path], day: date) -> AsOf:
    snaps: list[date] = []
    if "ipdb_country" in lake:
        con.read_parquet(str(lake["ipdb_country"])).create_view("ipdb_country")
        snaps = [r[0] for r in con.execute(IPDB_SNAPS_SQL).fetchall()]
    return pick("ipdb", day, snaps)


def _with_rib(judgement: Judgement, day: date) -> str:
    """A measured status's reason names every input date: the RIB's and the others'."""
    if judgement.ok:
        return f"RIB {day}; {judgement.reason}" if judgement.reason else f"RIB {day}"
    return judgement.reason


def sql_aggregates(
    rib_parquets: Sequence[Path], day: date, simulated: bool
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Peers, prefix origins and AS links of decoded RIBs with DuckDB, in hash-partitioned
    passes: the step's code before `nethealth.bgp.aggregate` (issue 17), kept as the reference
    that the tests and `benchmarks/bench_bgp_step.py` compare the streaming pass with."""
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.read_parquet([str(p) for p in rib_parquets]).create_view("rib")
    rows = sum(pq.read_metadata(p).num_rows for p in rib_parquets)
    k = max(1, -(-rows // ROWS_PER_PASS))

    def passes(sql: str, key: str, table: str) -> pa.Table:
        """Run `sql` once per hash partition of `key` and register the union as `table`."""
        query = sql.format(part=PART.format(key=key))
        parts = [con.sql(query, params=[k, i]).to_arrow_table() for i in range(k)]
        result = pa.concat_tables(parts)
        con.register(table, result)
        return result

    passes(PEER_COUNTS_SQL, PREFIX_KEY, "peer_parts")
    peers = con.sql(PEERS_SQL, params=[day, FULL_FEED_SHARE, simulated]).to_arrow_table()
    con.register("peers", peers)
    passes(ORIGINS_SQL, PREFIX_KEY, "origin_parts")
    origins = con.sql(ORIGINS_FINAL_SQL, params=[day, simulated]).to_arrow_table()
    passes(LINK_PEERS_SQL, "p.pid", "link_peer_parts")
    passes(LINK_PATHS_SQL, "r.as_path", "link_path_parts")
    links = con.sql(LINKS_SQL, params=[day, simulated]).to_arrow_table()
    con.close()
    return peers, origins, links


READ_COLUMNS = (
    "collector", "elem_type", "peer_ip", "peer_asn", "prefix", "af", "prefix_len",
    "range_start", "range_end", "range_start_lo", "range_end_lo", "as_path",
    "as_path_segments", "origin_asns",
)  # fmt: skip


def read_into(aggregate: RibAggregate, parquet: Path, batch_size: int = 1 << 17) -> None:
    """Feed a decoded RIB file to `aggregate`, a batch at a time."""
    f = pq.ParquetFile(parquet)
    for batch in f.iter_batches(columns=list(READ_COLUMNS), batch_size=batch_size):
        aggregate.add(batch)


def snapshot_tables(
    rib_parquets: Sequence[Path],
    day: date,
    simulated: bool,
    lake: dict[str, Path],
) -> dict[str, pa.Table]:
    """The derived tables of one snapshot from decoded RIB Parquet files."""
    spill = rib_parquets[0].parent if rib_parquets else None
    aggregate = RibAggregate(ROWS_PER_PASS, spill)
    try:
        for p in rib_parquets:
            read_into(aggregate, p)
        return aggregated_tables(aggregate, day, simulated, lake)
    finally:
        aggregate.close()


def aggregated_tables(
    aggregate: RibAggregate, day: date, simulated: bool, lake: dict[str, Path]
) -> dict[str, pa.Table]:
    """The derived tables of one snapshot from the RIB entries fed to `aggregate`."""
    peers = aggregate.peers(day, FULL_FEED_SHARE, simulated)
    origins = aggregate.origins(day, simulated)
    links = aggregate.links(day, simulated)
    return finish_tables(peers, origins, links, day, simulated, lake)


def finish_tables(
    peers: pa.Table,
    origins: pa.Table,
    links: pa.Table,
    day: date,
    simulated: bool,
    lake: dict[str, Path],
) -> dict[str, pa.Table]:
    """Add the per-country tables (RIR and ip-location-db files in force) to the aggregates."""
    con = duckdb.connect()
    con.register("peers", peers)
    con.register("origins", origins)
    countries: dict[str, dict[str, float]] = {}
    judged = {m: Judgement(Status.NOT_MEASURED, "") for m in MEASURES}
    rir = _rir_in_force(con, lake, day)
    if rir.ok:
        regs = sorted(rir.snapshots)
        params = [regs, [rir.snapshots[r] for r in regs], VISIBLE]
        for cc, n in con.execute(ASN_CC_SQL, params).fetchall():
            countries.setdefault(cc, {})["asns"] = float(n)
    families = {int(af) for (af,) in con.sql(FULL_FEED_AFS_SQL).fetchall()}
    judged["asns_routed"] = (
        rir.judgement
        if families
        else Judgement(Status.NOT_MEASURED, f"RIB has no full-feed peer ({day})")
    )
    ipdb = _ipdb_in_force(con, lake, day)
    for af, unit, key, measure in ((4, 256.0, "v4", "ipv4_routed_s24"),
                                   (6, 65536.0, "v6", "ipv6_routed_s48")):  # fmt: skip
        if af not in families:
            other = "IPv6" if af == 4 else "IPv4"
            why = f"RIB is {other}-only" if families else "RIB has no full-feed peer"
            judged[measure] = Judgement(Status.NOT_MEASURED, f"{why} ({day})")
            continue
        judged[measure] = ipdb.judgement
        if ipdb.snapshot is not None:
            for cc, v in _country_space(con, ipdb.snapshot, af, unit).items():
                countries.setdefault(cc, {})[key] = v
    status = pa.table({
        "snapshot": pa.array([day] * len(MEASURES), pa.date32()),
        "measure": pa.array(MEASURES, pa.string()),
        "status": pa.array([judged[m].status.value for m in MEASURES], pa.string()),
        "reason": pa.array([_with_rib(judged[m], day) for m in MEASURES], pa.string()),
        "simulated": pa.array([simulated] * len(MEASURES), pa.bool_()),
    })  # fmt: skip
    ccs = sorted(countries)
    country = pa.table({
        "snapshot": pa.array([day] * len(ccs), pa.date32()),
        "cc": pa.array(ccs, pa.string()),
        "asns_routed": pa.array([int(countries[c].get("asns", 0)) for c in ccs], pa.int64()),
        "ipv4_routed_s24": pa.array([countries[c].get("v4", 0.0) for c in ccs], pa.float64()),
        "ipv6_routed_s48": pa.array([countries[c].get("v6", 0.0) for c in ccs], pa.float64()),
        "simulated": pa.array([simulated] * len(ccs), pa.bool_()),
    })  # fmt: skip
    con.close()
    return {
        "bgp_peers": peers.drop_columns(["pid"]).cast(PEERS_SCHEMA),
        "bgp_prefix_origins": origins.cast(ORIGINS_SCHEMA),
        "bgp_as_links": links.cast(LINKS_SCHEMA),
        "bgp_country_routed": country.cast(COUNTRY_SCHEMA),
        "bgp_country_routed_status": status.cast(STATUS_SCHEMA),
    }


SCHEMAS = {
    "bgp_peers": PEERS_SCHEMA,
    "bgp_prefix_origins": ORIGINS_SCHEMA,
    "bgp_as_links": LINKS_SCHEMA,
    "bgp_country_routed": COUNTRY_SCHEMA,
    "bgp_country_routed_status": STATUS_SCHEMA,
}
OUTPUTS = tuple(SCHEMAS)
READS = ("rir_delegations", "ipdb_country")  # datasets of the steps `rir` and `ipdb`


def build(ctx: StepContext) -> None:
    """The step's run: every RIB date's tables, one dataset per output."""
    files = [f for s in SOURCES for f in ctx.raw_files(s)]
    by_day = select_ribs(files)
    lake = {n: ctx.dataset_path(n) for n in READS if ctx.dataset_path(n).is_file()}
    parts: dict[str, list[pa.Table]] = {n: [] for n in OUTPUTS}
    for i, (day, ribs) in enumerate(sorted(by_day.items())):
        ctx.progress(f"bgp {day} ({len(ribs)} RIBs)", i, len(by_day))
        simulated = any(f.provenance.simulated for _, f in ribs)
        # one pass per RIB: decoded (or read back from the cache) and aggregated at once
        aggregate = RibAggregate(ROWS_PER_PASS, cache_dir(ctx.lake_dir))
        try:
            for collector, f in ribs:
                decoded_rib(ctx.lake_dir, f, collector, sink=aggregate)
            day_tables = aggregated_tables(aggregate, day, simulated, lake)
        finally:
            aggregate.close()
        for name, table in day_tables.items():
            parts[name].append(table)
    prune_cache(ctx.lake_dir, files)  # the routing step reads these entries too: keep them
    for name, tables in parts.items():
        ctx.write_dataset(name, pa.concat_tables(tables) if tables else SCHEMAS[name].empty_table())
