"""Retention (`nethealth prune`): what a policy keeps and removes, that the newest file of every
series (the lake's current input) stays whatever the policy, that the lake's current values
are the same after pruning and rebuilding, and that derived files of removed raw files go."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from nethealth import pipeline
from nethealth.areas import get_source
from nethealth.common.cadence import Retention
from nethealth.lake.raw import RawFile, RawStore
from nethealth.ops.prune import decide, prune
from nethealth.settings import Settings
from nethealth.sources.common import file_in_force
from tests.ops.conftest import RIRS, cli

# ripencc's file, stored as a daily series with gaps; the other registries only on the last day,
# except afrinic, whose newest file is older than any daily window
RIPE_DAYS = ("2025-01-01", "2025-01-15", "2025-02-01", "2025-02-10", "2025-03-01", "2025-03-10",
             "2025-03-11", "2025-03-12", "2025-03-13", "2025-03-14")  # fmt: skip
LAST = "2025-03-14"
AFRINIC_DAY = "2025-02-20"  # within the 31 days the as-of rule tolerates


def store_copy(store: RawStore, src: Path, snapshot: str, name: str, tmp: Path) -> RawFile:
    part = tmp / f"{snapshot}-{name}.part"
    shutil.copyfile(src, part)
    return store.store_file("rir", snapshot, name, part, url=src.as_uri(), licence="test",
                            upstream_modified=None)  # fmt: skip


@pytest.fixture
def rir_store(settings: Settings, shared_data: Path, tmp_path: Path) -> RawStore:
    store = RawStore(settings.raw_dir)
    real = shared_data / "rir/delegated-extended-truncated"
    for day in RIPE_DAYS:
        store_copy(store, real / "ripencc", day, "delegated-ripencc-extended", tmp_path)
    for r in RIRS[1:4]:
        store_copy(store, real / r, LAST, f"delegated-{r}-extended", tmp_path)
    store_copy(store, real / "afrinic", AFRINIC_DAY, "delegated-afrinic-extended", tmp_path)
    return store


def kept_days(store: RawStore, name: str) -> list[str]:
    return sorted(f.provenance.snapshot for f in store.files("rir") if f.provenance.name == name)


def test_policy_keeps_newest_days_then_first_of_month(rir_store: RawStore) -> None:
    files = rir_store.files("rir")
    ripe = "delegated-ripencc-extended"
    keep = {(d.raw.provenance.snapshot, d.raw.provenance.name): d for d in
            decide(files, Retention(daily=3, monthly=None))}  # fmt: skip
    kept = sorted(s for (s, n), d in keep.items() if n == ripe and d.keep)
    assert kept == ["2025-01-01", "2025-02-01", "2025-03-01", "2025-03-12", "2025-03-13", LAST]
    assert "the first snapshot of 2025-02" in keep[("2025-02-01", ripe)].why
    # afrinic's only file is older than the window and not a month's first: kept, as the
    # newest of its series (the file the as-of rule gives today's values)
    afrinic = keep[(AFRINIC_DAY, "delegated-afrinic-extended")]
    assert afrinic.keep and "newest of its series" in afrinic.why
    # one month back only, then none: the newest days and the newest file of each series stay
    one = decide(files, Retention(daily=3, monthly=1))
    assert sorted(d.raw.provenance.snapshot for d in one if d.keep and d.raw.provenance.name == ripe) \
        == ["2025-03-01", "2025-03-12", "2025-03-13", LAST]  # fmt: skip
    none = decide(files, Retention(daily=1, monthly=0))
    assert {(d.raw.provenance.snapshot, d.raw.provenance.name) for d in none if d.keep} == {
        (LAST, ripe), (LAST, "delegated-apnic-extended"), (LAST, "delegated-arin-extended"),
        (LAST, "delegated-lacnic-extended"), (AFRINIC_DAY, "delegated-afrinic-extended")}  # fmt: skip
    with pytest.raises(ValueError, match="at least the newest"):
        Retention(daily=0)


def latest_values(settings: Settings) -> tuple[date, list[tuple[object, ...]]]:
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    try:
        day = con.execute("SELECT max(date) FROM indicator_values").fetchone()[0]  # type: ignore[index]
        rows = con.execute(
            "SELECT indicator_id, country, value, status, reason FROM indicator_values "
            "WHERE date = ? ORDER BY 1, 2", [day]).fetchall()  # fmt: skip
        return day, rows
    finally:
        con.close()


def dates_of(settings: Settings) -> set[date]:
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    try:
        return {
            r[0] for r in con.execute("SELECT DISTINCT snapshot FROM rir_delegations").fetchall()
        }
    finally:
        con.close()


def test_prune_keeps_what_the_current_build_uses_and_cleans_derived(
    settings: Settings, rir_store: RawStore, tmp_path: Path
) -> None:
    pipeline.build(settings)
    day, before = latest_values(settings)
    assert day == date.fromisoformat(LAST) and before
    in_force = {
        r: file_in_force("rir", [f for f in rir_store.files("rir") if r in f.provenance.name], day)[0]
        for r in RIRS
    }  # fmt: skip
    assert all(in_force.values())
    # every copy of ripencc's file has the same bytes, so its SHA-256 stays stored: another
    # hash stands for a removed file in the caches
    gone = "f" * 64
    kept_sha = in_force["ripencc"].provenance.sha256  # type: ignore[union-attr]
    work = settings.lake_dir / ".work/decoded-cache"  # any cache named by a raw SHA-256
    work.mkdir(parents=True)
    (work / f"{gone}.rrc00.v2.parquet").write_bytes(b"x" * 10)
    (work / f"{kept_sha}.rrc00.v2.parquet").write_bytes(b"y")
    index = settings.raw_dir / ".index/mrt-heads.json"
    index.parent.mkdir(parents=True)
    index.write_text(json.dumps({gone: [], kept_sha: [1, 2]}))
    part = settings.raw_dir / ".incoming/rir/abandoned.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"half")
    os.utime(part, (time.time() - 10 * 86400,) * 2)
    fresh_part = part.with_name("fresh.part")
    fresh_part.write_bytes(b"resuming")

    env = {
        "NETHEALTH_DATA_DIR": str(settings.data_dir),
        "NETHEALTH_ASSETS_DIR": str(settings.assets_dir),
    }
    dry = cli("prune", "--source", "rir", "--daily", "3", "--monthly", "all", "--dry-run", env=env)
    assert dry.exit_code == 0, dry.output
    assert "rir: would remove 4 file(s), 100,904 bytes; kept 10" in dry.output
    assert len(rir_store.files("rir")) == len(RIPE_DAYS) + 4  # nothing removed
    done = cli("prune", "--source", "rir", "--daily", "3", "--monthly", "all", env=env)
    assert done.exit_code == 0, done.output
    assert "rir: removed 4 file(s)" in done.output and "rebuilt: rir" in done.output
    ripe = kept_days(rir_store, "delegated-ripencc-extended")
    assert ripe == ["2025-01-01", "2025-02-01", "2025-03-01", "2025-03-12", "2025-03-13", LAST]
    assert kept_days(rir_store, "delegated-afrinic-extended") == [AFRINIC_DAY]
    # nothing the current build reads was removed: the in-force files exist, today's values
    # are the same; the removed days are gone from the lake (a rebuild followed)
    assert all(f is not None and f.path.is_file() for f in in_force.values())
    assert latest_values(settings) == (day, before)
    assert dates_of(settings) == {date.fromisoformat(d) for d in (*ripe, AFRINIC_DAY)}
    # derived files of removed raw files are gone; those of kept files stay
    assert not (work / f"{gone}.rrc00.v2.parquet").exists()
    assert (work / f"{kept_sha}.rrc00.v2.parquet").exists()
    assert json.loads(index.read_text()) == {kept_sha: [1, 2]}
    assert not part.exists() and fresh_part.exists()
    # the catalog lists only what is stored
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    try:
        listed = con.execute("SELECT count(*) FROM _provenance WHERE source_id = 'rir'").fetchone()
    finally:
        con.close()
    assert listed == (len(rir_store.files("rir")),)


def test_hard_linked_snapshots_free_nothing_until_the_last_goes(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    store = RawStore(settings.raw_dir)
    src = shared_data / "rpki/stayrtr/test.rpki.json"
    part = tmp_path / "vrps.part"
    shutil.copyfile(src, part)
    first = store.store_file("rpki", "2025-03-01", "vrps.json", part, url="http://x/vrps.json",
                             licence="t", upstream_modified=None)  # fmt: skip
    for day in ("2025-03-02", "2025-03-03", "2025-03-04"):  # unchanged upstream: hard links
        store.link_file(first, day)
    assert len({f.path.stat().st_ino for f in store.files("rpki")}) == 1
    result = prune(settings, [get_source("rpki")], override=Retention(daily=1, monthly=0))
    assert [d.raw.provenance.snapshot for d in result.kept] == ["2025-03-04"]
    assert len(result.removed) == 3 and result.freed_bytes() == 0
    assert [f.provenance.snapshot for f in store.files("rpki")] == ["2025-03-04"]
    assert store.files("rpki")[0].path.read_bytes() == src.read_bytes()


def test_retention_settings(settings: Settings) -> None:
    from nethealth.errors import ConfigError
    from nethealth.ops.prune import retention_of

    ris = get_source("bgp-ris")
    assert retention_of(settings, ris) == Retention(daily=7, monthly=None)
    custom = settings.model_copy(update={"retention": {"bgp-ris": {"daily": 2, "monthly": 6},
                                                       "*": {"daily": 10}}})  # fmt: skip
    assert retention_of(custom, ris) == Retention(daily=2, monthly=6)
    assert retention_of(custom, get_source("rir")) == Retention(daily=10, monthly=None)
    bad = settings.model_copy(update={"retention": {"rir": {"days": 3}}})
    with pytest.raises(ConfigError, match="unknown key"):
        retention_of(bad, get_source("rir"))
