"""The dashboard in headless Chromium: axe-core finds no WCAG 2.2 AA violation, nothing is loaded
from another host, the keyboard reaches everything, and pages work without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from nethealth.outages.query import EventFilter, list_events
from tests.bgp.test_hegemony_lake import write_hegemony_datasets
from tests.web import outage_fixture
from tests.web.conftest import LiveServer, axe_violations
from tests.web.outage_fixture import OutageFixture
from tests.web.routing_fixture import RoutingFixture, build_routing
from tests.web.shutdown_fixture import ShutdownFixture

pytestmark = pytest.mark.browser

outage_world = outage_fixture.outage_world  # the session fixture, used by name

# Event ids of the shutdown fixture fill the {placeholders}.
PAGES = {
    "home": "/",
    "home-other-indicator": "/?indicator=fixture_ixps&sort=name&order=asc",
    "home-shutdown-layer": "/?indicator=shutdowns-12m",
    "country": "/country/NL",
    "country-lowercase": "/country/ke",
    "country-with-shutdowns": "/country/IN",
    "methodology": "/methodology",
    "about": "/about",
    "shutdowns": "/shutdowns",
    "shutdowns-filtered-paged": "/shutdowns?country=IN&order=asc&per_page=1&page=2",
    "shutdown-published": "/shutdowns/{national_in}",
    "shutdown-curated-edited": "/shutdowns/{edited}",
    "shutdown-ongoing": "/shutdowns/{ongoing}",
    "shutdown-retracted": "/shutdowns/{retracted}",
    "shutdown-simulated": "/shutdowns/{simulated_et}",
    "shutdowns-records": "/shutdowns?unit=records&country=IQ",
    "shutdown-record-of-a-longer-event": "/shutdowns/{block_first}",
    "shutdown-event": "/shutdowns/events/{block_event}",
    "shutdown-event-status-unknown": "/shutdowns/events/{stale_event}",
    "not-found": "/country/XX",
    "shutdown-not-found": "/shutdowns/an-0000",
    "asn-with-invalids": "/asn/{asn_invalid}",
    "asn-valid": "/asn/{asn_valid}",
    "routing-incidents": "/routing/incidents",
    "routing-incidents-filtered": "/routing/incidents?type=moas&from=2025-06-01&to=2025-06-02",
    "routing-incident": "/routing/incidents/{incident}",
    "country-with-routing": "/country/{routing_cc}",
    "asn-not-found": "/asn/64511",
    "routing-incident-not-found": "/routing/incidents/nope",
    "outages": "/outages",
    "outages-filtered": "/outages?status=ended&severity=critical",
    "outage-ongoing-linked": "/outages/{outage_ongoing}",
    "outage-ended": "/outages/{outage_ended}",
    "country-with-outages": "/country/{outage_cc}",
    "home-outage-layer": "/?indicator=outages-ongoing",
    "outage-not-found": "/outages/out-000000000000",
}


@pytest.fixture(scope="session")
def routing_world(
    shutdown_lake: ShutdownFixture,
    tmp_path_factory: pytest.TempPathFactory,
    outage_world: OutageFixture,  # detected outages in the same served lake
) -> RoutingFixture:
    """Routing datasets of a tiny simulated world, in the served lake (the routing API's dir),
    and the hegemony datasets of a hand-made RIB (the country page's transit section for NL;
    not flagged simulated: the lake is shared, and the shutdown pages' tests check that NL's
    page carries no simulated notice)."""
    write_hegemony_datasets(shutdown_lake.settings.lake_dir, tmp_path_factory.mktemp("hegemony"),
                            codes=("NL", "KE"))  # fmt: skip
    return build_routing(tmp_path_factory.mktemp("routingsim"), shutdown_lake.settings.lake_dir)


def _path(name: str, fx: ShutdownFixture, rf: RoutingFixture) -> str:
    return PAGES[name].format(
        asn_invalid=rf.asn_invalid,
        asn_valid=rf.asn_valid,
        incident=rf.incident,
        routing_cc=rf.cc,
        national_in=fx.national_in,
        edited=fx.edited,
        ongoing=fx.ongoing,
        retracted=fx.retracted,
        simulated_et=fx.simulated_et,
        block_first=fx.block_iq[0],
        block_event=fx.block_event,
        stale_event=fx.stale_event,
        **_outage_ids(fx),
    )


def _outage_ids(fx: ShutdownFixture) -> dict[str, str]:
    """Detected events of the served lake (written there by the outage_world fixture)."""
    ongoing = list_events(fx.settings, EventFilter(status="ongoing", limit=1))[0]
    ended = list_events(fx.settings, EventFilter(status="ended", limit=1))[0]
    return {
        "outage_ongoing": ongoing["event_id"],
        "outage_ended": ended["event_id"],
        "outage_cc": ongoing["country"],
    }


@pytest.fixture
def strict_page(browser: Any) -> Iterator[Any]:
    """A page under the app's real Content-Security-Policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _record_hosts(page: Any) -> list[str]:
    hosts: list[str] = []
    page.on("request", lambda r: hosts.append(urlsplit(r.url).hostname or r.url))
    return hosts


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_axe_violations_and_stays_local(
    live_server: LiveServer,
    shutdown_lake: ShutdownFixture,
    routing_world: RoutingFixture,
    page: Any,
    name: str,
) -> None:
    hosts = _record_hosts(page)
    response = page.goto(live_server.url + _path(name, shutdown_lake, routing_world))
    assert response is not None
    assert response.status == (404 if name.endswith("not-found") else 200)
    assert set(hosts) == {"127.0.0.1"}, "a page requested another host"
    # The country page's data tables are inside <details>: open them so axe checks them too.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    if name == "country":  # /country/NL carries the transit section (routing_world writes it)
        assert page.locator("#transit-caption").count() == 1
    assert axe_violations(page) == []


def test_pages_obey_their_content_security_policy(
    live_server: LiveServer,
    shutdown_lake: ShutdownFixture,
    routing_world: RoutingFixture,
    strict_page: Any,
) -> None:
    """Under the real CSP nothing is refused (no inline script or style) and nothing external."""
    hosts = _record_hosts(strict_page)
    refused: list[str] = []
    strict_page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    for name in PAGES:
        response = strict_page.goto(live_server.url + _path(name, shutdown_lake, routing_world))
        assert response is not None
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert set(hosts) == {"127.0.0.1"}
    assert refused == []


def test_every_page_links_to_its_json_twin(
    live_server: LiveServer,
    shutdown_lake: ShutdownFixture,
    routing_world: RoutingFixture,
    strict_page: Any,
) -> None:
    for name in PAGES:
        if name.endswith("not-found"):
            continue
        strict_page.goto(live_server.url + _path(name, shutdown_lake, routing_world))
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


def test_shutdown_tracker_works_without_javascript(
    live_server: LiveServer, shutdown_lake: ShutdownFixture, browser: Any
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        page.click('.site-nav a:text-is("Shutdowns")')
        page.wait_for_url("**/shutdowns")
        assert page.locator("#events tbody tr").count() == 8  # distinct events
        # The plain GET form filters without any script.
        page.select_option("#f-country", "IN")
        page.select_option("#f-type", "shutdown")
        page.click("text=Apply filters")
        page.wait_for_url("**country=IN**")
        assert "type=shutdown" in page.url
        assert page.locator("#events tbody tr").count() == 2
        # The Start heading reverses the order; the filters stay.
        first = page.locator("#events tbody time").first.inner_text()
        page.click("#events thead >> text=Start")
        page.wait_for_url("**order=asc**")
        assert "country=IN" in page.url
        assert page.locator("#events tbody time").first.inner_text() < first
        # Pages: two events a page; Next goes to the second.
        page.goto(live_server.url + "/shutdowns?per_page=2")
        page.click("nav.pagination >> text=Next")
        page.wait_for_url("**page=2**")
        assert page.locator('nav.pagination a[aria-current="page"]').inner_text().endswith("2")
        # A row opens its event's page, which lists its records; a record's page names it.
        page.goto(live_server.url + "/shutdowns?country=IQ&type=service-blocking")
        page.click(f'#events tbody th a[href="/shutdowns/events/{shutdown_lake.block_event}"]')
        page.wait_for_url(f"**/shutdowns/events/{shutdown_lake.block_event}")
        assert page.locator("#records tbody tr").count() == 2
        page.click(f'#records a[href="/shutdowns/{shutdown_lake.block_iq[0]}"]')
        page.wait_for_url(f"**/shutdowns/{shutdown_lake.block_iq[0]}")
        assert page.locator("#event-cost").count() == 1
        # The country link of an event's page leads to the country page.
        page.goto(live_server.url + "/shutdowns?country=IN&year=2019")
        page.click("#events tbody th a")
        page.wait_for_url("**/shutdowns/events/ev-*")
        assert "India, since 2019-08-05" in page.locator("h1").inner_text()
        page.click('#where a:text-is("India")')
        page.wait_for_url("**/country/IN")
        assert page.locator("#shutdowns .timeline-events li").count() == 2
        # The home map's choice of the shutdown layer, submitted without script.
        page.goto(live_server.url + "/")
        page.select_option("#indicator", "shutdowns-12m")
        page.click("text=Show on map")
        page.wait_for_url("**indicator=shutdowns-12m**")
        assert page.locator("svg.worldmap g.highlights path").count() == 4  # KE, IQ
        assert page.locator("#data tbody tr").count() == 4
    finally:
        context.close()


def test_keyboard_reaches_the_filters_and_the_events(
    live_server: LiveServer, strict_page: Any
) -> None:
    strict_page.goto(live_server.url + "/shutdowns")
    reached: list[str] = []
    for _ in range(40):
        strict_page.keyboard.press("Tab")
        reached.append(
            strict_page.evaluate(
                "document.activeElement.id || document.activeElement.getAttribute('href') || ''"
            )
        )
    assert "f-country" in reached and "f-per-page" in reached
    assert any(r.startswith("/shutdowns/") for r in reached), reached


def test_routing_pages_work_without_javascript(
    live_server: LiveServer, routing_world: RoutingFixture, browser: Any
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/routing/incidents")
        total = page.locator("#incidents tbody tr").count()
        assert total >= 2
        # The plain GET form filters by type without any script.
        page.select_option("#f-type", "moas")
        page.click("text=Apply filters")
        page.wait_for_url("**type=moas**")
        assert 0 < page.locator("#incidents tbody tr").count() < total
        page.click("#incidents tbody tr th a >> nth=0")
        page.wait_for_url("**/routing/incidents/moas-*")
        assert page.locator("#sightings tbody tr").count() >= 1
        page.goto(live_server.url + f"/asn/{routing_world.asn_invalid}")
        assert page.locator("#states figure.chart svg[role=img]").count() >= 1
        assert page.locator("#prefixes tbody tr").count() >= 1
    finally:
        context.close()


def test_outage_pages_work_without_javascript(
    live_server: LiveServer, outage_world: OutageFixture, browser: Any
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        page.click('.site-nav a:text-is("Outages")')
        page.wait_for_url("**/outages")
        total = page.locator("#events tbody tr").count()
        assert total == len(outage_world.events)
        # The plain GET form filters without any script.
        page.select_option("#f-status", "ongoing")
        page.click("text=Apply filters")
        page.wait_for_url("**status=ongoing**")
        assert page.locator("#events tbody tr").count() == 1
        page.click("#events tbody th a")
        page.wait_for_url(f"**/outages/{outage_world.ongoing}")
        assert page.locator("#evidence figure.chart svg[role=img]").count() >= 2
        assert page.locator("#evidence details table.data").count() >= 1
        page.click("#shutdowns ul.links a")
        page.wait_for_url("**/shutdowns/**")
        # The home map's layer of ongoing outages, chosen without script.
        page.goto(live_server.url + "/")
        page.select_option("#indicator", "outages-ongoing")
        page.click("text=Show on map")
        page.wait_for_url("**indicator=outages-ongoing**")
        assert page.locator("#data tbody tr").count() == 1
        assert page.locator("svg.worldmap g.highlights path").count() == 2
    finally:
        context.close()
