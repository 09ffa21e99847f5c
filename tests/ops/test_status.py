"""Monitoring endpoints: `GET /healthz` (the process is up) and `GET /api/v1/status` (per source
the last fetch, the data date and staleness; per step the last build; the last update run),
on an installation updated from a loopback mirror of real files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from nethealth.areas import all_sources
from nethealth.lake.raw import RawStore
from nethealth.server.app import create_app
from nethealth.settings import Settings, load_settings
from tests.conftest import ASSETS
from tests.ops.conftest import Mirror, cli

SOURCES = ("--source", "rir", "--source", "peeringdb", "--source", "rpki")


def client_of(data: Path) -> TestClient:
    return TestClient(create_app(load_settings(data_dir=data, assets_dir=ASSETS)))


def test_healthz_and_status_without_a_lake(settings: Settings) -> None:
    with TestClient(create_app(settings)) as c:
        health = c.get("/healthz")
        status = c.get("/api/v1/status")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "no lake" and not body["lake_available"]
    assert "nethealth build" in body["lake_message"]
    assert [s["source_id"] for s in body["sources"]] == [s.id for s in all_sources()]
    by = {s["source_id"]: s for s in body["sources"]}
    assert by["countries"]["freshness"] == "packaged" and by["rir"]["freshness"] == "no data"
    assert body["last_update"] is None and body["steps"] == []


def test_status_after_an_update(mirror: Mirror) -> None:
    done = cli("update", *SOURCES, env=mirror.env)  # as of today
    assert done.exit_code == 0, done.output
    report = json.loads((mirror.data / "runs/latest.json").read_text())
    today = datetime.now(UTC).date()
    with client_of(mirror.data) as c:
        body = c.get("/api/v1/status").json()
    by = {s["source_id"]: s for s in body["sources"]}
    # RIR files of 2019 and an RPKI export of 2023: stale; PeeringDB's API, fetched today: fresh
    assert body["status"] == "stale" and body["stale_sources"] == ["rir", "rpki"]
    assert by["rir"]["data_date"] == "2019-09-09" and by["rir"]["freshness"] == "stale"
    assert by["rir"]["age_days"] == (today - date(2019, 9, 9)).days
    assert by["rir"]["reason"].startswith("newest snapshot 2019-09-09 is ")
    assert by["rpki"]["data_date"] == "2023-07-27"
    assert by["peeringdb"]["freshness"] == "fresh" and by["peeringdb"]["data_date"] == str(today)
    assert by["bgp-ris"]["freshness"] == "no data" and by["bgp-ris"]["files"] == 0
    store = RawStore(mirror.data / "raw")
    for sid in ("rir", "peeringdb", "rpki"):
        files = store.files(sid)
        assert by[sid]["files"] == len(files)
        assert by[sid]["bytes"] == sum(f.provenance.size for f in files)
        assert by[sid]["last_fetched"] == max(f.provenance.fetched_at for f in files)
        assert by[sid]["last_checked"] is not None and by[sid]["last_update_status"] == "fetched"
    steps = {s["step_id"]: s for s in body["steps"]}
    assert {"rir", "peeringdb", "rpki", "indicators"} <= set(steps)
    assert body["built_at"] == max(s["built_at"] for s in body["steps"])
    last = body["last_update"]
    assert last["run_id"] == report["run_id"] and last["status"] == "warnings"
    assert last["exit_code"] == 0 and last["failed_sources"] == []


def test_status_reports_a_failed_update(mirror: Mirror) -> None:
    assert cli("update", *SOURCES, "--no-build", env=mirror.env).exit_code == 0
    env = {**mirror.env, "NETHEALTH_UPDATE_BASE_URLS": json.dumps({
        "peeringdb": f"{mirror.base}/pdb", "rpki": "http://127.0.0.1:9/vrps.json"})}  # fmt: skip
    failed = cli("update", *SOURCES, "--recheck", env=env)
    assert failed.exit_code == 4
    with client_of(mirror.data) as c:
        body = c.get("/api/v1/status").json()
    assert body["status"] == "failed"
    assert body["last_update"]["failed_sources"] == ["rpki"]
    assert body["last_update"]["exit_code"] == 4
    by = {s["source_id"]: s for s in body["sources"]}
    assert (
        by["rpki"]["last_update_status"] == "failed"
        and by["rir"]["last_update_status"] == "unchanged"
    )
