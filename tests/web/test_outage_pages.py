"""The detected-outage pages (declared in nethealth.outages.pages) against the API's JSON on the
same lake: list, filters, event page with its evidence, country section, map layer, 404 and JSON
twins; both faces read through the same `outages.query` functions."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nethealth.outages import query
from tests.apps import without_response_cache
from tests.web import outage_fixture
from tests.web.outage_fixture import OutageFixture
from tests.web.shutdown_fixture import ShutdownFixture

outage_world = outage_fixture.outage_world  # the session fixture, used by name


def _api(client: TestClient, path: str, **params: str) -> dict:  # type: ignore[type-arg]
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_list_matches_the_api(shutdown_client: TestClient, outage_world: OutageFixture) -> None:
    api = _api(shutdown_client, "/api/v1/events")
    twin = _api(shutdown_client, "/outages.json")
    assert [e["event_id"] for e in twin["events"]] == [e["event_id"] for e in api["events"]]
    assert twin["count"] == api["count"] == len(outage_world.events)
    html = shutdown_client.get("/outages").text
    rows = re.findall(r'<th scope="row"><a href="/outages/(out-[0-9a-f]+)"', html)
    assert rows == [e["event_id"] for e in api["events"]]
    assert html.count("Detected by nethealth (algorithmic)") == len(rows)
    assert "Simulated data:" in html and 'href="/outages" aria-current="page"' in html
    ongoing = next(e for e in api["events"] if e["event_id"] == outage_world.ongoing)
    assert ongoing["shutdown_ids"]
    assert f'href="/shutdowns/{ongoing["shutdown_ids"][0]}"' in html


def test_filters_narrow_like_the_api(
    shutdown_client: TestClient, outage_world: OutageFixture
) -> None:
    for params in ({"status": "ongoing"}, {"status": "ended"}, {"country": outage_world.cc}):
        api = _api(shutdown_client, "/api/v1/events", **params)
        twin = _api(shutdown_client, "/outages.json", **params)
        assert [e["event_id"] for e in twin["events"]] == [e["event_id"] for e in api["events"]]
    assert _api(shutdown_client, "/outages.json", status="ongoing")["count"] == 1
    warning = _api(shutdown_client, "/outages.json", severity="warning")
    assert warning["count"] == sum(1 for e in outage_world.events if e["severity"] == "warning")
    html = shutdown_client.get("/outages", params={"status": "ended", "severity": "critical"}).text
    assert '<option value="ended" selected>' in html and outage_world.ongoing not in html
    for bad in ({"status": "maybe"}, {"severity": "x"}, {"from": "soon"}, {"country": "ETH"}):
        r = shutdown_client.get("/outages", params=bad)
        assert r.status_code == 400 and "<h1" in r.text


def test_event_page_shows_the_evidence(
    shutdown_client: TestClient, shutdown_lake: ShutdownFixture, outage_world: OutageFixture
) -> None:
    eid = outage_world.ongoing
    api = _api(shutdown_client, f"/api/v1/events/{eid}")
    twin = _api(shutdown_client, f"/outages/{eid}.json")
    assert twin["event"]["start"] == api["start"] and twin["event"]["end"] is None
    assert twin["detector"] == api["detector"] and twin["method_version"] == api["method_version"]
    entity = f"country:{api['country']}"
    series = {s["signal"]: s for s in api["series"] if s["entity"] == entity}
    assert {e["signal"] for e in twin["evidence"]} == set(series)
    for ev in twin["evidence"]:
        assert [[p["t"], p["value"]] for p in ev["points"]] == series[ev["signal"]]["points"]
        episodes = api["evidence"].get(entity, {}).get(ev["signal"], [])
        assert ev["fired"] == bool(episodes)
        if episodes:
            assert ev["baseline"] == max(e["reference"] for e in episodes)
            inside = [p["value"] for p in ev["points"] if p["in_event"]]
            assert ev["minimum"] == min(inside)
    bgp = next(e for e in twin["evidence"] if e["signal"] == "bgp")
    assert bgp["summary"].startswith(f"BGP visibility of Ethiopia fell from {bgp['baseline']:g}")
    assert [s["event_id"] for s in twin["shutdowns"]] == api["shutdown_ids"]
    assert twin["shutdowns"][0]["event_id"] == shutdown_lake.simulated_et
    assert [a["asn"] for a in twin["asns"]] == api["asns"]
    html = shutdown_client.get(f"/outages/{eid}").text
    assert html.count('class="event-band"') == 2 * len(twin["evidence"])  # wide and narrow
    assert html.count('class="baseline"') == 2 * len(twin["evidence"])
    assert html.count("<details") >= len(twin["evidence"])
    assert bgp["summary"].replace("'", "&#39;") in html
    assert f'href="/shutdowns/{shutdown_lake.simulated_et}"' in html
    assert "Detected by nethealth (algorithmic)" in html and "Ongoing" in html
    # the fixture lake has no World Bank figures: the cost section says why there is no estimate
    assert api["cost"] is None and twin["cost"] is None and twin["cost_note"]
    assert "No estimate:" in html


def test_unknown_event_is_404_in_the_sites_words(
    shutdown_client: TestClient, outage_world: OutageFixture
) -> None:
    for path in ("/outages/out-000000000000", "/outages/nope"):
        r = shutdown_client.get(path)
        assert r.status_code == 404 and "Not found" in r.text and "No outage event" in r.text
        j = shutdown_client.get(path + ".json")
        assert j.status_code == 404 and j.json()["error"]["code"] == "not_found"


def test_country_section_and_map_layer(
    shutdown_client: TestClient, outage_world: OutageFixture
) -> None:
    cc = outage_world.cc
    twin = _api(shutdown_client, f"/country/{cc}.json")
    api = _api(shutdown_client, "/api/v1/events", country=cc)
    assert [e["event_id"] for e in twin["outages"]["events"]] == [
        e["event_id"] for e in api["events"]
    ]
    html = shutdown_client.get(f"/country/{cc}").text
    assert 'id="outages"' in html and f'href="/outages/{outage_world.ongoing}"' in html
    assert _api(shutdown_client, "/country/NL.json")["outages"] is None
    assert 'id="outages"' not in shutdown_client.get("/country/NL").text
    layer = _api(shutdown_client, "/index.json", indicator="outages-ongoing")
    ongoing = _api(shutdown_client, "/api/v1/events", status="ongoing")["events"]
    assert [r["cc"] for r in layer["rows"]] == sorted({e["country"] for e in ongoing})
    assert layer["window"]["ongoing"] == len(ongoing)
    home = shutdown_client.get("/", params={"indicator": "outages-ongoing"}).text
    assert '<option value="outages-ongoing" selected>' in home
    assert home.count('stroke="#b91c1c"') == len(layer["rows"])  # outlined countries


def test_outage_cost_view_formats_the_api_estimate() -> None:
    from nethealth.outages.page_views import outage_cost
    from nethealth.ui.formatting import fmt_usd

    api = {"low_usd": 1.0e6, "central_usd": 2.5e6, "high_usd": 4.0e6,
           "model_version": "1", "basis": "detected", "inputs": {}}  # fmt: skip
    view = outage_cost({"cost": api})
    assert view is not None and (view.central_usd, view.basis) == (2.5e6, "detected")
    assert view.text == f"{fmt_usd(2.5e6)} (range {fmt_usd(1.0e6)} to {fmt_usd(4.0e6)})"
    assert outage_cost({"cost": None}) is None


# The outage area's read model: one set of functions behind the API and the pages -------------

QUERIES = ("list_events", "get_event", "evidence_series", "list_artefacts")


def test_api_and_pages_answer_from_the_same_query_functions(
    shutdown_client: TestClient, outage_world: OutageFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages used to read events through web/outage_views with their own error mapping;
    both faces now call `outages.query`, and get the same rows for the same question."""
    without_response_cache(shutdown_client.app, monkeypatch)  # type: ignore[arg-type]
    calls: list[tuple[str, tuple[Any, ...], Any]] = []
    for name in QUERIES:
        real = getattr(query, name)

        def spy(settings: Any, *args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            got = _real(settings, *args, **kw)
            calls.append((_name, (*args, *kw.values()), copy.deepcopy(got)))
            return got

        monkeypatch.setattr(query, name, spy)

    def made(url: str) -> list[tuple[str, tuple[Any, ...], Any]]:
        calls.clear()
        assert shutdown_client.get(url).status_code == 200, url
        return list(calls)

    def first(got: list[tuple[str, tuple[Any, ...], Any]], name: str) -> tuple[Any, ...]:
        return next((a, r) for n, a, r in got if n == name)

    # the list: the same EventFilter gives the same rows (the page leaves out dismissed events,
    # so it asks that; the API is asked the same below)
    cc = outage_world.cc
    api = made(f"/api/v1/events?country={cc}")
    twin = made(f"/outages.json?country={cc}")
    (api_flt,), api_rows = first(api, "list_events")
    (page_flt,), page_rows = first(twin, "list_events")
    assert api_flt.country == page_flt.country == cc
    assert [r["event_id"] for r in page_rows] == [r["event_id"] for r in api_rows]
    assert {n for n, _a, _r in twin} >= {"list_events", "list_artefacts"}

    # one event: the same row and the same evidence series
    eid = outage_world.ongoing
    api = made(f"/api/v1/events/{eid}")
    twin = made(f"/outages/{eid}.json")
    assert first(api, "get_event") == first(twin, "get_event")
    assert first(api, "evidence_series")[1] == first(twin, "evidence_series")[1]
    html = made(f"/outages/{eid}")
    assert first(html, "get_event")[1]["event_id"] == eid

    # the country section and the map layer read the same function
    assert "list_events" in {n for n, _a, _r in made(f"/country/{cc}.json")}
    layer = made("/index.json?indicator=outages-ongoing")
    (flt,), rows = first(layer, "list_events")
    assert flt.status == "ongoing" and flt.exclude_dismissed
    assert [r["event_id"] for r in rows] == [
        r["event_id"] for r in shutdown_client.get("/api/v1/events?status=ongoing").json()["events"]
        if r["review"]["status"] != "dismissed"]  # fmt: skip
