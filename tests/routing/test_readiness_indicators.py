"""The MANRS-readiness country indicators read the scorecards' country roll-up as published."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from nethealth.indicators.registry import all_indicators


def test_readiness_indicators_are_the_rollup_share_in_percent() -> None:
    inds = {i.id: i for i in all_indicators() if i.id.startswith("manrs_")}
    assert set(inds) == {f"manrs_{a}_ready_share" for a in ("filtering", "rpki", "irr",
                                                            "coordination")}  # fmt: skip
    rollup = pa.Table.from_pylist([
        {"cc": "NL", "month": "2026-05", "action": "rpki", "ases": 4, "median": 95.0,
         "share_ready": 0.75, "method_version": "1", "simulated": False},
        {"cc": "NL", "month": "2026-06", "action": "rpki", "ases": 5, "median": 80.0,
         "share_ready": 0.4, "method_version": "1", "simulated": True},
        {"cc": "NL", "month": "2026-06", "action": "filtering", "ases": 5, "median": None,
         "share_ready": None, "method_version": "1", "simulated": True},  # no incident data
        {"cc": "XX", "month": "2026-06", "action": "rpki", "ases": 1, "median": 100.0,
         "share_ready": 1.0, "method_version": "1", "simulated": False},  # not a country
    ])  # fmt: skip
    con = duckdb.connect()
    con.register("routing_scorecard_countries", rollup)
    con.register("countries", pa.table({"cc": ["NL"]}))
    rpki = inds["manrs_rpki_ready_share"].compute(con).to_pylist()
    assert [(r["country"], r["date"], r["simulated"]) for r in rpki] == [
        ("NL", date(2026, 5, 1), False), ("NL", date(2026, 6, 1), True)]  # fmt: skip
    assert [r["value"] for r in rpki] == pytest.approx([75.0, 40.0])
    assert inds["manrs_filtering_ready_share"].compute(con).num_rows == 0
