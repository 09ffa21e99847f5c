"""The build engine's record of damaged raw files: steps report what reading a file found, the
lake keeps it (integrity record, step state, catalog), a strict build refuses damage."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pytest

from nethealth.errors import InputError
from nethealth.lake.build import Step, StepContext, current_step, load_state, run_build
from nethealth.lake.catalog import write_catalog
from nethealth.lake.raw import INTEGRITY_FILE, RawStore, load_integrity
from nethealth.settings import Settings


def _store(settings: Settings, text: str) -> str:
    tmp = settings.data_dir / "incoming.txt"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(text)
    raw = RawStore(settings.raw_dir).store_file(
        "demo", "2024-01-01", "numbers.txt", tmp, url="file:///x", licence="CC0",
        upstream_modified=None,
    )  # fmt: skip
    return raw.provenance.sha256


def _parse(ctx: StepContext) -> None:
    """Numbers up to a "#cut" mark; a file with the mark is damaged (what follows is lost)."""
    assert current_step() is ctx
    values = []
    for f in ctx.raw_files("demo"):
        text, cut, _rest = f.path.read_text().partition("#cut")
        values += [int(x) for x in text.split()]
        damage = f"cut after {len(text.split())} numbers" if cut else None
        ctx.record_integrity(f.path, damage, {"kept": len(text.split())})
    ctx.write_dataset("numbers", pa.table({"v": values}))


STEPS = [Step("parse", "1", "parse", _parse, ("numbers",), sources=("demo",))]


def _catalog(settings: Settings) -> list[tuple[object, ...]]:
    write_catalog(settings, RawStore(settings.raw_dir).all_provenance(["demo"]), {})
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    try:
        return con.execute(
            "SELECT name, integrity, damage, damage_detail, checked_by FROM _provenance"
        ).fetchall()
    finally:
        con.close()


def test_damage_is_recorded_reported_and_refused_by_strict(settings: Settings) -> None:
    bad = _store(settings, "1 2 3 #cut 4 5")
    [built] = run_build(STEPS, settings)
    assert built.status == "built" and [f.damage for f in built.damaged] == ["cut after 3 numbers"]
    assert built.damaged[0].label == "demo/2024-01-01/numbers.txt"
    assert load_state(settings)["parse"]["damaged_inputs"] == [bad]
    found = load_integrity(settings.lake_dir)[bad]
    assert found.steps == ("parse",) and found.detail == {"kept": 3} and found.damaged
    assert _catalog(settings) == [
        ("numbers.txt", "damaged", "cut after 3 numbers", json.dumps({"kept": 3}), "parse")
    ]
    # unchanged inputs: skipped, and still says what its outputs were built from
    [skipped] = run_build(STEPS, settings)
    assert skipped.status == "skipped" and skipped.damaged == built.damaged
    # strict: not skipped, refused; outputs and state stay
    [dry] = run_build(STEPS, settings, strict=True, dry_run=True)
    assert dry.status == "would-build" and "--strict refuses" in dry.detail
    before = (settings.lake_dir / "numbers.parquet").read_bytes()
    state = load_state(settings)
    with pytest.raises(InputError, match=r"damaged raw file refused \(--strict\): cut after 3"):
        run_build(STEPS, settings, strict=True)
    assert (settings.lake_dir / "numbers.parquet").read_bytes() == before
    assert load_state(settings) == state
    # a good copy replaces it: a strict build accepts it, the catalog says complete
    good = _store(settings, "1 2 3 4 5")
    [rebuilt] = run_build(STEPS, settings, strict=True)
    assert rebuilt.status == "built" and rebuilt.damaged == ()
    assert load_state(settings)["parse"]["damaged_inputs"] == []
    assert not load_integrity(settings.lake_dir)[good].damaged
    assert _catalog(settings) == [("numbers.txt", "complete", None, None, "parse")]


def test_unchecked_files_and_an_unreadable_record(settings: Settings) -> None:
    _store(settings, "7")
    assert _catalog(settings) == [("numbers.txt", None, None, None, None)]  # never read
    settings.lake_dir.mkdir(parents=True, exist_ok=True)
    (settings.lake_dir / INTEGRITY_FILE).write_text("{not json")
    assert load_integrity(settings.lake_dir) == {}  # the next build checks again
    run_build(STEPS, settings)
    assert [r[1] for r in _catalog(settings)] == ["complete"]
    assert current_step() is None  # only while a step runs
