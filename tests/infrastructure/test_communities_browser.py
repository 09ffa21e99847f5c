"""The communities pages and the country section in headless Chromium: no axe-core violation
(WCAG 2.2 AA) in English, French and Spanish, and nothing loaded from another host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.infrastructure.communities_fixture import CommunityWorld
from tests.web.conftest import LiveServer, check_page, launch_chromium

pytestmark = pytest.mark.browser
PAGES = {
    "list": "/communities",
    "list-country": "/communities?country=NL",
    "list-none": "/communities?country=BR",
    "nren-with-connectivity": "/communities/nren/surf",
    "nren-zero-ixps": "/communities/nren/rediris",
    "nog-no-asn": "/communities/nog/ripe",
    "enabling-environment": "/communities/enabling_environment/ke",
    "record-not-found": "/communities/nren/nope",
    "country-section": "/country/NL",
}


@pytest.fixture(scope="module")
def server(community_world: CommunityWorld) -> Iterator[LiveServer]:
    live = LiveServer(community_world.settings).start()
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
