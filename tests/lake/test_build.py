"""The incremental, restartable build engine, with steps of our own."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nethealth.errors import BuildError
from nethealth.lake.build import Step, StepContext, load_state, run_build
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings


def _store_raw(settings: Settings, text: str, snapshot: str = "2024-01-01") -> None:
    tmp = settings.data_dir / "incoming.txt"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(text)
    RawStore(settings.raw_dir).store_file(
        "demo", snapshot, "numbers.txt", tmp, url="file:///x", licence="CC0", upstream_modified=None
    )


def _steps(calls: list[str], fail_on: str | None = None) -> list[Step]:
    def parse(ctx: StepContext) -> None:
        calls.append("parse")
        values = [int(x) for f in ctx.raw_files("demo") for x in f.path.read_text().split()]
        ctx.write_dataset("numbers", pa.table({"v": values}))

    def total(ctx: StepContext) -> None:
        calls.append("total")
        if fail_on == "total":
            raise RuntimeError("disk on fire")
        v = pq.read_table(ctx.dataset_path("numbers"))["v"].to_pylist()
        ctx.write_dataset("total", pa.table({"sum": [sum(v)]}))
        ctx.write_dataset("count", pa.table({"n": [len(v)]}))

    return [
        Step("total", "1", "sum", total, ("total", "count"), depends=("parse",)),
        Step("parse", "1", "parse", parse, ("numbers",), sources=("demo",)),
    ]


def _read(settings: Settings, name: str) -> list[object]:
    return pq.read_table(settings.lake_dir / f"{name}.parquet").column(0).to_pylist()


def test_order_skip_force_and_dry_run(settings: Settings) -> None:
    _store_raw(settings, "1 2 3")
    calls: list[str] = []
    outcomes = run_build(_steps(calls), settings)
    assert calls == ["parse", "total"]  # dependency order, not list order
    assert [o.status for o in outcomes] == ["built", "built"]
    assert _read(settings, "total") == [6]
    calls.clear()
    assert [o.status for o in run_build(_steps(calls), settings)] == ["skipped", "skipped"]
    assert calls == []
    _store_raw(settings, "1 2 3 4")  # a changed input rebuilds what depends on it
    assert [o.status for o in run_build(_steps(calls), settings, dry_run=True)] == [
        "would-build",
        "would-build",
    ]
    assert calls == [] and _read(settings, "total") == [6]
    run_build(_steps(calls), settings)
    assert _read(settings, "total") == [10]
    calls.clear()
    run_build(_steps(calls), settings, force=True, only=["total"])
    assert calls == ["total"]


def test_failed_step_keeps_previous_outputs_and_rerun_completes(settings: Settings) -> None:
    _store_raw(settings, "5 5")
    run_build(_steps([]), settings)
    state = load_state(settings)
    _store_raw(settings, "7 7 7")
    calls: list[str] = []
    with pytest.raises(BuildError, match="build step 'total' failed: RuntimeError: disk on fire"):
        run_build(_steps(calls, fail_on="total"), settings)
    # 'parse' completed and was recorded; 'total' kept its old outputs (both of them) and state.
    assert _read(settings, "numbers") == [7, 7, 7]
    assert _read(settings, "total") == [10] and _read(settings, "count") == [2]
    assert load_state(settings)["total"] == state["total"]
    assert not list(settings.lake_dir.glob(".*staged"))
    calls.clear()
    run_build(_steps(calls), settings)
    assert calls == ["total"]  # the rerun finishes what was left
    assert _read(settings, "total") == [21] and _read(settings, "count") == [3]


def test_unknown_step_and_cycles_are_reported(settings: Settings) -> None:
    with pytest.raises(BuildError, match="unknown build step"):
        run_build(_steps([]), settings, only=["nope"])
    loop = [
        Step("a", "1", "", lambda c: None, (), depends=("b",)),
        Step("b", "1", "", lambda c: None, (), depends=("a",)),
    ]
    with pytest.raises(BuildError, match="cycle"):
        run_build(loop, settings)


def test_raw_store_ignores_files_without_sidecar(settings: Settings, tmp_path: Path) -> None:
    _store_raw(settings, "1")
    orphan = settings.raw_dir / "demo" / "2024-02-01" / "numbers.txt"
    orphan.parent.mkdir(parents=True)
    orphan.write_text("99")  # e.g. a crash between data and sidecar
    files = RawStore(settings.raw_dir).files("demo")
    assert [f.provenance.snapshot for f in files] == ["2024-01-01"]
    assert (
        files[0].provenance.sha256
        == "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"
    )
