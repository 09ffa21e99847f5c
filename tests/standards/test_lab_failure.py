"""A lab server that does not start: `lab up` fails naming the server and its log file, and
`lab down` then stops what did start and leaves nothing (loopback mode: no namespace needed).
Skipped, with the reason, when not root or when a Debian package is missing (`make lab`)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nethealth.errors import ConfigError, ServiceError
from nethealth.standards.lab import control, templates


@pytest.fixture
def lab_dir() -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("the real lab needs root")
    missing = control.missing_programs()
    if missing:
        pytest.skip(f"the real lab needs {', '.join(sorted(set(missing.values())))}: `make lab`")
    parent = Path(tempfile.mkdtemp(prefix="nethealth-lab-fail-", dir="/var/tmp"))
    parent.chmod(0o755)
    yield parent / "lab"
    control.down(parent / "lab", lambda _m: None)
    parent.rmdir()


def test_a_server_that_fails_is_named_with_its_log(
    lab_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(templates, "nginx_conf", lambda _site: "this is not nginx syntax\n")
    with pytest.raises(ServiceError) as caught:
        control.up(lab_dir, lambda _m: None, mode="loopback")
    message = str(caught.value)
    assert "starting nginx" in message
    assert f"log: {lab_dir / 'log' / 'nginx.log'}" in message
    state = control.status(lab_dir)
    assert not state["running"]
    running = {s["server"] for s in state["servers"] if s["state"] == "running"}
    assert running == {"knot", "unbound"}  # started before nginx, and still up
    pids = [s["pid"] for s in state["servers"] if s["pid"]]
    control.down(lab_dir, lambda _m: None)
    assert [p for p in pids if control.alive(p)] == []
    assert not lab_dir.exists()


def test_up_needs_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(ConfigError, match="needs root"):
        control.up(tmp_path / "lab", lambda _m: None)
    assert not (tmp_path / "lab").exists()


def test_a_directory_that_holds_something_else_is_refused_and_left(lab_dir: Path) -> None:
    lab_dir.mkdir()
    keep = lab_dir / "notes.txt"
    keep.write_text("mine")
    with pytest.raises(ConfigError, match="holds no lab"):
        control.up(lab_dir, lambda _m: None, mode="loopback")
    control.down(lab_dir, lambda _m: None)
    assert keep.read_text() == "mine"  # neither up nor down touched it
    keep.unlink()


def test_a_stale_pid_file_never_stops_someone_elses_process(tmp_path: Path) -> None:
    """A server died and its pid went to another process (here: this test's own): status
    says stopped, and down signals nobody."""
    directory = tmp_path / "lab"
    (directory / "run").mkdir(parents=True)
    pidfile = directory / "run" / "nginx.pid"
    pidfile.write_text(f"{os.getpid()}\n")
    state = {"mode": "loopback", "directory": str(directory), "servers": [
        {"name": "nginx", "pidfile": str(pidfile), "log": str(directory / "log/nginx.log")}
    ], "scanner": None}  # fmt: skip
    (directory / "lab.json").write_text(json.dumps(state))
    assert control.status(directory)["servers"][0]["state"] == "stopped"
    assert control.down(directory, lambda _m: None)["stopped"] == []  # and we are still here
    assert not directory.exists()
