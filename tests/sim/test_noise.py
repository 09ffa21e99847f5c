"""The simulator's everyday noise: Atlas probes that come and go, BGP sessions that reset,
routine prefix withdrawals — checked in the written files (bgpdump for MRT)."""

from __future__ import annotations

import bz2
import datetime as dt
import ipaddress
import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from nethealth.sim import SimConfig, SimResult, run
from nethealth.sim.atlas import (
    PING_STEP,
    Downtime,
    _h,
    _merge,
    build_probes,
    platform_gaps,
    power_cut_plan,
    probe_downtime,
)
from nethealth.sim.collectors import build_collectors
from nethealth.sim.config import NoiseConfig
from nethealth.sim.output import OutputTree
from nethealth.sim.resources import build_resources
from nethealth.sim.ribs import Overrides, RouteTable, encode_collector, write_rib
from nethealth.sim.routing import Topology
from nethealth.sim.world import build_world

START = dt.date(2025, 6, 1)
T0 = int(dt.datetime(2025, 6, 1, tzinfo=dt.UTC).timestamp())


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    out = tmp_path_factory.mktemp("sim-clean")
    return run(
        SimConfig(out=out, seed=7, scale="tiny", days=1, start=START, noise=NoiseConfig(False))
    )


def _pings(res: SimResult) -> list[dict[str, object]]:
    out = []
    for f in sorted((res.config.out / "mirror/atlas/atlas-daily-dumps").rglob("ping-*.bz2")):
        out += [json.loads(ln) for ln in bz2.decompress(f.read_bytes()).splitlines()]
    return out


def test_noise_is_on_by_default_and_recorded(tiny: SimResult, clean: SimResult) -> None:
    doc = json.loads(tiny.manifest.read_text())
    assert doc["noise"]["enabled"] is True
    assert tiny.counts["atlas_noise_missing_results"] > 0
    assert tiny.counts["bgp_session_outages"] > 0
    assert clean.counts["atlas_noise_missing_results"] == 0
    assert clean.counts["bgp_session_outages"] == clean.counts["bgp_background_changes"] == 0
    assert len(_pings(clean)) > len(_pings(tiny))


def test_probe_gaps_match_the_downtime_model(tiny: SimResult) -> None:
    """No probe reports while the noise model has it down, and the slots it misses are its
    downtime, an injected outage of its network, or the ~1 % of single lost results."""
    world = build_world(tiny.config)
    probes, _ = build_probes(world, build_resources(world), tiny.config.noise)
    cfg = tiny.config.noise
    t1 = T0 + 86400
    gaps = platform_gaps(cfg, 7, T0, t1)
    power = power_cut_plan(probes, cfg, 7)
    seen: dict[int, set[int]] = defaultdict(set)
    for r in _pings(tiny):
        seen[int(r["prb_id"])].add(int(r["timestamp"]))  # type: ignore[call-overload]
    labels = json.loads((tiny.config.out / "labels/events.json").read_text())["events"]
    slots = unexplained = down_slots = 0
    for p in probes:
        d = probe_downtime(p, cfg, 7, T0, t1, gaps, power)
        offset = _h("phase", p.id) % PING_STEP
        for t in range(T0 + offset, t1, PING_STEP):
            slots += 1
            if d.down(t):
                down_slots += 1
                assert t not in seen[p.id], (p.id, t)
            elif t not in seen[p.id]:
                unexplained += not any(
                    e["start_ts"] <= t < (e["end_ts"] or t1) and p.asn in (e.get("asns") or [])
                    for e in labels
                )
    assert down_slots > 0
    assert unexplained <= 0.03 * slots


def test_downtime_intervals_merge_and_lookup() -> None:
    d = _merge([(10, 20), (15, 30), (40, 50)])
    assert (d.starts, d.ends) == ([10, 40], [30, 50])
    assert d.down(10) and d.down(29) and not d.down(30) and d.down(45) and not d.down(5)
    assert d.since(25) == 10 and d.since(35) is None
    late = Downtime(first_seen=100)
    assert late.down(99) and not late.down(100)


def test_anchors_disconnect_less_than_home_probes(tiny: SimResult) -> None:
    """Over many probe draws, anchors (stable hosts) are down far less than home probes."""
    world = build_world(tiny.config)
    probes, _ = build_probes(world, build_resources(world), NoiseConfig(anchor_share=0.5))
    cfg = NoiseConfig(power_cut_countries=0, platform_gaps_per_day=0)
    t1 = T0 + 30 * 86400
    down = {True: 0.0, False: 0.0}
    n = {True: 0, False: 0}
    for p in probes:
        d = probe_downtime(p, cfg, 7, T0, t1, [], {})
        total = sum(
            min(b, t1) - max(a, T0) for a, b in zip(d.starts, d.ends, strict=True) if b > T0
        )
        down[p.stable] += total
        n[p.stable] += 1
    assert n[True] and n[False]
    assert down[True] / n[True] < 0.2 * down[False] / n[False]


def test_archive_marks_probes_disconnected_at_snapshot_time(tiny: SimResult) -> None:
    world = build_world(tiny.config)
    probes, _ = build_probes(world, build_resources(world), tiny.config.noise)
    archive = tiny.config.out / "mirror/atlas/probes/archive/2025/06/20250601.json.bz2"
    objs = {o["id"]: o for o in json.loads(bz2.decompress(archive.read_bytes()))["objects"]}
    assert {o["status_name"] for o in objs.values()} <= {"Connected", "Disconnected"}
    for o in objs.values():
        if o["status_name"] == "Disconnected":
            assert o["last_connected"] < T0
        else:
            assert o["last_connected"] == T0
    assert any(o["is_anchor"] for o in objs.values())
    assert len(objs) <= len(probes) + 1


@pytest.mark.skipif(shutil.which("bgpdump") is None, reason="bgpdump not installed")
def test_session_outages_in_updates(tiny: SimResult) -> None:
    """bgpdump shows each outage as a state change down then up, the peer sends nothing in
    between and re-announces its table after."""
    root: Path = tiny.config.out
    states: list[tuple[float, str, str]] = []
    msgs: dict[str, list[float]] = defaultdict(list)
    asn_of: dict[str, int] = {}
    labels = json.loads((root / "labels/events.json").read_text())["events"]
    reannounced = 0
    for f in sorted(root.glob("mirror/**/updates.*")):
        out = subprocess.run(["bgpdump", "-m", str(f)], capture_output=True, check=True)
        for ln in out.stdout.decode().splitlines():
            x = ln.split("|")
            asn_of[x[3]] = int(x[4])
            if x[2] == "STATE":
                states.append((float(x[1]), x[3], x[6]))
            else:
                msgs[x[3]].append(float(x[1]))
    assert states
    downs = [(t, peer) for t, peer, new in states if new == "1"]
    ups = defaultdict(list)
    for t, peer, new in states:
        if new == "6":
            ups[peer].append(t)
    assert len(downs) == sum(len(v) for v in ups.values())
    for t, peer in downs:
        up = min(u for u in ups[peer] if u > t)
        assert not [m for m in msgs[peer] if t < m < up]  # silent while down
        cut_off = any(
            e["start_ts"] <= up < (e["end_ts"] or up + 1) and asn_of[peer] in (e.get("asns") or [])
            for e in labels
        )
        if not cut_off:  # (a peer inside a shutdown has nothing to re-announce)
            assert [m for m in msgs[peer] if up <= m < up + 900]  # table re-announced
            reannounced += 1
    assert reannounced > 0


@pytest.mark.skipif(shutil.which("bgpdump") is None, reason="bgpdump not installed")
def test_rib_dump_taken_while_a_session_is_down_lacks_its_peer(
    tiny: SimResult, tmp_path: Path
) -> None:
    world = build_world(tiny.config)
    res = build_resources(world)
    col = build_collectors(world, res, "tiny")[0]
    table = RouteTable(world, res, Topology(world), [s.as_idx for s in col.sessions])
    when = dt.datetime(2025, 6, 1, 2, 0)
    peers = {}
    for skip in (frozenset(), frozenset({0})):
        tree = OutputTree(tmp_path / str(len(skip)))
        write_rib(tree, table, encode_collector(table, col, T0, skip), when, Overrides())
        out = subprocess.run(
            ["bgpdump", "-m", str(tree.root / col.rib_path(when))], capture_output=True, check=True
        )
        peers[len(skip)] = {ln.split("|")[3] for ln in out.stdout.decode().splitlines()}
    down_ip = ipaddress.ip_address(col.sessions[0].ip)
    assert str(down_ip) in peers[0] and str(down_ip) not in peers[1]
    assert peers[1] == peers[0] - {str(down_ip)}


def test_a_world_of_no_days_is_simulated_with_its_noise_on(tmp_path: Path) -> None:
    """`days=0` (the RIBs at the start, no window): probes that would connect after the start
    have no window to connect in — the small world used to fail here."""
    res = run(SimConfig(out=tmp_path / "w", seed=3, scale="small", days=0))
    assert res.config.days == 0 and (tmp_path / "w" / "mirror").is_dir()
