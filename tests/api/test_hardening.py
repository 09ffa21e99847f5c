"""What a new user found by trying nethealth, each now answered properly: out-of-range and
mixed-zone dates (400 naming the parameter, or the same answer as the UTC spelling), security
headers on every response including errors, the body limit before reading, CSV cells that are
not formulas, absolute feed links from the configured public URL, curation tokens checked at
start-up, and `/api/v1/routing/incidents?country=`."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from nethealth.errors import ConfigError
from nethealth.outages.query import to_csv as outages_csv
from nethealth.routing.api import _respond as routing_respond
from nethealth.server.app import create_app
from nethealth.server.headers import SECURITY_HEADERS
from nethealth.settings import Settings
from nethealth.shutdowns.config import ShutdownSettings
from nethealth.shutdowns.curation import add_event
from nethealth.ui.formats import OutputFormat, csv_response
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import IXPS, make_settings
from tests.api.full_world import FullWorld, build_full_world

TOKEN = "hardening-curator-token-0123456789"
CRITERIA = {"artificially_induced": True, "removes_access": True, "affects_group": True}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> FullWorld:
    return build_full_world(tmp_path_factory.mktemp("hardening"))


@pytest.fixture(scope="module")
def full(world: FullWorld) -> Iterator[TestClient]:
    with TestClient(world.app) as c:
        yield c


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["status"] == status
    return body


def _has_security_headers(response: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name)


# Dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/events?from=9999-12-31T23:59:59-01:00", "from"),
        ("/api/v1/events?to=0001-01-01T00:00:00%2B01:00", "to"),
        ("/outages.json?from=0001-01-01T00:00:00%2B01:00", "from"),
        ("/outages.json?to=9999-12-31T23:59:59-01:00", "to"),
        ("/api/v1/routing/incidents?from=1969-12-31T23:59:59Z", "from"),
        ("/routing/incidents.json?to=2101-01-01", "to"),
        (f"/api/v1/indicators/{IXPS.id}?to=0001-01-01", "to"),
        (f"/api/v1/indicators/{IXPS.id}?from=2025-06-01T00:00:00Z", "from"),
        ("/api/v1/routing/countries/NL/scorecard?month=9999-12", "month"),
        ("/api/v1/routing/asns/64500/scorecard?month=9999-12", "month"),
        ("/api/v1/shutdowns?year=0000", "year"),
        ("/shutdowns.json?year=2101", "year"),
    ],
)
def test_dates_out_of_range_or_malformed_are_400_naming_the_parameter(
    full: TestClient, url: str, param: str
) -> None:
    err = _error(full.get(url), 400)
    assert f"'{param}'" in err["message"] or f"{param}:" in err["message"], err
    assert err["hint"]


@pytest.mark.parametrize(
    "page", ["/outages?from=9999-12-31T23:59:59-01:00", "/routing/incidents?to=x"]
)
def test_pages_answer_bad_dates_with_the_html_error_page(full: TestClient, page: str) -> None:
    response = full.get(page)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    _has_security_headers(response)


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [i["id"] for i in response.json()["incidents"]]


def test_routing_incidents_mix_naive_and_aware_times_as_utc(full: TestClient) -> None:
    """A time without offset is UTC: naive `from` with a +02:00 `to` is the same query as the
    two spelled in UTC (this mix used to be a 500)."""
    mixed = _ids(
        full.get(
            "/api/v1/routing/incidents?from=2025-06-01T06:00:00&to=2025-06-01T14:00:00%2B02:00&limit=1000"
        )
    )
    utc = _ids(
        full.get(
            "/api/v1/routing/incidents?from=2025-06-01T06:00:00Z&to=2025-06-01T12:00:00Z&limit=1000"
        )
    )
    assert mixed == utc and mixed
    every = _ids(full.get("/api/v1/routing/incidents?limit=1000"))
    assert set(utc) < set(every), "the window should leave some incidents out"
    page = full.get(
        "/routing/incidents.json?from=2025-06-01T06:00:00&to=2025-06-01T14:00:00%2B02:00"
    )
    assert page.status_code == 200
    assert {i["id"] for i in page.json()["incidents"]} <= set(utc)
    assert (
        full.get("/routing/incidents?from=2025-06-01&to=2025-06-01T14:00:00%2B02:00").status_code
        == 200
    )


def test_a_date_alone_means_midnight_utc(full: TestClient, world: FullWorld) -> None:
    """`from` is "events ending after": a day alone is that day's 00:00 UTC."""
    ends = sorted(str(e["end"] or e["data_end"]) for e in world.outages.events)
    last_day = ends[-1][:10]  # the day the last event ends (or the data ends)
    day = full.get(f"/api/v1/events?from={last_day}").json()
    spelled = full.get(f"/api/v1/events?from={last_day}T00:00:00%2B00:00").json()
    assert day["events"] == spelled["events"] and day["count"] >= 1
    everything = full.get("/api/v1/events?from=2000-01-01").json()
    assert everything["count"] == len(world.outages.events)


def test_curation_dates_are_range_checked(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", ASSETS, shutdowns_curators=f"tester={TOKEN}")
    app = fixture_app(settings)
    with TestClient(app) as c:
        body = {"fields": {"countries": ["KE"], "start_date": "0001-01-01", "type": "shutdown",
                           "scope": "national", **CRITERIA}}  # fmt: skip
        err = _error(c.post("/api/v1/shutdowns", json=body, headers=_auth()), 400)
    assert "start_date" in err["message"] and "1970" in err["hint"]


def test_openapi_declares_the_format_of_every_date_parameter(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    seen = 0
    for path, ops in paths.items():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p["name"] in ("from", "to"):
                    seen += 1
                    assert p["schema"].get("format") in ("date", "date-time"), (path, p)
                if p["name"] in ("month", "year"):
                    assert "pattern" in p["schema"], (path, p)
    assert seen >= 10
    indicator = paths["/api/v1/indicators/{indicator_id}"]["get"]["parameters"]
    assert {p["name"]: p["schema"].get("format") for p in indicator}["from"] == "date"


# Routing incidents by country -------------------------------------------------------------------


def _expected_by_country(world: FullWorld) -> dict[str, set[str]]:
    """From the Parquet files, in Python: incidents whose origin, culprit or a victim AS is
    registered in the country (the ASN→country map the country page reads)."""
    root = world.routing.root
    incidents = pq.read_table(root / "routing_incidents.parquet").to_pylist()
    by_cc: dict[str, set[int]] = {}
    for r in pq.read_table(root / "routing_asn_country.parquet").to_pylist():
        by_cc.setdefault(r["cc"], set()).add(r["asn"])
    out: dict[str, set[str]] = {}
    for cc, asns in by_cc.items():
        out[cc] = {
            i["id"]
            for i in incidents
            if {i["origin_asn"], i["culprit_asn"], *(i["victim_asns"] or [])} & asns
        }
    return out


def test_routing_incidents_filter_by_country(full: TestClient, world: FullWorld) -> None:
    expected = _expected_by_country(world)
    busiest = max(expected, key=lambda cc: len(expected[cc]))
    assert expected[busiest], "the simulated world should have incidents in some country"
    quiet = (
        next(cc for cc, ids in expected.items() if not ids)
        if any(not ids for ids in expected.values())
        else "AQ"
    )
    for cc in (busiest, busiest.lower(), quiet):
        got = _ids(full.get(f"/api/v1/routing/incidents?country={cc}&limit=1000"))
        assert set(got) == expected.get(cc.upper(), set()), cc
        assert len(got) == len(set(got))
    # The country narrows the other filters, it does not replace them.
    kind = world.routing.incident_types[0]
    both = _ids(full.get(f"/api/v1/routing/incidents?country={busiest}&type={kind}&limit=1000"))
    assert set(both) <= expected[busiest]


@pytest.mark.parametrize("cc", ["XX", "N1", "NLD"])
def test_routing_incidents_unknown_country_is_400(full: TestClient, cc: str) -> None:
    err = _error(full.get(f"/api/v1/routing/incidents?country={cc}"), 400)
    assert cc in err["message"]


# Security headers on every response -----------------------------------------------------------


def test_security_headers_on_every_kind_of_response(
    client: TestClient, empty_client: TestClient
) -> None:
    answers = [
        client.get("/api/v1/indicators"),  # 200 JSON
        client.get("/"),  # 200 page
        client.get("/static/style.css"),  # static file
        client.get("/static/nope.css"),  # 404 static
        client.get("/api/v1/nope"),  # 404 JSON
        client.get("/nope"),  # 404 HTML error page
        client.get(f"/api/v1/indicators/{IXPS.id}?from=nope"),  # 400
        client.get("/asn/not-a-number.json"),  # validation error, served as 400
        client.post("/api/v1/countries"),  # 405
        client.head("/api/v1/countries/XX"),  # HEAD 404
        empty_client.get("/api/v1/countries"),  # 503 JSON
        empty_client.get("/"),  # 503 HTML
    ]
    assert {r.status_code for r in answers} >= {200, 400, 404, 405, 503}
    for r in answers:
        _has_security_headers(r)


def test_security_headers_on_a_500(lake_settings: Settings) -> None:
    app = fixture_app(lake_settings)

    def boom() -> None:
        raise RuntimeError("internal detail 42")

    app.add_api_route("/api/v1/boom-for-test", boom)
    app.add_api_route("/boom-for-test", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        for url in ("/api/v1/boom-for-test", "/boom-for-test"):
            r = c.get(url)
            assert r.status_code == 500
            _has_security_headers(r)
            assert "internal detail 42" not in r.text  # no internals


# Request body limit ------------------------------------------------------------------------------


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def curation_app(tmp_path: Path) -> FastAPI:
    app = fixture_app(make_settings(tmp_path / "data", ASSETS, max_body_bytes=1024,
                                    shutdowns_curators=f"tester={TOKEN}"))  # fmt: skip
    return app


def _asgi_post(
    app: FastAPI, headers: list[tuple[bytes, bytes]], chunks: int, size: int
) -> tuple[int, dict[bytes, bytes], int]:
    """POST /api/v1/shutdowns straight through ASGI, the body offered in `chunks` pieces of
    `size` bytes; returns the status, the response headers and how many pieces were read."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"x" * size, "more_body": read < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/v1/shutdowns", "raw_path": b"/api/v1/shutdowns",
        "root_path": "", "query_string": b"", "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {TOKEN}".encode()),
                    (b"content-type", b"application/json"), *headers],
    }  # fmt: skip
    # A thread of its own: another test's event loop may still run in this one (Playwright).
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), read


def test_body_over_the_limit_is_refused_before_reading(curation_app: FastAPI) -> None:
    status, headers, read = _asgi_post(curation_app, [(b"content-length", b"1048576")], 64, 16384)
    assert status == 413 and read == 0
    assert headers[b"x-content-type-options"] == b"nosniff"


@pytest.mark.parametrize("declared", [b"10", None])
def test_body_is_counted_as_it_is_read(curation_app: FastAPI, declared: bytes | None) -> None:
    """A lying Content-Length (10 bytes, 1 MiB sent) and a chunked body without one: reading
    stops at the limit, the rest of the megabyte is never taken."""
    headers = [(b"content-length", declared)] if declared else []
    status, headers_out, read = _asgi_post(curation_app, headers, 64, 16384)
    assert status == 413
    assert read == 1  # the first 16 KiB piece is over the 1 KiB limit: nothing more is read
    assert headers_out[b"x-frame-options"] == b"DENY"


def test_a_body_longer_than_its_content_length_is_refused(curation_app: FastAPI) -> None:
    """Under the limit but past what the header declared: a 400, not a silently cut body."""
    status, _headers, read = _asgi_post(curation_app, [(b"content-length", b"10")], 3, 100)
    assert status == 400 and read == 1


def test_body_limit_through_http(curation_app: FastAPI) -> None:
    with TestClient(curation_app) as c:
        big = c.post("/api/v1/shutdowns", content=b"{" + b" " * 4096 + b"}", headers=_auth())
        err = _error(big, 413)
        assert "1024 bytes" in err["message"]
        _has_security_headers(big)
        small = c.post("/api/v1/shutdowns", json={"fields": {}}, headers=_auth())
        assert small.status_code == 400  # read and parsed: the fields are missing


# CSV cells ----------------------------------------------------------------------------------------


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_neutralises_formulas_but_keeps_negative_numbers() -> None:
    response = csv_response(
        "x.csv", ("name", "value", "note"),
        [("=HYPERLINK(\"http://evil\")", -3.5, "-2+3"), ("@SUM(A1)", -7, "\tx"), ("plain", 1.0, "+1")],
    )  # fmt: skip
    rows = _rows(response.body.decode())
    assert rows[0] == {"name": '\'=HYPERLINK("http://evil")', "value": "-3.5", "note": "'-2+3"}
    assert rows[1] == {"name": "'@SUM(A1)", "value": "-7", "note": "'\tx"}
    assert rows[2] == {"name": "plain", "value": "1.0", "note": "'+1"}


def test_routing_and_outage_csv_neutralise_formulas() -> None:
    row = {"prefix": "=cmd|' /C calc'!A0", "asns": ["-1", "2"], "n": -4, "note": "-1|2"}
    body = routing_respond(Request({"type": "http", "headers": []}), OutputFormat.csv, {},
                           [row], "x.csv")  # fmt: skip
    assert _rows(bytes(body.body).decode()) == [
        {"prefix": "'=cmd|' /C calc'!A0", "asns": '["-1", "2"]', "n": "-4", "note": "'-1|2"}
    ]  # a list is a JSON array in its cell: it starts with `[`, never a formula
    text = outages_csv([{"event_id": "out-1", "region": "+ET-AA", "max_drop": -0.5, "asns": []}])
    row = _rows(text)[0]
    assert row["region"] == "'+ET-AA" and row["max_drop"] == "-0.5" and row["event_id"] == "out-1"


def test_shutdown_csv_over_http_neutralises_curated_text(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", ASSETS)
    add_event(
        settings,
        {"countries": ["KE"], "start_date": "2024-05-01", "type": "shutdown", "scope": "national",
         "area_name": '=HYPERLINK("http://evil.example","click")',
            "sources": ["https://news.example/ke/2"], **CRITERIA},
        actor="cli:tester",
    )  # fmt: skip
    with TestClient(fixture_app(settings)) as c:
        rows = _rows(c.get("/api/v1/shutdowns?format=csv").text)
    assert rows[0]["area_name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[0]["start_date"] == "2024-05-01"


# Feeds' absolute links ---------------------------------------------------------------------------


def test_feed_links_come_from_the_public_base_url_not_the_host_header(world: FullWorld) -> None:
    base = world.shutdowns.settings
    app = fixture_app(base.model_copy(update={"public_base_url": "https://health.example.org/nh/"}))
    evil = {"host": "evil.example"}
    with TestClient(app) as c:
        for url in ("/api/v1/shutdowns/feed.atom", "/api/v1/events/feed.atom"):
            body = c.get(url, headers=evil).text
            assert "evil.example" not in body and "testserver" not in body, url
            assert f'href="https://health.example.org/nh{url}"' in body, url
    with TestClient(fixture_app(base)) as c:  # unset: the address `serve` binds
        body = c.get("/api/v1/events/feed.atom", headers=evil).text
        assert 'href="http://127.0.0.1:8000/outages/' in body and "evil.example" not in body


def test_public_url_defaults_to_the_served_address() -> None:
    assert Settings(host="0.0.0.0", port=9000).public_url == "http://0.0.0.0:9000"
    assert Settings(host="::1", port=8000).public_url == "http://[::1]:8000"
    assert Settings(public_base_url="https://x.example/a/").public_url == "https://x.example/a"


# Start-up checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("update", "says"),
    [
        ({"shutdowns_api_token": "short-token"}, "NETHEALTH_SHUTDOWNS_API_TOKEN is 11 characters"),
        ({"shutdowns_curators": "alice=" + "a" * 16 + ",bob=tooshort"}, "token of 'bob' is 8"),
        ({"public_base_url": "ftp://files.example"}, "NETHEALTH_PUBLIC_BASE_URL"),
        ({"public_base_url": "https://x.example/?a=1"}, "NETHEALTH_PUBLIC_BASE_URL"),
    ],
)
def test_unusable_settings_fail_at_start_up(
    tmp_path: Path, update: dict[str, str], says: str
) -> None:
    settings = make_settings(tmp_path, ASSETS, **update)
    with pytest.raises(ConfigError) as caught:
        create_app(settings)
    assert says in caught.value.message
    assert "tooshort" not in str(caught.value) and "short-token" not in str(caught.value)
    assert caught.value.hint


def test_long_tokens_are_accepted(tmp_path: Path) -> None:
    token = "t" * 16
    settings = make_settings(
        tmp_path, ASSETS, shutdowns_api_token=token, shutdowns_curators="a=" + "u" * 16
    )
    create_app(settings)  # starts: no setting error
    assert ShutdownSettings.from_settings(settings).curators == {"u" * 16: "a", token: "api"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/routing/incidents?asn=4294967296",
        "/routing/incidents.json?asn=AS99999999999999999999",
    ],
)
def test_as_numbers_past_32_bits_are_400(full: TestClient, url: str) -> None:
    assert "AS number" in _error(full.get(url), 400)["message"]
