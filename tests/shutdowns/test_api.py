"""The /api/v1/shutdowns router, mounted as the lead mounts it (in nethealth's app) and alone."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient

from nethealth.server.app import create_app
from nethealth.settings import Settings
from nethealth.shutdowns.api import router
from nethealth.shutdowns.importer import import_file
from nethealth.shutdowns.store import ShutdownStore
from tests.apps import router_app
from tests.shutdowns.test_store import EVENT

TOKEN = "alice-token-0123456789abcdef"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(settings: Settings, small_sheet: Path) -> Iterator[TestClient]:
    import_file(settings, small_sheet)
    app = create_app(settings.model_copy(update={"shutdowns_curators": f"alice={TOKEN}"}))
    with TestClient(app) as c:
        yield c


def _auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _error(resp: object, status: int) -> dict[str, object]:
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    body = resp.json()["error"]  # type: ignore[attr-defined]
    assert body["status"] == status and body["message"] and "code" in body
    return body  # type: ignore[no-any-return]


def test_list_filters_match_the_store(client: TestClient, settings: Settings) -> None:
    state = ShutdownStore.for_settings(settings).state()
    everything = client.get("/api/v1/shutdowns", params={"limit": 5000}).json()
    assert everything["total"] == 40 == len(everything["events"])
    starts = [e["start_date"] for e in everything["events"]]
    assert starts == sorted(starts, reverse=True)
    cases: list[tuple[dict[str, str | int], str]] = [
        ({"country": "IN"}, "IN"),
        ({"year": 2016}, ""),
        ({"type": "service-blocking"}, ""),
        ({"scope": "national"}, ""),
        ({"country": "pakistan", "year": "2016"}, "PK"),
    ]
    for params, cc in cases:
        got = client.get("/api/v1/shutdowns", params={**params, "limit": 5000}).json()
        want = {
            e.event_id
            for e in state.events.values()
            if (not cc or cc in e.fields["countries"])
            and ("year" not in params or e.fields["year"] == int(params["year"]))
            and ("type" not in params or params["type"] in e.fields["types"])
            and ("scope" not in params or e.fields["scope"] == params["scope"])
        }
        assert {e["event_id"] for e in got["events"]} == want and want, params
    page = client.get("/api/v1/shutdowns", params={"limit": 7, "offset": 35}).json()
    assert page["count"] == 5 and page["total"] == 40


def test_csv_export_equals_json(client: TestClient) -> None:
    as_json = client.get("/api/v1/shutdowns", params={"country": "IN", "limit": 5000}).json()
    resp = client.get("/api/v1/shutdowns", params={"country": "IN", "format": "csv"})
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["event_id"] for r in rows] == [e["event_id"] for e in as_json["events"]]
    assert rows[0]["countries"] == "IN" and rows[0]["retracted"] == "False"
    by_accept = client.get(
        "/api/v1/shutdowns", headers={"Accept": "text/csv"}, params={"country": "IN"}
    )
    assert by_accept.text == resp.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "Atlantis"}, "country"),
        ({"year": "1066"}, "year"),
        ({"type": "outage"}, "type"),
        ({"scope": "galactic"}, "scope"),
        ({"source": "rumour"}, "source"),
        ({"retracted": "maybe"}, "retracted"),
        ({"limit": 0}, "limit"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_400(client: TestClient, params: dict[str, object], field: str) -> None:
    body = _error(client.get("/api/v1/shutdowns", params=params), 400)
    assert field in str(body["message"]) or field in str(body["hint"])


def test_detail_and_404(client: TestClient, settings: Settings) -> None:
    event_id = next(iter(ShutdownStore.for_settings(settings).state().events))
    doc = client.get(f"/api/v1/shutdowns/{event_id}").json()
    assert doc["event"]["event_id"] == event_id
    assert doc["provenance"]["layout"] == "stop-combined-2016-2025"
    assert [h["op"] for h in doc["history"]] == ["create"]
    body = _error(client.get("/api/v1/shutdowns/an-doesnotexist"), 404)
    assert body["code"] == "not_found"
    _error(client.get("/api/v1/shutdowns/log", params={"event_id": "an-nope"}), 404)


def test_writes_need_a_curator_token(client: TestClient, settings: Settings) -> None:
    resp = client.post("/api/v1/shutdowns", json={"fields": EVENT})
    assert _error(resp, 401)["code"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    _error(
        client.post(
            "/api/v1/shutdowns", json={"fields": EVENT}, headers={"Authorization": "Basic YTpi"}
        ),
        401,
    )
    _error(client.post("/api/v1/shutdowns", json={"fields": EVENT}, headers=_auth("wrong")), 403)
    _error(client.patch("/api/v1/shutdowns/an-x", json={"fields": {}}, headers=_auth("no")), 403)
    _error(client.post("/api/v1/shutdowns/an-x/retract", json={"reason": "x"}), 401)
    # A server without curators: the same token is refused, and the message says why.
    with TestClient(router_app(router, settings=settings)) as closed:
        body = _error(
            closed.post("/api/v1/shutdowns", json={"fields": EVENT}, headers=_auth()), 403
        )
    assert "closed" in str(body["message"])


def test_curation_round_trip(client: TestClient) -> None:
    resp = client.post(
        "/api/v1/shutdowns", json={"fields": EVENT, "reason": "new"}, headers=_auth()
    )
    assert resp.status_code == 201, resp.text
    event_id = resp.json()["event"]["event_id"]
    resp = client.patch(
        f"/api/v1/shutdowns/{event_id}",
        headers=_auth(),
        json={"fields": {"end_date": "2024-02-02"}, "reason": "ended"},
    )
    assert resp.status_code == 200
    change = resp.json()["change"]
    assert change["actor"] == "api:alice" and change["reason"] == "ended"
    assert change["changes"]["end_date"] == {"old": None, "new": "2024-02-02"}
    body = _error(
        client.patch(
            f"/api/v1/shutdowns/{event_id}",
            headers=_auth(),
            json={"fields": {"end_date": "2024-01-01"}},
        ),
        400,
    )
    assert "before start date" in str(body["message"])
    _error(client.post(f"/api/v1/shutdowns/{event_id}/retract", json={}, headers=_auth()), 400)
    resp = client.post(
        f"/api/v1/shutdowns/{event_id}/retract", headers=_auth(), json={"reason": "duplicate"}
    )
    assert resp.json()["event"]["retracted"] is True
    log = client.get("/api/v1/shutdowns/log", params={"event_id": event_id}).json()
    assert [e["op"] for e in log["entries"]] == ["retract", "update", "create"]
    assert all(e["actor"] == "api:alice" for e in log["entries"])
    listed = client.get("/api/v1/shutdowns", params={"source": "curated"}).json()
    assert listed["total"] == 0
    listed = client.get("/api/v1/shutdowns", params={"source": "curated", "retracted": "all"})
    assert listed.json()["total"] == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (b"[1, 2]", 400), (b'{"fields": 3}', 400), (b"x" * 70000, 413)],
)
def test_malformed_bodies(client: TestClient, body: bytes, status: int) -> None:
    resp = client.post("/api/v1/shutdowns", content=body, headers=_auth())
    _error(resp, status)


def test_atom_feed_is_valid_atom(client: TestClient) -> None:
    added = client.post("/api/v1/shutdowns", json={"fields": EVENT}, headers=_auth()).json()
    resp = client.get("/api/v1/shutdowns/feed.atom", params={"limit": 10})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(resp.content)
    assert root.tag == f"{ATOM}feed"
    # RFC 4287 §4.1.1: exactly one id, title and updated; an author when entries have none.
    for tag in ("id", "title", "updated", "author"):
        assert len(root.findall(f"{ATOM}{tag}")) == 1, tag
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 10
    ids = []
    for entry in entries:
        for tag in ("id", "title", "updated"):  # §4.1.2
            assert len(entry.findall(f"{ATOM}{tag}")) == 1, tag
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated", "").replace("Z", "+00:00"))
        ids.append(entry.findtext(f"{ATOM}id"))
    # Absolute ids from the configured public URL (default: the served address), never Host.
    assert len(set(ids)) == 10 and all(str(i).startswith("http://127.0.0.1:8000/") for i in ids)
    # The newest addition comes first, and a generic feed reader agrees.
    parsed = feedparser.parse(resp.content)
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.entries[0].id.endswith(added["event"]["event_id"])
    assert parsed.entries[0].title.startswith("India: shutdown (local), 2024-02-01")


def test_the_router_raises_typed_errors_the_one_handler_renders(settings: Settings) -> None:
    app = router_app(router, settings=settings)
    with TestClient(app) as c:
        _error(c.get("/api/v1/shutdowns/an-nope"), 404)
        _error(c.get("/api/v1/shutdowns", params={"type": "outage"}), 400)
        assert c.get("/api/v1/shutdowns").json()["total"] == 0
        assert len(c.get("/api/v1/shutdowns/criteria").json()["criteria"]) == 3
