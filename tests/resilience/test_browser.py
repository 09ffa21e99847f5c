"""The resilience pages in headless Chromium: no axe-core violation (WCAG 2.2 AA) in English,
French and Spanish, nothing from another host, and the table sortable with the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.resilience.world import World
from tests.web.conftest import LiveServer, check_page, launch_chromium

pytestmark = pytest.mark.browser
PAGES = {
    "list": "/resilience",
    "list-sorted": "/resilience?sort=coverage&order=desc",
    "list-dated": "/resilience?date=2025-05-31",
    "country": "/resilience/KE",
    "country-not-measured": "/resilience/JP",
    "country-page-section": "/country/KE",
}


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[LiveServer]:
    live = LiveServer(world.settings).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for this module only (tests after it call asyncio.run: `launch_chromium`)."""
    yield from launch_chromium()


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(server: LiveServer, page: Any, name: str, lang: str) -> None:
    check_page(page, server.url, PAGES[name], lang, 200)


def test_sorting_by_keyboard(server: LiveServer, page: Any) -> None:
    """Tab to the Country column heading's link and press Enter: the table sorts by name."""
    page.goto(server.url + "/resilience")
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Country":
            break
    else:
        raise AssertionError("the Country heading link is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=name**")
    assert page.get_attribute("th[aria-sort]", "aria-sort") == "ascending"
    first = page.locator("tbody th[scope=row] a").first.text_content()
    assert first is not None and first.strip() == "Afghanistan"
