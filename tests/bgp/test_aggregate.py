"""The `bgp` step's streaming aggregates (`bgp.aggregate`) against the DuckDB queries they
replace (`bgp.derived.sql_aggregates`, the step's code before issue 17): the same tables, row
for row, on the real 2010 RIB and on RIBs made to hit every edge the SQL defines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nethealth.bgp import derived
from nethealth.bgp.aggregate import RibAggregate, path_hashes, prefix_keys
from nethealth.bgp.ingest import ingest_file
from nethealth.formats import mrt_encode as e

DAY = date(2024, 5, 1)
TS = int(datetime(2024, 5, 1, tzinfo=UTC).timestamp())


def _sql(parquets: list[Path], day: date) -> dict[str, pa.Table]:
    peers, origins, links = derived.sql_aggregates(parquets, day, False)
    return derived.finish_tables(peers, origins, links, day, False, {})


def _streamed(parquets: list[Path], day: date, batch_size: int = 1 << 17) -> dict[str, pa.Table]:
    aggregate = RibAggregate(derived.ROWS_PER_PASS, parquets[0].parent)
    try:
        for p in parquets:
            derived.read_into(aggregate, p, batch_size=batch_size)
        return derived.aggregated_tables(aggregate, day, False, {})
    finally:
        aggregate.close()


def _assert_same(new: dict[str, pa.Table], old: dict[str, pa.Table]) -> None:
    assert new.keys() == old.keys()
    for name, table in old.items():
        assert new[name].schema == table.schema, name
        assert new[name].num_rows == table.num_rows, name
        assert new[name].equals(table), name


def _path(*asns: int, sets: tuple[int, ...] = ()) -> bytes:
    segs: list[tuple[int, tuple[int, ...]]] = [(2, asns)]
    if sets:
        segs.append((1, sets))
    return e.Attrs(path=segs).encode()


def _edge_rib(path: Path, shift: int = 0) -> None:
    """IPv4 and IPv6 (/0, /48, /64, /127, /128) prefixes; a prefix in two records; ADD-PATH
    with two paths from one peer; a TABLE_DUMP v1 duplicate of a TDv2 route; AS_SET and
    prepended paths; a path that repeats a hop; one-ASN paths; an IPv6 peer; MOAS."""
    peers = [
        e.Peer("192.0.2.1", 64501),
        e.Peer("192.0.2.2", 64502),
        e.Peer("2001:db8::3", 64503),
        e.Peer("192.0.2.4", 4200000001),
    ]
    seq = iter(range(1000))
    recs = [e.peer_index_table(TS, peers)]

    def rib(prefix: str, entries: list[e.RibEntry], addpath: bool = False) -> None:
        recs.append(e.rib_record(TS, next(seq), prefix, entries, addpath=addpath))

    a = 65000 + shift
    rib("0.0.0.0/0", [e.RibEntry(0, _path(64501, 3356))])
    rib("10.0.0.0/8", [e.RibEntry(i, _path(64501 + i, a, a, 65010)) for i in (0, 1, 3)])
    rib("10.0.0.0/16", [e.RibEntry(0, _path(64501, 65010, a, 65010, a))])  # repeats a hop
    rib("10.0.0.0/16", [e.RibEntry(1, _path(64502, 65020)), e.RibEntry(0, _path(64501, 65010))])
    rib("10.1.0.0/24", [e.RibEntry(0, _path(64501, a, sets=(65040, 65041, 65040)))])
    rib("10.1.1.0/24", [e.RibEntry(i, _path(64501 + i)) for i in (0, 1)])  # one-ASN paths
    rib(
        "10.2.0.0/24",
        [e.RibEntry(0, _path(64501, 65030), path_id=1), e.RibEntry(0, _path(64501, a, 65031),
                                                                    path_id=2)],
        addpath=True,
    )  # fmt: skip
    for prefix in ("2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64",
                   "2001:db8:1:2::/127", "2001:db8:1:2::1/128", "::/0"):  # fmt: skip
        rib(prefix, [e.RibEntry(2, _path(64503, a, 65050)), e.RibEntry(0, _path(64501, 65051))])
    v1 = e.Attrs(path=[(2, (64501, a, 65010))]).encode(asn_len=2)  # TABLE_DUMP: 2-byte ASNs
    recs.append(e.table_dump_v1(TS, "10.0.0.0/8", "192.0.2.1", 64501, v1))
    rib("10.3.0.0/24", [e.RibEntry(3, _path(4200000001, a, 4200000002))])
    path.write_bytes(b"".join(recs))


@pytest.mark.shared
def test_real_rib_streaming_equals_sql(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rib = shared_data / "bgp/derived/rrc06-full-20100701.tdv2.mrt.gz"
    pqt = Path(ingest_file(rib, tmp_path, collector="rrc06").output)
    day = date(2010, 7, 1)
    old = _sql([pqt], day)
    assert old["bgp_prefix_origins"].num_rows == 323_776  # the file's, as before
    _assert_same(_streamed([pqt], day), old)
    monkeypatch.setattr(derived, "ROWS_PER_PASS", 200_000)  # spilled to partitions
    _assert_same(_streamed([pqt], day, batch_size=50_000), old)


@pytest.mark.parametrize("rows_per_pass", [derived.ROWS_PER_PASS, 5])
@pytest.mark.parametrize("batch_size", [1 << 17, 3])
def test_edge_cases_streaming_equals_sql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows_per_pass: int, batch_size: int
) -> None:
    """Two collectors, and a third file whose collector is unknown (its rows count for the
    peers, and join no peer for origins and links, as in SQL); records split across batches
    (batch_size 3) and rows spilled to partitions (rows_per_pass 5)."""
    parquets = []
    for i, name in enumerate(("rrc98.bview.20240501.0000.mrt", "rrc99.bview.20240501.0000.mrt",
                              "unknown.mrt")):  # fmt: skip
        rib = tmp_path / name
        _edge_rib(rib, shift=i)
        parquets.append(Path(ingest_file(rib, tmp_path / f"pq{i}").output))
    monkeypatch.setattr(derived, "ROWS_PER_PASS", rows_per_pass)
    old = _sql(parquets, DAY)
    assert old["bgp_prefix_origins"].num_rows > 10 and old["bgp_as_links"].num_rows > 10
    assert None in old["bgp_peers"]["collector"].to_pylist()
    _assert_same(_streamed(parquets, DAY, batch_size), old)


def test_build_step_streams_while_decoding(tmp_path: Path) -> None:
    """The step's own path (decode and aggregate in one pass; then again from the cache)
    gives the tables of the reference on the decoded files."""
    from nethealth.lake.build import StepContext
    from nethealth.lake.raw import RawStore
    from nethealth.settings import load_settings

    settings = load_settings(data_dir=tmp_path / "data")
    store = RawStore(settings.raw_dir)
    for i, coll in enumerate(("rrc98", "rrc99")):
        src = tmp_path / f"{coll}.mrt"
        _edge_rib(src, shift=i)
        store.store_file(
            "bgp-ris", DAY.isoformat(), f"{coll}.bview.20240501.0000", src, url=f"file:///{coll}",
            licence="test", upstream_modified=None,
        )  # fmt: skip
    settings.lake_dir.mkdir(parents=True, exist_ok=True)
    for run in range(2):  # the first decodes, the second reads the decoded-RIB cache
        ctx = StepContext(settings, "bgp", store, settings.lake_dir, lambda *_: None)
        derived.build(ctx)
        got = {n: pq.read_table(ctx.staged[n]) for n in derived.OUTPUTS}
        ctx.discard()
        cached = sorted(derived.cache_dir(settings.lake_dir).glob("*.parquet"))
        assert len(cached) == 2, run
        old = _sql(cached, DAY)
        for name in ("bgp_peers", "bgp_prefix_origins", "bgp_as_links"):
            assert got[name].equals(old[name]), (run, name)


def test_path_hashes_tell_order_and_length_apart() -> None:
    lists = [[1, 2, 3], [3, 2, 1], [1, 2, 3], [1, 2], [1, 2, 3, 0], [0, 1, 2, 3]]
    values = np.array([v for x in lists for v in x], dtype=np.uint32)
    offsets = np.concatenate([[0], np.cumsum([len(x) for x in lists])])
    h = path_hashes(values, offsets).tolist()
    assert h[0] == h[2]
    assert len({h[0], h[1], h[3], h[4], h[5]}) == 5


def test_prefix_keys_are_exact_for_ipv4() -> None:
    af = np.array([4, 4, 4, 6, 6], dtype=np.int8)
    plen = np.array([8, 16, 0, 32, 128], dtype=np.uint8)
    rs = np.array([0x0A000000, 0x0A000000, 0, 0x20010DB800000000, 0], dtype=np.uint64)
    rsl = np.array([0, 0, 0, 0, 1], dtype=np.uint64)
    k = prefix_keys(af, plen, rs, rsl)
    assert k[:3].tolist() == [(0x0A000000 << 8) | 8, (0x0A000000 << 8) | 16, 0]
    assert (k[3:] >> np.uint64(63)).tolist() == [1, 1] and k[3] != k[4]


def test_spill_folders_are_removed_by_prune(tmp_path: Path) -> None:
    """Spilled partitions live in the decoded-RIB folder; `close` removes them, and a run that
    was killed before it could leaves them to the next prune."""
    folder = derived.cache_dir(tmp_path)
    aggregate = RibAggregate(0, folder)  # spills at once
    rib = tmp_path / "rrc98.bview.20240501.0000.mrt"
    _edge_rib(rib)
    derived.read_into(aggregate, Path(ingest_file(rib, tmp_path / "pq").output))
    spills = list(folder.glob(".bgp-aggregate-*"))
    assert len(spills) == 1 and any(spills[0].iterdir())
    aggregate.close()
    assert not spills[0].exists()
    (folder / ".bgp-aggregate-left").mkdir()
    derived.prune_cache(tmp_path, [])
    assert not list(folder.glob(".bgp-aggregate-*"))
