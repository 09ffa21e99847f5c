"""`scan-list` over a list of lab domains: results stored in batches, an interrupted run resumed
without rescanning finished targets, fresh results kept, a new check version rescanned, the
opt-out list honoured, and the scan_results dataset built from the store."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from nethealth.areas import get_indicator, get_source
from nethealth.cli import app
from nethealth.lake.build import run_build
from nethealth.settings import Settings
from nethealth.sources.base import LoadOptions
from nethealth.sources.load import load_files
from nethealth.standards.checks import select
from nethealth.standards.scan import Report, scan
from nethealth.standards.scanlist import ListChoice, choose_list, run_list
from nethealth.standards.step import STEPS
from tests.standards.lab import Lab

DOMAINS = ("ideal.lab", "tls12-only.lab", "no-hsts.lab", "no-redirect.lab", "no-h2.lab")
CHECKS = select(["web-https", "web-tls13", "web-hsts"])
DAY = dt.timedelta(days=1)


class Counting:
    """scan() that records the targets it was asked for, and fails on call `fail_at`."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.names: list[str] = []
        self.fail_at = fail_at

    async def __call__(self, name: str, *args: Any, **kwargs: Any) -> Report:
        self.names.append(name)
        if self.fail_at is not None and len(self.names) == self.fail_at:
            raise RuntimeError("interrupted")
        return await scan(name, *args, **kwargs)


@pytest.fixture
def listed(lab: Lab, tmp_path: Path) -> tuple[Settings, ListChoice]:
    settings = lab.settings(data_dir=tmp_path / "data", standards_opt_out=["no-h2.lab"])
    ranked = tmp_path / "fr.csv"
    ranked.write_text("".join(f"{i},{d}\n" for i, d in enumerate(DOMAINS, start=1)))
    load_files(settings, get_source("country-toplist"), [ranked],
               LoadOptions(day=dt.date(2026, 12, 1), country="FR"))  # fmt: skip
    run_build(STEPS, settings, only=("target_lists",))
    return settings, choose_list(settings, "country-toplist", "FR")


def _run(settings: Settings, choice: ListChoice, fn: Counting, **kw: Any) -> Any:
    opts: dict[str, Any] = {"max_age": DAY, "concurrency": 1, "batch": 1, "lab": True, **kw}
    return asyncio.run(run_list(settings, choice, kw.pop("checks", CHECKS), scan_fn=fn,
                                **{k: v for k, v in opts.items() if k != "checks"}))  # fmt: skip


def test_interrupted_run_resumes_without_rescanning(listed: tuple[Settings, ListChoice]) -> None:
    settings, choice = listed
    assert (choice.targets, choice.date) == (5, dt.date(2026, 12, 1))
    first = Counting(fail_at=3)
    with pytest.raises(RuntimeError, match="interrupted"):
        _run(settings, choice, first)
    assert first.names == list(DOMAINS[:3])  # the third failed before it stored anything

    again = Counting()
    summary = _run(settings, choice, again)
    assert again.names == list(DOMAINS[2:])  # the first two are not scanned again
    assert (summary.scanned, summary.skipped, summary.results) == (3, 2, 9)

    idle = Counting()
    summary = _run(settings, choice, idle)
    assert idle.names == [] and summary.skipped == 5

    # A result older than --max-age is scanned again; so is a check whose version changed.
    assert Counting().names == []
    stale = Counting()
    _run(settings, choice, stale, max_age=dt.timedelta(0), limit=1)
    assert stale.names == ["ideal.lab"]
    bumped = Counting()
    newer = tuple(dataclasses.replace(c, version=c.version + 1) if c.id == "web-hsts" else c
                  for c in CHECKS)  # fmt: skip
    summary = _run(settings, choice, bumped, checks=newer, limit=2)
    assert bumped.names == ["ideal.lab", "tls12-only.lab"] and summary.results == 2

    run_build(STEPS, settings, only=("scan_results",))
    con = duckdb.connect()
    rows = con.execute(
        "SELECT target, check_id, check_version, status, reason, rank, country, list_id "
        "FROM read_parquet(?) ORDER BY rank, check_id, check_version",
        [str(settings.lake_dir / "scan_results.parquet")],
    ).fetchall()
    by = {(t, c, v): (s, r) for t, c, v, s, r, *_ in rows}
    # one row per target × check and scan day: the day's latest (the new version's) result
    assert len(rows) == 5 * 3
    assert {(t, v) for t, c, v, *_ in rows if c == "web-hsts"} == {
        ("ideal.lab", 2), ("tls12-only.lab", 2), ("no-hsts.lab", 1), ("no-redirect.lab", 1),
        ("no-h2.lab", 1),
    }  # fmt: skip
    assert {(r[5], r[6], r[7]) for r in rows if r[0] == "tls12-only.lab"} == {
        (2, "FR", "country-toplist")
    }
    assert by[("ideal.lab", "web-tls13", 1)] == ("pass", None)
    assert by[("tls12-only.lab", "web-tls13", 1)] == ("fail", None)
    assert by[("no-hsts.lab", "web-hsts", 1)] == ("fail", None)
    assert by[("ideal.lab", "web-hsts", 2)] == ("pass", None)
    # the opted-out domain is never contacted: every check is a refusal
    assert {by[("no-h2.lab", c.id, 1)] for c in CHECKS} == {("error", "refused_by_policy")}


def test_unknown_list_names_the_lists(listed: tuple[Settings, ListChoice]) -> None:
    from nethealth.errors import NotFoundError

    settings, _ = listed
    with pytest.raises(NotFoundError) as err:
        choose_list(settings, "crux-country", "FR")
    assert "country-toplist FR" in (err.value.hint or "")


def test_cli_load_build_scan_list_build(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commands an operator runs, end to end: the list's targets scanned, the second run
    keeps them, and the build turns the results into the country's adoption values."""
    monkeypatch.setenv("NETHEALTH_STANDARDS_LAB_HOSTS", json.dumps(lab.hosts()))
    monkeypatch.setenv("NETHEALTH_STANDARDS_LAB_CA", str(lab.ca.path))
    data = tmp_path / "data"
    ranked = tmp_path / "fr.csv"
    ranked.write_text("1,ideal.lab\n2,tls12-only.lab\n")

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["--data-dir", str(data), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    run("load", "country-toplist", str(ranked), "--date", "2026-12-01", "--country", "FR")
    run("build", "--only", "target_lists")
    args = ("scan-list", "country-toplist", "--country", "fr", "--checks", "web-tls13", "--lab")
    assert "2 targets: 2 scanned, 0 with every check younger" in run(*args)
    assert "2 targets: 0 scanned, 2 with every check younger" in run(*args)
    run("build", "--only", "scan_results")
    con = duckdb.connect()
    con.read_parquet(str(data / "lake" / "scan_results.parquet")).create_view("scan_results")
    got = get_indicator("adoption_tls13").compute(con).to_pylist()
    assert [(r["country"], r["value"], r["status"]) for r in got] == [("FR", 50.0, "measured")]
    assert "1 of 2 targets" in got[0]["reason"]


def test_a_new_list_date_scans_only_its_new_targets(listed: tuple[Settings, ListChoice]) -> None:
    settings, choice = listed
    _run(settings, choice, Counting(), limit=2)
    ranked = settings.data_dir.parent / "fr-next.csv"
    ranked.write_text("1,tls12-only.lab\n2,no-redirect.lab\n3,ideal.lab\n")
    load_files(settings, get_source("country-toplist"), [ranked],
               LoadOptions(day=dt.date(2027, 1, 1), country="FR"))  # fmt: skip
    run_build(STEPS, settings, only=("target_lists",))
    newer = choose_list(settings, "country-toplist", "FR")
    assert (newer.date, newer.targets) == (dt.date(2027, 1, 1), 3)
    assert choose_list(settings, "country-toplist", "FR", dt.date(2026, 12, 31)) == choice
    fn = Counting()
    summary = _run(settings, newer, fn)
    assert fn.names == ["no-redirect.lab"] and summary.skipped == 2


def test_a_cancelled_run_stores_what_finished(listed: tuple[Settings, ListChoice]) -> None:
    """Ctrl-C cancels the run's task: the targets finished since the last batch are written on
    the way out, so a batch larger than the run loses nothing finished."""
    settings, choice = listed
    hang = asyncio.Event()

    class Hanging(Counting):
        async def __call__(self, name: str, *args: Any, **kwargs: Any) -> Report:
            if len(self.names) == 3:
                self.names.append(name)
                await hang.wait()  # the fourth target never finishes
            return await super().__call__(name, *args, **kwargs)

    fn = Hanging()

    async def interrupt() -> None:
        task = asyncio.ensure_future(run_list(
            settings, choice, CHECKS, max_age=DAY, concurrency=1, batch=50, lab=True, scan_fn=fn,
        ))  # fmt: skip
        while len(fn.names) < 4:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupt())
    assert fn.names == list(DOMAINS[:4])
    again = Counting()
    summary = _run(settings, choice, again)
    assert again.names == list(DOMAINS[3:]) and summary.skipped == 3
