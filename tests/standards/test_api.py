"""Test your domain over HTTP against the loopback lab (lab mode enabled by the settings):
202 then 200 with the report, joining a running job, reusing a recent report, the two 429
bounds and the 400s. A gate holds scans at their start where a test needs a job running, so
no outcome depends on how fast anything runs; a fake clock moves the cache and the buckets."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nethealth.standards import api
from nethealth.standards.checks import REGISTRY
from nethealth.standards.jobs import ScanJobs, board_of
from tests.apps import router_app
from tests.standards.conftest import Gate
from tests.standards.lab import Lab

POLLS = 2000  # at most, 0.05 s apart: a bound on a hung job, not a timing assertion


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _app(lab: Lab, clock: Clock | None = None, **overrides: Any) -> FastAPI:
    settings = lab.settings(standards_api_lab=True, **overrides)
    app = router_app(api.router, settings=settings)
    if clock is not None:
        board_of(app, settings).clock = clock
    return app


def _board(app: FastAPI) -> ScanJobs:
    return board_of(app, app.state.nethealth.settings)


def _poll(client: TestClient, location: str) -> dict[str, Any]:
    for _ in range(POLLS):
        response = client.get(location)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["state"] != "running":
            return body
        time.sleep(0.05)
    raise AssertionError(f"{location} still running after {POLLS} polls")


def _start(client: TestClient, domain: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/scan/{domain}")
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/api/v1/scan/jobs/{body['id']}"
    return body


def test_the_ideal_domain_scores_100_and_a_counterpart_loses_its_points(lab: Lab) -> None:
    with TestClient(_app(lab)) as client:
        started = _start(client, "ideal.lab")
        assert started["domain"] == "ideal.lab" and started["lab"] is True
        assert started["progress"]["total"] == len(REGISTRY)
        ideal = _poll(client, f"/api/v1/scan/jobs/{started['id']}")
        no_hsts = _poll(client, f"/api/v1/scan/jobs/{_start(client, 'no-hsts.lab')['id']}")
    assert ideal["state"] == "finished"
    assert ideal["progress"] == {"done": len(REGISTRY), "total": len(REGISTRY)}
    report = ideal["report"]
    assert {c["check"]: c["status"] for c in report["checks"]} == {c.id: "pass" for c in REGISTRY}
    assert {k: v["percent"] for k, v in report["score"].items()} == {"web": 100.0, "mail": 100.0}
    assert report["rules"].startswith("Score per category")
    checks = {c["check"]: c for c in no_hsts["report"]["checks"]}
    hsts = checks["web-hsts"]
    assert (hsts["status"], hsts["earned"]) == ("fail", 0) and hsts["points"] > 0
    assert hsts["explanation"] == next(c.advice for c in REGISTRY if c.id == "web-hsts")
    web = no_hsts["report"]["score"]["web"]
    assert web["possible"] - web["earned"] == hsts["points"]
    assert web["percent"] < 100.0


def test_a_second_request_joins_the_running_job_then_reuses_its_report(
    lab: Lab, gate: Gate
) -> None:
    clock = Clock()
    app = _app(lab, clock, standards_cache_minutes=5)
    with TestClient(app) as client:
        first = _start(client, "no-h2.lab")
        second = _start(client, "No-H2.lab.")  # the same name, spelled otherwise
        assert second["id"] == first["id"] and second["state"] == "running"
        running = client.get(f"/api/v1/scan/jobs/{first['id']}")
        assert running.json()["report"] is None and running.json()["progress"]["done"] == 0
        assert gate.started == 1
        gate.open.set()
        done = _poll(client, f"/api/v1/scan/jobs/{first['id']}")
        assert done["report"]["domain"] == "no-h2.lab"
        clock.now += 5 * 60  # within the cache time: the same report
        again = _start(client, "no-h2.lab")
        assert (again["id"], again["state"], gate.started) == (first["id"], "finished", 1)
        clock.now += 1  # past it: a new scan
        fresh = _start(client, "no-h2.lab")
        assert fresh["id"] != first["id"] and gate.started == 2
        _poll(client, f"/api/v1/scan/jobs/{fresh['id']}")


def test_too_many_jobs_answers_429_with_retry_after(lab: Lab, gate: Gate) -> None:
    with TestClient(_app(lab, standards_max_jobs=1, standards_timeout=7.0)) as client:
        first = _start(client, "ideal.lab")
        over = client.get("/api/v1/scan/no-ipv6.lab")
        assert over.status_code == 429, over.text
        assert over.headers["retry-after"] == "7"
        assert over.json()["error"]["code"] == "too_many_requests"
        assert "standards_max_jobs" in over.json()["error"]["message"]
        assert _start(client, "ideal.lab")["id"] == first["id"]  # joining is no new job
        gate.open.set()
        _poll(client, f"/api/v1/scan/jobs/{first['id']}")
        _start(client, "no-ipv6.lab")  # a slot is free again
    assert gate.started == 2


def test_the_client_rate_limit_is_a_token_bucket(lab: Lab, gate: Gate) -> None:
    clock = Clock()
    app = _app(lab, clock, standards_scans_per_hour=2)
    gate.open.set()
    with TestClient(app) as client:
        _start(client, "ideal.lab")
        _start(client, "no-h2.lab")
        _start(client, "no-h2.lab")  # a join costs nothing
        over = client.get("/api/v1/scan/no-ipv6.lab")
        assert over.status_code == 429, over.text
        assert over.headers["retry-after"] == "1800"  # one token per 30 minutes
        assert "standards_scans_per_hour" in over.json()["error"]["message"]
        clock.now += 1800
        _start(client, "no-ipv6.lab")
        assert client.get("/api/v1/scan/no-https.lab").status_code == 429
        for job in list(_board(app).jobs.values()):
            _poll(client, f"/api/v1/scan/jobs/{job.id}")
    assert gate.started == 3


@pytest.mark.parametrize(
    ("domain", "says"),
    [
        ("127.0.0.1", "IP address literal"),
        ("2130706433", "IP address literal"),
        ("[::1]", "not a domain name (IP literals, ports and URLs are refused)"),
        ("-bad-.org", "the label '-bad-' starts or ends with a hyphen"),
        ("a" * 64 + ".org", "is longer than 63 characters"),
        ("exa_mple.org", "the label 'exa_mple' has a character other than a-z, 0-9 and hyphen"),
        (".".join(["x" * 63] * 4), "255 characters, more than 253"),
        ("a..b.org", "it has an empty label (..)"),
        ("xn--zz.org", "not a valid internationalised domain name (IDNA"),
    ],
)
def test_a_malformed_name_or_an_ip_literal_is_a_400_naming_domain(
    lab: Lab, gate: Gate, domain: str, says: str
) -> None:
    with TestClient(_app(lab)) as client:
        response = client.get(f"/api/v1/scan/{domain}")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["message"].startswith("field 'domain': ") and says in error["message"]
    assert "domain name such as example.org" in error["hint"]
    assert gate.started == 0


def test_a_private_target_is_refused_with_lab_mode_off(lab: Lab, gate: Gate) -> None:
    app = router_app(api.router, settings=lab.settings())  # standards_api_lab off
    with TestClient(app) as client:
        response = client.get("/api/v1/scan/localhost")
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("field 'domain': localhost resolves only to addresses")
    assert "127.0.0.1: 127.0.0.1 is loopback" in message
    assert gate.started == 0


def test_an_opted_out_domain_is_refused(lab: Lab, gate: Gate) -> None:
    with TestClient(_app(lab, standards_opt_out=["lab"])) as client:
        response = client.get("/api/v1/scan/ideal.lab")
    assert response.status_code == 400
    assert "asked not to be scanned" in response.json()["error"]["message"]


def test_an_unknown_or_malformed_job_id(lab: Lab) -> None:
    with TestClient(_app(lab)) as client:
        assert client.get("/api/v1/scan/jobs/" + "0" * 32).status_code == 404
        assert client.get("/api/v1/scan/jobs/nope").status_code == 400


def test_a_refused_target_spends_its_token(lab: Lab, gate: Gate) -> None:
    """The token is taken before the name is resolved (so a client over its limit makes the
    server resolve nothing): a target refused after resolution counts as an attempt."""
    hosts = {**lab.hosts(), "outside.lab": {"addresses": ["192.0.2.7"], "https_port": 443,
                                            "http_port": 80}}  # fmt: skip
    app = _app(lab, Clock(), standards_scans_per_hour=1, standards_lab_hosts=hosts)
    with TestClient(app) as client:
        refused = client.get("/api/v1/scan/outside.lab")
        assert refused.status_code == 400, refused.text
        assert "192.0.2.7 is outside the lab" in refused.json()["error"]["message"]
        assert client.get("/api/v1/scan/ideal.lab").status_code == 429
    assert gate.started == 0
