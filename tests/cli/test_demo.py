"""The offline demo end to end on a tiny simulated world: real npm data + simulated registries."""

from __future__ import annotations

from pathlib import Path

import duckdb

from nethealth import demo
from nethealth.settings import Settings


def test_demo_builds_real_and_simulated_indicators_and_reruns_incrementally(
    settings: Settings, assets: Path
) -> None:
    outcomes = demo.prepare(settings, seed=3, scale="tiny")
    assert {o.step_id for o in outcomes if o.status == "built"} >= {
        "countries",
        "ipdb",
        "rir",
        "peeringdb",
        "indicators",
    }
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    flags = dict(
        con.execute(
            "SELECT indicator_id, bool_and(simulated) = bool_or(simulated) AND bool_or(simulated) "
            "FROM indicator_values GROUP BY 1"
        ).fetchall()
    )
    # Registry-package data are real; simulator output is flagged simulated, never mixed up.
    assert flags["ipv4_space_s24"] is False and flags["asns_with_space"] is False
    assert flags["asns_registered"] is True and flags["ixps"] is True
    us = con.execute(
        "SELECT value FROM indicator_values WHERE indicator_id = 'asns_with_space' AND country = 'US'"
    ).fetchall()
    assert us[0][0] > 10_000  # real: tens of thousands of US networks
    sources = {r[0] for r in con.execute("SELECT DISTINCT source_id FROM _provenance").fetchall()}
    assert sources == {"ipdb", "rir", "peeringdb", "rpki", "access-now", "bgp-ris",
                       "bgp-routeviews", "atlas", "caida-asrel", "worldbank",
                       "dbip-city", "country-toplist", "tranco"}  # fmt: skip
    # The simulator's per-country top lists are the scanner's target lists, flagged simulated.
    lists = con.execute(
        "SELECT count(DISTINCT country), count(*), bool_and(simulated) FROM target_lists "
        "WHERE list_id = 'country-toplist'"
    ).fetchone()
    assert lists is not None and lists[0] > 1 and lists[1] > lists[0] and lists[2] is True
    # ... and the simulator scanned them: scan-list's store, three monthly scans, every row
    # simulated, so the adoption indicators have simulated values per country.
    scans = con.execute(
        "SELECT count(*), bool_and(simulated), count(DISTINCT scan_date) FROM scan_results"
    ).fetchone()
    assert scans is not None and scans[0] > 0 and scans[1] is True and scans[2] == 3
    adoption = con.execute(
        "SELECT count(DISTINCT country), bool_and(simulated) FROM indicator_values "
        "WHERE indicator_id = 'adoption_https' AND status = 'measured'"
    ).fetchone()
    assert adoption is not None and adoption[0] == lists[0] and adoption[1] is True
    # the global series: the simulator's Tranco-style list, loaded and scanned too
    world = con.execute(
        "SELECT count(DISTINCT scan_date), bool_and(simulated) FROM scan_results "
        "WHERE list_id = 'tranco' AND country IS NULL"
    ).fetchone()
    assert world == (3, True)
    # ... with the simulated provider evidence: concentration per building block and country,
    # labelled simulated, the global list's too.
    conc = con.execute(
        "SELECT count(DISTINCT block), count(DISTINCT country), bool_and(simulated), "
        "count(*) FILTER (WHERE status = 'measured' AND country IS NULL) FROM concentration"
    ).fetchone()
    assert conc is not None and conc[:3] == (6, lists[0], True) and conc[3] == 6 * 3
    # The simulated DB-IP city file gives region (ISO 3166-2) series next to country ones.
    regions = con.execute(
        "SELECT count(DISTINCT entity) FROM outage_signals WHERE entity LIKE 'region:%'"
    ).fetchall()
    assert regions[0][0] > 0
    for dataset in (
        "rpki_vrps", "shutdowns", "routing_route_states", "routing_incidents", "outage_events",
        "shutdown_costs", "routing_scorecards",
    ):  # fmt: skip
        rows = con.execute(
            f"SELECT count(*), bool_and(simulated) FROM {dataset}"  # our own dataset names
        ).fetchall()
        assert rows[0][0] > 0 and rows[0][1] is True, dataset
    # The simulator's inputs are same-dated: every indicator has measured values, and the
    # routed resources are measured in both families (the simulated RIBs carry IPv6 too).
    measured = dict(
        con.execute(
            "SELECT indicator_id, count(*) FILTER (WHERE status IN ('measured', 'zero measured')) "
            "FROM indicator_values GROUP BY 1"
        ).fetchall()
    )
    unmeasured = sorted(i for i, n in measured.items() if n == 0)
    assert unmeasured == ["manrs_irr_ready_share"], unmeasured  # the demo stores no IRR dump
    irr = con.execute(
        "SELECT DISTINCT status, reason FROM indicator_values "
        "WHERE indicator_id = 'manrs_irr_ready_share'"
    ).fetchall()
    assert irr == [("not measured", "no IRR dump stored")]
    con.close()
    again = demo.prepare(settings, seed=3, scale="tiny")
    assert {o.status for o in again} == {"skipped"}
