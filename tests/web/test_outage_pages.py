"""The detected-outage pages against the API's JSON on the same lake: list, filters, event page
with its evidence, country section, map layer, 404 and JSON twins."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

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
    from nethealth.ui.formatting import fmt_usd
    from nethealth.web.outage_views import outage_cost

    api = {"low_usd": 1.0e6, "central_usd": 2.5e6, "high_usd": 4.0e6,
           "model_version": "1", "basis": "detected", "inputs": {}}  # fmt: skip
    view = outage_cost({"cost": api})
    assert view is not None and (view.central_usd, view.basis) == (2.5e6, "detected")
    assert view.text == f"{fmt_usd(2.5e6)} (range {fmt_usd(1.0e6)} to {fmt_usd(4.0e6)})"
    assert outage_cost({"cost": None}) is None
