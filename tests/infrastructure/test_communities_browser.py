"""The communities pages and the country section in headless Chromium: no axe-core violation
(WCAG 2.2 AA) in English, French and Spanish, and nothing loaded from another host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.infrastructure.communities_fixture import CommunityWorld
from tests.web.conftest import AXE, LiveServer, launch_chromium

pytestmark = pytest.mark.browser
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
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


def _violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"]]  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(server: LiveServer, page: Any, name: str, lang: str) -> None:
    hosts: list[str] = []
    page.on("request", lambda r: hosts.append(urlsplit(r.url).hostname or r.url))
    path = PAGES[name]
    response = page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response is not None
    assert response.status == (404 if name.endswith("not-found") else 200)
    assert page.get_attribute("html", "lang") == lang
    assert set(hosts) == {"127.0.0.1"}
    assert _violations(page) == []
