"""`/api/v1/communities`, the communities pages, their JSON twins and the country section on the
hand-built world (communities_fixture): the PeeringDB research-network rule, connectivity from
the CAIDA file and the IXP tracker, curator writes (401/403/400, nothing written when refused)
and the CSV export twin."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from nethealth.bgp.hegemony_step import AS_HEGEMONY, AS_HEGEMONY_SCHEMA, DAYS, DAYS_SCHEMA
from nethealth.infrastructure import community_store as cs
from nethealth.infrastructure import query
from nethealth.lake.reader import LakeReader
from nethealth.outages.events import EVENT_SCHEMA
from nethealth.outages.lake import EVENTS
from nethealth.server.app import create_app
from nethealth.settings import load_settings
from tests.conftest import ASSETS
from tests.infrastructure.communities_fixture import TOKEN, CommunityWorld

AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW = {
    "id": "kenet-mesh",
    "fields": {"name": "Example Mesh", "country": "KE", "technology": ["wifi"],
               "asns": ["AS1103"], "status": "active", "source_url": "https://mesh.example/",
               "checked_on": "2026-12-01", "verification": "source-verified"},
    "reason": "test network sharing SURF's ASN so that its connectivity is measured",
}  # fmt: skip


@pytest.fixture(scope="module")
def client(community_world: CommunityWorld) -> Iterator[TestClient]:
    with TestClient(create_app(community_world.settings)) as c:
        yield c


@pytest.fixture
def clean_log(community_world: CommunityWorld) -> Iterator[None]:
    """Each writing test starts from the seed records alone."""
    root = cs.CommunityStore.for_settings(community_world.settings).root
    shutil.rmtree(root, ignore_errors=True)
    yield
    shutil.rmtree(root, ignore_errors=True)


def test_peeringdb_research_networks_are_those_of_type_educational_research(
    client: TestClient,
) -> None:
    body = client.get("/api/v1/communities/peeringdb-nrens").json()
    assert body["status"] == "measured" and body["as_of"] == "2025-06-01"
    assert [(n["asn"], n["country"]) for n in body["networks"]] == [(766, "ES"), (1103, "NL")]
    nl = client.get("/api/v1/communities/peeringdb-nrens?country=NL").json()
    assert [n["asn"] for n in nl["networks"]] == [1103]
    before = client.get("/api/v1/communities/peeringdb-nrens?date=2024-01-01").json()
    assert before["status"] == "not measured" and "on or before 2024-01-01" in before["reason"]


def test_per_kind_per_country_and_the_csv_twin(client: TestClient, clean_log: None) -> None:
    body = client.get("/api/v1/communities/nren?country=NL").json()
    assert [r["id"] for r in body["records"]] == ["geant", "surf"] and body["count"] == 2
    every = client.get("/api/v1/communities?country=ES").json()
    assert [r["id"] for r in every["kinds"]["nren"]] == ["rediris"]
    assert [r["id"] for r in every["kinds"]["community_network"]] == ["guifi-net"]
    assert [n["asn"] for n in every["peeringdb_nrens"]["networks"]] == [766]
    r = client.get("/api/v1/communities/nren?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {x["id"]: x["asns"] for x in rows} == {
        "geant": "20965", "rediris": "766", "renater": "2200", "surf": "1103"}  # fmt: skip
    assert cs.parse_csv("nren", r.text) == client.get("/api/v1/communities/nren").json()["records"]
    for bad in (
        "/api/v1/communities/nrens",
        "/api/v1/communities/nren?country=XX",
        "/api/v1/communities?country=KEN",
        "/api/v1/communities/nren?retracted=maybe",
    ):
        assert client.get(bad).status_code == 400, bad  # fmt: skip
    assert client.get("/api/v1/communities/nren/nope").status_code == 404


def test_a_record_with_an_asn_has_its_connectivity_dated(client: TestClient) -> None:
    body = client.get("/api/v1/communities/nren/surf").json()
    conn = body["connectivity"]
    assert conn["asns"] == [1103]
    assert conn["upstreams"] == {"status": "measured", "reason": "", "as_of": "2025-06-01",
                                 "providers": [3356, 20965]}  # fmt: skip
    assert conn["ixps"]["status"] == "measured" and conn["ixps"]["as_of"] == "2025-06-01"
    assert [(x["ix_id"], x["name"], x["asn"]) for x in conn["ixps"]["ixps"]] == [
        (10, "Alpha IX", 1103)]  # fmt: skip
    # no hegemony and no outage detection in this world: said, not zero
    assert conn["transit"]["status"] == "not measured" and conn["transit"]["reason"]
    assert conn["outages"]["status"] == "not measured" and conn["outages"]["events"] == []
    rediris = client.get("/api/v1/communities/nren/rediris").json()["connectivity"]
    assert rediris["ixps"]["status"] == "zero measured" and rediris["ixps"]["ixps"] == []
    assert rediris["upstreams"]["status"] == "not measured"  # absent from the CAIDA file
    assert client.get("/api/v1/communities/nog/ripe").json()["connectivity"] is None


def test_writes_need_a_curators_token(client: TestClient, clean_log: None) -> None:
    r = client.post("/api/v1/communities/community_network", json=NEW)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    bad = {"Authorization": "Bearer " + "b" * 24}
    assert client.post("/api/v1/communities/community_network", json=NEW,
                       headers=bad).status_code == 403  # fmt: skip
    assert client.get("/api/v1/communities/log").json()["total"] == 0


def test_curator_add_edit_retract_and_the_audit_log(client: TestClient, clean_log: None) -> None:
    r = client.post("/api/v1/communities/community_network", json=NEW, headers=AUTH)
    assert r.status_code == 201 and r.json()["record"]["updated_by"] == "api:alice"
    shown = client.get("/api/v1/communities/community_network/kenet-mesh").json()
    assert shown["connectivity"]["upstreams"]["providers"] == [3356, 20965]
    refused = client.patch("/api/v1/communities/community_network/kenet-mesh",
                           json={"fields": {"asns": ["AS-1"]}}, headers=AUTH)  # fmt: skip
    assert refused.status_code == 400 and "field 'asns'" in refused.json()["error"]["message"]
    r = client.patch("/api/v1/communities/community_network/kenet-mesh",
                     json={"fields": {"status": "inactive"}, "reason": "closed"}, headers=AUTH)  # fmt: skip
    assert r.json()["change"]["changes"] == {"status": {"old": "active", "new": "inactive"}}
    assert client.post("/api/v1/communities/community_network/kenet-mesh/retract", json={},
                       headers=AUTH).status_code == 400  # a reason is required  # fmt: skip
    r = client.post("/api/v1/communities/community_network/kenet-mesh/retract",
                    json={"reason": "test over"}, headers=AUTH)  # fmt: skip
    assert r.json()["record"]["retracted"] is True
    log = client.get("/api/v1/communities/log?kind=community_network&record_id=kenet-mesh").json()
    assert [(e["op"], e["actor"]) for e in log["entries"]] == [
        ("retract", "api:alice"), ("update", "api:alice"), ("create", "api:alice")]  # fmt: skip
    listed = client.get("/api/v1/communities/community_network?country=KE").json()
    assert listed["count"] == 0  # retracted: left out of the list …
    kept = client.get("/api/v1/communities/community_network?country=KE&retracted=true").json()
    assert [r["id"] for r in kept["records"]] == ["kenet-mesh"]  # … but never lost


def test_pages_twins_and_the_country_section(client: TestClient, clean_log: None) -> None:
    html = client.get("/communities?country=NL").text
    assert "SURF" in html and "GÉANT" in html and "RedIRIS" not in html
    assert "as known to the curator on 2026-12-07" in html
    twin = client.get("/communities.json?country=NL").json()
    assert [b["kind"] for b in twin["kinds"]] == [
        "nren", "nog", "community_network", "enabling_environment"]  # fmt: skip
    assert [r["id"] for r in twin["kinds"][0]["records"]] == ["geant", "surf"]
    page = client.get("/communities/nren/surf?lang=fr").text
    assert "AS3356" in page and "Alpha IX" in page and "Instantané du 2025-06-01" in page
    assert client.get("/communities/nren/surf.json").json()["record"]["id"] == "surf"
    assert client.get("/communities/nren/nope").status_code == 404
    country = client.get("/country/NL.json").json()
    section = country["communities"]
    assert [r["id"] for r in section["kinds"][0]["records"]] == ["geant", "surf"]
    assert [n["asn"] for n in section["peeringdb_nrens"]["networks"]] == [1103]
    assert 'id="communities"' in client.get("/country/NL?lang=es").text


def test_transit_and_outages_come_from_the_bgp_and_outage_read_models(
    community_world: CommunityWorld, tmp_path: Path
) -> None:
    """A copy of the world with an AS-hegemony day and two outage events written as those steps
    write them: the origin itself is not its own transit, and only events naming AS1103 count."""
    data = tmp_path / "data"
    shutil.copytree(community_world.settings.data_dir, data)
    settings = load_settings(data_dir=data, assets_dir=ASSETS)
    day = date(2025, 6, 2)
    pq.write_table(pa.Table.from_pylist([
        {"date": day, "af": 4, "collectors": "rrc00", "peer_sessions": 12, "peer_ases": 10,
         "routes": 1000, "skipped": "{}", "country_status": "measured", "country_reason": "",
         "geo_snapshot": day, "simulated": False}], schema=DAYS_SCHEMA),
        settings.lake_dir / f"{DAYS}.parquet")  # fmt: skip
    pq.write_table(pa.Table.from_pylist([
        {"date": day, "af": 4, "scope": 1103, "asn": a, "hegemony": h, "peers": 10,
         "simulated": False} for a, h in ((1103, 1.0), (20965, 0.6), (3356, 0.25))],
        schema=AS_HEGEMONY_SCHEMA), settings.lake_dir / f"{AS_HEGEMONY}.parquet")  # fmt: skip
    start = datetime(2025, 6, 3, 10, tzinfo=UTC)

    def event(event_id: str, asn: int) -> dict[str, object]:
        row: dict[str, object] = {f.name: None for f in EVENT_SCHEMA}
        row.update(event_id=event_id, detector="bgp", method_version="1", start=start,
                   end=start + timedelta(hours=2), status="ended", duration_seconds=7200,
                   known_at=start, scope="asn", asn=asn, asns=[asn], severity="major",
                   data_end=start + timedelta(hours=3), simulated=False)  # fmt: skip
        return row

    pq.write_table(pa.Table.from_pylist([event("out-000000000001", 1103),
                                         event("out-000000000002", 64999)], schema=EVENT_SCHEMA),
                   settings.lake_dir / f"{EVENTS}.parquet")  # fmt: skip
    conn = query.connectivity(settings, LakeReader(settings), [1103])
    assert conn is not None
    assert conn.transit.status == "measured" and conn.transit.as_of == day and conn.transit.af == 4
    assert [(u.asn, u.hegemony) for u in conn.transit.transit] == [(20965, 0.6), (3356, 0.25)]
    assert conn.outages.status == "measured"
    assert [(e.event_id, e.asn, e.severity) for e in conn.outages.events] == [
        ("out-000000000001", 1103, "major")]  # fmt: skip
