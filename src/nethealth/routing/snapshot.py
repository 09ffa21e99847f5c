"""All ROV tables of one snapshot, written as `routing_*` Parquet datasets (atomic).

`compute` works on a routes table in memory (small inputs: the CLI); `compute_from_elements`
gives the same tables from decoded RIB Parquet files with bounded memory (the lake step).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from nethealth.formats.mrt_schema import SCHEMA as ELEMENTS_SCHEMA
from nethealth.lake.storage import write_parquet_atomic
from nethealth.routing import rov

DATASETS = (
    "routing_route_states",
    "routing_rov_asn",
    "routing_rov_country",
    "routing_transit",
    "routing_peer_filtering",
)


def compute(
    routes: pa.Table, vrps: pa.Table, day: date, asn_country: pa.Table | None = None
) -> dict[str, pa.Table]:
    states = rov.states_of(routes, vrps)
    transit = rov.transit_indicators(routes, states, day)
    return _tables(states, transit, rov.peer_filtering(routes, states, day), day, asn_country)


def _tables(
    states: pa.Table,
    transit: pa.Table,
    peers: pa.Table,
    day: date,
    asn_country: pa.Table | None,
) -> dict[str, pa.Table]:
    """The step's datasets from the route states and the transit and peer tables."""
    empty_cc = pa.table({"asn": pa.array([], pa.uint32()), "cc": pa.array([], pa.string())})
    return {
        "routing_route_states": states.add_column(
            0, "snapshot", pa.array([day] * states.num_rows, pa.date32())
        ),
        "routing_rov_asn": rov.asn_indicators(states, day),
        "routing_rov_country": rov.country_indicators(
            states, asn_country if asn_country is not None else empty_cc, day
        ),
        "routing_transit": transit,
        "routing_peer_filtering": peers,
    }


def compute_from_elements(
    con: duckdb.DuckDBPyConnection,
    elements: Sequence[Path],
    vrps: pa.Table,
    day: date,
    asn_country: pa.Table | None = None,
) -> dict[str, pa.Table]:
    """`compute` of the RIB entries of decoded-element Parquet files (`bgp.elements/1`), out of
    core: DuckDB reads them in passes over prefix partitions (`rov.tables_from_elements`); only
    the distinct (prefix, origin) routes and the per-AS and per-peer aggregates are in memory."""
    if elements:
        con.read_parquet([str(p) for p in elements]).create_view("elems", replace=True)
        rows = sum(pq.read_metadata(p).num_rows for p in elements)
    else:
        con.register("elems", ELEMENTS_SCHEMA.empty_table())
        rows = 0
    try:
        states, transit, peers = rov.tables_from_elements(con, rows, vrps, day)
    finally:
        if elements:
            con.execute("DROP VIEW IF EXISTS elems")
        else:
            con.unregister("elems")
    return _tables(states, transit, peers, day, asn_country)


def write(out: Path, tables: dict[str, pa.Table]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        write_parquet_atomic(out / f"{name}.parquet", table)
