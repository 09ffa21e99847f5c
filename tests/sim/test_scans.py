"""The simulator's scans of its per-country lists: scan-list's format, every row simulated,
deterministic by seed, consistent with the lists' technology columns, drifting by month; and the
demo's copy into the scan store, read by the real `scan_results` step and adoption indicators."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from nethealth.demo import copy_scans
from nethealth.errors import ConfigError
from nethealth.lake.build import run_build
from nethealth.settings import load_settings
from nethealth.sim import providers as sim_providers
from nethealth.sim.output import OutputTree
from nethealth.sim.scans import (
    CHECK_VERSION,
    CHECKS,
    GLOBAL_SCANNED,
    RESULT_SCHEMA,
    country_batches,
    global_list,
    write_scans,
)
from nethealth.sim.toplists import FEATURES, CountryList
from nethealth.standards.adoption import TECHNOLOGIES, adoption_rows, technology
from nethealth.standards.checks import REGISTRY
from nethealth.standards.checks.providers import PROVIDERS
from nethealth.standards.results import STEP
from nethealth.standards.scanlist import RESULT_SCHEMA as SCAN_LIST_SCHEMA
from nethealth.standards.step import STEPS as STANDARDS_STEPS

START = dt.date(2026, 6, 18)


def _list(cc: str, n: int = 200, tech: float = 1.0, seed: int = 1) -> CountryList:
    rng = np.random.default_rng(seed)
    feats = (rng.random((n, len(FEATURES))) < 0.5).astype(np.int8)
    return CountryList(cc, [f"site{i}.{cc.lower()}" for i in range(n)], feats, tech)


def test_same_format_as_scan_list_and_the_registry() -> None:
    assert RESULT_SCHEMA.equals(SCAN_LIST_SCHEMA)
    versions = {c.id: c.version for c in REGISTRY}
    assert all(versions[check] == CHECK_VERSION for check, _ in CHECKS)
    # every adoption indicator has simulated results
    assert {t.check_id for t in TECHNOLOGIES} == {check for check, _ in CHECKS}


def test_deterministic_by_seed_and_all_simulated() -> None:
    lst = _list("NL")
    one, again, other = (country_batches(lst, s, START) for s in (7, 7, 8))
    assert all(a.equals(b) for a, b in zip(one, again, strict=True))
    assert not all(a.equals(b) for a, b in zip(one, other, strict=True))
    for table in one:
        assert pc.all(table["simulated"]).as_py() is True
        assert pc.any(table["lab"]).as_py() is False
        assert table.num_rows == 200 * len(CHECKS)
    days = [t["scanned_at"][0].as_py().date() for t in one]
    assert days[0] == START and days == sorted(days) and len(set(days)) == len(days)


def test_first_scan_reads_the_lists_columns() -> None:
    lst = _list("NL")
    first = country_batches(lst, 7, START)[0].to_pylist()
    spf = {r["target"]: r["status"] for r in first if r["check_id"] == "mail-spf"}
    col = FEATURES.index("spf")
    for i, domain in enumerate(lst.domains):
        status = spf[domain]
        if status in ("pass", "fail"):  # errors and sites without MX aside
            assert (status == "pass") == bool(lst.features[i, col]), domain
    # a miss of the informative HTTP/2 check is a warning, not a failure
    http2 = {r["status"] for r in first if r["check_id"] == "web-http2"}
    assert "fail" not in http2 and "warning" in http2
    # without HTTPS nothing that needs it passes
    https = {r["target"]: r["status"] for r in first if r["check_id"] == "web-https"}
    hsts = [r for r in first if r["check_id"] == "web-hsts" and https[r["target"]] == "fail"]
    assert hsts and all(r["status"] != "pass" for r in hsts)


def test_demo_copy_feeds_scan_results_and_the_indicators(tmp_path: Path) -> None:
    tree = OutputTree(tmp_path / "sim")
    lists = [_list("NL", tech=1.4, seed=1), _list("KE", tech=0.6, seed=2)]
    tranco = [d for pair in zip(lists[0].domains, lists[1].domains, strict=True) for d in pair]
    world = global_list(lists, ["unknown.example", *tranco])
    assert world.domains == tranco[:GLOBAL_SCANNED]
    assert (world.features[1] == lists[1].features[0]).all()  # site0.ke's own columns
    written = write_scans(tree, [*lists, world], 7, START)
    settings = load_settings(data_dir=tmp_path / "data")
    # 3 lists x 3 scan days x (checks, provider evidence)
    assert copy_scans(settings, tmp_path / "sim") == 18
    assert copy_scans(settings, tmp_path / "sim") == 18  # again: the same bytes, kept
    run_build([STEP], settings)
    table = pq.read_table(settings.lake_dir / "scan_results.parquet")
    assert table.num_rows == written
    con = duckdb.connect()
    con.register("scan_results", table)
    tech = technology("adoption_caa")
    assert tech is not None
    rows = adoption_rows(con, tech)
    assert {(r.list_id, r.country) for r in rows} == {
        ("country-toplist", "NL"), ("country-toplist", "KE"), ("tranco", None)}  # fmt: skip
    assert all(r.simulated and r.list_dates == (START, START) for r in rows)
    assert [r.targets for r in rows if r.country is None] == [400] * 3  # both lists' sites
    by = {(r.country, r.date): r for r in rows}
    # no feature column for CAA: drawn from the country's propensity, so NL > KE
    assert by[("NL", START)].value > by[("KE", START)].value  # type: ignore[operator]
    # adoption drifts from month to month
    assert len({r.value for r in rows if r.country == "NL"}) > 1
    # errors are left out of the denominator: conclusive + errors + n/a = the list
    assert all(r.conclusive + r.errors + r.not_applicable == r.targets for r in rows)
    assert {r.targets for r in rows if r.country} == {200}


def test_copy_refuses_another_schema(tmp_path: Path) -> None:
    bad = tmp_path / "sim" / "scans" / "country-toplist" / "NL" / "2026-06-18"
    bad.mkdir(parents=True)
    table = country_batches(_list("NL", n=3), 7, START)[0].drop_columns(["detail"])
    pq.write_table(table, bad / "batch-000000-sim.parquet")
    with pytest.raises(ConfigError, match="not scan-list's"):
        copy_scans(load_settings(data_dir=tmp_path / "data"), tmp_path / "sim")


def test_simulated_providers_feed_the_concentration_step(tmp_path: Path) -> None:
    assert set(sim_providers.CHECKS) == {c.id for c in PROVIDERS}
    assert {c.version for c in PROVIDERS} == {sim_providers.CHECK_VERSION}
    hosts = tuple(64500 + i % 3 for i in range(200))
    nl = CountryList("NL", [f"site{i}.nl" for i in range(200)], _list("NL").features, 1.0, hosts)
    ke = _list("KE", seed=2)  # no hosting column: hosting unknown, never a provider ""
    tree = OutputTree(tmp_path / "sim")
    write_scans(tree, [nl, ke], 7, START)
    settings = load_settings(data_dir=tmp_path / "data")
    copy_scans(settings, tmp_path / "sim")
    run_build(STANDARDS_STEPS, settings, only=("scan_results", "concentration"))
    con = duckdb.connect()
    values = con.execute(
        "SELECT country, block, date, hhi, unknown, attributed, simulated FROM read_parquet(?) "
        "ORDER BY country, block, date", [str(settings.lake_dir / "concentration.parquet")]
    ).fetchall()  # fmt: skip
    assert values and all(v[6] for v in values)  # every value labelled simulated
    by = {(v[0], v[1], v[2]): v for v in values}
    # NL: three hosting ASNs in turn over 200 sites, a few timeouts: shares near a third each
    nl_hosting = by[("NL", "hosting", START)]
    assert 3300 < nl_hosting[3] < 3400 and nl_hosting[4] > 0
    ke_hosting = by[("KE", "hosting", START)]
    assert ke_hosting[3] is None and ke_hosting[5] == 0  # not measured, every site unknown
    # the same sites' providers drift little from month to month; the countries' mixes differ
    ca = {(v[0], v[2]): v[3] for v in values if v[1] == "ca"}
    assert ca[("NL", START)] != ca[("KE", START)]
    names = con.execute(
        "SELECT DISTINCT provider FROM read_parquet(?) WHERE block = 'dns'",
        [str(settings.lake_dir / "concentration_providers.parquet")],
    ).fetchall()  # fmt: skip
    assert ("Amazon Route 53",) in names and ("cloudflare.com",) in names
    assert ("hosting.nl",) in names and ("hosting.ke",) in names  # the countries' own operators
