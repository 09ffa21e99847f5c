"""Browser fixtures: the app on a free loopback port (uvicorn in a thread) and headless Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi.testclient import TestClient

from nethealth.settings import Settings
from tests.api.conftest import ASSETS, client, empty_client, fixture_app, lake_settings  # noqa: F401  (shared fixtures)
from tests.web.shutdown_fixture import ShutdownFixture, build_shutdown_lake

CHROMIUM = Path("/usr/bin/chromium")
AXE = ASSETS / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """uvicorn serving an app in a daemon thread; `stop()` asks it to exit and waits."""

    def __init__(self, settings: Settings) -> None:
        self.port = _free_port()
        config = uvicorn.Config(
            fixture_app(settings), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def shutdown_lake(tmp_path_factory: pytest.TempPathFactory) -> ShutdownFixture:
    """The fixture lake plus a small shutdown tracker with cost estimates."""
    return build_shutdown_lake(tmp_path_factory.mktemp("shutdownlake"))


@pytest.fixture(scope="session")
def shutdown_client(shutdown_lake: ShutdownFixture) -> Iterator[TestClient]:
    with TestClient(fixture_app(shutdown_lake.settings)) as c:
        yield c


@pytest.fixture(scope="session")
def live_server(shutdown_lake: ShutdownFixture) -> Iterator[LiveServer]:
    server = LiveServer(shutdown_lake.settings).start()
    yield server
    server.stop()


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # WCAG 2.2 AA


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.2 AA on the page as loaded: id, help, first nodes."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]


def check_page(page: Any, base: str, path: str, lang: str, status: int = 200) -> None:
    """Open `path` in `lang`: the status, the page's language, nothing loaded from another
    host, and no axe-core violation."""
    hosts: list[str] = []
    page.on("request", lambda r: hosts.append(urlsplit(r.url).hostname or r.url))
    response = page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response is not None and response.status == status
    assert page.get_attribute("html", "lang") == lang
    assert set(hosts) == {"127.0.0.1"}
    assert axe_violations(page) == []


def launch_chromium() -> Iterator[Any]:
    """Headless Chromium for a fixture (skips without Chromium, axe-core or Playwright).
    Playwright's sync API keeps an event loop running in the main thread while it is open, so
    outside tests/web (which runs last) use it in a module-scoped fixture: a session-wide one
    would make every later `asyncio.run` fail."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium for browser tests")
    if not AXE.is_file():
        pytest.skip(f"{AXE} is absent: run `npm ci` to install axe-core")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    yield from launch_chromium()
