"""The MANRS-readiness country indicators read the scorecards' country roll-up as published."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from nethealth.areas import all_indicators


def test_readiness_indicators_are_the_rollup_share_in_percent() -> None:
    inds = {i.id: i for i in all_indicators() if i.id.startswith("manrs_")}
    assert set(inds) == {f"manrs_{a}_ready_share" for a in ("filtering", "rpki", "irr",
                                                            "coordination")}  # fmt: skip
    no_incidents = "no incident detection ran in 2026-06 (no RIB and update dumps of one day)"
    rollup = pa.Table.from_pylist([
        {"cc": "NL", "month": "2026-05", "action": "rpki", "ases": 4, "median": 95.0,
         "share_ready": 0.75, "status": "measured", "reason": "", "method_version": "2",
         "simulated": False},
        {"cc": "NL", "month": "2026-06", "action": "rpki", "ases": 5, "median": 80.0,
         "share_ready": 0.4, "status": "measured", "reason": "", "method_version": "2",
         "simulated": True},
        {"cc": "NL", "month": "2026-06", "action": "filtering", "ases": 5, "median": None,
         "share_ready": None, "status": "not measured", "reason": no_incidents,
         "method_version": "2", "simulated": True},
        {"cc": "XX", "month": "2026-06", "action": "rpki", "ases": 1, "median": 100.0,
         "share_ready": 1.0, "status": "measured", "reason": "", "method_version": "2",
         "simulated": False},  # not a country
    ])  # fmt: skip
    inputs = pa.Table.from_pylist([
        {"month": m, "action": a, "status": st, "reason": why, "simulated": m == "2026-06"}
        for m in ("2026-05", "2026-06")
        for a, st, why in (
            ("rpki", "measured", "VRP snapshot"), ("country", "measured", "RIR files"),
            ("filtering", "not measured" if m == "2026-06" else "measured",
             no_incidents if m == "2026-06" else "ran"),
        )
    ])  # fmt: skip
    con = duckdb.connect()
    con.register("routing_scorecard_countries", rollup)
    con.register("routing_scorecard_inputs", inputs)
    con.register("countries", pa.table({"cc": ["DE", "NL"]}))
    rpki = inds["manrs_rpki_ready_share"].compute(con).to_pylist()
    nl = [r for r in rpki if r["country"] == "NL"]
    assert [(r["date"], r["simulated"], r["status"]) for r in nl] == [
        (date(2026, 5, 1), False, "measured"), (date(2026, 6, 1), True, "measured")]  # fmt: skip
    assert [r["value"] for r in nl] == pytest.approx([75.0, 40.0])
    # DE has no scored AS: no value, and the reason says why (never 0 %)
    de = [(r["value"], r["status"], r["reason"]) for r in rpki if r["country"] == "DE"]
    assert de[1] == (None, "not measured",
                     "no AS registered in the country originates routes in 2026-06")  # fmt: skip
    # no incident detection in June: "not measured" with the reason, never 100 %
    filtering = inds["manrs_filtering_ready_share"].compute(con).to_pylist()
    june = [(r["value"], r["status"], r["reason"]) for r in filtering if r["date"].month == 6]
    assert june == [(None, "not measured", no_incidents)] * 2
