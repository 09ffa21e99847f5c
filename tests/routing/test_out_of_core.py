"""The `routing` step's out-of-core path (decoded RIB Parquet, DuckDB passes over prefix
partitions) against the in-memory path it replaced (MRT decoded again with `read_routes`, one
routes table per day): the same tables, row for row, on a simulated world and a real RIB."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from nethealth.bgp import damage, derived, ingest
from nethealth.bgp import step as bgp_step
from nethealth.bgp.ingest import ingest_file
from nethealth.formats.mrt import MRTReader
from nethealth.formats.vrp import read_vrps
from nethealth.lake.build import StepContext, fingerprint
from nethealth.lake.raw import RawFile, RawStore
from nethealth.routing import inference, rov
from nethealth.routing import snapshot as snap
from nethealth.routing import step as routing_step
from nethealth.routing.routes import read_routes, route_paths
from nethealth.rpki.constructed import mixed_state_vrps
from nethealth.settings import Settings
from nethealth.sim import SimConfig
from nethealth.sim import run as run_sim

DAY = date(2025, 6, 1)
REAL_RIB = "bgp/derived/rrc06-full-20100701.tdv2.mrt.gz"


def _sorted(table: pa.Table) -> pa.Table:
    """Rows in a canonical order (the in-memory path keeps the RIBs' order for route states)."""
    keys = [c for c in table.column_names if not pa.types.is_list(table.schema.field(c).type)]
    return table.sort_by([(k, "ascending") for k in keys])


def _asn_country(routes: pa.Table) -> pa.Table:
    """A made-up ASN -> country map over the routes' origins (three countries)."""
    asns = np.unique(pc.drop_null(routes["origin_asn"]).to_numpy())
    return pa.table({
        "asn": pa.array(asns, pa.uint32()),
        "cc": pa.array([("NL", "FR", "BR")[int(a) % 3] for a in asns], pa.string()),
    })  # fmt: skip


def _compare(mrts: list[tuple[Path, str]], vrps: pa.Table, day: date, work: Path) -> pa.Table:
    routes = read_routes(mrts, day, strict=False)  # the old path
    cc = _asn_country(routes)
    old = snap.compute(routes, vrps, day, cc)
    old["routing_relationships"] = inference.infer(routes["as_path"].combine_chunks())
    elements = [
        Path(ingest_file(p, work / str(i), collector=c, strict=False).output)
        for i, (p, c) in enumerate(mrts)
    ]
    con = duckdb.connect()
    new = snap.compute_from_elements(con, elements, vrps, day, cc)
    con.close()
    distinct, counts = route_paths(elements)
    assert counts.sum() == routes.num_rows  # every route's path, counted once per route
    new["routing_relationships"] = inference.infer(distinct, weights=counts)
    assert set(new) == set(old)
    for name, table in old.items():
        assert new[name].schema == table.schema, name
        assert new[name].num_rows == table.num_rows, name
        assert _sorted(new[name]).equals(_sorted(table)), name
    states = new["routing_route_states"]
    assert states.num_rows > 0
    return states


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    run_sim(SimConfig(out=out, seed=1, scale="tiny", days=1, start=DAY))
    return out / "mirror"


@pytest.mark.parametrize("rows_per_pass", [rov.ROWS_PER_PASS, 40])
def test_same_tables_as_in_memory_on_simulated_world(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows_per_pass: int
) -> None:
    monkeypatch.setattr(rov, "ROWS_PER_PASS", rows_per_pass)  # 40: many partitions
    mrts = [
        (world / "ris/rrc00/2025.06/bview.20250601.0000.gz", "rrc00"),
        (world / "routeviews/route-views2/bgpdata/2025.06/RIBS/rib.20250601.0000.bz2",
         "route-views2"),
    ]  # fmt: skip
    vrps = read_vrps(world / "rpki/20250601/vrps.json").vrps
    states = _compare(mrts, vrps, DAY, tmp_path)
    assert {"valid", "invalid", "not-found"} <= set(states["state"].to_pylist())


@pytest.mark.shared
def test_same_tables_as_in_memory_on_real_rib(shared_data: Path, tmp_path: Path) -> None:
    rib = shared_data / REAL_RIB
    # VRPs made from the RIB's own routes so that every state occurs: a ROA for every 5th
    # (prefix, origin), another origin's ROA for every 7th, a ROA of the covering prefix (so
    # the route is too specific) for every 11th
    seen = read_routes([(rib, "rrc06")], date(2010, 7, 1), strict=False)
    vrps = mixed_state_vrps(seen, "test")
    del seen
    states = _compare([(rib, "rrc06")], vrps, date(2010, 7, 1), tmp_path)
    assert states.num_rows > 300_000
    assert {"valid", "invalid", "not-found"} <= set(states["state"].to_pylist())


def _store(settings: Settings, src: Path, name: str, tmp: Path) -> RawFile:
    shutil.copy(src, tmp)
    store = RawStore(settings.raw_dir)
    store.store_file("bgp-ris", DAY.isoformat(), name, tmp, url=f"file:///{name}",
                     licence="test", upstream_modified=None)  # fmt: skip
    (f,) = [f for f in store.files("bgp-ris") if f.provenance.name == name]
    return f


def test_decoded_rib_is_cached_by_content(world: Path, tmp_path: Path, settings: Settings) -> None:
    lake = tmp_path / "lake"
    name = "rrc00.bview.20250601.0000.gz"
    raw = _store(settings, world / "ris/rrc00/2025.06/bview.20250601.0000.gz", name, tmp_path / "a")
    assert raw.provenance.sha256 == hashlib.sha256(raw.path.read_bytes()).hexdigest()
    first = derived.decoded_rib(lake, raw, "rrc00")
    stamp = first.stat().st_mtime_ns
    assert derived.decoded_rib(lake, raw, "rrc00") == first  # reused, not decoded again
    assert first.stat().st_mtime_ns == stamp
    assert raw.provenance.sha256 in first.name
    store = RawStore(settings.raw_dir)
    fp = fingerprint(routing_step.ROUTING, settings, store, {})
    # the same name stored again with other content: a new entry, a new routing fingerprint
    other = _store(
        settings, world / "ris/rrc00/2025.06/bview.20250601.0800.gz", name, tmp_path / "b"
    )
    assert other.provenance.sha256 != raw.provenance.sha256
    second = derived.decoded_rib(lake, other, "rrc00")
    assert second != first and second.is_file()
    assert fingerprint(routing_step.ROUTING, settings, store, {}) != fp
    derived.prune_cache(lake, RawStore(settings.raw_dir).files("bgp-ris"))
    assert second.is_file() and not first.is_file()
    assert [p.name for p in derived.cache_dir(lake).iterdir()] == [second.name]


@pytest.mark.parametrize(
    "order",
    [("bgp", "routing", "routing_incidents"), ("routing_incidents", "routing", "bgp")],
)
def test_each_rib_is_decoded_once_per_build(
    world: Path, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch,
    order: tuple[str, str],
) -> None:  # fmt: skip
    _store(settings, world / "ris/rrc00/2025.06/bview.20250601.0000.gz",
           "rrc00.bview.20250601.0000.gz", tmp_path / "a")  # fmt: skip
    _store(settings, world / "routeviews/route-views2/bgpdata/2025.06/RIBS/rib.20250601.0000.bz2",
           "route-views2.rib.20250601.0000.bz2", tmp_path / "b")  # fmt: skip
    _store(settings, world / "ris/rrc00/2025.06/updates.20250601.0000.gz",
           "rrc00.updates.20250601.0000.gz", tmp_path / "c")  # fmt: skip
    decoded: list[str] = []

    class Counting(MRTReader):  # every MRT decoder either step could use
        def __init__(self, path: Path, *args: Any, **kwargs: Any) -> None:
            decoded.append(str(path))
            super().__init__(path, *args, **kwargs)

    monkeypatch.setattr(ingest, "MRTReader", Counting)
    monkeypatch.setattr(damage, "MRTReader", Counting)  # routes and outages read through it
    lake = settings.lake_dir
    lake.mkdir(parents=True, exist_ok=True)
    steps = {"bgp": bgp_step.STEP, "routing": routing_step.ROUTING,
             "routing_incidents": routing_step.INCIDENTS}  # fmt: skip
    for step_id in order:
        ctx = StepContext(settings, step_id, RawStore(settings.raw_dir), lake, lambda *_: None)
        steps[step_id].run(ctx)
        assert set(ctx.staged) == set(steps[step_id].outputs)
        ctx.discard()
    ribs = [p for p in decoded if ".updates." not in p]
    assert len(ribs) == 2 and len(set(ribs)) == 2  # each RIB once, whichever step came first
    assert len(decoded) == 3  # and the update dump, by the incidents step
