"""The review workflow (outages.review, /api/v1/events/{id}/reviews) and what a reader sees:
authenticated reviewers only, an append-only log beside the lake, dismissed events out of the
feed and the map but in the API with their status; `ongoing` only while data are fresh."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nethealth.outages import lake
from nethealth.outages.api import router
from nethealth.outages.episodes import Episode
from nethealth.outages.events import events_table
from nethealth.outages.fusion import merge
from nethealth.outages.query import EventFilter, list_events
from nethealth.outages.review import ReviewStore
from nethealth.outages.series import SIGNAL_SCHEMA
from nethealth.settings import Settings, load_settings
from tests.apps import router_app

ALICE = "a" * 24
BOB = "b" * 24
H = 3600


def _ep(entity: str, start: int, end: int | None) -> Episode:
    return Episode("nethealth", "bgp_weighted", entity, start, end, start + 300, "critical",
                   0.9, 100.0, 10.0, 500.0, 0.95)  # fmt: skip


def _write(settings: Settings, data_end: int, simulated: bool) -> list[str]:
    t0 = data_end - 10 * H
    dets = merge([_ep("country:ET", t0, t0 + 2 * H), _ep("asn:64500", t0 + 4 * H, None),
                  _ep("asn:64501", t0 + 6 * H, t0 + 7 * H)])  # fmt: skip
    events = events_table(dets, method_version="v", asn_country={64500: "KE", 64501: "KE"},
                          data_end=data_end, simulated=simulated)  # fmt: skip
    result = lake.DetectResult(events, SIGNAL_SCHEMA.empty_table(), t0, data_end, t0,
                               "nethealth", "rir", simulated, 3)  # fmt: skip
    lake.write(settings, result)
    return [str(e) for e in events["event_id"].to_pylist()]


def _client(settings: Settings) -> TestClient:
    return TestClient(router_app(router, settings=settings))


@pytest.fixture
def reviewed(tmp_path: Path) -> tuple[Settings, list[str]]:
    settings = load_settings(data_dir=tmp_path / "data",
                             outages_reviewers=f"alice={ALICE},bob={BOB}")  # fmt: skip
    now = int(time.time()) // 300 * 300
    return settings, _write(settings, now, simulated=False)


def test_only_reviewers_may_review(reviewed: tuple[Settings, list[str]], tmp_path: Path) -> None:
    settings, ids = reviewed
    c = _client(settings)
    url = f"/api/v1/events/{ids[0]}/reviews"
    r = c.post(url, json={"action": "confirm"})
    assert r.status_code == 401 and "Bearer" in r.headers["www-authenticate"]
    r = c.post(url, json={"action": "confirm"}, headers={"Authorization": "Bearer " + "x" * 24})
    assert r.status_code == 403
    closed = _client(settings.model_copy(update={"outages_reviewers": ""}))
    r = closed.post(url, json={"action": "confirm"}, headers={"Authorization": f"Bearer {ALICE}"})
    assert r.status_code == 403 and "closed" in r.json()["error"]["message"]
    assert not ReviewStore.for_settings(settings).path.exists()  # nothing was written


def test_a_dismissal_needs_a_reason_and_an_event(reviewed: tuple[Settings, list[str]]) -> None:
    settings, ids = reviewed
    c = _client(settings)
    auth = {"Authorization": f"Bearer {ALICE}"}
    r = c.post(f"/api/v1/events/{ids[0]}/reviews", json={"action": "dismiss"}, headers=auth)
    assert r.status_code == 400 and r.json()["error"]["message"].endswith("needs a reason")
    r = c.post(f"/api/v1/events/{ids[0]}/reviews", json={"action": "delete"}, headers=auth)
    assert r.status_code == 400
    r = c.post("/api/v1/events/out-000000000000/reviews", json={"action": "confirm"},
               headers=auth)  # fmt: skip
    assert r.status_code == 404


def test_reviews_append_and_dismissed_events_leave_the_feed_not_the_api(
    reviewed: tuple[Settings, list[str]],
) -> None:
    settings, ids = reviewed
    c = _client(settings)
    gone, kept = ids[0], ids[1]
    r = c.post(f"/api/v1/events/{kept}/reviews", json={"action": "confirm"},
               headers={"Authorization": f"Bearer {ALICE}"})  # fmt: skip
    assert r.status_code == 201 and r.json()["event_review"]["status"] == "confirmed"
    log = ReviewStore.for_settings(settings).path
    before = log.read_bytes()
    r = c.post(f"/api/v1/events/{gone}/reviews",
               json={"action": "dismiss", "reason": "a collector's data gap"},
               headers={"Authorization": f"Bearer {BOB}"})  # fmt: skip
    assert r.status_code == 201
    r = c.post(f"/api/v1/events/{gone}/reviews", json={"action": "annotate", "note": "checked"},
               headers={"Authorization": f"Bearer {ALICE}"})  # fmt: skip
    after = log.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 3  # appended, never rewritten
    api = c.get("/api/v1/events").json()["events"]
    by_id = {e["event_id"]: e for e in api}
    assert set(by_id) == set(ids)  # the API keeps every event
    assert by_id[gone]["review"]["status"] == "dismissed"
    assert by_id[gone]["review"]["by"] == "api:bob"
    assert by_id[gone]["review"]["reason"] == "a collector's data gap"
    assert by_id[gone]["review"]["notes"][0]["text"] == "checked"
    assert by_id[kept]["review"]["status"] == "confirmed"
    assert [e["event_id"] for e in c.get("/api/v1/events", params={"review": "dismissed"})
            .json()["events"]] == [gone]  # fmt: skip
    feed = c.get("/api/v1/events/feed.atom").text
    assert gone not in feed and kept in feed
    hist = c.get(f"/api/v1/events/{gone}/reviews").json()
    assert [h["action"] for h in hist["reviews"]] == ["dismiss", "annotate"]
    csv = c.get("/api/v1/events", params={"format": "csv"}).text
    assert "review_status" in csv.splitlines()[0] and ",dismissed" in csv
    # the map's and the pages' reading (ongoing, not dismissed) leaves it out too
    shown = list_events(settings, EventFilter(exclude_dismissed=True))
    assert gone not in {e["event_id"] for e in shown} and len(shown) == len(ids) - 1


def test_ongoing_only_while_the_data_are_fresh(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", outages_fresh_minutes=60)
    now = int(time.time()) // 300 * 300
    _write(settings, now - 30 * 60, simulated=False)
    (fresh,) = list_events(settings, EventFilter(status="ongoing"))
    assert fresh["scope"] == "asn" and fresh["status"] == "ongoing"
    _write(settings, now - 3 * H, simulated=False)
    assert list_events(settings, EventFilter(status="ongoing")) == []
    (stale,) = list_events(settings, EventFilter(status="stale"))
    assert stale["end"] is None
    # a simulated world keeps its own clock: its newest data are its present
    _write(settings, now - 400 * 86400, simulated=True)
    (sim,) = list_events(settings, EventFilter(status="ongoing"))
    assert sim["simulated"] is True


def test_the_review_log_survives_a_rebuild(reviewed: tuple[Settings, list[str]]) -> None:
    settings, ids = reviewed
    ReviewStore.for_settings(settings).add("cli:alice", ids[0], "dismiss", "test", {})
    _write(settings, int(time.time()) // 300 * 300, simulated=False)  # detect again
    (row,) = [e for e in list_events(settings, EventFilter()) if e["event_id"] == ids[0]]
    assert row["review"]["status"] == "dismissed"
    assert not (settings.lake_dir / "outage-reviews").exists()  # beside the lake, not in it
