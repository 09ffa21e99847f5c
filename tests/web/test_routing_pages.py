"""Routing-security pages against the routing API's JSON for the same simulated world: the page,
its JSON twin and `/api/v1/routing/...` must tell the same story."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nethealth.routing import page_views, query
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import build_fixture_lake, make_settings
from tests.apps import without_response_cache
from tests.web.routing_fixture import RoutingFixture, build_routing


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[RoutingFixture, TestClient]:
    tmp = tmp_path_factory.mktemp("routingweb")
    settings = build_fixture_lake(make_settings(tmp / "data", ASSETS))
    return build_routing(tmp, settings.lake_dir), TestClient(fixture_app(settings))


@pytest.fixture(scope="module")
def fx(world: tuple[RoutingFixture, TestClient]) -> RoutingFixture:
    return world[0]


@pytest.fixture(scope="module")
def client(world: tuple[RoutingFixture, TestClient]) -> Iterator[TestClient]:
    with world[1] as c:
        yield c


def _cells(html: str, table_caption_start: str) -> list[list[str]]:
    """Text of each body row of the table whose caption starts with the given words."""
    at = html.index(f">{table_caption_start}")
    body = html[at : html.index("</table>", at)]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1], re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in rows]  # fmt: skip


def test_asn_page_matches_the_routing_api(client: TestClient, fx: RoutingFixture) -> None:
    api = client.get(f"/api/v1/routing/asns/{fx.asn_invalid}").json()
    twin = client.get(f"/asn/{fx.asn_invalid}.json").json()
    page = client.get(f"/asn/{fx.asn_invalid}")
    assert page.status_code == 200
    html = page.text
    # Route states: counts of the API's per-family rows, summed.
    invalid = sum(r["invalid"] for r in api["rov"])
    assert invalid > 0
    states = {s["state"]: s["routes"] for s in twin["states"]}
    assert states["invalid"] == invalid
    assert states["valid"] == sum(r["valid"] for r in api["rov"])
    # Prefix table: the API's prefixes, states and reasons (the page groups IPv4 first).
    rows = _cells(html, "Prefixes AS")
    assert sorted((r[0], r[1].lower(), r[2]) for r in rows) == sorted(
        (p["prefix"], p["state"].replace("-", " "), p["reason"]) for p in api["prefixes"]
    )
    # Incidents: the same ids as the API, each linked.
    assert {i["id"] for i in twin["incidents"]} == {i["id"] for i in api["incidents"]}
    for i in api["incidents"]:
        assert f'href="/routing/incidents/{i["id"]}"' in html
    # Coverage table per family; country link from the ASN-country map; simulated banner.
    cov = _cells(html, "ROA coverage of prefixes")
    assert [c[0] for c in cov] == [("IPv4" if r["af"] == 4 else "IPv6") for r in api["rov"]]
    assert f'href="/country/{fx.cc}"' in html
    assert "banner-simulated" in html and twin["simulated"] is True
    assert 'role="img"' in html  # the state chart


def test_asn_scorecard_is_real_or_says_it_is_missing(
    client: TestClient, fx: RoutingFixture
) -> None:
    twin = client.get(f"/asn/{fx.asn_valid}.json").json()
    if twin["scorecard"] is None:
        assert twin["scorecard_note"]
        assert "no readiness figures are shown" in client.get(f"/asn/{fx.asn_valid}").text
    else:  # an AS with only valid routes scores 100 % on RPKI (valid share − 10 × invalid share)
        assert twin["scorecard"]["rpki"] == 100.0
        assert twin["scorecard"]["irr"] is None  # no IRR data loaded: not measured, not 0
        assert "not measured" in client.get(f"/asn/{fx.asn_valid}").text
    # the history table shows the built dataset's months, as the scorecard API returns them
    for h in twin["scorecard_history"]:
        api = client.get(f"/api/v1/routing/asns/{fx.asn_valid}/scorecard?month={h['month']}")
        assert api.json()["source"] == "dataset"
        assert {k: api.json()[k] for k in ("rpki", "irr", "filtering")} == {
            k: h[k] for k in ("rpki", "irr", "filtering")}  # fmt: skip
    assert [h["month"] for h in twin["scorecard_history"]] == ["2025-06"]
    rows = _cells(client.get(f"/asn/{fx.asn_valid}").text, "Readiness of AS")
    assert [r[0] for r in rows] == ["2025-06"]


def test_asn_prefixes_are_paginated(
    client: TestClient, fx: RoutingFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_views, "PREFIX_PAGE", 20)
    api = client.get(f"/api/v1/routing/asns/{fx.asn_many}").json()["prefixes"]
    assert len(api) > 20
    seen: list[str] = []
    page = 1
    while True:
        twin = client.get(f"/asn/{fx.asn_many}.json?page={page}").json()
        seen += [p["prefix"] for p in twin["prefixes"]]
        if twin["prefix_pager"]["next"] is None:
            break
        assert (
            f'href="{twin["prefix_pager"]["next"]}"'
            in client.get(f"/asn/{fx.asn_many}?page={page}").text
        )
        page += 1
    assert page == -(-len(api) // 20)
    assert sorted(seen) == sorted(p["prefix"] for p in api)
    assert client.get(f"/asn/{fx.asn_many}?page={page + 1}").status_code == 400


def test_unknown_asn_and_incident_are_404_with_the_api_wording(client: TestClient) -> None:
    for page, api in (("/asn/64511", "/api/v1/routing/asns/64511"),
                      ("/routing/incidents/nope", "/api/v1/routing/incidents/nope")):  # fmt: skip
        message = client.get(api).json()["error"]["message"]
        twin = client.get(page + ".json")
        assert twin.status_code == 404 and twin.json()["error"]["message"] == message
        html = client.get(page)
        assert html.status_code == 404
        assert message[1:] in unescape(html.text)  # the page capitalises the first letter


def test_incident_list_filters_match_the_api(client: TestClient, fx: RoutingFixture) -> None:
    everything = client.get("/api/v1/routing/incidents").json()["incidents"]
    assert len(everything) >= 2
    html = client.get("/routing/incidents").text
    for i in everything:
        assert f'href="/routing/incidents/{i["id"]}"' in html
    assert '<form class="filters" method="get" action="/routing/incidents">' in html
    for kind in fx.incident_types:
        api = client.get(f"/api/v1/routing/incidents?type={kind}").json()["incidents"]
        twin = client.get(f"/routing/incidents.json?type={kind}").json()
        # one order for both: newest first, ties by id
        assert [i["id"] for i in twin["incidents"]] == [i["id"] for i in api]
        by_id = sorted(api, key=lambda i: i["id"])
        assert api == sorted(by_id, key=lambda i: datetime.fromisoformat(i["start"]), reverse=True)
        assert twin["total"] == len(api) and 0 < len(api) < len(everything)
    culprit = everything[0]["culprit_asn"]
    api = client.get(f"/api/v1/routing/incidents?asn={culprit}").json()["incidents"]
    twin = client.get(f"/routing/incidents.json?asn=AS{culprit}").json()
    assert {i["id"] for i in twin["incidents"]} == {i["id"] for i in api}
    # A window after the world's day holds nothing; a bad date is a 400, as in the API.
    assert client.get("/routing/incidents.json?from=2025-07-01").json()["total"] == 0
    assert client.get("/routing/incidents?from=yesterday").status_code == 400
    assert client.get("/routing/incidents?type=ddos").status_code == 400


def _bgpdump_announcements(
    files: tuple[Path, ...], prefix: str, origin: int
) -> set[tuple[int, str, float]]:
    """(peer AS, AS path, time in seconds) of every announcement of `prefix` by `origin` in the
    update files, from bgpdump's one-line output (the outside reference)."""
    out = set()
    for f in files:
        text = subprocess.run(["bgpdump", "-m", str(f)], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
        for line in text.splitlines():
            x = line.split("|")
            if len(x) > 6 and x[2] == "A" and x[5] == prefix and x[6].split()[-1] == str(origin):
                out.add((int(x[4]), x[6], float(x[1])))  # BGP4MP_ET: microseconds
    return out


def test_incident_page_pairs_peers_with_paths(client: TestClient, fx: RoutingFixture) -> None:
    if shutil.which("bgpdump") is None:
        pytest.skip("bgpdump (Debian package) is the reference and is not installed")
    listing = client.get("/api/v1/routing/incidents?limit=1000").json()["incidents"]
    hijack = next(i for i in listing if i["type"] in ("moas", "subprefix_hijack"))
    api = client.get(f"/api/v1/routing/incidents/{hijack['id']}").json()
    html = client.get(f"/routing/incidents/{hijack['id']}").text
    seen = _bgpdump_announcements(fx.updates, api["prefix"], api["culprit_asn"])
    assert seen
    # the sightings pair each peer with its path: the same pairs bgpdump shows
    pairs = {(s["peer_asn"], s["path"]) for s in api["sightings"]}
    assert pairs == {(a, p) for a, p, _t in seen}
    for s in api["sightings"]:
        first = min(t for a, p, t in seen if (a, p) == (s["peer_asn"], s["path"]))
        got = datetime.fromisoformat(s["first_seen"]).timestamp()
        assert got == pytest.approx(first, abs=1e-6)
        assert s["last_seen"] >= s["first_seen"]
    rows = _cells(html, "Each collector peer")
    assert [(r[1], r[2]) for r in rows] == [(s["path"], f"AS{s['path'].split()[-1]}")
                                            for s in api["sightings"]]  # fmt: skip
    # the CLI names each file's collector from the archive layout: peers are (collector, peer)
    n = len({(s["collector"], s["peer"]) for s in api["sightings"]})
    assert n >= len({a for a, _p, _t in seen}) and all(s["collector"] for s in api["sightings"])
    twin = client.get(f"/routing/incidents/{hijack['id']}.json").json()
    assert twin["peer_count"] == n and twin["peer_count_is_lower_bound"] is False
    assert f"Seen by {n} collector peer" in html
    assert "Seen by 0" not in html
    assert twin["explanation"] in unescape(html)  # a victim's name: &#39;s in the HTML
    assert "ongoing" in html if api["end"] is None else api["end"][:16].replace("T", " ") in html


def test_country_page_routing_section(client: TestClient, fx: RoutingFixture) -> None:
    api = client.get(f"/api/v1/routing/countries/{fx.cc}").json()["rov"]
    twin = client.get(f"/country/{fx.cc}.json").json()["routing"]
    assert twin is not None
    assert [c["prefixes"] for c in twin["coverage"]] == [r["prefixes"] for r in api]
    assert fx.asn_invalid in [a["asn"] for a in twin["top_invalid"]]
    html = client.get(f"/country/{fx.cc}").text
    assert 'id="routing"' in html and f'href="/asn/{fx.asn_invalid}"' in html
    # The scorecard roll-up: the API's figures, linked
    roll = client.get(f"/api/v1/routing/countries/{fx.cc}/scorecard").json()
    assert {a["action"]: a["ases"] for a in twin["rollup"]} == {
        a["action"]: a["ases"] for a in roll["actions"]}  # fmt: skip
    assert twin["rollup_api"] in html.replace("&amp;", "&")
    rows = _cells(html, "Readiness per MANRS action")
    assert len(rows) == len(roll["actions"])
    # A country without routing figures has no section (and a null in its twin).
    assert client.get("/country/NL.json").json()["routing"] is None
    assert 'id="routing"' not in client.get("/country/NL").text


def test_nav_has_routing_link(client: TestClient) -> None:
    html = client.get("/routing/incidents").text
    assert '<a href="/routing/incidents" aria-current="page">Routing</a>' in html


def test_pages_without_routing_data(tmp_path: Path) -> None:
    settings = build_fixture_lake(make_settings(tmp_path / "data", ASSETS))
    with TestClient(fixture_app(settings)) as c:
        assert c.get("/routing/incidents").status_code == 503
        assert c.get("/asn/64500").status_code == 503
        assert c.get("/country/NL.json").json()["routing"] is None


QUERIES = ("asn_routes", "asn_prefixes", "asn_incidents", "country_rov", "country_rollup",
           "incidents", "incident")  # fmt: skip


def test_api_and_pages_answer_from_the_same_query_functions(
    client: TestClient, fx: RoutingFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API and the pages used to read the routing datasets separately (and disagreed: every
    snapshot vs the latest, oldest vs newest first); both now call `routing.query`, and get
    the same rows for the same question."""
    without_response_cache(client.app, monkeypatch)  # type: ignore[arg-type]
    calls: list[tuple[str, tuple[Any, ...], Any]] = []
    for name in QUERIES:
        real = getattr(query, name)

        def spy(lake: Any, *args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            got = _real(lake, *args, **kw)
            calls.append((_name, (*args, *kw.values()), got))
            return got

        monkeypatch.setattr(query, name, spy)

    def made(url: str) -> dict[str, tuple[tuple[Any, ...], Any]]:
        calls.clear()
        assert client.get(url).status_code == 200, url
        return {n: (a, r) for n, a, r in calls}

    api = made(f"/api/v1/routing/asns/{fx.asn_invalid}")
    twin = made(f"/asn/{fx.asn_invalid}.json")
    assert {"asn_routes", "asn_prefixes", "asn_incidents"} <= api.keys() & twin.keys()
    assert api["asn_routes"][1] == twin["asn_routes"][1]  # same snapshot, rows, route count
    assert api["asn_routes"][1].snapshot is not None
    # the page shows a page of the API's prefix list, in the API's order
    assert twin["asn_prefixes"][1] == api["asn_prefixes"][1][: len(twin["asn_prefixes"][1])]
    assert [r["id"] for r in twin["asn_incidents"][1]] == [
        r["id"] for r in api["asn_incidents"][1]][: len(twin["asn_incidents"][1])]  # fmt: skip

    kind = fx.incident_types[0]
    api = made(f"/api/v1/routing/incidents?type={kind}")
    twin = made(f"/routing/incidents.json?type={kind}")
    assert api["incidents"][0][0] == twin["incidents"][0][0]  # one IncidentQuery
    assert api["incidents"][1] == twin["incidents"][1]

    api = made(f"/api/v1/routing/incidents/{fx.incident}")
    twin = made(f"/routing/incidents/{fx.incident}.json")
    assert api["incident"] == twin["incident"]

    api = made(f"/api/v1/routing/countries/{fx.cc}")
    twin = made(f"/country/{fx.cc}.json")
    assert api["country_rov"][0][0] == twin["country_rov"][0][0] == fx.cc
    assert api["country_rov"][1] == twin["country_rov"][1] and api["country_rov"][1].rov
    api = made(f"/api/v1/routing/countries/{fx.cc}/scorecard")
    assert api["country_rollup"][1] == twin["country_rollup"][1] and api["country_rollup"][1]


def test_one_rib_snapshot_per_answer(fx: RoutingFixture, tmp_path: Path) -> None:
    """With two RIB snapshots in the lake, the API and the AS page's twin give the latest; the
    API's `date` picks the snapshot on or before a day (it used to give every snapshot's rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from nethealth.routing import api, pages
    from nethealth.web.compose import page_routers
    from tests.api.fixture_lake import make_settings
    from tests.apps import router_app
    from tests.conftest import ASSETS

    settings = make_settings(tmp_path / "data", ASSETS)
    settings.lake_dir.mkdir(parents=True)
    earlier = date(2025, 5, 1)
    for name in ("routing_rov_asn", "routing_rov_country", "routing_route_states"):
        now = pq.read_table(fx.root / f"{name}.parquet")
        before = now.set_column(now.schema.get_field_index("snapshot"), "snapshot",
                                pa.array([earlier] * now.num_rows, pa.date32()))  # fmt: skip
        if "invalid" in now.column_names:  # the earlier snapshot: no invalid route
            before = before.set_column(before.schema.get_field_index("invalid"), "invalid",
                                       pc.multiply(before["invalid"], 0))  # fmt: skip
        pq.write_table(pa.concat_tables([before, now]), settings.lake_dir / f"{name}.parquet")
    client = TestClient(router_app(api.router, *page_routers(pages.PAGES), settings=settings))
    asn = fx.asn_invalid
    latest = client.get(f"/api/v1/routing/asns/{asn}").json()
    assert {r["snapshot"] for r in latest["rov"]} == {"2025-06-01"}
    assert len(latest["rov"]) == len({r["af"] for r in latest["rov"]})  # one row per family
    assert {p["snapshot"] for p in latest["prefixes"]} == {"2025-06-01"}
    twin = client.get(f"/asn/{asn}.json").json()
    assert twin["snapshot"] == "2025-06-01"
    assert {s["state"]: s["routes"] for s in twin["states"]}["invalid"] == sum(
        r["invalid"] for r in latest["rov"]) > 0  # fmt: skip
    old = client.get(f"/api/v1/routing/asns/{asn}?date=2025-05-31").json()
    assert {r["snapshot"] for r in old["rov"]} == {"2025-05-01"}
    assert sum(r["invalid"] for r in old["rov"]) == 0
    country = client.get(f"/api/v1/routing/countries/{fx.cc}?date=2025-05-01").json()
    assert {r["snapshot"] for r in country["rov"]} == {"2025-05-01"}
    none = client.get(f"/api/v1/routing/asns/{asn}?date=2025-04-30")
    assert none.status_code == 404
    assert none.json()["error"]["message"] == "no RIB snapshot on or before 2025-04-30"


def test_api_csv_is_the_json_rows(client: TestClient) -> None:
    """CSV as every CSV of the API (docs/api.md, Formats): a download, `true`/`false`, ISO
    times, a list as a JSON array in one cell; chosen by `format=csv` or `Accept: text/csv`."""
    import csv as csv_module
    import io
    import json

    listing = client.get("/api/v1/routing/incidents").json()["incidents"]
    got = client.get("/api/v1/routing/incidents?format=csv")
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"] == (
        'attachment; filename="nethealth-routing-incidents.csv"')  # fmt: skip
    assert client.get("/api/v1/routing/incidents", headers={"Accept": "text/csv"}).text == got.text
    rows = list(csv_module.DictReader(io.StringIO(got.text)))
    assert [r["id"] for r in rows] == [i["id"] for i in listing]
    for r, i in zip(rows, listing, strict=True):
        assert r["ongoing"] == ("true" if i["ongoing"] else "false")
        assert r["start"] == i["start"] and r["end"] == (i["end"] or "")
        assert json.loads(r["peers"]) == i["peers"] and json.loads(r["sightings"]) == i["sightings"]
        assert json.loads(r["victim_asns"]) == i["victim_asns"]
    assert client.get("/api/v1/routing/incidents?format=xml").status_code == 400


def test_the_pages_label_every_incident_type_the_query_accepts() -> None:
    assert tuple(page_views.TYPE_LABELS) == query.INCIDENT_TYPES
