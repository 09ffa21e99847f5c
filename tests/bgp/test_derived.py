"""Derived routing tables (the `bgp` build step) and the routed-resource indicators."""

from __future__ import annotations

import bz2
import gzip
import shutil
import struct
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nethealth.bgp.derived import covered, merged, select_ribs, snapshot_tables
from nethealth.bgp.indicators import ASNS_ROUTED, IPV4_ROUTED, IPV6_ROUTED
from nethealth.bgp.ingest import ingest_file
from nethealth.bgp.step import STEP
from nethealth.formats import mrt_encode as e
from nethealth.lake.build import StepContext
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings

TS = int(datetime(2024, 5, 1, tzinfo=UTC).timestamp())


def _attrs(*path: int, sets: tuple[int, ...] = ()) -> bytes:
    segs: list[tuple[int, tuple[int, ...]]] = [(2, path)]
    if sets:
        segs.append((1, sets))
    return e.Attrs(path=segs).encode()


def _rib(path: Path) -> None:
    """Four peers: three full-feed (p0-p2), one partial (p3, one route)."""
    peers = [
        e.Peer("192.0.2.1", 64501),
        e.Peer("192.0.2.2", 64502),
        e.Peer("192.0.2.3", 64503),
        e.Peer("192.0.2.4", 64504),
    ]
    w = e.RibWriter(TS, peers)
    # 10.0.0.0/16 from AS 65010 seen by all three full-feed peers (p0 prepends 64501)
    w.add(
        "10.0.0.0/16",
        [
            e.RibEntry(0, _attrs(64501, 64501, 65000, 65010)),
            e.RibEntry(1, _attrs(64502, 65000, 65010)),
            e.RibEntry(2, _attrs(64503, 65010)),
            e.RibEntry(3, _attrs(64504, 65010)),
        ],
    )
    # its more-specific 10.0.1.0/24 from AS 65020, seen by one full-feed peer only (not routed)
    w.add("10.0.1.0/24", [e.RibEntry(0, _attrs(64501, 65020))])
    # 10.1.0.0/24 with a MOAS: 65030 (2 full-feed peers) and 65031 (1)
    w.add(
        "10.1.0.0/24",
        [
            e.RibEntry(0, _attrs(64501, 65030)),
            e.RibEntry(1, _attrs(64502, 65030)),
            e.RibEntry(2, _attrs(64503, 65031)),
        ],
    )
    # 192.168.0.0/24 originated through an AS_SET {65040, 65041}: links skip set paths
    w.add(
        "192.168.0.0/24",
        [e.RibEntry(p, _attrs(64501 + p, 65000, sets=(65040, 65041))) for p in range(3)],
    )
    path.write_bytes(bytes(w))


def _lake(tmp: Path) -> dict[str, Path]:
    rir = pa.table({
        "snapshot": pa.array([date(2024, 4, 30)] * 4, pa.date32()),
        "registry": ["ripencc"] * 4, "cc": ["NL", "DE", "FR", "NL"],
        "type": ["asn", "asn", "asn", "ipv4"], "start": ["65010", "65030", "65040", "10.0.0.0"],
        "value": pa.array([11, 1, 2, 65536], pa.int64()),
        "date": pa.array([None] * 4, pa.date32()), "status": ["allocated"] * 4,
        "opaque_id": pa.array([None] * 4, pa.string()), "simulated": [False] * 4,
    })  # fmt: skip
    ipdb = pa.table({
        "snapshot": pa.array([date(2024, 4, 1)] * 3, pa.date32()), "af": pa.array([4] * 3, pa.int8()),
        # NL holds 10.0.0.0-10.0.255.255, DE 10.1.0.0/24, FR 192.168.0.0/23
        "start": pa.array([0x0A000000, 0x0A010000, 0xC0A80000], pa.uint64()),
        "end": pa.array([0x0A00FFFF, 0x0A0100FF, 0xC0A801FF], pa.uint64()),
        "cc": ["NL", "DE", "FR"], "simulated": [False] * 3,
    })  # fmt: skip
    paths = {
        "rir_delegations": tmp / "rir_delegations.parquet",
        "ipdb_country": tmp / "ipdb_country.parquet",
    }
    pq.write_table(rir, paths["rir_delegations"])
    pq.write_table(ipdb, paths["ipdb_country"])
    return paths


def test_snapshot_tables_by_hand(tmp_path: Path) -> None:
    rib = tmp_path / "rrc99.bview.20240501.0000.mrt"
    _rib(rib)
    pqt = Path(ingest_file(rib, tmp_path / "pq", collector="rrc99").output)
    out = snapshot_tables([pqt], date(2024, 5, 1), False, _lake(tmp_path))
    peers = {(r["peer_asn"], r["prefixes"], r["full_feed"]) for r in out["bgp_peers"].to_pylist()}
    assert peers == {(64501, 4, True), (64502, 3, True), (64503, 3, True), (64504, 1, False)}
    po = {
        (r["prefix"], r["origin_asn"]): (r["peers"], r["full_feed_peers"], r["visibility"])
        for r in out["bgp_prefix_origins"].to_pylist()
    }
    assert po == {
        ("10.0.0.0/16", 65010): (4, 3, 1.0),
        ("10.0.1.0/24", 65020): (1, 1, pytest.approx(1 / 3)),
        ("10.1.0.0/24", 65030): (2, 2, pytest.approx(2 / 3)),
        ("10.1.0.0/24", 65031): (1, 1, pytest.approx(1 / 3)),
        ("192.168.0.0/24", 65040): (3, 3, 1.0),
        ("192.168.0.0/24", 65041): (3, 3, 1.0),
    }
    links = {
        (r["asn_near"], r["asn_far"]): (r["peers"], r["paths"])
        for r in out["bgp_as_links"].to_pylist()
    }
    assert links == {
        (64501, 65000): (1, 1),
        (65000, 65010): (2, 2),
        (64502, 65000): (1, 1),
        (64503, 65010): (1, 1),
        (64504, 65010): (1, 1),
        (64501, 65020): (1, 1),
        (64501, 65030): (1, 1),
        (64502, 65030): (1, 1),
        (64503, 65031): (1, 1),
    }
    cc = {
        r["cc"]: (r["asns_routed"], r["ipv4_routed_s24"])
        for r in out["bgp_country_routed"].to_pylist()
    }
    # NL: 65010 routed (65020 is not: 1 of 3 full-feed peers); 10.0.0.0/16 = 256 /24s
    # DE: 65030 routed; 10.1.0.0/24 = one /24.  FR: 65040 and 65041; 192.168.0.0/24 of its /23
    assert cc == {"NL": (1, 256.0), "DE": (1, 1.0), "FR": (2, 1.0)}


def test_step_builds_the_datasets_and_indicators(tmp_path: Path, settings: Settings) -> None:
    store = RawStore(settings.raw_dir)
    for name in ("rrc99.bview.20240501.0000.gz", "rrc99.bview.20240501.0800.gz"):
        src = tmp_path / "in.mrt"
        _rib(src)
        tmp = tmp_path / "stored"
        shutil.copy(src, tmp)
        store.store_file(
            "bgp-ris",
            "2024-05-01",
            name,
            tmp,
            url=f"file:///{name}",
            licence="test",
            upstream_modified=None,
        )
    lake_dir = tmp_path / "lake"
    lake_dir.mkdir()
    for name, path in _lake(lake_dir).items():
        path.rename(lake_dir / f"{name}.parquet")
    ctx = StepContext(
        settings=settings, step_id="bgp", raw=store, lake_dir=lake_dir, progress=lambda *_: None
    )
    STEP.run(ctx)
    assert set(ctx.staged) == set(STEP.outputs)
    ctx.commit()
    con = duckdb.connect()
    for name in (*STEP.outputs,):
        con.read_parquet(str(lake_dir / f"{name}.parquet")).create_view(name)
    assert con.sql("select count(*) from bgp_peers").fetchall() == [(4,)]  # one RIB per day
    con.register("countries", pa.table({"cc": ["DE", "FR", "NL", "US"]}))
    rows = {r["country"]: r["value"] for r in ASNS_ROUTED.compute(con).to_pylist()}
    assert rows == {"DE": 1.0, "FR": 2.0, "NL": 1.0, "US": 0.0}
    v4 = {r["country"]: r["value"] for r in IPV4_ROUTED.compute(con).to_pylist()}
    assert v4 == {"DE": 1.0, "FR": 1.0, "NL": 256.0, "US": 0.0}
    # the RIB is IPv4-only: IPv6 was not measured, it is not zero
    v6 = IPV6_ROUTED.compute(con).to_pylist()
    assert {(r["value"], r["status"]) for r in v6} == {(None, "not measured")}
    assert {r["reason"] for r in v6} == {"RIB is IPv4-only (2024-05-01)"}
    us = [r for r in ASNS_ROUTED.compute(con).to_pylist() if r["country"] == "US"]
    assert [(r["status"], r["reason"]) for r in us] == [
        ("measured", "RIB 2024-05-01; RIR delegation files 2024-04-30")
    ]  # the build step states a 0 from complete inputs as "zero measured"


def _mrt_head(when: str, mrt_type: int) -> bytes:
    """The first MRT record header only: all `select_ribs` reads of a file."""
    ts = int(datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp())
    return struct.pack(">IHHI", ts, mrt_type, 1, 0)


def test_select_ribs_takes_the_first_dump_of_the_day(settings: Settings, tmp_path: Path) -> None:
    """By content: kind and time from the first record, not the name (the 'mislabelled' file
    is named like a 00:00 RIB but starts at 16:00; 'my-table' is a RIB under any name)."""
    store = RawStore(settings.raw_dir)
    for name, when, kind, pack in (
        ("rrc00.bview.20240501.0800.gz", "2024-05-01T08:00:01", 13, gzip.compress),
        ("rrc00.bview.20240501.0000.gz", "2024-05-01T00:00:02", 13, gzip.compress),
        ("rrc00.updates.20240501.0000.gz", "2024-04-30T23:59:00", 16, gzip.compress),
        ("route-views.linx.rib.20240501.0200.bz2", "2024-05-01T02:00:00", 13, bz2.compress),
        ("route-views.linx.rib.20240501.0000.bz2", "2024-05-01T16:00:00", 13, bz2.compress),
        ("rrc01.my-table.mrt", "2024-05-02T11:22:33", 12, bytes),
    ):
        f = tmp_path / name
        f.write_bytes(pack(_mrt_head(when, kind)))
        store.store_file(
            "bgp-ris", "2024-05-01", name, f, url="file:///x", licence="t", upstream_modified=None
        )
    sel = select_ribs(store.files("bgp-ris"))
    assert {d: [(c, f.provenance.name) for c, f in v] for d, v in sel.items()} == {
        date(2024, 5, 1): [
            ("route-views.linx", "route-views.linx.rib.20240501.0200.bz2"),
            ("rrc00", "rrc00.bview.20240501.0000.gz"),
        ],
        date(2024, 5, 2): [("rrc01", "rrc01.my-table.mrt")],
    }


def test_interval_union_and_coverage() -> None:
    s, t = merged(np.array([0, 5, 6, 20], np.uint64), np.array([10, 7, 12, 29], np.uint64))
    assert s.tolist() == [0, 20] and t.tolist() == [12, 29]
    got = covered(
        s, t, np.array([0, 11, 13, 25, 100], np.uint64), np.array([100, 21, 19, 25, 200], np.uint64)
    )
    assert got.tolist() == [23.0, 4.0, 0.0, 1.0, 0.0]


@pytest.mark.shared
def test_real_rib_peers_and_visibility(shared_data: Path, tmp_path: Path) -> None:
    rib = shared_data / "bgp/derived/rrc06-full-20100701.tdv2.mrt.gz"
    pqt = Path(ingest_file(rib, tmp_path, collector="rrc06").output)
    out = snapshot_tables([pqt], date(2010, 7, 1), False, {})
    peers = sorted(
        (r["peer_asn"], r["prefixes"], r["full_feed"]) for r in out["bgp_peers"].to_pylist()
    )
    # two peers carry the full 2010 table; the sum is the file's 641,957 entries
    assert peers == [
        (42, 13, False),
        (2497, 318457, True),
        (3856, 1, False),
        (4777, 323485, True),
        (65520, 1, False),
    ]
    po = out["bgp_prefix_origins"]
    assert po.num_rows == 323_776
    assert pq.read_metadata(pqt).num_rows == sum(p[1] for p in peers)
    links = out["bgp_as_links"]
    assert links.num_rows > 40_000
    assert (links["asn_near"].to_numpy() != links["asn_far"].to_numpy()).all()


def test_partitioned_passes_equal_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory is bounded by splitting the aggregates into hash partitions: same results."""
    from nethealth.bgp import derived

    rib = tmp_path / "rrc99.bview.20240501.0000.mrt"
    _rib(rib)
    pqt = Path(ingest_file(rib, tmp_path / "pq", collector="rrc99").output)
    one = snapshot_tables([pqt], date(2024, 5, 1), False, _lake(tmp_path))
    monkeypatch.setattr(derived, "ROWS_PER_PASS", 2)  # 16 entries -> 8 passes
    many = snapshot_tables([pqt], date(2024, 5, 1), False, _lake(tmp_path))
    for name, table in one.items():
        assert many[name].equals(table), name
