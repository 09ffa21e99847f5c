"""MANRS-style scorecard on small hand-computed cases (expected values worked out in comments)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from nethealth.errors import InputError
from nethealth.routing.scorecard import (
    ScoreInputs,
    country_rollup,
    duration_weights,
    filtering_readiness,
    month_bounds,
    scorecards,
)

M = 2**64 - 1


def _ranges(prefixes: list[str]) -> dict[str, pa.Array]:
    """Range columns computed with ipaddress (v4: addresses; v6: high and low 64-bit words)."""
    cols: dict[str, list[int]] = {"af": [], "start": [], "end": [], "start_lo": [], "end_lo": []}
    for p in prefixes:
        n = ipaddress.ip_network(p)
        a, b = int(n.network_address), int(n.broadcast_address)
        cols["af"].append(n.version)
        vals = (a, b, 0, 0) if n.version == 4 else (a >> 64, b >> 64, a & M, b & M)
        for k, v in zip(("start", "end", "start_lo", "end_lo"), vals, strict=True):
            cols[k].append(v)
    return {
        "af": pa.array(cols["af"], pa.int8()),
        **{k: pa.array(cols[k], pa.uint64()) for k in ("start", "end", "start_lo", "end_lo")},
    }


def _routes(rows: list[tuple[str, int, str]]) -> pa.Table:
    return pa.table({
        "prefix": [r[0] for r in rows], "origin_asn": pa.array([r[1] for r in rows], pa.uint32()),
        "state": [r[2] for r in rows], **_ranges([r[0] for r in rows]),
    })  # fmt: skip


def _irr(rows: list[tuple[str, int]]) -> pa.Table:
    return pa.table(
        {"origin_asn": pa.array([r[1] for r in rows], pa.uint32()), **_ranges([r[0] for r in rows])}
    )


T0 = datetime(2025, 6, 1, tzinfo=UTC)


def _inc(culprit: int, start: datetime, dur: timedelta | None) -> dict[str, object]:
    return {"culprit_asn": culprit, "start": start, "end": start + dur if dur else None}


def test_duration_weights_at_the_boundaries() -> None:
    s = [
        29 * 60 + 59,  # 29:59 min -> 0.5
        30 * 60,  # 30 min -> 1
        23 * 3600 + 59 * 60,  # 23:59 h -> 1
        24 * 3600,  # 24 h: a second day started -> 2
        47 * 3600 + 59 * 60,  # 47:59 h -> 2
        48 * 3600,  # 48 h -> 3
        48 * 3600 + 1,  # 48 h + 1 s -> 3
    ]
    assert duration_weights(np.array(s, float)).tolist() == [0.5, 1, 1, 2, 2, 3, 3]
    assert filtering_readiness(0) == 100 and filtering_readiness(1.5) == 85
    assert filtering_readiness(10) == 0 and filtering_readiness(25) == 0


def test_month_bounds() -> None:
    assert month_bounds("2025-12") == (datetime(2025, 12, 1, tzinfo=UTC),
                                       datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    for bad in ("2025-13", "2025-6", "june"):
        with pytest.raises(InputError) as e:
            month_bounds(bad)
        assert e.value.field == "month"


def _inputs(*, loaded: bool = True) -> ScoreInputs:
    routes = _routes([
        # AS65001: 2 valid, 1 invalid, 1 not found -> (2 - 10*1)/4 < 0 -> RPKI 0 %
        ("10.0.0.0/24", 65001, "valid"), ("10.0.1.0/24", 65001, "valid"),
        ("10.0.2.0/24", 65001, "invalid"), ("2001:db8:1::/48", 65001, "not-found"),
        # AS65002: 4 valid -> 100 %
        ("10.1.0.0/24", 65002, "valid"), ("10.2.0.0/24", 65002, "valid"),
        ("10.3.0.0/24", 65002, "valid"), ("2001:db8:2::/48", 65002, "valid"),
        # AS65003: 19 valid + 1 invalid -> 0.95 - 10 * 0.05 = 0.45 -> 45 %
        *[(f"11.0.{i}.0/24", 65003, "valid") for i in range(19)], ("11.1.0.0/24", 65003, "invalid"),
    ])  # fmt: skip
    irr = _irr([
        ("10.0.0.0/16", 65001),  # covers AS65001's three IPv4 routes -> 3/4 = 75 %
        ("2001:db8::/32", 65009),  # covers the IPv6 route, but another origin: no match
        ("10.1.0.0/24", 65002),  # exact -> match
        ("10.2.0.0/25", 65002),  # more specific than the route: no match -> 65002: 1/4 = 25 %
        ("2001:db8:2::/47", 65002),  # covers 2001:db8:2::/48 -> match -> 2/4 = 50 %
    ])  # fmt: skip
    incidents = pa.Table.from_pylist([
        _inc(65001, T0, timedelta(minutes=29, seconds=59)),  # 0.5
        _inc(65001, T0 + timedelta(days=3), timedelta(minutes=30)),  # 1   -> 65001: 1.5 -> 85 %
        _inc(65100, T0, timedelta(hours=23, minutes=59)),  # customer of 65002: 1
        _inc(65100, T0, timedelta(hours=24)),  # 2                 -> 65002: 3 -> 70 %
        _inc(65003, T0, timedelta(hours=48, seconds=1)),  # 3
        _inc(65003, T0 - timedelta(days=2), timedelta(hours=1)),  # started in May: not counted
        _inc(65003, datetime(2025, 6, 30, 23, tzinfo=UTC), None),  # ongoing: 1 h to month end: 1
        _inc(65200, T0, timedelta(hours=5)),  # a *peer* of 65003: not counted -> 65003: 4 -> 60 %
    ])  # fmt: skip
    rel = pa.table({
        "asn1": pa.array([65002, 65003, 65100], pa.uint32()),
        "asn2": pa.array([65100, 65200, 65001], pa.uint32()),
        "rel": pa.array([-1, 0, -1], pa.int8()),  # 65100 provides 65001: not 65001's customer
    })  # fmt: skip
    net = pa.table({
        "asn": pa.array([65001, 65002], pa.int64()),
        "website": ["https://as65001.example", ""], "policy_general": [None, None],
    })  # fmt: skip
    if not loaded:
        return ScoreInputs(routes=routes)
    return ScoreInputs(routes, incidents, rel, irr, net)


def test_scorecard_hand_computed() -> None:
    cards = {r["asn"]: r for r in scorecards(_inputs(), "2025-06").to_pylist()}
    assert sorted(cards) == [65001, 65002, 65003]
    a, b, c = cards[65001], cards[65002], cards[65003]
    assert (a["filtering_weight"], a["filtering_incidents"], a["filtering"]) == (1.5, 2, 85.0)
    assert (b["filtering_weight"], b["filtering_incidents"], b["filtering"]) == (3.0, 2, 70.0)
    assert (c["filtering_weight"], c["filtering_incidents"], c["filtering"]) == (4.0, 2, 60.0)
    assert (a["rpki"], b["rpki"]) == (0.0, 100.0)
    assert c["rpki"] == pytest.approx(45.0)
    assert (a["irr"], b["irr"], c["irr"]) == (75.0, 50.0, 0.0)
    assert (a["coordination"], b["coordination"], c["coordination"]) == (100.0, 50.0, 0.0)


def test_scorecard_without_data_is_null_not_perfect() -> None:
    card = scorecards(_inputs(loaded=False), "2025-06").to_pylist()[0]
    assert card["filtering"] is None and card["irr"] is None and card["coordination"] is None
    assert card["rpki"] == 0.0


def test_country_rollup() -> None:
    cards = scorecards(_inputs(), "2025-06")
    cc = pa.table({"asn": pa.array([65001, 65002, 65003], pa.uint32()), "cc": ["FR", "FR", "DE"]})
    got = {(r["cc"], r["action"]): r for r in country_rollup(cards, cc).to_pylist()}
    fr = got[("FR", "filtering")]
    assert (fr["ases"], fr["median"], fr["share_ready"]) == (2, 77.5, 0.0)
    fr = got[("FR", "rpki")]
    assert (fr["median"], fr["share_ready"]) == (50.0, 0.5)
    assert got[("FR", "coordination")]["share_ready"] == 0.5
    assert got[("DE", "irr")]["median"] == 0.0 and got[("DE", "irr")]["ases"] == 1


def test_an_action_without_its_input_this_month_is_not_measured() -> None:
    """Incidents loaded (none in the month) but no detection ran: not 100 %; stale VRPs: not
    0 %. The counts behind them are null too, and the roll-up carries the reason."""
    from dataclasses import replace

    from nethealth.common.status import Judgement, Status

    no_run = Judgement(Status.NOT_MEASURED, "no incident detection ran in 2025-06")
    stale = Judgement(Status.NOT_COMPARABLE, "VRP snapshot 2025-05-01 is 30 days older")
    inputs = replace(_inputs(), judgements={"filtering": no_run, "rpki": stale})
    cards = scorecards(inputs, "2025-06")
    for card in cards.to_pylist():
        assert (card["filtering"], card["filtering_incidents"]) == (None, None)
        assert (card["filtering_status"], card["filtering_reason"]) == (
            "not measured", "no incident detection ran in 2025-06")  # fmt: skip
        assert (card["rpki"], card["rpki_valid_share"], card["rpki_status"]) == (
            None, None, "not comparable")  # fmt: skip
        assert card["irr"] is not None and card["irr_status"] == "measured"
    cc = pa.table({"asn": pa.array([65001, 65002, 65003], pa.uint32()), "cc": ["FR", "FR", "DE"]})
    got = {
        (r["cc"], r["action"]): r for r in country_rollup(cards, cc, inputs.judgements).to_pylist()
    }
    assert (got[("FR", "filtering")]["share_ready"], got[("FR", "filtering")]["status"]) == (
        None, "not measured")  # fmt: skip
    assert got[("FR", "rpki")]["reason"] == "VRP snapshot 2025-05-01 is 30 days older"
    assert got[("FR", "irr")]["status"] == "measured"
