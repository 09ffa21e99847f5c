"""BGP visibility computed part by part of the address space (`signals.bgp_parts`) against
the same bgpdump replay as the whole computation, and against the whole computation itself:
series, peers, where networks' space lies, the state at the end and the peers' answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nethealth.outages import geo
from nethealth.outages.inputs import coverage, delegation_files, find_mrt, read_bgp, select_mrt
from nethealth.outages.signals import bgp
from nethealth.outages.signals.bgp_parts import PeerQuestion, visibility_parts
from tests.outages.test_bgp_signal import PEERS, RANGES, STEP, T0, _rib, _rows, reference

DAY = 86400


def _day(tiny_sim: Path) -> tuple[list[object], pa.Table]:
    mirror = tiny_sim / "mirror"
    files = select_mrt(find_mrt([mirror / "ris", mirror / "routeviews"]), T0, T0 + DAY)
    ranges = geo.ranges_from_delegated_files(
        [p for p in delegation_files([mirror / "rir"]) if p.name.endswith("-latest")]
    )
    return list(files), ranges


def _by_key(series: list[bgp.Series]) -> dict[tuple[str, str], np.ndarray]:
    return {(s.signal, s.entity): s.values for s in series}


def _same_series(a: list[bgp.Series], b: list[bgp.Series]) -> None:
    ours, theirs = _by_key(a), _by_key(b)
    assert ours.keys() == theirs.keys()
    for key, values in theirs.items():
        np.testing.assert_allclose(ours[key], values, rtol=1e-12, atol=1e-9, err_msg=str(key))


@pytest.mark.skipif(shutil.which("bgpdump") is None, reason="Debian bgpdump is the reference")
def test_parts_equal_a_bgpdump_replay(tiny_sim: Path, tmp_path: Path) -> None:
    files, ranges = _day(tiny_sim)
    got = visibility_parts(read_bgp(files), ranges, start=T0, end=T0 + DAY,  # type: ignore[arg-type]
                           coverage=coverage(files), work_dir=tmp_path / "w",  # type: ignore[arg-type]
                           part_rows=1)  # fmt: skip
    assert got.parts >= 8  # every piece of the tiny world its own part
    ours = _by_key(got.result.series)
    ref = reference(files, ranges, got.result.bins)  # type: ignore[arg-type]
    assert {k for k, v in ref.items() if any(v)} == {k for k, v in ours.items() if np.nansum(v) > 0}
    for key, values in ref.items():
        np.testing.assert_allclose(ours[key], values, rtol=1e-12, atol=1e-9, err_msg=str(key))
    assert not (tmp_path / "w").exists()  # working files removed


def test_parts_equal_the_whole_computation(tiny_sim: Path, tmp_path: Path) -> None:
    """Series, peers and their table sizes, where each network's space lies, the routes at the
    end and the peers' answers, from a state carried in a file and the day's updates."""
    files, ranges = _day(tiny_sim)
    ups = [f for f in files if f.kind == "updates"]  # type: ignore[attr-defined]
    mid = T0 + DAY // 2
    first = bgp.visibility(read_bgp(files), ranges, start=T0, end=mid, keep_state=True)  # type: ignore[arg-type]
    assert first.state is not None
    state_file = tmp_path / "state.parquet"
    pq.write_table(first.state.routes, state_file)  # type: ignore[arg-type]
    carried = bgp.CarriedState(state_file, first.state.peers_table)
    late = [t.filter(pa.compute.greater_equal(t["t_us"], mid * bgp.US)) for t in read_bgp(ups)]  # type: ignore[arg-type]
    whole = bgp.visibility(late, ranges, start=mid, end=T0 + DAY, carried=carried,
                           keep_views=True, keep_state=True)  # fmt: skip
    biggest = sorted(whole.series, key=lambda s: -float(np.nanmax(s.values, initial=0)))
    country = next(s.entity for s in biggest if s.entity.startswith("country:"))
    asn = next(s.entity for s in biggest if s.entity.startswith("asn:"))
    asked = [PeerQuestion(e, af, 10, 60) for e in (country, asn, "country:ZZ") for af in (4, 6)]
    state: list[pa.Table] = []
    got = visibility_parts(late, ranges, start=mid, end=T0 + DAY, carried=carried,
                           work_dir=tmp_path / "w", state_out=state.append, questions=asked,
                           want_places=True, part_rows=1)  # fmt: skip
    assert got.parts >= 8
    _same_series(got.result.series, whole.series)
    assert got.result.peer_names == whole.peer_names
    assert got.result.full_feed == whole.full_feed
    for af in (4, 6):
        np.testing.assert_array_equal(got.result.peer_routes[af], whole.peer_routes[af])
        np.testing.assert_array_equal(got.result.rib_sizes[af], whole.rib_sizes[af])
        np.testing.assert_array_equal(got.result.peers_up[af], whole.peers_up[af])
    places = {}
    for af in sorted(whole.views):
        for asn, where in bgp.asn_places(whole.views[af]).items():
            for k, v in where.items():
                places.setdefault(asn, {}).setdefault(k, 0.0)
                places[asn][k] += v
    assert got.places == places
    assert whole.state is not None and got.state_peers is not None
    assert got.state_peers.equals(whole.state.peers_table)
    cols = ["peer", "af", "plen", "start", "origin"]
    mine = pa.concat_tables(state).sort_by([(c, "ascending") for c in cols])
    theirs = whole.state.routes.sort_by([(c, "ascending") for c in cols])  # type: ignore[union-attr]
    assert mine.equals(theirs)
    for q in asked:
        if q.af in whole.views:
            want = bgp.peer_losses(whole.views[q.af], q.entity, q.before, q.at)
            assert got.answered[q.af].losses(q.entity, q.before, q.at) == want  # whole units
    assert any(sum(u0 for u0, _u1 in got.answered[4].losses(q.entity, 10, 60).values()) > 0
               for q in asked if q.af == 4)  # fmt: skip


def test_a_prefix_wider_than_a_piece_keeps_its_more_specifics_in_its_part(tmp_path: Path) -> None:
    """10.0.0.0/7 spans the pieces of 10/8 and 11/8: with a more-specific in 11/8 of another
    origin, parts that split them would count 11.0.0.0/16 twice for the country."""
    ranges = pa.table({"af": pa.array([4], pa.int8()), "start": pa.array([10 << 24], pa.uint64()),
                       "end": pa.array([(12 << 24) - 1], pa.uint64()), "cc": ["AA"]},
                      schema=geo.RANGE_SCHEMA)  # fmt: skip
    spec = [(0, p, "rib", "10.0.0.0/7", 100) for p in PEERS]
    spec += [(0, p, "rib", "11.0.0.0/16", 300) for p in PEERS]
    spec += [(0, p, "rib", f"{x}.0.0.0/16", 400) for p in PEERS for x in (12, 13, 14)]
    spec += [(600, PEERS[0], "withdraw", "11.0.0.0/16", None)]
    end = T0 + 6 * STEP
    whole = bgp.visibility([_rows(spec)], ranges, start=T0, end=end)
    got = visibility_parts([_rows(spec)], ranges, start=T0, end=end, work_dir=tmp_path / "w",
                           part_rows=1)  # fmt: skip
    assert got.parts == 4  # 10/8 + 11/8 together, then 12, 13, 14
    _same_series(got.result.series, whole.series)
    assert _by_key(got.result.series)[("bgp", "country:AA")].tolist() == [2 * 256 * 256.0] * 6


def test_hand_built_tables_match(tmp_path: Path) -> None:
    spec = _rib([(600, PEERS[0], "state", None, None), (900, PEERS[1], "withdraw", "10.0.1.0/24",
                                                         None)])  # fmt: skip
    whole = bgp.visibility([_rows(spec)], RANGES, start=T0, end=T0 + 6 * STEP)
    got = visibility_parts([_rows(spec)], RANGES, start=T0, end=T0 + 6 * STEP,
                           work_dir=tmp_path / "w", part_rows=1)  # fmt: skip
    _same_series(got.result.series, whole.series)
    np.testing.assert_array_equal(got.result.peers_up[4], whole.peers_up[4])
