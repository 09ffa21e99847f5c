"""The dashboard in headless Chromium: axe-core finds no WCAG 2.2 AA violation, nothing is loaded
from another host, the keyboard reaches everything, and pages work without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import AXE, LiveServer

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "home-other-indicator": "/?indicator=fixture_ixps&sort=name&order=asc",
    "country": "/country/NL",
    "country-lowercase": "/country/ke",
    "methodology": "/methodology",
    "about": "/about",
    "not-found": "/country/XX",
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # bypass_csp: axe is injected as an inline script, which the app's CSP rightly refuses.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def strict_page(browser: Any) -> Iterator[Any]:
    """A page under the app's real Content-Security-Policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]


def _record_hosts(page: Any) -> list[str]:
    hosts: list[str] = []
    page.on("request", lambda r: hosts.append(urlsplit(r.url).hostname or r.url))
    return hosts


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_axe_violations_and_stays_local(
    live_server: LiveServer, page: Any, name: str
) -> None:
    hosts = _record_hosts(page)
    response = page.goto(live_server.url + PAGES[name])
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)
    assert set(hosts) == {"127.0.0.1"}, "a page requested another host"
    # The country page's data tables are inside <details>: open them so axe checks them too.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert _axe_violations(page) == []


def test_pages_obey_their_content_security_policy(
    live_server: LiveServer, strict_page: Any
) -> None:
    """Under the real CSP nothing is refused (no inline script or style) and nothing external."""
    hosts = _record_hosts(strict_page)
    refused: list[str] = []
    strict_page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    for path in PAGES.values():
        response = strict_page.goto(live_server.url + path)
        assert response is not None
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert set(hosts) == {"127.0.0.1"}
    assert refused == []


def test_every_page_links_to_its_json_twin(live_server: LiveServer, strict_page: Any) -> None:
    for name, path in PAGES.items():
        if name == "not-found":
            continue
        strict_page.goto(live_server.url + path)
        twin = strict_page.get_attribute('link[rel="alternate"][type="application/json"]', "href")
        assert twin is not None and ".json" in twin
        assert strict_page.locator(f'main a[href="{twin}"]').count() >= 1
        assert strict_page.request.get(live_server.url + twin).ok


def test_tab_reaches_skip_link_first_then_country_links(
    live_server: LiveServer, strict_page: Any
) -> None:
    strict_page.goto(live_server.url + "/")
    strict_page.keyboard.press("Tab")
    first = strict_page.evaluate(
        "[document.activeElement.className, document.activeElement.getAttribute('href')]"
    )
    assert first == ["skip-link", "#main"]
    # Keep tabbing: a country of the map must receive focus (the map is not a keyboard trap).
    focused_country = None
    for _ in range(40):
        strict_page.keyboard.press("Tab")
        focused_country = strict_page.evaluate(
            "document.activeElement.closest('svg.worldmap') "
            "? document.activeElement.getAttribute('href') : null"
        )
        if focused_country:
            break
    assert focused_country is not None and focused_country.startswith("/country/")
    # Shift+Tab leaves the map again.
    strict_page.keyboard.press("Shift+Tab")
    strict_page.keyboard.press("Shift+Tab")
    assert strict_page.evaluate("document.activeElement.tagName") != "BODY"


def test_skip_link_moves_focus_to_main(live_server: LiveServer, strict_page: Any) -> None:
    strict_page.goto(live_server.url + "/country/NL")
    strict_page.keyboard.press("Tab")
    strict_page.keyboard.press("Enter")
    assert strict_page.evaluate("document.activeElement.id") == "main"


def test_pages_work_without_javascript(live_server: LiveServer, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/?indicator=fixture_ixps")
        assert page.locator("svg.worldmap a path").count() > 150
        assert page.locator("#data table tbody tr").count() > 100
        assert page.locator('svg.worldmap a[href="/country/NL"] title').count() == 1
        # The plain GET form switches the indicator without any script.
        page.select_option("#indicator", "fixture_ipv6_share")
        page.click("text=Show on map")
        page.wait_for_url("**indicator=fixture_ipv6_share**")
        assert "IPv6 share" in page.locator("#map-title").inner_text()
        # So does a sort link of the table.
        page.click("#data thead th >> text=Country")
        assert page.url.endswith("sort=name&order=asc#data")
        first = page.locator("#data tbody tr th").first.inner_text()
        assert first == "Afghanistan"
        page.goto(live_server.url + "/country/NL")
        assert page.locator("figure.chart svg[role=img]").count() >= 2
        assert page.locator("table.data").count() >= 2
    finally:
        context.close()


def test_javascript_autosubmits_indicator_choice(live_server: LiveServer, strict_page: Any) -> None:
    strict_page.goto(live_server.url + "/")
    assert strict_page.locator("#indicator-note").is_visible()
    strict_page.select_option("#indicator", "fixture_ixps")
    strict_page.wait_for_url("**indicator=fixture_ixps**")
    assert "Internet exchange points" in strict_page.locator("#map-title").inner_text()
