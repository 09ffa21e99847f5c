"""The RIPE Atlas signal: probes (and targets) reachable per bin, per country and ASN."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from nethealth.formats.atlas import PROBE_SCHEMA, RESULT_SCHEMA
from nethealth.outages import geo
from nethealth.outages.signals.atlas import signals

T0 = 1_748_736_000


def results(rows: list[tuple[int, int, bool, str]]) -> pa.Table:
    return pa.Table.from_pylist([
        {"type": "ping", "msm_id": 1001, "prb_id": p, "fw": 5080,
         "timestamp": datetime.fromtimestamp(T0 + t, UTC), "dst_addr": dst,
         "from_addr": None, "step": 240, "reached": ok}
        for t, p, ok, dst in rows], schema=RESULT_SCHEMA)  # fmt: skip


PROBES = pa.Table.from_pylist(
    [
        {"prb_id": 1, "asn_v4": 64501, "country": "AA"},
        {"prb_id": 2, "asn_v4": 64501, "country": "AA"},
        {"prb_id": 3, "asn_v4": 64502, "country": "BB"},
    ],
    schema=PROBE_SCHEMA,
)
RANGES = pa.table(
    {
        "af": pa.array([4], pa.int8()),
        "start": pa.array([0xC0000200], pa.uint64()),
        "end": pa.array([0xC00002FF], pa.uint64()),
        "cc": ["CC"],
    },
    schema=geo.RANGE_SCHEMA,
)


def test_probe_counts_drop_when_probes_stop_reporting_or_fail() -> None:
    rows = []
    for t in range(0, 6 * 3600, 240):
        rows.append((t + 10, 1, True, "192.0.2.1"))
        if t < 3600:  # probe 2 stops reporting after an hour
            rows.append((t + 20, 2, True, "192.0.2.1"))
        rows.append((t + 30, 3, t < 7200, "192.0.2.1"))  # probe 3 fails after two hours
    got = {
        (s.signal, s.entity): s.values
        for s in signals(results(rows), start=T0, end=T0 + 6 * 3600, probes=PROBES, ranges=RANGES)
    }
    aa = got[("atlas", "country:AA")]
    assert (aa[:12] == 2).all() and (aa[16:-1] == 1).all()
    assert np.isnan(aa[-1])  # the last bin ends after the last result: no data
    # a silent probe keeps counting for 2.5 intervals (600 s) after its last success
    last = 3600 - 240 + 20
    first_gone = (last + 600) // 300  # the first bin whose end is past that
    assert aa[first_gone - 1] == 2 and aa[first_gone] == 1
    assert got[("atlas", "asn:64502")][30] == 0 and got[("atlas", "asn:64502")][20] == 1
    # the target (in CC) is reached as long as any probe reaches it
    assert (got[("atlas_targets", "country:CC")][:-1] == 1).all()


def test_no_data_outside_the_span_is_nan_not_zero() -> None:
    rows = [(t, 1, True, "192.0.2.1") for t in range(0, 3600, 240)]
    (s, *_) = signals(
        results(rows),
        start=T0 - 600,
        end=T0 + 7200,
        probes=PROBES,
        ranges=RANGES,
        data_span=(T0, T0 + 3600),
    )
    # before the data, and before every probe had its first turn (240 s): no data
    assert np.isnan(s.values[:2]).all()
    assert (s.values[2:14] == 1).all() and np.isnan(s.values[14:]).all()
