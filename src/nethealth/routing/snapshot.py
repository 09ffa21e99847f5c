"""All ROV tables of one snapshot, written as `routing_*` Parquet datasets (atomic)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

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
    empty_cc = pa.table({"asn": pa.array([], pa.uint32()), "cc": pa.array([], pa.string())})
    return {
        "routing_route_states": states.add_column(
            0, "snapshot", pa.array([day] * states.num_rows, pa.date32())
        ),
        "routing_rov_asn": rov.asn_indicators(states, day),
        "routing_rov_country": rov.country_indicators(
            states, asn_country if asn_country is not None else empty_cc, day
        ),
        "routing_transit": rov.transit_indicators(routes, states, day),
        "routing_peer_filtering": rov.peer_filtering(routes, states, day),
    }


def write(out: Path, tables: dict[str, pa.Table]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        write_parquet_atomic(out / f"{name}.parquet", table)
