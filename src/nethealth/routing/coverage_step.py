"""What the lake build step `routing` does (declared in `routing.step`): ROV tables per RIB
snapshot date, plus IRR routes.

Inputs: MRT RIB dumps under raw/bgp-ris and raw/bgp-routeviews (fetched or loaded; kind, UTC
date and collector from `sources.mrt.mrt_dumps`, i.e. from each file's first MRT record; update
dumps beside them are ignored here), the `rpki_vrps` and `rir_delegations` datasets, and IRR
dumps under raw/irr (optional).

Per date it uses each collector's first RIB of the day (later RIBs of the same day add little
and would multiply the work by up to 12), and, by the as-of rule (`nethealth.common.asof`:
latest on or before the date within the source's tolerance, never a later snapshot), the VRPs
of the RPKI snapshot in force and the ASN→country map of each RIR's delegation file in force.
VRPs out of tolerance are not used (every route's RPKI state would be judged against another
time's ROAs); `routing_inputs` records per date and input whether it was in force and why
(`nethealth.common.status`), which the indicators and scorecards read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from nethealth.bgp.derived import decoded_rib
from nethealth.bgp.source import RIS, ROUTEVIEWS
from nethealth.common.asof import AsOf, GroupAsOf, pick
from nethealth.common.status import Judgement
from nethealth.formats.rpsl import ROUTE_SCHEMA, read_rpsl
from nethealth.formats.vrp import VRP_SCHEMA
from nethealth.lake.build import StepContext
from nethealth.lake.raw import RawFile
from nethealth.routing import caida, irr, relationships
from nethealth.routing import snapshot as snap
from nethealth.routing.routes import route_paths
from nethealth.sources import rir as rir_source
from nethealth.sources.mrt import mrt_dumps

BGP_SOURCES = (RIS.id, ROUTEVIEWS.id)
ASN_COUNTRY = "routing_asn_country"
RELATIONSHIPS = "routing_relationships"
IRR_ROUTES = "routing_irr_routes"
INPUTS = "routing_inputs"
OUTPUTS = (*snap.DATASETS, ASN_COUNTRY, RELATIONSHIPS, IRR_ROUTES, INPUTS)
INPUTS_SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("input", pa.string()), ("status", pa.string()),
    ("reason", pa.string()), ("input_snapshot", pa.string()), ("simulated", pa.bool_()),
])  # fmt: skip

VRP_SNAPSHOTS = "SELECT DISTINCT snapshot FROM read_parquet(?)"
VRPS_OF = """
SELECT * EXCLUDE (snapshot, simulated), simulated FROM read_parquet(?) WHERE snapshot = ?
"""
# Each registry's file in force; a record covers `value` consecutive ASNs.
ASN_COUNTRY_SQL = """
WITH files AS (SELECT unnest(?::VARCHAR[]) AS registry, unnest(?::DATE[]) AS snap),
recs AS (
  SELECT x.start::BIGINT AS first, x.value AS n, upper(x.cc) AS cc
  FROM read_parquet(?) x JOIN files f ON x.registry = f.registry AND x.snapshot = f.snap
  WHERE x.type = 'asn' AND x.status IN ('allocated', 'assigned') AND x.cc IS NOT NULL
    AND x.cc <> '' AND TRY_CAST(x.start AS BIGINT) IS NOT NULL)
SELECT DISTINCT (first + unnest(range(n)))::UINTEGER AS asn, cc FROM recs ORDER BY asn
"""


def rib_files(files: Sequence[RawFile]) -> dict[date, list[tuple[RawFile, str]]]:
    """Per UTC date, the first RIB of the day of each collector, with the collector name (by
    the files' first MRT record, `sources.mrt.mrt_dumps`, whatever they are called)."""
    first: dict[tuple[date, str], tuple[int, RawFile]] = {}
    for d in mrt_dumps(files):
        if d.kind != "rib" or d.raw is None:
            continue
        key = (d.day, d.collector)
        if key not in first or d.time < first[key][0]:
            first[key] = (d.time, d.raw)
    out: dict[date, list[tuple[RawFile, str]]] = {}
    for (day, collector), (_stamp, raw) in sorted(first.items()):
        out.setdefault(day, []).append((raw, collector))
    return out


_EMPTY_CC = pa.schema([("asn", pa.uint32()), ("cc", pa.string())])


def rir_in_force(con: duckdb.DuckDBPyConnection, delegations: Path, day: date) -> GroupAsOf:
    """Each RIR's delegation file in force on `day` (`sources.rir.in_force`)."""
    return rir_source.in_force(con, delegations, day)


def asn_country_asof(
    con: duckdb.DuckDBPyConnection, delegations: Path, day: date
) -> tuple[pa.Table, GroupAsOf]:
    """(asn, cc) of the RIR files in force on `day` (empty when they are not), and the choice."""
    rir = rir_in_force(con, delegations, day)
    if not rir.ok:
        return _EMPTY_CC.empty_table(), rir
    regs = sorted(rir.snapshots)
    params = [regs, [rir.snapshots[r] for r in regs], str(delegations)]
    return con.sql(ASN_COUNTRY_SQL, params=params).to_arrow_table(), rir


def asn_country(con: duckdb.DuckDBPyConnection, delegations: Path, day: date) -> pa.Table:
    return asn_country_asof(con, delegations, day)[0]


def vrps_asof(con: duckdb.DuckDBPyConnection, vrps: Path, day: date) -> tuple[pa.Table, bool, AsOf]:
    """The VRPs in force on `day` (empty when none is: no snapshot within the tolerance),
    whether they are simulated, and the as-of choice."""
    snaps = (
        [r[0] for r in con.sql(VRP_SNAPSHOTS, params=[str(vrps)]).fetchall()]
        if vrps.is_file()
        else []
    )
    asof = pick("rpki", day, snaps)
    if asof.snapshot is None:
        return VRP_SCHEMA.empty_table(), False, asof
    t = con.sql(VRPS_OF, params=[str(vrps), asof.snapshot]).to_arrow_table()
    simulated = bool(t.num_rows) and any(t["simulated"].to_pylist()[:1])
    return t.select(VRP_SCHEMA.names).cast(VRP_SCHEMA), simulated, asof


def vrps_for(con: duckdb.DuckDBPyConnection, vrps: Path, day: date) -> tuple[pa.Table, bool]:
    """The VRPs in force on `day` and whether they are simulated; none: an empty table."""
    table, simulated, _asof = vrps_asof(con, vrps, day)
    return table, simulated


def inputs_table(day: date, rows: list[tuple[str, Judgement, str]], simulated: bool) -> pa.Table:
    """`routing_inputs` rows of one date: (input, judgement, snapshot(s) used)."""
    return pa.table({
        "snapshot": pa.array([day] * len(rows), pa.date32()),
        "input": pa.array([r[0] for r in rows], pa.string()),
        "status": pa.array([r[1].status.value for r in rows], pa.string()),
        "reason": pa.array([r[1].reason for r in rows], pa.string()),
        "input_snapshot": pa.array([r[2] for r in rows], pa.string()),
        "simulated": pa.array([simulated] * len(rows), pa.bool_()),
    }, schema=INPUTS_SCHEMA)  # fmt: skip


def _stamp(table: pa.Table, day: date, simulated: bool) -> pa.Table:
    """Every output row carries its snapshot date (first) and whether it is simulated (last)."""
    n = table.num_rows
    if "snapshot" not in table.column_names:
        table = table.add_column(0, "snapshot", pa.array([day] * n, pa.date32()))
    return table.append_column("simulated", pa.array([simulated] * n, pa.bool_()))


def day_tables(
    con: duckdb.DuckDBPyConnection, ctx: StepContext, day: date, ribs: list[tuple[RawFile, str]]
) -> dict[str, pa.Table]:
    # decoded once per build (shared with the `bgp` step, cached by the file's SHA-256)
    elements = [decoded_rib(ctx.lake_dir, raw, collector) for raw, collector in ribs]
    vrps, vrps_sim, vrp_asof = vrps_asof(con, ctx.dataset_path("rpki_vrps"), day)
    cc, rir = asn_country_asof(con, ctx.dataset_path("rir_delegations"), day)
    tables = snap.compute_from_elements(con, elements, vrps, day, cc)
    tables[ASN_COUNTRY] = cc
    # CAIDA's file in force when one is stored, else inferred from the day's paths
    source = caida.RelationshipSource(ctx.raw_files(caida.SOURCE_ID))
    rel, method = source.for_day(day, lambda: route_paths(elements))
    tables[RELATIONSHIPS] = caida.with_method(rel, method)
    simulated = vrps_sim or any(raw.provenance.simulated for raw, _ in ribs)
    out = {name: _stamp(t, day, simulated) for name, t in tables.items()}
    vrp_used = str(vrp_asof.snapshot) if vrp_asof.snapshot else ""
    out[INPUTS] = inputs_table(
        day, [("rpki", vrp_asof.judgement, vrp_used), ("rir", rir.judgement, rir.described())],
        simulated,
    )  # fmt: skip
    return out


def irr_routes(files: Sequence[RawFile]) -> pa.Table:
    """Route objects of every stored IRR dump (lenient: bad objects are skipped)."""
    parts = []
    for raw in files:
        table = read_rpsl(raw.path, strict=False).routes
        parts.append(_stamp(table, date.fromisoformat(raw.provenance.snapshot), False))
    schema = pa.schema([("snapshot", pa.date32()), *ROUTE_SCHEMA, ("simulated", pa.bool_())])
    return pa.concat_tables(parts).cast(schema) if parts else schema.empty_table()


def _empty_tables() -> dict[str, pa.Table]:
    """The outputs' schemas with no rows (no RIB stored yet), from the same code path."""
    cc = pa.table({"asn": pa.array([], pa.uint32()), "cc": pa.array([], pa.string())})
    con = duckdb.connect()
    try:
        tables = snap.compute_from_elements(con, [], VRP_SCHEMA.empty_table(), date.min, cc)
    finally:
        con.close()
    tables[ASN_COUNTRY] = cc
    tables[RELATIONSHIPS] = caida.with_method(relationships.REL_SCHEMA.empty_table(), "")
    out = {name: _stamp(t, date.min, False) for name, t in tables.items()}
    out[INPUTS] = INPUTS_SCHEMA.empty_table()
    return out


def build(ctx: StepContext) -> None:
    files = [f for s in BGP_SOURCES for f in ctx.raw_files(s)]
    by_day = rib_files(files)
    parts: dict[str, list[pa.Table]] = {name: [] for name in OUTPUTS if name != IRR_ROUTES}
    con = duckdb.connect()
    try:
        for i, (day, ribs) in enumerate(sorted(by_day.items())):
            ctx.progress(f"routing {day}: {len(ribs)} RIBs", i, len(by_day))
            for name, table in day_tables(con, ctx, day, ribs).items():
                parts[name].append(table)
    finally:
        con.close()
    ctx.progress("routing", len(by_day), len(by_day))
    empty = _empty_tables() if not by_day else {}
    for name, tables in parts.items():
        ctx.write_dataset(name, pa.concat_tables(tables) if tables else empty[name])
    ctx.write_dataset(IRR_ROUTES, irr_routes(ctx.raw_files(irr.SOURCE_ID)))
