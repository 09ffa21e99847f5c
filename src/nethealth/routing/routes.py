"""Routes (one row per peer, prefix and AS path) from decoded BGP elements or MRT files.

The routes table is what every routing-security computation reads: RIB entries (and, for the
incident detectors, announcements) with the prefix masked and one origin AS (null when the path
ends in an AS_SET, RFC 6811). Peers are told apart by (collector, peer IP).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nethealth.bgp.damage import build_reader
from nethealth.common.prefixes import format_prefixes, parse_prefixes, range_columns
from nethealth.rpki.coverage import routes_from_bgp_elements

ROUTES_SCHEMA = pa.schema([
    ("snapshot", pa.date32()), ("collector", pa.string()), ("peer_ip", pa.string()),
    ("peer_asn", pa.uint32()), ("timestamp", pa.timestamp("us", tz="UTC")),
    ("elem_type", pa.string()), ("af", pa.int8()), ("prefix", pa.string()),
    ("prefix_length", pa.uint8()), ("start", pa.uint64()), ("end", pa.uint64()),
    ("start_lo", pa.uint64()), ("end_lo", pa.uint64()), ("origin_asn", pa.uint32()),
    ("as_path", pa.list_(pa.uint32())),
])  # fmt: skip
_KEEP = ("rib", "announce", "withdraw")


def routes_from_elements(elements: pa.Table, snapshot: date) -> pa.Table:
    """Routes and withdrawals of decoded elements (`nethealth.formats.mrt_schema.SCHEMA`) as
    ROUTES_SCHEMA.

    Withdrawals keep a null origin and path; state changes are dropped.
    """
    kind = pc.cast(elements["elem_type"], pa.string())
    rows = elements.filter(pc.is_in(kind, pa.array(_KEEP)))
    kind = pc.cast(rows["elem_type"], pa.string())
    announced = pc.not_equal(kind, "withdraw").to_numpy(zero_copy_only=False)
    origin = np.zeros(rows.num_rows, np.int64)
    has_origin = np.zeros(rows.num_rows, bool)
    if announced.any():
        ann = routes_from_bgp_elements(rows.filter(pa.array(announced)))
        o = ann["origin_asn"]
        origin[announced] = pc.fill_null(o, 0).to_numpy()
        has_origin[announced] = pc.is_valid(o).to_numpy(zero_copy_only=False)
    parsed = parse_prefixes(pc.cast(rows["prefix"], pa.string()).combine_chunks())
    cols = range_columns(parsed.af, parsed.hi, parsed.lo, parsed.length)
    text = format_prefixes(parsed.af, parsed.hi, parsed.lo, parsed.length)
    n = rows.num_rows
    path = rows["as_path"].combine_chunks()  # withdrawals carry no path (null) already
    table = pa.table({
        "snapshot": pa.array([snapshot] * n, pa.date32()),
        "collector": pc.cast(rows["collector"], pa.string()),
        "peer_ip": pc.cast(rows["peer_ip"], pa.string()),
        "peer_asn": rows["peer_asn"],
        "timestamp": rows["timestamp"],
        "elem_type": kind,
        "af": pa.array(parsed.af.astype(np.int8)),
        "prefix": pa.array(text, pa.string()),
        "prefix_length": pa.array(parsed.length),
        **{k: pa.array(v) for k, v in cols.items()},
        "origin_asn": pa.array(origin, pa.uint32(), mask=~has_origin),
        "as_path": path,
    })  # fmt: skip
    return table.cast(ROUTES_SCHEMA)


def read_routes(
    paths: Iterable[tuple[Path, str | None]], snapshot: date, *, strict: bool = True
) -> pa.Table:
    """Routes of MRT files given as (path, collector name) pairs, concatenated. A `.parquet`
    path is an already decoded file (`bgp.derived.decoded_rib`): its rows name their collector."""
    parts = []
    for path, collector in paths:
        batches = (
            pq.ParquetFile(path).iter_batches()
            if path.suffix == ".parquet"
            else build_reader(path, collector=collector, strict=strict)
        )
        for batch in batches:
            parts.append(routes_from_elements(pa.Table.from_batches([batch]), snapshot))
    return pa.concat_tables(parts) if parts else ROUTES_SCHEMA.empty_table()


def route_paths(elements: Sequence[Path]) -> tuple[pa.Array, np.ndarray]:
    """The distinct AS paths of the routes of decoded-element Parquet files (`bgp.elements/1`)
    with how many routes have each (sorted by path). DuckDB groups them out of core: a full
    RIB has tens of millions of routes but far fewer distinct paths, and relationship
    inference weighted by the counts gives the same result as over every route."""
    schema = pa.schema([("as_path", pa.list_(pa.uint32())), ("n", pa.int64())])
    if not elements:
        return schema.empty_table()["as_path"].combine_chunks(), np.zeros(0, np.int64)
    con = duckdb.connect()
    try:
        t = con.sql(
            "SELECT as_path, count(*) AS n FROM read_parquet(?) "
            "WHERE elem_type::VARCHAR IN (SELECT unnest(?::VARCHAR[])) AND as_path IS NOT NULL "
            "GROUP BY as_path ORDER BY as_path",
            params=[[str(p) for p in elements], list(_KEEP)],
        ).to_arrow_table()
    finally:
        con.close()
    t = t.cast(schema)
    return t["as_path"].combine_chunks(), t["n"].to_numpy()
