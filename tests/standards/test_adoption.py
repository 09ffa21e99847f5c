"""Adoption indicators over a small hand-made scan_results with known answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from nethealth.areas import get_indicator
from nethealth.indicators.step import checked
from nethealth.settings import load_settings
from nethealth.standards import api
from nethealth.standards.adoption import GAPS, TECHNOLOGIES, adoption_rows, preferred, technology
from nethealth.standards.checks import REGISTRY
from nethealth.standards.results import SCHEMA
from tests.apps import router_app

LIST_DAY = dt.date(2026, 11, 1)


def r(list_id: str, cc: str | None, target: str, check: str, status: str, day: str,
      reason: str | None = None) -> dict[str, Any]:  # fmt: skip
    at = dt.datetime.fromisoformat(day + "T12:00:00+00:00")
    return {
        "list_id": list_id, "list_date": LIST_DAY, "country": cc, "rank": 1, "bucketed": False,
        "target": target, "check_id": check, "check_version": 1, "status": status,
        "reason": reason if status != "error" else (reason or "timeout"), "detail": "",
        "scanned_at": at, "lab": False, "simulated": False, "scan_date": at.date(),
    }  # fmt: skip


HTTPS = "web-https"
ROWS = [
    # FR, CrUX: on 11-02 two of three conclusive adopt (c.fr timed out)
    r("crux-country", "FR", "a.fr", HTTPS, "pass", "2026-11-02"),
    r("crux-country", "FR", "b.fr", HTTPS, "fail", "2026-11-02"),
    r("crux-country", "FR", "c.fr", HTTPS, "error", "2026-11-02"),
    r("crux-country", "FR", "d.fr", HTTPS, "pass", "2026-11-02"),
    # 11-10: b.fr rescanned and now adopts; the others' 11-02 results still count
    r("crux-country", "FR", "b.fr", HTTPS, "pass", "2026-11-10"),
    # 12-20: only c.fr's result is within 30 days
    r("crux-country", "FR", "c.fr", HTTPS, "pass", "2026-12-20"),
    # FR's country-toplist is not used: FR has a CrUX series
    r("country-toplist", "FR", "e.fr", HTTPS, "fail", "2026-11-05"),
    # BR: only errors, so no value
    r("country-toplist", "BR", "a.br", HTTPS, "error", "2026-11-03", "refused_by_policy"),
    # the world (Tranco), and a ccTLD list that feeds no indicator
    r("tranco", None, "g.com", HTTPS, "pass", "2026-11-04"),
    r("tranco", None, "h.com", HTTPS, "fail", "2026-11-04"),
    r("cctld-domains", "KE", "x.ke", HTTPS, "pass", "2026-11-04"),
    # an informative check's miss is a warning: not adopted
    r("tranco", None, "g.com", "web-http2", "warning", "2026-11-04"),
    # mail: not applicable is left out and counted apart
    r("tranco", None, "g.com", "mail-spf", "pass", "2026-11-04"),
    r("tranco", None, "h.com", "mail-spf", "not_applicable", "2026-11-04"),
]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    table = pa.Table.from_pylist(ROWS, schema=SCHEMA)
    c.register("scan_results", table)
    return c


def _values(con: duckdb.DuckDBPyConnection, indicator_id: str) -> list[tuple[Any, ...]]:
    result = get_indicator(indicator_id).compute(con)
    value, status = checked(indicator_id, result)
    return list(zip(result["country"].to_pylist(), result["date"].to_pylist(),
                    value.to_pylist(), status.to_pylist(), strict=True))  # fmt: skip


def test_country_values_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    d = dt.date
    assert _values(con, "adoption_https") == [
        ("BR", d(2026, 11, 3), None, "not measured"),
        ("FR", d(2026, 11, 2), pytest.approx(200 / 3), "measured"),
        ("FR", d(2026, 11, 10), 100.0, "measured"),
        ("FR", d(2026, 12, 20), 100.0, "measured"),
    ]


def test_denominators_and_provenance(con: duckdb.DuckDBPyConnection) -> None:
    tech = technology("adoption_https")
    assert tech is not None
    rows = {(x.country, x.date): x for x in preferred(adoption_rows(con, tech))}
    fr = rows[("FR", dt.date(2026, 11, 2))]
    assert (fr.adopted, fr.conclusive, fr.errors, fr.targets) == (2, 3, 1, 4)
    assert fr.list_id == "crux-country" and fr.list_dates == (LIST_DAY, LIST_DAY)
    assert "2 of 3 targets" in fr.reason and "1 errors" in fr.reason
    assert "crux-country FR list of 2026-11-01" in fr.reason
    later = rows[("FR", dt.date(2026, 12, 20))]
    assert (later.adopted, later.conclusive, later.targets) == (1, 1, 1)
    world = rows[(None, dt.date(2026, 11, 4))]
    assert (world.list_id, world.value, world.conclusive) == ("tranco", 50.0, 2)
    assert "no conclusive result" in rows[("BR", dt.date(2026, 11, 3))].reason
    assert not any(x.list_id == "cctld-domains" for x in rows.values())


def test_warning_is_not_adopted_and_not_applicable_is_left_out(
    con: duckdb.DuckDBPyConnection,
) -> None:
    h2, spf = technology("adoption_http2"), technology("adoption_spf")
    assert h2 is not None and spf is not None
    (world_h2,) = preferred(adoption_rows(con, h2))
    assert (world_h2.value, world_h2.status) == (0.0, "zero measured")
    (world_spf,) = preferred(adoption_rows(con, spf))
    assert (world_spf.value, world_spf.conclusive, world_spf.not_applicable) == (100.0, 1, 1)


def test_no_scan_no_value(con: duckdb.DuckDBPyConnection) -> None:
    assert _values(con, "adoption_mta_sts") == []  # never a zero for what was not scanned


def test_every_technology_maps_to_a_check_of_the_registry() -> None:
    ids = {c.id for c in REGISTRY}
    assert {t.check_id for t in TECHNOLOGIES} <= ids
    assert len({t.check_id for t in TECHNOLOGIES}) == len(TECHNOLOGIES) == 15
    assert "HTTP/3" in GAPS and "DANE" in GAPS


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = load_settings(data_dir=tmp_path / "data")
    settings.lake_dir.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(ROWS, schema=SCHEMA),
                   settings.lake_dir / "scan_results.parquet")  # fmt: skip
    return TestClient(router_app(api.router, settings=settings))


def test_api_series_with_denominators(client: TestClient) -> None:
    body = client.get("/api/v1/adoption/adoption_https?country=fr").json()
    assert (body["country"], body["check"]) == ("FR", "web-https")
    first = body["values"][0]
    assert first["date"] == "2026-11-02" and first["value"] == pytest.approx(200 / 3)
    assert (first["adopted"], first["conclusive"], first["errors"]) == (2, 3, 1)
    assert first["list"] == "crux-country" and first["list_dates"] == ["2026-11-01"] * 2
    one = client.get("/api/v1/adoption/adoption_https?country=FR&date=2026-12-01").json()
    assert [v["date"] for v in one["values"]] == ["2026-11-10"]
    world = client.get("/api/v1/adoption/adoption_https").json()["values"]
    assert [(v["list"], v["value"]) for v in world] == [("tranco", 50.0)]
    ke = client.get("/api/v1/adoption/adoption_https?country=KE&list=cctld-domains").json()
    assert [(v["list"], v["value"]) for v in ke["values"]] == [("cctld-domains", 100.0)]


def test_api_not_measured_and_errors(client: TestClient) -> None:
    (row,) = client.get("/api/v1/adoption/adoption_https?country=DE").json()["values"]
    assert (row["value"], row["status"]) == (None, "not measured")
    assert "no web-https result for DE" in row["reason"]
    assert client.get("/api/v1/adoption/adoption_http3").status_code == 404
    bad = client.get("/api/v1/adoption/adoption_https?country=XZ")
    assert bad.status_code == 400 and "alpha-2" in bad.json()["error"]["message"]
    assert client.get("/api/v1/adoption/adoption_https?list=nope").status_code == 400
    index = client.get("/api/v1/adoption").json()
    assert len(index["indicators"]) == 15
    assert {g["technology"] for g in index["not_measured"]} >= {"HTTP/3", "DANE"}


def test_api_csv_twin(client: TestClient) -> None:
    got = client.get("/api/v1/adoption/adoption_https?country=FR&format=csv")
    assert got.headers["content-type"].startswith("text/csv")
    lines = got.text.splitlines()
    assert lines[0].startswith("date,country,list,value,status,reason,adopted,conclusive,errors")
    assert lines[1].startswith("2026-11-02,FR,crux-country,66.66")
    assert len(lines) == 1 + 3


def test_api_without_scan_results(tmp_path: Path) -> None:
    app = router_app(api.router, settings=load_settings(data_dir=tmp_path / "d"))
    got = TestClient(app).get("/api/v1/adoption/adoption_https")
    assert got.status_code == 503 and "scan-list" in got.json()["error"]["hint"]
