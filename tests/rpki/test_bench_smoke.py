"""The benchmark's generator and both of its sides, at a small size: py-radix (a radix-tree
RFC 6811 loop, dev-only) must give every route the same state as the vectorised engine."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from benchmarks.bench_rov import generate, run_nethealth, run_radix
from nethealth.common.prefixes import format_prefixes
from nethealth.formats.vrp import vrp_table


def test_engine_and_py_radix_agree_on_generated_tables() -> None:
    pytest.importorskip("radix", reason="py-radix is the benchmark's dev-only peer")
    vrps, routes, origin = generate(20_000, 40_000, seed=3)
    vrp_text = format_prefixes(vrps["af"], vrps["hi"], vrps["lo"], vrps["length"])
    route_text = format_prefixes(routes.af, routes.hi, routes.lo, routes.length)
    table = vrp_table(
        vrp_text,
        vrps["max_length"].tolist(),
        vrps["asn"].tolist(),
        [None] * len(vrp_text),
        path="generated",
    )
    ours = run_nethealth(table, pa.array(route_text), origin)
    peer = run_radix(
        vrp_text, vrps["max_length"].tolist(), vrps["asn"].tolist(), route_text, origin.tolist()
    )
    assert np.array_equal(ours.state, peer.state)
    counts = np.bincount(ours.state, minlength=3)
    assert counts.min() > 1000  # every state is well represented
