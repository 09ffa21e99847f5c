"""API v1 against the fixture lake: shapes of JSON and CSV, errors, bounds, OpenAPI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nethealth.lake.catalog import write_catalog
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import (
    DATES,
    IPV6,
    IXPS,
    PROVENANCE,
    build_fixture_lake,
    make_settings,
)


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Every error: the real status, JSON, and exactly the one error body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "hint"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    detail: dict[str, Any] = body["error"]
    return detail


def _csv(response: Any, filename: str) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    return list(csv.DictReader(io.StringIO(response.text)))


def _values(node: Any) -> Iterator[dict[str, Any]]:
    """Every object that carries a measurement (`value` and `date`)."""
    if isinstance(node, dict):
        if "value" in node and "date" in node:
            yield node
        for child in node.values():
            yield from _values(child)
    elif isinstance(node, list):
        for child in node:
            yield from _values(child)


# /api/v1/countries ---------------------------------------------------------------------------


def test_countries_lists_every_country_with_latest_values(client: TestClient) -> None:
    body = client.get("/api/v1/countries").json()
    assert body["api_version"] == "v1"
    assert body["count"] == len(body["countries"]) > 240
    assert body["indicators"] == ["fixture_ipv6_share", "fixture_empty", "fixture_ixps"]
    by_cc = {c["cc"]: c for c in body["countries"]}
    nl = by_cc["NL"]
    assert nl["region"] == "Europe" and nl["alpha3"] == "NLD" and nl["numeric"] == "528"
    assert nl["latest"][IXPS.id] == {
        "date": "2026-01-01", "value": nl["latest"][IXPS.id]["value"],
        "simulated": False, "method_version": "2",
        "status": "measured", "reason": "PeeringDB snapshot 2026-01-01",
    }  # fmt: skip
    assert by_cc["KE"]["latest"][IXPS.id]["simulated"] is True
    assert by_cc["AQ"]["latest"] == {}  # no data: listed, with nothing latest
    assert by_cc["AQ"]["region"] is None


def test_latest_value_skips_null_and_nan(client: TestClient) -> None:
    by_cc = {c["cc"]: c for c in client.get("/api/v1/countries").json()["countries"]}
    assert by_cc["FR"]["latest"][IPV6.id]["date"] == DATES[-2].isoformat()
    assert by_cc["DE"]["latest"][IPV6.id]["date"] == DATES[-2].isoformat()
    assert by_cc["NL"]["latest"][IPV6.id]["date"] == DATES[-1].isoformat()


def test_countries_csv_by_parameter_and_by_accept_header(client: TestClient) -> None:
    rows = _csv(client.get("/api/v1/countries?format=csv"), "nethealth-countries.csv")
    assert list(rows[0]) == [
        "cc", "alpha3", "numeric", "name", "region", "subregion",
        "indicator_id", "date", "value", "simulated", "method_version", "status", "reason",
    ]  # fmt: skip
    nl = [r for r in rows if r["cc"] == "NL"]
    assert {r["indicator_id"] for r in nl} == {IPV6.id, IXPS.id}
    assert {r["simulated"] for r in nl} == {"false"}
    aq = [r for r in rows if r["cc"] == "AQ"]
    assert len(aq) == 1 and aq[0]["indicator_id"] == "" and aq[0]["value"] == ""
    by_accept = client.get("/api/v1/countries", headers={"Accept": "text/csv"})
    assert by_accept.text == client.get("/api/v1/countries?format=csv").text
    assert "Accept" in by_accept.headers["vary"]
    # A browser's Accept header, JSON listed first, and format=json all get JSON.
    for headers in ({"Accept": "application/json, text/csv"}, {"Accept": "text/html,*/*"}):
        assert client.get("/api/v1/countries", headers=headers).json()["api_version"] == "v1"
    forced = client.get("/api/v1/countries?format=json", headers={"Accept": "text/csv"})
    assert forced.headers["content-type"] == "application/json"


# /api/v1/countries/{cc} ----------------------------------------------------------------------


def test_country_detail_has_metadata_series_and_provenance(client: TestClient) -> None:
    body = client.get("/api/v1/countries/NL?series=all").json()
    assert body["country"]["name"] == "Netherlands"
    assert body["country"]["name_fr"] == "Pays-Bas"
    assert body["simulated"] is False
    series = {s["id"]: s for s in body["indicators"]}
    assert set(series) == {IPV6.id, IXPS.id, "fixture_empty"}
    assert [v["date"] for v in series[IXPS.id]["series"]] == [d.isoformat() for d in DATES]
    assert series[IXPS.id]["latest"] == series[IXPS.id]["series"][-1]
    assert series["fixture_empty"] == {
        "id": "fixture_empty", "title": "Indicator without values (fixture)", "unit": "count",
        "version": "1", "latest": None, "series": [],
        "series_url": "/api/v1/indicators/fixture_empty?country=NL",
    }  # fmt: skip
    assert {p["source_id"] for p in body["provenance"]} == {p.source_id for p in PROVENANCE}
    assert all(len(p["sha256"]) == 64 for p in body["provenance"])
    sources = {s["id"]: s for s in body["sources"]}
    assert sources["ipdb"]["licence"] == "CC BY 4.0"
    assert sources["not-a-known-source"] == {
        "id": "not-a-known-source", "title": "not-a-known-source", "publisher": None,
        "homepage": None, "licence": None, "licence_url": None, "attribution": None,
    }  # fmt: skip


def test_country_detail_default_is_latest_values_with_links(client: TestClient) -> None:
    """The default document: each indicator's latest value with its date and a link to its
    series; the raw files counted per source; everything else as `?series=all` has it."""
    full = client.get("/api/v1/countries/NL?series=all").json()
    body = client.get("/api/v1/countries/NL").json()
    by_id = {s["id"]: s for s in body["indicators"]}
    assert by_id[IXPS.id]["series"] is None and body["provenance"] is None
    assert by_id[IXPS.id]["latest"]["date"] == DATES[-1].isoformat()
    assert by_id[IXPS.id]["series_url"] == f"/api/v1/indicators/{IXPS.id}?country=NL"
    assert body["full_url"] == "/api/v1/countries/NL?series=all"
    linked = client.get(by_id[IXPS.id]["series_url"]).json()["values"]
    full_ixps = next(s for s in full["indicators"] if s["id"] == IXPS.id)
    assert [v["date"] for v in linked] == [v["date"] for v in full_ixps["series"]]
    for name in ("country", "simulated", "sources", "provenance_summary"):
        assert body[name] == full[name]
    counted = {s["source_id"]: s for s in body["provenance_summary"]}
    for source_id in counted:
        files = [p for p in full["provenance"] if p["source_id"] == source_id]
        assert counted[source_id]["files"] == len(files)
        assert counted[source_id]["bytes"] == sum(p["size"] for p in files)
        assert counted[source_id]["newest_snapshot"] == max(p["snapshot"] for p in files)


def test_country_detail_series_parameter_is_validated(client: TestClient) -> None:
    r = client.get("/api/v1/countries/NL?series=some")
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"


def test_country_code_is_case_insensitive(client: TestClient) -> None:
    lower = client.get("/api/v1/countries/nl")
    assert lower.status_code == 200
    assert lower.json() == client.get("/api/v1/countries/NL").json()


def test_country_detail_marks_simulated_values(client: TestClient) -> None:
    body = client.get("/api/v1/countries/KE?series=all").json()
    assert body["simulated"] is True
    assert all(v["simulated"] is True for s in body["indicators"] for v in s["series"])


def test_country_detail_csv(client: TestClient) -> None:
    rows = _csv(client.get("/api/v1/countries/ke?format=csv"), "nethealth-country-KE.csv")
    assert list(rows[0]) == [
        "indicator_id", "country", "date", "value", "simulated", "method_version", "status",
        "reason",
    ]  # fmt: skip
    assert len(rows) == 2 * len(DATES)
    assert {r["country"] for r in rows} == {"KE"}


@pytest.mark.parametrize(
    ("code", "suggestion"),
    [("XX", "list them at /api/v1/countries"), ("NLD", "NL (Netherlands)"),
     ("netherlands", "NL (Netherlands)"), ("N1", "ISO 3166-1 alpha-2")],
)  # fmt: skip
def test_unknown_country_is_404_with_a_hint(client: TestClient, code: str, suggestion: str) -> None:
    err = _error(client.get(f"/api/v1/countries/{code}"), 404, "not_found")
    assert code in err["message"]
    assert suggestion in err["hint"]


# /api/v1/indicators --------------------------------------------------------------------------


def test_indicator_registry(client: TestClient) -> None:
    body = client.get("/api/v1/indicators").json()
    assert body["count"] == 3
    ixps = next(i for i in body["indicators"] if i["id"] == IXPS.id)
    assert ixps["title"] == IXPS.title and ixps["unit"] == "IXPs"
    assert ixps["area"] == "infrastructure" and ixps["version"] == "2"
    assert ixps["method"] == IXPS.method and ixps["higher_is"] == "better"
    assert [s["id"] for s in ixps["sources"]] == ["peeringdb", "countries"]
    assert all(s["licence"] for s in ixps["sources"])


def test_indicator_registry_csv(client: TestClient) -> None:
    rows = _csv(
        client.get("/api/v1/indicators", headers={"Accept": "text/csv"}),
        "nethealth-indicators.csv",
    )
    ipv6 = next(r for r in rows if r["id"] == IPV6.id)
    assert ipv6["sources"] == "ipdb" and ipv6["licences"] == "CC BY 4.0"


def test_indicator_values_default_range_is_everything_up_to_the_last_date(
    client: TestClient,
) -> None:
    body = client.get(f"/api/v1/indicators/{IXPS.id}").json()
    assert body["query"]["to"] == DATES[-1].isoformat()
    assert body["query"]["countries"] is None
    assert body["count"] == len(body["values"]) > 1000
    assert body["simulated"] is True
    assert set(body["values"][0]) == {"country", "date", "value", "simulated", "method_version",
                                      "status", "reason"}  # fmt: skip


@pytest.mark.parametrize(
    "query",
    ["country=nl,FR", "country=NL&country=fr", "country=NL,&country=FR,nl"],
)
def test_indicator_values_country_filter_repeats_or_commas(client: TestClient, query: str) -> None:
    body = client.get(f"/api/v1/indicators/{IXPS.id}?{query}&from=2025-01-01&to=2025-07-01")
    data = body.json()
    assert data["query"] == {"countries": ["NL", "FR"], "from": "2025-01-01", "to": "2025-07-01"}
    assert sorted((v["country"], v["date"]) for v in data["values"]) == [
        ("FR", "2025-01-01"), ("FR", "2025-07-01"), ("NL", "2025-01-01"), ("NL", "2025-07-01"),
    ]  # fmt: skip
    assert {v["simulated"] for v in data["values"] if v["country"] == "NL"} == {False}


def test_indicator_values_csv_has_null_as_empty(client: TestClient) -> None:
    url = f"/api/v1/indicators/{IPV6.id}?country=FR,DE&from=2026-01-01&to=2026-01-01&format=csv"
    rows = _csv(client.get(url), f"nethealth-{IPV6.id}.csv")
    assert [(r["country"], r["value"]) for r in rows] == [("DE", ""), ("FR", "")]
    # a null says why: FR's value was not measured, and the reason names the date
    assert (rows[1]["status"], rows[1]["reason"]) == (
        "not measured",
        "the ip-location-db snapshot 2026-01-01 has no IPv6 ranges",
    )


def test_a_country_without_any_measured_value_has_its_latest_status(client: TestClient) -> None:
    """The country list's `latest` is the latest measured value; the JSON of the series keeps
    the null rows with their status, never a zero."""
    body = client.get(f"/api/v1/indicators/{IPV6.id}?country=FR").json()
    last = body["values"][-1]
    assert (last["value"], last["status"]) == (None, "not measured")
    assert all(v["value"] is not None for v in body["values"] if v["status"] == "measured")


def test_no_nan_reaches_json(client: TestClient) -> None:
    response = client.get(f"/api/v1/indicators/{IPV6.id}?country=DE")
    assert "NaN" not in response.text
    assert response.json()["values"][-1]["value"] is None


def test_unknown_indicator_is_404_naming_near_ids(client: TestClient) -> None:
    err = _error(client.get("/api/v1/indicators/fixture_ixp"), 404, "not_found")
    assert "fixture_ixp" in err["message"]
    assert "fixture_ixps" in err["hint"] and "/api/v1/indicators" in err["hint"]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("from=2025-07-01&to=2025-01-01", "after"),
        ("from=2000-01-01&to=2026-01-01", "at most 3660"),
        ("from=2000-01-01", "at most 3660"),
        ("from=2025-13-01", "from"),
        ("to=yesterday", "to"),
        ("country=N1", "N1"),
        ("format=xml", "format"),
    ],
)
def test_bad_parameters_are_400(client: TestClient, query: str, fragment: str) -> None:
    err = _error(client.get(f"/api/v1/indicators/{IXPS.id}?{query}"), 400, "bad_request")
    assert fragment in err["message"]
    assert err["hint"]


def test_unknown_country_in_filter_is_404(client: TestClient) -> None:
    err = _error(client.get(f"/api/v1/indicators/{IXPS.id}?country=NL,QQ"), 404, "not_found")
    assert "QQ" in err["message"]


def test_range_bound_follows_settings(tmp_path: Path) -> None:
    settings = build_fixture_lake(make_settings(tmp_path, ASSETS, max_range_days=100))
    with TestClient(fixture_app(settings)) as small:
        _error(small.get(f"/api/v1/indicators/{IXPS.id}?from=2025-01-01&to=2025-07-01"), 400,
               "bad_request")  # fmt: skip
        body = small.get(f"/api/v1/indicators/{IXPS.id}?country=NL").json()
        assert body["query"] == {"countries": ["NL"], "from": "2025-09-23", "to": "2026-01-01"}
        assert [v["date"] for v in body["values"]] == ["2026-01-01"]


# Everything ----------------------------------------------------------------------------------


def test_every_value_carries_simulated(client: TestClient) -> None:
    for url in ("/api/v1/countries", "/api/v1/countries/KE", f"/api/v1/indicators/{IPV6.id}"):
        found = list(_values(client.get(url).json()))
        assert found, url
        assert all(isinstance(v["simulated"], bool) for v in found), url


def test_no_lake_is_503_with_build_hint(empty_client: TestClient) -> None:
    for url in (
        "/api/v1/countries",
        "/api/v1/countries/NL",
        f"/api/v1/indicators/{IXPS.id}",
        "/index.json",
        "/country/NL.json",
    ):
        err = _error(empty_client.get(url), 503, "lake_unavailable")
        assert "nethealth build" in err["hint"], url
    # The registry does not need the lake.
    assert empty_client.get("/api/v1/indicators").status_code == 200


def test_unknown_route_and_method(client: TestClient) -> None:
    _error(client.get("/api/v1/nothing-here"), 404, "not_found")
    err = _error(client.post("/api/v1/countries"), 405, "method_not_allowed")
    assert "GET" in err["hint"]


def test_catalog_is_reopened_after_a_rebuild(tmp_path: Path) -> None:
    settings = build_fixture_lake(make_settings(tmp_path, ASSETS))
    with TestClient(fixture_app(settings)) as c:
        assert len(c.get("/api/v1/countries/NL?series=all").json()["provenance"]) == len(PROVENANCE)
        # Provenance lives inside catalog.duckdb: only a reopened catalog shows the new list.
        write_catalog(settings, list(PROVENANCE[:1]), {})
        assert len(c.get("/api/v1/countries/NL?series=all").json()["provenance"]) == 1
        # A rebuild that lost a dataset is a 503 that says what to do, not a 500.
        (settings.lake_dir / "countries.parquet").unlink()
        write_catalog(settings, list(PROVENANCE), {})
        err = _error(c.get("/api/v1/countries/NL"), 503, "lake_unavailable")
        assert "nethealth build" in err["hint"]


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/api/v1/indicators").headers
    assert headers["content-security-policy"].startswith("default-src 'self'")
    assert headers["x-content-type-options"] == "nosniff"


def test_openapi_schema_is_served_and_valid(client: TestClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.text)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/v1/countries",
        "/api/v1/countries/{cc}",
        "/api/v1/indicators",
        "/api/v1/indicators/{indicator_id}",
        "/index.json",
        "/country/{cc}.json",
        "/methodology.json",
        "/about.json",
    ):
        assert "get" in paths[path], path
    params = {p["name"] for p in paths["/api/v1/indicators/{indicator_id}"]["get"]["parameters"]}
    assert {"country", "from", "to", "format"} <= params
    text = json.dumps(schema)
    assert '"422"' not in text  # validation errors are documented and served as 400
    # Lake-backed reads document the lake's errors; the shutdown tracker and the communities keep
    # their own stores (the communities' lake parts say "not measured" instead), the scanner's
    # jobs live in memory, the liveness probe reads nothing.
    own_stores = ("/api/v1/shutdowns", "/api/v1/scan", "/api/v1/communities")
    lake_ops = (
        o
        for k, p in paths.items()
        if not k.startswith(own_stores) and k != "/healthz"
        for o in p.values()
    )
    assert set(paths["/healthz"]["get"]["responses"]) == {"200"}
    for op in lake_ops:
        assert {"400", "404", "503"} <= set(op["responses"])
    # Every $ref resolves inside the document.
    components = schema["components"]["schemas"]
    assert "ErrorBody" in components
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs and refs <= set(components)
    # No interactive docs from a CDN.
    assert client.get("/docs").status_code == 404


def test_head_is_answered_like_get_without_body(client: TestClient) -> None:
    for url in ("/api/v1/indicators", "/", "/country/NL.json"):
        head = client.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == client.get(url).headers["content-type"]
    assert client.head("/api/v1/countries/XX").status_code == 404
