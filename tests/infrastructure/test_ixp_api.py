"""`/api/v1/ixps` and the `/ixps`, `/ixp/{id}` pages (and twins) on the hand-built world."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from nethealth.server.app import create_app
from tests.infrastructure.ixp_fixture import IxpWorld


@pytest.fixture(scope="module")
def client(ixp_world: IxpWorld) -> Iterator[TestClient]:
    with TestClient(create_app(ixp_world.settings)) as c:
        yield c


def test_list_is_the_latest_snapshot_by_default_and_on_or_before_a_date(client: TestClient) -> None:
    body = client.get("/api/v1/ixps").json()
    assert body["snapshot"] == "2025-07-15" and [r["ix_id"] for r in body["ixps"]] == [10]
    body = client.get("/api/v1/ixps?date=2025-07-01").json()
    assert body["snapshot"] == "2025-06-01" and body["count"] == 3
    assert all(r["snapshot"] == "2025-06-01" for r in body["ixps"])


def test_filters_country_and_active(client: TestClient) -> None:
    active = client.get("/api/v1/ixps?date=2025-06-01&active=true").json()
    assert sorted(r["ix_id"] for r in active["ixps"]) == [10, 11]
    inactive = client.get("/api/v1/ixps?date=2025-06-01&active=false").json()
    assert [r["ix_id"] for r in inactive["ixps"]] == [12]
    assert client.get("/api/v1/ixps?date=2025-06-01&country=tz").json()["count"] == 0
    assert client.get("/api/v1/ixps?country=KEN").status_code == 400
    assert client.get("/api/v1/ixps?active=perhaps").status_code == 400
    assert client.get("/api/v1/ixps?date=2020-01-01").status_code == 404


def test_csv_twin_has_every_field_and_empty_cells_for_nulls(client: TestClient) -> None:
    r = client.get("/api/v1/ixps?date=2025-06-01&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    gamma = next(x for x in rows if x["ix_id"] == "12")
    assert gamma["members"] == "1" and gamma["growth"] == "" and gamma["joined"] == "1"
    alpha = next(x for x in rows if x["ix_id"] == "10")
    assert alpha["anchor_ids"] == "1" and alpha["snapshot"] == "2025-06-01"


def test_one_ixp_with_members_and_history(client: TestClient) -> None:
    body = client.get("/api/v1/ixps/10?date=2025-06-01").json()
    assert body["ixp"]["members"] == 9 and body["ixp"]["joined"] == 7
    assert [m["asn"] for m in body["members"]][:3] == [100, 101, 104]
    # AS100's name from the loaded AS names; AS101 has none there: PeeringDB's
    assert body["members"][0] == {
        "asn": 100, "name": "EXAMPLE-100 Example Networks Ltd", "is_rs_peer": True}  # fmt: skip
    assert body["members"][1] == {"asn": 101, "name": "Net 101", "is_rs_peer": True}
    assert [(h["snapshot"], h["members"]) for h in body["history"]] == [
        ("2024-06-01", 4), ("2025-06-01", 9), ("2025-07-15", 2)]  # fmt: skip
    gone = client.get("/api/v1/ixps/12")  # Gamma is not in the latest snapshot
    assert gone.status_code == 404 and "2025-06-01" in gone.json()["error"]["hint"]
    assert client.get("/api/v1/ixps/0").status_code == 400


def test_pages_and_twins(client: TestClient) -> None:
    page = client.get("/ixps?date=2025-06-01")
    assert page.status_code == 200
    assert "Alpha IX" in page.text and "2025-06-01" in page.text
    twin = client.get("/ixps.json?date=2025-06-01").json()
    assert twin["count"] == 3 and twin["measured"] == 3 and twin["snapshot"] == "2025-06-01"
    detail = client.get("/ixp/10?date=2025-06-01")
    assert detail.status_code == 200 and "AS104" in detail.text
    assert client.get("/ixp/10.json").json()["ixp"]["rs_status"] == "not measured"
    fr = client.get("/ixps?lang=fr&date=2025-06-01")
    assert "Points d&#39;échange Internet" in fr.text or "Points d'échange Internet" in fr.text
    assert "Historial de miembros" in client.get("/ixp/10?lang=es").text
    assert client.get("/ixp/99").status_code == 404


def test_country_page_section(client: TestClient) -> None:
    section = client.get("/country/KE.json").json()["ixp_tracker"]
    assert section["snapshot"] == "2025-07-15" and section["count"] == 1
    assert section["active"] == 0  # Alpha has 2 members on 2025-07-15
    assert [i["ix_id"] for i in section["ixps"]] == [10]
    assert client.get("/country/FR.json").json()["ixp_tracker"] is None
    page = client.get("/country/KE")
    assert 'id="ixp-tracker"' in page.text and "/ixps?country=KE" in page.text
