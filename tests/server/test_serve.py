"""`nethealth serve --workers N`: the workers get the command's settings, answer from the same
lake and share the disk cache; their connections have Nagle's algorithm off."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from uvicorn.protocols.http.h11_impl import H11Protocol

from nethealth.server.app import SETTINGS_ENV, app_from_env
from nethealth.server.http import CoalescingTransport, NoDelayH11Protocol
from nethealth.settings import Settings
from tests.api.conftest import ASSETS
from tests.api.fixture_lake import build_fixture_lake, make_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


@pytest.fixture
def lake(tmp_path: Path) -> Settings:
    return build_fixture_lake(make_settings(tmp_path / "data", ASSETS))


@pytest.fixture
def served(lake: Settings, tmp_path: Path) -> Iterator[int]:
    """`nethealth --data-dir … serve --workers 2` in its own process group, on a free port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETHEALTH_")}
    env["NETHEALTH_ASSETS_DIR"] = str(ASSETS)
    cmd = [sys.executable, "-c", "import sys; from nethealth.cli import main; sys.exit(main())",
           "--data-dir", str(lake.data_dir), "serve", "--port", str(port), "--workers", "2"]  # fmt: skip
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 — closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120  # a bound on start-up, not a measurement
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "serve --workers 2 never answered"
            time.sleep(0.3)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_serve_with_workers_answers_from_the_given_data_dir(served: int, lake: Settings) -> None:
    status, body = _get(served, "/api/v1/countries/NL")
    assert status == 200, body[:300]
    assert json.loads(body)["country"]["name"] == "Netherlands"
    # every request of a keep-alive-less client lands on some worker; all answer the same bytes
    answers = {_get(served, "/api/v1/countries/NL")[1] for _ in range(6)}
    assert answers == {body}
    assert list((lake.data_dir / "cache" / "responses").glob("*/*.entry"))


def test_app_from_env_uses_the_settings_serve_hands_over(
    lake: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETHEALTH_DATA_DIR", "/nonexistent/elsewhere")
    monkeypatch.setenv(SETTINGS_ENV, lake.model_dump_json())
    with TestClient(app_from_env()) as c:
        assert c.get("/api/v1/countries/NL").json()["country"]["cc"] == "NL"


def test_the_protocol_turns_nagle_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's multi-process socket leaves Nagle on for accepted connections (~40 ms per
    kept-alive answer); the protocol switches it off itself."""
    monkeypatch.setattr(H11Protocol, "connection_made", lambda self, transport: None)

    class Transport:
        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock

        def get_extra_info(self, name: str) -> Any:
            return self.sock if name == "socket" else None

    async def connect(sock: socket.socket) -> None:
        protocol = NoDelayH11Protocol.__new__(NoDelayH11Protocol)
        protocol.connection_made(Transport(sock))  # type: ignore[arg-type]

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        asyncio.run(connect(sock))
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


class RecordingTransport:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def close(self) -> None:
        self.calls.append(("close", b""))
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> Any:
        return f"info:{name}"


def test_writes_of_one_loop_turn_go_out_as_one() -> None:
    async def exchange() -> RecordingTransport:
        real = RecordingTransport()
        t = CoalescingTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
        t.write(b"HTTP/1.1 200 OK\r\n\r\n")
        t.write(memoryview(b"body"))
        assert real.calls == []  # nothing sent within the turn
        await asyncio.sleep(0)
        t.write(b"next")
        t.close()  # flushes first
        assert t.get_extra_info("peername") == "info:peername"  # the rest passes through
        await asyncio.sleep(0)
        return real

    real = asyncio.run(exchange())
    assert real.calls == [
        ("write", b"HTTP/1.1 200 OK\r\n\r\nbody"), ("write", b"next"), ("close", b""),
    ]  # fmt: skip
