"""`nethealth update` against a loopback mirror of real publishers' files (tests/ops/conftest):
what is due is fetched and built, a second run with unchanged upstream files downloads nothing
(conditional GETs answered 304), two runs at once — the second refuses — and a run interrupted
half way through a download, run again, completes it (resumed with Range and If-Range)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from nethealth.lake.raw import RawStore
from nethealth.lake.storage import sha256_file
from tests.mirror import etag_of, serve_directory
from tests.ops.conftest import RIRS, Mirror, build_mirror, cli, update_env

REPO = Path(__file__).resolve().parents[2]


def latest_report(data: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((data / "runs/latest.json").read_text())
    return report


def by_source(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["source_id"]: s for s in report["sources"]}


def stored(data: Path) -> dict[tuple[str, str, str], str]:
    """(source, snapshot, name) → sha256 of every file in the raw store."""
    store = RawStore(data / "raw")
    return {
        (p.source_id, p.snapshot, p.name): p.sha256
        for s in ("rir", "peeringdb", "rpki", "bgp-ris")
        for p in (f.provenance for f in store.files(s))
    }


def test_update_fetches_builds_then_downloads_nothing_unchanged(mirror: Mirror) -> None:
    first = cli("update", "--date", "2015-04-02", env=mirror.env)
    assert first.exit_code == 0, first.output + first.error
    assert set(mirror.log.statuses()) == {200}
    report = latest_report(mirror.data)
    src = by_source(report)
    assert report["as_of"] == "2015-04-02" and report["build"]["status"] == "done"
    assert {k: v["files_downloaded"] for k, v in src.items()} == {
        "rir": 5, "peeringdb": 7, "rpki": 1, "bgp-ris": 3}  # fmt: skip
    assert src["bgp-ris"]["requests"] == [{
        "day": "2015-04-01", "base_url": f"{mirror.base}/ris", "kind": "rib",
        "collectors": ["rrc06"]}]  # fmt: skip
    assert src["rir"]["bytes_downloaded"] == sum(
        (mirror.root / "rir" / r / f"delegated-{r}-extended-latest").stat().st_size for r in RIRS
    )
    built = {s["step_id"]: s["status"] for s in report["build"]["steps"]}
    assert built["rir"] == "built" and built["peeringdb"] == "built"
    # the report is also where monitoring finds it, and the raw files carry the ETags
    assert (mirror.data / f"runs/update-{report['run_id']}.json").is_file()
    ix = next(
        f for f in RawStore(mirror.data / "raw").files("peeringdb") if f.path.name == "ix.json"
    )
    assert ix.provenance.etag == etag_of(mirror.root / "pdb/api/ix")
    before = stored(mirror.data)

    # Same day, every source asked again: the publishers' files are unchanged (304), the
    # archived dumps are stored already (not even asked for): nothing is downloaded.
    mirror.log.answers.clear()
    mirror.log.headers.clear()
    again = cli("update", "--date", "2015-04-02", "--recheck", "--no-build", env=mirror.env)
    assert again.exit_code == 0, again.output
    assert mirror.log.statuses() == [304] * 13, mirror.log.answers
    assert mirror.log.body_bytes == 0
    assert all("If-None-Match" in h and "If-Modified-Since" in h for h in mirror.log.headers)
    report = latest_report(mirror.data)
    assert {k: v["status"] for k, v in by_source(report).items()} == {
        "rir": "unchanged", "peeringdb": "unchanged", "rpki": "unchanged", "bgp-ris": "unchanged"
    }  # fmt: skip
    assert all(s["bytes_downloaded"] == 0 for s in report["sources"])
    assert stored(mirror.data) == before

    # The next day, without --recheck: the `latest` publishers are due again (daily), asked
    # conditionally, unchanged: still nothing downloaded.
    mirror.log.answers.clear()
    args = ("--source", "rir", "--source", "peeringdb", "--source", "rpki", "--no-build")
    nextday = cli("update", "--date", "2015-04-03", *args, env=mirror.env)
    assert nextday.exit_code == 0, nextday.output
    assert mirror.log.statuses() == [304] * 13 and mirror.log.body_bytes == 0
    # peeringdb's files are dated by the day they are fetched: an unchanged file is recorded
    # for the new day as a hard link to the same bytes (the wall clock's day, here)
    assert stored(mirror.data).items() >= before.items()


def test_a_changed_file_is_downloaded_again(mirror: Mirror) -> None:
    args = ("--source", "rpki", "--no-build", "--no-prune")
    assert cli("update", "--date", "2026-01-01", *args, env=mirror.env).exit_code == 0
    vrps = mirror.root / "rpki/vrps.json"
    doc = json.loads(vrps.read_text())
    doc["roas"] = doc["roas"][:-1]  # the relying party dropped a ROA
    vrps.write_text(json.dumps(doc))
    os.utime(vrps, (time.time() + 5, time.time() + 5))
    mirror.log.answers.clear()
    done = cli("update", "--date", "2026-01-02", *args, env=mirror.env)
    assert done.exit_code == 0, done.output
    assert mirror.log.statuses() == [200]
    (f,) = by_source(latest_report(mirror.data))["rpki"]["files"]
    assert f["status"] == "downloaded" and f["sha256"] == sha256_file(vrps)


def test_missing_days_are_asked_again_and_failures_do_not_stop_the_rest(mirror: Mirror) -> None:
    env = {**mirror.env, "NETHEALTH_UPDATE_BACKFILL_DAYS": "2"}
    # rrc06 has no dumps for 2015-04-02; afrinic's server is gone
    (mirror.root / "rir/afrinic/delegated-afrinic-extended-latest").unlink()
    done = cli("update", "--date", "2015-04-03", "--no-build", env=env)
    assert done.exit_code == 0, done.output  # files not published are warnings, not failures
    src = by_source(latest_report(mirror.data))
    assert src["bgp-ris"]["status"] == "partial" and len(src["bgp-ris"]["missing"]) == 3
    assert src["rir"]["status"] == "partial"
    assert src["rir"]["missing"] == [f"{mirror.base}/rir/afrinic/delegated-afrinic-extended-latest"]
    assert src["peeringdb"]["status"] == "fetched"
    state = json.loads((mirror.data / "runs/sources.json").read_text())
    assert state["bgp-ris"]["done"] == ["2015-04-01"]  # 2015-04-02 is asked again next time
    mirror.log.clear()
    later = cli("update", "--date", "2015-04-03", "--no-build", "--source", "bgp-ris", env=env)
    assert later.exit_code == 0
    assert mirror.log and all("20150402" in p for p in mirror.log), list(mirror.log)
    # --strict: a missing file fails its source (exit 4), the other sources still run
    strict = cli("update", "--date", "2015-04-03", "--no-build", "--strict", "--recheck", env=env)
    assert strict.exit_code == 4
    report = latest_report(mirror.data)
    assert report["status"] == "failed" and report["exit_code"] == 4
    assert by_source(report)["rpki"]["status"] == "unchanged"


def _run(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    full = {**os.environ, **env, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen([sys.executable, "-m", "nethealth.cli", *args], env=full, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def _wait_for_part(data: Path, proc: subprocess.Popen[str], least: int) -> Path:
    """The partial download of PeeringDB's ix object, once it holds `least` bytes."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for part in (data / "raw/.incoming/peeringdb").glob("*.part"):
            if part.stat().st_size >= least:
                return part
        time.sleep(0.05)
    raise AssertionError("the download never started")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_concurrent_runs_refused_interrupted_run_completes(
    tmp_path: Path, shared_data: Path, how: signal.Signals
) -> None:
    root = build_mirror(tmp_path / "mirror", shared_data)
    data = tmp_path / "data"
    ix = root / "pdb/api/ix"
    # a slow link: 4 KiB every 100 ms, so the 556 kB ix object takes 14 s
    with serve_directory(root, delay=0.1, chunk=4096) as (base, log):
        env = update_env(base, data)
        args = ["update", "--date", "2015-04-02", "--no-build"]
        first = _run(args, env)
        try:
            part = _wait_for_part(data, first, 64 * 1024)
            holder = json.loads((data / ".lock").read_text())
            assert holder["pid"] == first.pid and holder["command"] == "nethealth update"
            second = _run(args, env)
            _out, err = second.communicate(timeout=120)
            assert second.returncode == 9, err
            assert f"in use by `nethealth update` (pid {first.pid}" in err
            assert "did nothing" in err and "hint:" in err
            first.send_signal(how)
            _out, err = first.communicate(timeout=60)
        finally:
            first.kill()
        assert first.returncode == (-signal.SIGKILL if how == signal.SIGKILL else 128 + how), err
        got = part.stat().st_size
        assert 0 < got < ix.stat().st_size  # a partial download stays, to be resumed
        if how == signal.SIGTERM:  # cleanly stopped: the run says so
            report = latest_report(data)
            assert report["status"] == "interrupted" and report["exit_code"] == 128 + how
            assert by_source(report)["rir"]["status"] == "fetched"
        log.ranges.clear()
        log.headers.clear()
        log.delay = 0.0
        done = cli(*args, env=env)  # the lock was released with the process, even killed
        assert done.exit_code == 0, done.output + done.error
    assert f"bytes={got}-" in log.ranges
    resumed = next(h for h in log.headers if h.get("Range") == f"bytes={got}-")
    assert resumed["If-Range"] == etag_of(ix)
    store = RawStore(data / "raw")
    (stored_ix,) = [f for f in store.files("peeringdb") if f.path.name == "ix.json"]
    assert stored_ix.provenance.sha256 == sha256_file(ix)
    assert len(store.files("peeringdb")) == 7 and len(store.files("bgp-ris")) == 3
    assert latest_report(data)["status"] in ("ok", "warnings")
    assert not part.exists()
