"""The IXP pages in headless Chromium: no axe-core violation (WCAG 2.2 AA) in English, French and
Spanish, nothing from another host, and the tables reachable with the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.infrastructure.ixp_fixture import IxpWorld
from tests.web.conftest import LiveServer, check_page, launch_chromium

pytestmark = pytest.mark.browser
PAGES = {
    "list": "/ixps?date=2025-06-01",
    "list-filtered": "/ixps?country=KE&active=true",
    "list-latest": "/ixps",
    "ixp": "/ixp/10?date=2025-06-01",
    "ixp-not-measured": "/ixp/10",
    "ixp-not-found": "/ixp/99",
    "country-with-ixps": "/country/KE",
}


@pytest.fixture(scope="module")
def server(ixp_world: IxpWorld) -> Iterator[LiveServer]:
    live = LiveServer(ixp_world.settings).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for this module only (tests after it call asyncio.run: `launch_chromium`)."""
    yield from launch_chromium()


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(server: LiveServer, page: Any, name: str, lang: str) -> None:
    check_page(page, server.url, PAGES[name], lang, 404 if name.endswith("not-found") else 200)


def test_tables_are_reachable_by_keyboard(server: LiveServer, page: Any) -> None:
    """Each scrollable table region takes focus (arrow keys then scroll it)."""
    page.goto(server.url + PAGES["ixp"])
    regions = page.locator('.table-wrap[tabindex="0"]')
    assert regions.count() == 2  # members, history
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.getAttribute('aria-labelledby')"))
    assert {"members-caption", "history-caption"} <= set(reached)
