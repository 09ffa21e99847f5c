"""BGP visibility (IODA's metric) against an independent reference: a plain-Python replay of
Debian bgpdump's text output of the same simulated MRT files; plus edge cases on small
hand-built element tables."""

from __future__ import annotations

import calendar
import ipaddress
import itertools
import shutil
import subprocess
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from nethealth.formats.mrt_schema import SCHEMA
from nethealth.outages import geo
from nethealth.outages.inputs import (
    MrtFile,
    coverage,
    delegation_files,
    find_mrt,
    read_bgp,
    select_mrt,
)
from nethealth.outages.signals.bgp import visibility

T0 = 1_748_736_000
STEP = 300


# ---------------------------------------------------------------- reference (bgpdump + dicts)
def _bgpdump_lines(path: Path) -> list[list[str]]:
    text = subprocess.run(
        ["bgpdump", "-m", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return [ln.split("|") for ln in text.splitlines() if ln]


def _units(prefix: str) -> tuple[int, int, int]:
    """(family, first, last + 1) of a prefix in /24 (IPv4) or /48 (IPv6) blocks."""
    net = ipaddress.ip_network(prefix, strict=False)
    unit = 8 if net.version == 4 else 80
    first = int(net.network_address) >> unit
    return net.version, first, first + (1 << (net.max_prefixlen - unit - net.prefixlen))


def _max_weighted_length(intervals: list[tuple[int, int, float]]) -> float:
    """Sum over elementary stretches of length × the largest weight covering them."""
    cuts = sorted({x for lo, hi, _w in intervals for x in (lo, hi)})
    return sum(
        (b - a) * max((w for lo, hi, w in intervals if lo <= a and b <= hi), default=0.0)
        for a, b in itertools.pairwise(cuts)
    )


def _union_length(intervals: list[tuple[int, int]]) -> int:
    total, reach = 0, None
    for lo, hi in sorted(intervals):
        if reach is None or lo > reach:
            total += hi - lo
            reach = hi
        elif hi > reach:
            total += hi - reach
            reach = hi
    return total


Row = tuple[Any, ...]


def _weight(seen: int, up: int) -> float:
    if seen > 0.5 * up or (seen >= 1 and seen >= up - 1):
        return 1.0
    return min(1.0, seen / (up // 2 + 1))


def reference(files: list[MrtFile], ranges: pa.Table, n: int) -> dict[tuple[str, str], list[float]]:
    """Replay per peer, sample at every bin end, count /24s (or /48s) of visible prefixes;
    and the peer-weighted count (weight 1 above half the peers up or from all but one, else
    peers / (half the peers up, rounded down, + 1); largest weight where prefixes nest)."""
    events: list[tuple[float, int, str, str, str, int | None]] = []
    rib_size: dict[tuple[str, int], int] = defaultdict(int)
    info: dict[str, tuple[int, int, int]] = {}
    for f in files:
        for p in _bgpdump_lines(f.path):
            kind, ts, peer = p[2], float(p[1]), f"{f.collector}|{p[3]}"
            if kind not in ("B", "A", "W"):
                continue
            net = ipaddress.ip_network(p[5], strict=False)
            if net.prefixlen > (24 if net.version == 4 else 48):
                continue
            info.setdefault(str(net), _units(str(net)))
            origin = int(p[6].split()[-1]) if kind != "W" and p[6] else None
            events.append((ts, len(events), peer, kind, str(net), origin))
            if kind == "B":
                rib_size[(peer, net.version)] += 1
    events.sort(key=lambda e: (e[0], e[1]))
    full = {}
    for af in (4, 6):
        biggest = max(v for (_p, a), v in rib_size.items() if a == af)
        full[af] = {p for (p, a), v in rib_size.items() if a == af and v >= 0.8 * biggest}
    country_units = {}
    for af in (4, 6):
        shift = 8 if af == 4 else 16
        rows = ranges.filter(pa.compute.equal(ranges["af"], af)).to_pylist()
        country_units[af] = [(r["start"] >> shift, (r["end"] >> shift) + 1, r["cc"]) for r in rows]

    def split(af: int, lo: int, hi: int) -> list[tuple[str, int, int]]:
        out = []
        for s_, e_, cc in country_units[af]:  # plain scan: independent of any index
            a_, b_ = max(lo, s_), min(hi, e_)
            if a_ < b_:
                out.append((cc, a_, b_))
        return out

    state: dict[str, dict[str, int]] = defaultdict(dict)
    out: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * n)
    k = 0
    for b in range(n):
        end = T0 + (b + 1) * STEP
        while k < len(events) and events[k][0] < end:
            _ts, _o, peer, kind, prefix, origin = events[k]
            if kind == "W":
                state[peer].pop(prefix, None)
            else:
                state[peer][prefix] = origin  # type: ignore[assignment]
            k += 1
        for af, sig, wsig in ((4, "bgp", "bgp_weighted"), (6, "bgp6", "bgp6_weighted")):
            up = [
                p
                for p in full[af]
                if sum(1 for x in state[p] if info[x][0] == af) >= 0.5 * rib_size[(p, af)]
            ]
            seen: dict[str, int] = defaultdict(int)
            seen_route: dict[tuple[str, int], int] = defaultdict(int)
            for peer_up in up:
                for prefix, origin in state[peer_up].items():
                    if info[prefix][0] == af:
                        seen[prefix] += 1
                        seen_route[(prefix, origin)] += 1
            by_cc: dict[str, list[tuple[int, int]]] = defaultdict(list)
            by_asn: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for prefix, c in seen.items():
                if c > 0.5 * len(up):
                    for cc, lo, hi in split(af, info[prefix][1], info[prefix][2]):
                        by_cc[cc].append((lo, hi))
            for (prefix, origin), c in seen_route.items():
                if c > 0.5 * len(up):
                    by_asn[origin].append(info[prefix][1:])
            for cc, iv in by_cc.items():
                out[(sig, f"country:{cc}")][b] = float(_union_length(iv))
            for asn, iv in by_asn.items():
                out[(sig, f"asn:{asn}")][b] = float(_union_length(iv))
            w_cc: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
            w_asn: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
            for prefix, c in seen.items():
                for cc, lo, hi in split(af, info[prefix][1], info[prefix][2]):
                    w_cc[cc].append((lo, hi, _weight(c, len(up))))
            for (prefix, origin), c in seen_route.items():
                w_asn[origin].append((*info[prefix][1:], _weight(c, len(up))))
            for cc, wiv in w_cc.items():
                out[(wsig, f"country:{cc}")][b] = _max_weighted_length(wiv)
            for asn, wiv in w_asn.items():
                out[(wsig, f"asn:{asn}")][b] = _max_weighted_length(wiv)
    return out


@pytest.mark.skipif(shutil.which("bgpdump") is None, reason="Debian bgpdump is the reference")
@pytest.mark.parametrize("chunk_rows", [None, 37])
def test_visibility_equals_a_bgpdump_replay(
    tiny_sim: Path, chunk_rows: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also with tiny chunks: the per-key steps run chunk by chunk on big inputs, and a
    chunk must never split an atom's prefixes (a prefix and its more-specifics)."""
    if chunk_rows is not None:
        import nethealth.outages.signals.bgp as bgp_mod

        monkeypatch.setattr(bgp_mod, "CHUNK_ROWS", chunk_rows)
    start, end = T0, T0 + 86400  # the first day: a RIB, 288 RIS and 96 RouteViews files
    mirror = tiny_sim / "mirror"
    files = select_mrt(find_mrt([mirror / "ris", mirror / "routeviews"]), start, end)
    ranges = geo.ranges_from_delegated_files(
        [p for p in delegation_files([mirror / "rir"]) if p.name.endswith("-latest")]
    )
    got = visibility(read_bgp(files), ranges, start=start, end=end, coverage=coverage(files))
    n = got.bins
    ours = {(s.signal, s.entity): s.values for s in got.series}
    ref = reference(files, ranges, n)
    # every entity that is ever visible, in both directions, bin by bin
    assert {k for k, v in ref.items() if any(v)} == {k for k, v in ours.items() if np.nansum(v) > 0}
    for key, values in ref.items():
        if key[0].endswith("_weighted"):  # sums of fractional weights: equal to rounding
            np.testing.assert_allclose(ours[key], values, rtol=1e-12, atol=1e-9, err_msg=str(key))
        else:
            assert ours[key].tolist() == values, key
    changed = [k for k, v in ref.items() if len(set(v)) > 1]
    assert len(changed) >= 5  # the day's outages do show


# ---------------------------------------------------------------- hand-built tables
def _rows(spec: list[Row]) -> pa.Table:
    rows = []
    for t, peer, kind, prefix, origin in spec:
        net = ipaddress.ip_network(prefix) if prefix else None
        rows.append({
            "collector": "rrc00", "record_type": "BGP4MP", "elem_type": kind,
            "timestamp": datetime.fromtimestamp(T0 + t, UTC), "peer_ip": peer,
            "peer_asn": 64500 + int(peer.split(".")[-1]), "prefix": prefix,
            "af": net.version if net else None, "prefix_len": net.prefixlen if net else None,
            "range_start": (int(net.network_address) if net.version == 4 else
                            int(net.network_address) >> 64) if net else None,
            "origin_asns": [origin] if origin is not None else None,
            "new_state": 1 if kind == "state" else None,
        })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=SCHEMA)


RANGES = pa.table({"af": pa.array([4, 4], pa.int8()),
                   "start": pa.array([int(ipaddress.ip_address("10.0.0.0")),
                                      int(ipaddress.ip_address("10.1.0.0"))], pa.uint64()),
                   "end": pa.array([int(ipaddress.ip_address("10.0.255.255")),
                                    int(ipaddress.ip_address("10.1.255.255"))], pa.uint64()),
                   "cc": ["AA", "BB"]}, schema=geo.RANGE_SCHEMA)  # fmt: skip
PEERS = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]


def _rib(extra: tuple[Row, ...] | list[Row] = ()) -> list[Row]:
    base = [(0, p, "rib", pfx, 100) for p in PEERS for pfx in ("10.0.0.0/16", "10.0.1.0/24")]
    base += [(0, p, "rib", "10.1.0.0/23", 200) for p in PEERS]
    return base + list(extra)


def _series(spec: list[Row], bins: int = 6) -> dict[tuple[str, str], list[float]]:
    res = visibility([_rows(spec)], RANGES, start=T0, end=T0 + bins * STEP)
    return {(s.signal, s.entity): s.values.tolist() for s in res.series}


def test_nested_prefixes_count_once_and_countries_split() -> None:
    got = _series(_rib())
    assert got[("bgp", "country:AA")] == [256.0] * 6  # the /24 inside the /16 counts once
    assert got[("bgp", "country:BB")] == [2.0] * 6
    assert got[("bgp", "asn:100")] == [256.0] * 6 and got[("bgp", "asn:200")] == [2.0] * 6


def test_visibility_needs_more_than_half_of_the_full_feed_peers() -> None:
    # two of four peers withdraw the /23 in bin 1 (not > 50 %), a third in bin 3
    spec = _rib(
        [
            (310, PEERS[0], "withdraw", "10.1.0.0/23", None),
            (320, PEERS[1], "withdraw", "10.1.0.0/23", None),
            (950, PEERS[2], "withdraw", "10.1.0.0/23", None),
        ]
    )
    assert _series(spec)[("bgp", "country:BB")] == [2.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    spec = _rib(
        [
            (310, PEERS[0], "withdraw", "10.1.0.0/23", None),
            (950, PEERS[2], "withdraw", "10.1.0.0/23", None),
        ]
    )
    assert _series(spec)[("bgp", "country:BB")] == [2.0, 2.0, 2.0, 0.0, 0.0, 0.0]


def test_origin_change_moves_space_between_asns_not_countries() -> None:
    hijack = [(400, p, "announce", "10.1.0.0/23", 666) for p in PEERS[:3]]
    got = _series(_rib(hijack))
    assert got[("bgp", "country:BB")] == [2.0] * 6
    assert got[("bgp", "asn:200")] == [2.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert got[("bgp", "asn:666")] == [0.0, 2.0, 2.0, 2.0, 2.0, 2.0]


def test_partial_feed_peers_do_not_count() -> None:
    partial = [(0, "192.0.2.9", "rib", "10.1.0.0/23", 200)]
    got = visibility([_rows(_rib(partial))], RANGES, start=T0, end=T0 + STEP)
    assert "rrc00|192.0.2.9" not in got.full_feed[4] and len(got.full_feed[4]) == 4


def test_a_session_going_down_removes_its_routes_from_the_threshold() -> None:
    # peers 1 and 2 go down; the two remaining peers still see everything: visible (2 > 1)
    spec = _rib([(400, PEERS[0], "state", None, None), (400, PEERS[1], "state", None, None)])
    res = visibility([_rows(spec)], RANGES, start=T0, end=T0 + 3 * STEP)
    assert res.peers_up[4].tolist() == [4, 2, 2]
    got = {(s.signal, s.entity): s.values.tolist() for s in res.series}
    assert got[("bgp", "country:BB")] == [2.0, 2.0, 2.0]


def test_no_data_after_the_collector_coverage_ends() -> None:
    res = visibility(
        [_rows(_rib())], RANGES, start=T0, end=T0 + 4 * STEP, coverage={"rrc00": T0 + 2 * STEP}
    )
    got = {(s.signal, s.entity): s.values for s in res.series}
    assert got[("bgp", "country:AA")][:2].tolist() == [256.0, 256.0]
    assert np.isnan(got[("bgp", "country:AA")][2:]).all()


def test_calendar_sanity() -> None:
    assert calendar.timegm((2025, 6, 1, 0, 0, 0)) == T0


def test_weighted_visibility_ignores_one_peer_of_two_and_degrades_gracefully() -> None:
    """With two full-feed peers IODA's count needs both (> 50 %): one peer's withdrawal
    takes the space away. The peer-weighted count keeps it while the other peer sees it and
    drops only when both lose it."""
    two = PEERS[:2]
    rib = [(0, p, "rib", pfx, 100) for p in two for pfx in ("10.0.0.0/16", "10.0.1.0/24")]
    rib += [(0, p, "rib", "10.1.0.0/23", 200) for p in two]
    spec = [*rib, (310, two[0], "withdraw", "10.1.0.0/23", None),
            (950, two[1], "withdraw", "10.1.0.0/23", None)]  # fmt: skip
    got = _series(spec)
    assert got[("bgp", "country:BB")] == [2.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert got[("bgp_weighted", "country:BB")] == [2.0, 2.0, 2.0, 0.0, 0.0, 0.0]
    assert got[("bgp_weighted", "asn:200")] == [2.0, 2.0, 2.0, 0.0, 0.0, 0.0]
    # four peers: at or below half of them the weight falls in proportion (the smallest
    # count IODA calls visible, 3, weighs 1): 2 of 4 weigh 2/3, in the bin IODA's count drops
    spec = _rib([(310, p, "withdraw", "10.1.0.0/23", None) for p in PEERS[:2]]
                + [(950, PEERS[2], "withdraw", "10.1.0.0/23", None)])  # fmt: skip
    got = _series(spec)
    assert got[("bgp", "country:BB")] == [2.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert got[("bgp_weighted", "country:BB")] == pytest.approx([2.0, 4 / 3, 4 / 3, 2 / 3,
                                                                 2 / 3, 2 / 3])  # fmt: skip
    # one peer of three or four alone never lowers it
    spec = _rib([(310, PEERS[0], "withdraw", "10.1.0.0/23", None)])
    assert _series(spec)[("bgp_weighted", "country:BB")] == [2.0] * 6


def test_a_collector_gap_is_no_data_not_a_drop() -> None:
    res = visibility([_rows(_rib())], RANGES, start=T0, end=T0 + 4 * STEP,
                     gaps={"rrc00": [(T0 + STEP, T0 + 2 * STEP)]})  # fmt: skip
    got = {(s.signal, s.entity): s.values for s in res.series}
    for sig in ("bgp", "bgp_weighted"):
        v = got[(sig, "country:AA")]
        assert v[0] == 256.0 and np.isnan(v[1]) and v[2:].tolist() == [256.0, 256.0]


def test_peer_losses_say_which_peers_lost_an_entity() -> None:
    from nethealth.outages.signals.bgp import peer_losses

    spec = _rib([(310, PEERS[0], "withdraw", "10.1.0.0/23", None)])
    res = visibility([_rows(spec)], RANGES, start=T0, end=T0 + 3 * STEP, keep_views=True)
    got = peer_losses(res.views[4], "country:BB", 0, 1)
    assert got == {f"rrc00|{p}": (2.0, 0.0 if p == PEERS[0] else 2.0) for p in PEERS}
    assert peer_losses(res.views[4], "asn:100", 0, 2)[f"rrc00|{PEERS[0]}"] == (256.0, 256.0)
