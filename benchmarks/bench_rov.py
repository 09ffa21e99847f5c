"""Benchmark: nethealth's vectorised RFC 6811 validator against a py-radix loop, same input.

    .venv/bin/python benchmarks/bench_rov.py [--routes 1000000] [--vrps 500000] [--seed 1]

Generates a deterministic, realistic VRP set and route table (nested allocations and
more-specifics, maxLength variety, AS0 ROAs, MOAS ROAs, IPv4 and IPv6 including prefixes
beyond /64, valid, invalid and not-found routes), then in the same process:

- nethealth: compile the VRP index, parse the route prefixes from text, validate;
- peer: build a py-radix tree of the VRPs and run the textbook RFC 6811 loop over
  `search_covering()` for every route.

It asserts that both give every route the same state, and prints routes/s, the ratio and the
peak resident memory each side added (Linux VmHWM, reset between sides via clear_refs).
py-radix (BSD) is a dev-only dependency used as the peer.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from nethealth.common.prefixes import MASKS, format_prefixes, parse_prefixes
from nethealth.formats.vrp import vrp_table
from nethealth.rpki.rov import INVALID, NOT_FOUND, VALID, VrpIndex

U64 = np.uint64


@dataclass
class Prefixes:
    af: np.ndarray
    hi: np.ndarray
    lo: np.ndarray
    length: np.ndarray


def _masked(hi: np.ndarray, lo: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return hi & MASKS[np.minimum(length, 64)], lo & MASKS[np.clip(length.astype(int) - 64, 0, 64)]


def _random_words(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**63, n, dtype=np.int64).astype(U64) << U64(1) | rng.integers(
        0, 2, n, dtype=np.int64
    ).astype(U64)


def generate(
    n_vrps: int, n_routes: int, seed: int
) -> tuple[dict[str, np.ndarray], Prefixes, np.ndarray]:
    """VRP columns (af, hi, lo, length, max_length, asn) and routes (prefixes, origin)."""
    rng = np.random.default_rng(seed)
    n6 = n_vrps // 5
    n4 = n_vrps - n6
    parts = []
    for af, n, alloc_lens, sub_extra, width in (
        (4, n4, (16, 25), (1, 9), 32),
        (6, n6, (29, 41), (4, 17), 128),
    ):
        # Allocations: a fifth of the VRPs; the rest are more-specifics inside them.
        n_alloc = n // 5
        a_len = rng.integers(*alloc_lens, n_alloc).astype(np.uint8)
        # Holders' space: 0.0.0.0/1 and 2000::/4; routes outside it are mostly not-found.
        a_hi = _random_words(rng, n_alloc) >> U64(1)
        if af == 4:
            a_hi &= MASKS[32]
        else:
            a_hi = (a_hi >> U64(3)) | U64(0x2 << 60)
        a_lo = np.zeros(n_alloc, U64)
        a_hi, a_lo = _masked(a_hi, a_lo, a_len)
        a_asn = rng.integers(1, 400_000, n_alloc).astype(np.uint32)
        n_sub = n - n_alloc
        parent = rng.integers(0, n_alloc, n_sub)
        s_len = np.minimum(a_len[parent] + rng.integers(*sub_extra, n_sub), width).astype(np.uint8)
        if af == 6:  # a few IPv6 VRPs beyond /64 (exercise the 128-bit path)
            deep = rng.random(n_sub) < 0.01
            s_len[deep] = rng.integers(65, 129, int(deep.sum()))
        s_hi = a_hi[parent] | (_random_words(rng, n_sub) & ~MASKS[np.minimum(a_len[parent], 64)])
        if af == 4:
            s_hi &= MASKS[32]
        s_lo = np.where(s_len > 64, _random_words(rng, n_sub), U64(0))
        s_hi, s_lo = _masked(s_hi, s_lo, s_len)
        # Mostly the allocation holder; some customers (other ASNs), some AS0 (RFC 7607).
        s_asn = a_asn[parent].copy()
        other = rng.random(n_sub) < 0.25
        s_asn[other] = rng.integers(1, 400_000, int(other.sum()))
        s_asn[rng.random(n_sub) < 0.01] = 0
        hi = np.concatenate([a_hi, s_hi])
        lo = np.concatenate([a_lo, s_lo])
        length = np.concatenate([a_len, s_len])
        asn = np.concatenate([a_asn, s_asn])
        # maxLength: mostly exact, some up to /24 (/48), some a few bits longer.
        cap = 24 if af == 4 else 48
        pick = rng.random(n)
        max_len = length.astype(np.int64)
        wide = pick < 0.25
        max_len[wide] = np.maximum(length[wide], cap)
        some = (pick >= 0.25) & (pick < 0.4)
        max_len[some] = np.minimum(length[some] + rng.integers(1, 5, int(some.sum())), width)
        parts.append((np.full(n, af, np.uint8), hi, lo, length, max_len.astype(np.uint8), asn))
    vrps = {
        k: np.concatenate([p[i] for p in parts])
        for i, k in enumerate(("af", "hi", "lo", "length", "max_length", "asn"))
    }
    # Routes: 55% derived from VRPs (within maxLength, 4% beyond it, 3% with a foreign
    # origin), 45% random prefixes (mostly outside the holders' space: not-found).
    nv = len(vrps["af"])
    n_derived = int(n_routes * 0.55)
    src = rng.integers(0, nv, n_derived)
    r_af = vrps["af"][src]
    r_width = np.where(r_af == 4, 32, 128)
    v_len = vrps["length"][src].astype(np.int64)
    v_max = vrps["max_length"][src].astype(np.int64)
    r_len = v_len + (rng.random(n_derived) * (v_max - v_len + 1)).astype(np.int64)
    beyond = rng.random(n_derived) < 0.04  # more specific than maxLength
    r_len[beyond] = v_max[beyond] + rng.integers(1, 4, int(beyond.sum()))
    r_len = np.minimum(r_len, r_width).astype(np.uint8)
    r_hi = vrps["hi"][src] | (
        _random_words(rng, n_derived) & ~MASKS[np.minimum(vrps["length"][src], 64)]
    )
    r_hi = np.where(r_af == 4, r_hi & MASKS[32], r_hi)
    r_lo = vrps["lo"][src] | np.where(r_len > 64, _random_words(rng, n_derived), U64(0))
    r_hi, r_lo = _masked(r_hi, r_lo, r_len)
    origin = vrps["asn"][src].astype(np.int64)
    wrong = rng.random(n_derived) < 0.03
    origin[wrong] = rng.integers(1, 400_000, int(wrong.sum()))
    n_rand = n_routes - n_derived
    q_af = np.where(rng.random(n_rand) < 0.8, 4, 6).astype(np.uint8)
    q_len = np.where(q_af == 4, rng.integers(16, 25, n_rand), rng.integers(29, 49, n_rand)).astype(
        np.uint8
    )
    q_hi = _random_words(rng, n_rand)
    outside = rng.random(n_rand) < 0.9  # 10% anywhere: some hit VRPs with a foreign origin
    q_hi[outside] = (q_hi[outside] >> U64(4)) | U64(0xB << 60)  # 176.0.0.0/4, b000::/4
    q_hi = np.where(q_af == 4, q_hi & MASKS[32], q_hi)
    q_hi, q_lo = _masked(q_hi, np.zeros(n_rand, U64), q_len)
    q_origin = rng.integers(1, 400_000, n_rand).astype(np.int64)
    order = rng.permutation(n_routes)
    routes = Prefixes(
        np.concatenate([r_af, q_af])[order],
        np.concatenate([r_hi, q_hi])[order],
        np.concatenate([r_lo, q_lo])[order],
        np.concatenate([r_len, q_len])[order],
    )
    return vrps, routes, np.concatenate([origin, q_origin])[order]


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> int:
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    return _status("VmRSS")


@dataclass
class Run:
    index_s: float  # compiling the VRPs (our index / the radix tree)
    validate_s: float  # validating every route
    peak_mib: float  # resident memory added at the peak, beyond the inputs
    state: np.ndarray
    parse_s: float = 0.0  # ours: route text -> integer columns (py-radix parses inside)

    def figures(self) -> dict[str, float]:
        keys = ("index_s", "parse_s", "validate_s", "peak_mib")
        return {k: round(float(getattr(self, k)), 3) for k in keys}


def run_nethealth(vrp_tab: pa.Table, route_text: pa.Array, origin: np.ndarray) -> Run:
    base = _reset_peak()
    t0 = time.perf_counter()
    index = VrpIndex.from_table(vrp_tab)
    t1 = time.perf_counter()
    p = parse_prefixes(route_text)
    t2 = time.perf_counter()
    result = index.validate(p.af, p.hi, p.lo, p.length, origin)
    t3 = time.perf_counter()
    peak = (_status("VmHWM") - base) / 2**20
    return Run(t1 - t0, t3 - t2, peak, result.state, parse_s=t2 - t1)


def run_radix(
    vrp_text: list[str],
    vrp_max: list[int],
    vrp_asn: list[int],
    route_text: list[str],
    origin: list[int],
) -> Run:
    import radix  # dev-only peer (py-radix, BSD)

    base = _reset_peak()
    t0 = time.perf_counter()
    tree = radix.Radix()
    for prefix, max_len, asn in zip(vrp_text, vrp_max, vrp_asn, strict=True):
        node = tree.search_exact(prefix) or tree.add(prefix)
        node.data.setdefault("vrps", []).append((asn, max_len))
    t1 = time.perf_counter()
    state = np.empty(len(route_text), np.uint8)
    for i, (prefix, asn) in enumerate(zip(route_text, origin, strict=True)):
        covering = tree.search_covering(prefix)
        if not covering:
            state[i] = NOT_FOUND
            continue
        length = int(prefix.rsplit("/", 1)[1])
        state[i] = INVALID
        if asn > 0 and any(
            v_asn == asn and length <= v_max
            for node in covering
            for v_asn, v_max in node.data["vrps"]
        ):
            state[i] = VALID
    t2 = time.perf_counter()
    return Run(t1 - t0, t2 - t1, (_status("VmHWM") - base) / 2**20, state)


def best(runs: list[Run]) -> Run:
    return Run(
        min(r.index_s for r in runs),
        min(r.validate_s for r in runs),
        max(r.peak_mib for r in runs),
        runs[0].state,
        parse_s=min(r.parse_s for r in runs),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--routes", type=int, default=1_000_000)
    ap.add_argument("--vrps", type=int, default=500_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs per side (interleaved); best kept")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()

    t = time.perf_counter()
    vrps, routes, origin = generate(args.vrps, args.routes, args.seed)
    vrp_text = format_prefixes(vrps["af"], vrps["hi"], vrps["lo"], vrps["length"])
    route_text = format_prefixes(routes.af, routes.hi, routes.lo, routes.length)
    n = len(vrp_text)
    t_load = time.perf_counter()
    vrp_tab = vrp_table(
        vrp_text, vrps["max_length"].tolist(), vrps["asn"].tolist(), [None] * n, path="generated"
    )
    t_load = time.perf_counter() - t_load
    print(
        f"generated {n:,} VRPs and {len(route_text):,} routes in {time.perf_counter() - t:.1f}s "
        f"(seed {args.seed})",
        flush=True,
    )

    # Interleaved runs, so that other load on the machine hits both sides alike; the best time
    # of each phase is kept (timeit's convention), memory is the largest peak.
    ours_runs, peer_runs = [], []
    for _ in range(args.repeat):
        ours_runs.append(run_nethealth(vrp_tab, pa.array(route_text), origin))
        peer_runs.append(
            run_radix(
                vrp_text,
                vrps["max_length"].tolist(),
                vrps["asn"].tolist(),
                route_text,
                origin.tolist(),
            )
        )
    ours, peer = best(ours_runs), best(peer_runs)
    same = all(np.array_equal(r.state, peer_runs[0].state) for r in [*ours_runs, *peer_runs])
    counts = np.bincount(ours.state, minlength=3)
    nr = len(route_text)
    ours_rps = nr / ours.validate_s
    ours_e2e = nr / (ours.validate_s + ours.parse_s)
    peer_rps = nr / peer.validate_s
    figures = {
        "routes": nr,
        "vrps": n,
        "seed": args.seed,
        "repeat": args.repeat,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu": platform.processor() or platform.machine(),
        "states": {
            "valid": int(counts[VALID]),
            "invalid": int(counts[INVALID]),
            "not_found": int(counts[NOT_FOUND]),
        },
        "identical_states": bool(same),
        "vrp_table_from_text_s": round(t_load, 3),
        "nethealth": ours.figures(),
        "py_radix": peer.figures(),
        "routes_per_s": {
            "nethealth_validate": round(ours_rps),
            "nethealth_parse_and_validate": round(ours_e2e),
            "py_radix_loop": round(peer_rps),
        },
        "ratio_validate": round(ours_rps / peer_rps, 1),
        "ratio_parse_and_validate": round(ours_e2e / peer_rps, 1),
        "ratio_index_build": round(peer.index_s / ours.index_s, 1),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if not same:
        diff = np.flatnonzero(ours.state != peer.state)
        i = int(diff[0])
        print(
            f"MISMATCH on {diff.size} routes, first {route_text[i]} AS{origin[i]}: "
            f"nethealth {ours.state[i]} py-radix {peer.state[i]}",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
