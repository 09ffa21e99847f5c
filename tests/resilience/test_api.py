"""`/api/v1/resilience` on the hand-made world: list, drill-down, source records, CSV twins."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from nethealth.resilience.api import router
from tests.apps import router_app
from tests.resilience.world import DAY, EARLIER, World


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(router_app(router, settings=world.settings)) as c:
        yield c


def test_list_all_countries_latest_date(client: TestClient) -> None:
    body = client.get("/api/v1/resilience").json()
    assert body["date"] == DAY.isoformat() and body["dates"] == [
        EARLIER.isoformat(),
        DAY.isoformat(),
    ]
    assert body["ranked"] == 7
    first = body["countries"][0]
    assert first["cc"] == "US" and first["rank"] == 1
    assert first["rank_low"] <= 1 <= first["rank_high"]
    assert set(first["pillars"]) == {"infrastructure", "performance", "security", "market"}
    jp = next(c for c in body["countries"] if c["cc"] == "JP")
    assert jp["score"] is None and jp["status"] == "not measured" and "below 50%" in jp["reason"]
    assert client.get("/api/v1/resilience?date=2025-05-31").json()["date"] == EARLIER.isoformat()
    assert client.get("/api/v1/resilience?date=2020-01-01").status_code == 404
    assert client.get("/api/v1/resilience?date=yesterday").status_code == 400


def test_list_csv_twin(client: TestClient) -> None:
    r = client.get("/api/v1/resilience?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    us = next(row for row in rows if row["cc"] == "US")
    assert us["rank"] == "1" and us["date"] == DAY.isoformat() and us["pillar_security"]
    jp = next(row for row in rows if row["cc"] == "JP")
    assert jp["score"] == "" and jp["status"] == "not measured"


def _walk(body: dict[str, object]) -> list[dict[str, object]]:
    return [i for p in body["pillars"] for d in p["dimensions"] for i in d["inputs"]]  # type: ignore[index, union-attr]


def test_drill_down_every_link_resolves(client: TestClient) -> None:
    body = client.get("/api/v1/resilience/ke").json()
    assert body["cc"] == "KE" and body["rank"] == 7 and body["date"] == DAY.isoformat()
    assert [p["id"] for p in body["pillars"]] == ["infrastructure", "performance", "security",
                                                  "market"]  # fmt: skip
    inputs = _walk(body)
    assert len(inputs) == 23  # every configured input
    for inp in inputs:
        rec = client.get(inp["links"]["record"])  # type: ignore[index]
        assert rec.status_code == 200, inp["links"]
        got = rec.json()
        assert got["id"] == inp["id"] and got["value"] == inp["value"]
        assert got["reference_date"] == inp["reference_date"]
        api = got["source"]["api"]
        if api and api.startswith("/api/v1/resilience"):
            assert client.get(api).status_code == 200
    ixps = next(i for i in inputs if i["id"] == "ixps_active")
    assert ixps["reference_date"] == DAY.isoformat() and ixps["value"] == 3.0
    assert ixps["score"] == pytest.approx(3 / 10.5 * 100)


def test_source_records(client: TestClient) -> None:
    rec = client.get(f"/api/v1/resilience/KE/inputs/ixps_active?date={DAY}").json()
    assert rec["bounds"]["q1"] == 1.75 and rec["bounds"]["high"] == 10.5
    assert rec["source"]["api"] == (f"/api/v1/indicators/ixps_active?country=KE&from={DAY}"
                                    f"&to={DAY}")  # fmt: skip
    v6 = client.get("/api/v1/resilience/KE/inputs/ipv6_capable").json()
    assert v6["value"] == 10.0 and v6["source"]["url"] == "https://stats.labs.apnic.net/ipv6/KE"
    files = v6["source"]["files"]
    assert [f["name"] for f in files] == ["KE.json"] and files[0]["snapshot"] == DAY.isoformat()
    wdi = client.get("/api/v1/resilience/KE/inputs/internet_users").json()
    assert wdi["value"] is None and wdi["status"] == "not measured" and wdi["source"]["files"] == []


def test_comparisons_and_history(client: TestClient) -> None:
    body = client.get("/api/v1/resilience/FR").json()
    sub = body["comparisons"][0]
    assert sub["group"] == "subregion" and sub["name"] == "Western Europe"
    assert {p["cc"] for p in sub["peers"]} == {"NL", "FR", "DE"}
    assert sub["countries"] == 3 and sub["rank_in_group"] == 3
    scores = [p["score"] for p in sub["peers"]]
    assert sub["mean"] == pytest.approx(sum(scores) / 3)
    assert [h["date"] for h in body["history"]] == [EARLIER.isoformat(), DAY.isoformat()]


def test_country_csv_twin_one_row_per_input(client: TestClient) -> None:
    r = client.get("/api/v1/resilience/KE?format=csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 23
    ixps = next(row for row in rows if row["input"] == "ixps_active")
    assert ixps["reference_date"] == DAY.isoformat() and ixps["pillar"] == "infrastructure"
    assert ixps["record"].startswith("/api/v1/resilience/KE/inputs/ixps_active")


def test_errors(client: TestClient) -> None:
    assert client.get("/api/v1/resilience/K1").status_code == 400
    assert client.get("/api/v1/resilience/XX").status_code == 404
    r = client.get("/api/v1/resilience/KE/inputs/nope")
    assert r.status_code == 404 and "known inputs" in r.json()["error"]["hint"]
