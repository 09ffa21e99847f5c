"""The lake step `bgp_hegemony`: AS hegemony and country transit dependency per RIB date.

For every UTC date with RIB dumps in the raw store (per collector the day's first RIB, as the
`bgp` step chooses them: `derived.select_ribs`), and each address family with full-feed peers,
the RIBs of all collectors together give (`nethealth.bgp.hegemony`):

- bgp_hegemony: the global graph (scope 0) and every origin AS's local graph (scope = the
  origin), one row per scored transit AS;
- bgp_country_dependency: the hegemony of transit ASes over the paths towards each country's
  address space, the country of an address from ip-location-db (`ipdb_country`), the snapshot
  in force on the RIB date by the as-of rule (`common.asof`: latest on or before, within the
  source's tolerance); `geo_snapshot` names it;
- bgp_hegemony_days: per date and family what was read (collectors, peer sessions, peer ASes,
  routes, what was skipped) and whether country dependency could be measured, and why not.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from nethealth.bgp import hegemony as heg
from nethealth.bgp.derived import decoded_rib, select_ribs
from nethealth.common.asof import AsOf, pick
from nethealth.common.status import Status
from nethealth.lake.build import StepContext
from nethealth.sources.collectors import RIS, ROUTEVIEWS

SOURCES = (RIS.id, ROUTEVIEWS.id)
# `as_hegemony` is the IHR's published scores (`sources.hegemony`); these are computed here
AS_HEGEMONY = "bgp_hegemony"
COUNTRY_DEPENDENCY = "bgp_country_dependency"
DAYS = "bgp_hegemony_days"
OUTPUTS = (AS_HEGEMONY, COUNTRY_DEPENDENCY, DAYS)
GEO = "ipdb_country"  # written by the step `ipdb`

AS_HEGEMONY_SCHEMA = pa.schema([
    ("date", pa.date32()), ("af", pa.int8()), ("scope", pa.uint32()), ("asn", pa.uint32()),
    ("hegemony", pa.float64()), ("peers", pa.int32()), ("simulated", pa.bool_()),
])  # fmt: skip
COUNTRY_SCHEMA = pa.schema([
    ("date", pa.date32()), ("af", pa.int8()), ("cc", pa.string()), ("asn", pa.uint32()),
    ("hegemony", pa.float64()), ("peers", pa.int32()), ("geo_snapshot", pa.date32()),
    ("simulated", pa.bool_()),
])  # fmt: skip
DAYS_SCHEMA = pa.schema([
    ("date", pa.date32()), ("af", pa.int8()), ("collectors", pa.string()),
    ("peer_sessions", pa.int32()), ("peer_ases", pa.int32()), ("routes", pa.int64()),
    ("skipped", pa.string()), ("country_status", pa.string()), ("country_reason", pa.string()),
    ("geo_snapshot", pa.date32()), ("simulated", pa.bool_()),
])  # fmt: skip
SCHEMAS = {AS_HEGEMONY: AS_HEGEMONY_SCHEMA, COUNTRY_DEPENDENCY: COUNTRY_SCHEMA, DAYS: DAYS_SCHEMA}
GEO_SQL = """
SELECT start, "end", cc FROM read_parquet(?) WHERE snapshot = ? AND af = ? ORDER BY start, "end"
"""


def geo_snapshots(path: Path | None) -> list[date]:
    if path is None:
        return []
    con = duckdb.connect()
    try:
        sql = "SELECT DISTINCT snapshot FROM read_parquet(?)"
        return [r[0] for r in con.execute(sql, [str(path)]).fetchall()]
    finally:
        con.close()


def geo_ranges(
    path: Path, snapshot: date, af: int
) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """The snapshot's ranges of one family, sorted and disjoint: a range overlapping the one
    before it is dropped (and counted), so no address is in two countries."""
    con = duckdb.connect()
    try:
        t = con.sql(GEO_SQL, params=[str(path), snapshot, af]).to_arrow_table()
    finally:
        con.close()
    start = t["start"].to_numpy(zero_copy_only=False).astype(np.uint64)
    end = t["end"].to_numpy(zero_copy_only=False).astype(np.uint64)
    cc = [str(c) for c in t["cc"].to_pylist()]
    keep = np.ones(len(start), dtype=bool)
    if len(start) > 1:
        reach = np.maximum.accumulate(end)
        keep[1:] = start[1:] > reach[:-1]
    kept_cc = [c for c, k in zip(cc, keep.tolist(), strict=True) if k]
    return start[keep], end[keep], kept_cc, int((~keep).sum())


def _rows(s: heg.Scores, day: date, af: int, simulated: bool) -> pa.Table:
    t = heg.table_of(s)
    n = t.num_rows
    return pa.table({
        "date": pa.array([day] * n, pa.date32()), "af": pa.array([af] * n, pa.int8()),
        "scope": t["scope"].cast(pa.uint32()), "asn": t["asn"],
        "hegemony": t["hegemony"], "peers": t["peers"].cast(pa.int32()),
        "simulated": pa.array([simulated] * n, pa.bool_()),
    })  # fmt: skip


def _country_rows(
    s: heg.Scores, codes: list[str], day: date, af: int, geo: date, simulated: bool
) -> pa.Table:
    t = heg.table_of(s)
    n = t.num_rows
    cc = [codes[i] for i in t["scope"].to_pylist()]
    return pa.table({
        "date": pa.array([day] * n, pa.date32()), "af": pa.array([af] * n, pa.int8()),
        "cc": pa.array(cc, pa.string()), "asn": t["asn"], "hegemony": t["hegemony"],
        "peers": t["peers"].cast(pa.int32()), "geo_snapshot": pa.array([geo] * n, pa.date32()),
        "simulated": pa.array([simulated] * n, pa.bool_()),
    })  # fmt: skip


def _loader(path: Path) -> heg.Loader:
    def load() -> pa.Table:
        return pq.read_table(path, columns=list(heg.COLUMNS))

    return load


def day_tables(
    ribs: list[Path], collectors: list[str], day: date, simulated: bool, geo_path: Path | None,
    geo: AsOf, note: list[str], chunk_rows: int = heg.CHUNK_ROWS,
) -> dict[str, list[pa.Table]]:  # fmt: skip
    """One date's rows of the three datasets, from its decoded RIBs (one per collector, read
    a chunk of sessions at a time: `hegemony.compute`)."""
    loaders = [_loader(p) for p in ribs]
    out: dict[str, list[pa.Table]] = {n: [] for n in OUTPUTS}
    for af in (4, 6):
        ranges = None
        status, reason = geo.status.value, geo.judgement.reason
        if geo.ok and geo_path is not None and geo.snapshot is not None:
            start, end, cc, dropped = geo_ranges(geo_path, geo.snapshot, af)
            if dropped:
                note.append(f"{day} IPv{af}: {dropped} ip-location-db ranges overlap an "
                            "earlier one and were left out")  # fmt: skip
            if len(cc):
                ranges = (start, end, cc)
                status, reason = Status.MEASURED.value, f"RIB {day}; ip-location-db {geo.snapshot}"
            else:
                status = Status.NOT_MEASURED.value
                reason = f"the ip-location-db snapshot {geo.snapshot} has no IPv{af} range"
        done = heg.compute(loaders, af, geo=ranges, chunk_rows=chunk_rows)
        if done.routes == 0:
            continue  # no full-feed peer of this family: nothing is measured, no row says 0
        out[AS_HEGEMONY].append(_rows(done.global_scores, day, af, simulated))
        if done.local_scores is not None:
            out[AS_HEGEMONY].append(_rows(done.local_scores, day, af, simulated))
        if done.country_scores is not None and geo.snapshot is not None:
            out[COUNTRY_DEPENDENCY].append(
                _country_rows(done.country_scores, done.codes, day, af, geo.snapshot, simulated)
            )
        out[DAYS].append(pa.table({
            "date": pa.array([day], pa.date32()), "af": pa.array([af], pa.int8()),
            "collectors": [",".join(collectors)],
            "peer_sessions": pa.array([done.sessions], pa.int32()),
            "peer_ases": pa.array([done.peer_ases], pa.int32()),
            "routes": pa.array([done.routes], pa.int64()),
            "skipped": [json.dumps(done.skipped.as_dict(), sort_keys=True)],
            "country_status": [status], "country_reason": [reason or None],
            "geo_snapshot": pa.array([geo.snapshot if ranges is not None else None], pa.date32()),
            "simulated": pa.array([simulated], pa.bool_()),
        }))  # fmt: skip
    return out


def build(ctx: StepContext) -> None:
    """The step's run: every RIB date, both families."""
    files = [f for s in SOURCES for f in ctx.raw_files(s)]
    by_day = select_ribs(files)
    geo_path = ctx.dataset_path(GEO) if ctx.dataset_path(GEO).is_file() else None
    snaps = geo_snapshots(geo_path)
    parts: dict[str, list[pa.Table]] = {n: [] for n in OUTPUTS}
    for i, (day, ribs) in enumerate(sorted(by_day.items())):
        ctx.progress(f"bgp_hegemony {day} ({len(ribs)} RIBs)", i, len(by_day))
        parquets = [decoded_rib(ctx.lake_dir, f, collector) for collector, f in ribs]
        simulated = any(f.provenance.simulated for _, f in ribs)
        notes: list[str] = []
        found_day = day_tables(parquets, [c for c, _ in ribs], day, simulated, geo_path,
                               pick("ipdb", day, snaps), notes)  # fmt: skip
        for message in notes:
            ctx.note(message, level="warning")
        for name, found in found_day.items():
            parts[name] += found
    for name, tables in parts.items():
        schema = SCHEMAS[name]
        ctx.write_dataset(
            name,
            pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table(),
        )
