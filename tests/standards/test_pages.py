"""The test-your-domain page `/scan` and its twin `/scan.json` against the loopback lab: the
form, the error summary, progress while a scan runs, the report per category in English, French
and Spanish (the same report the API answers), and in Chromium: axe-core finds no violation on
the form, the progress page and a report, the form submits with Enter, and the page's script
opens the report when the scan ends."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nethealth.standards.checks import REGISTRY
from nethealth.standards.jobs import Job, board_of
from nethealth.standards.lab.plan import config_link
from nethealth.standards.model import Attempt
from nethealth.standards.scan import Report, Result
from tests.api.conftest import ASSETS, fixture_app
from tests.standards.conftest import Gate
from tests.standards.lab import Lab
from tests.standards.test_api import POLLS, _poll
from tests.web.conftest import LiveServer, axe_violations, launch_chromium

MAIN = '<main id="main" tabindex="-1" class="container"'
WORDS = {  # the status "pass", the form's label and the menu entry, per language
    "en": ("Pass", "Domain name", "Test your domain"),
    "fr": ("Réussi", "Nom de domaine", "Testez votre domaine"),
    "es": ("Superada", "Nombre de dominio", "Pruebe su dominio"),
}


def _settings(lab: Lab, tmp: Path, **overrides: Any) -> Any:
    return lab.settings(
        standards_api_lab=True, data_dir=tmp / "data", assets_dir=ASSETS, **overrides
    )


@pytest.fixture
def app(lab: Lab, tmp_path: Path) -> FastAPI:
    return fixture_app(_settings(lab, tmp_path))


def _html(client: TestClient, path: str, lang: str = "en") -> str:
    client.cookies.clear()
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}lang={lang}")
    assert response.status_code == 200, response.text
    assert f'<html lang="{lang}">' in response.text
    assert f"{MAIN}>" in response.text  # <main> in the page's language
    return response.text


def _finished_page(client: TestClient, domain: str, lang: str = "en") -> str:
    twin = client.get(f"/scan.json?domain={domain}").json()
    _poll(client, twin["job"]["poll"])
    return _html(client, twin["job"]["page"], lang)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_form_in_each_language(app: FastAPI, lang: str) -> None:
    with TestClient(app) as client:
        html = _html(client, "/scan", lang)
    _pass, label, menu = WORDS[lang]
    assert f'<label for="domain">{label}</label>' in html
    assert 'aria-describedby="domain-hint"' in html and 'href="/scan"' in html
    assert re.search(rf'<a [^>]*href="/scan"[^>]*>\s*{menu}\s*</a>', html), "menu entry"
    assert 'id="scores-title"' not in html and "data-scan-poll" not in html


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_a_refused_name_redisplays_the_form_with_an_error_summary(app: FastAPI, lang: str) -> None:
    with TestClient(app) as client:
        html = _html(client, "/scan?domain=192.168.0.1", lang)
        twin = client.get("/scan.json?domain=192.168.0.1")
    assert 'class="error-summary" role="alert"' in html
    assert '<a href="#domain"' in html and "is an IP address literal" in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="domain-hint domain-error"' in html
    assert 'value="192.168.0.1"' in html  # what the reader typed, to correct
    assert twin.status_code == 400 and "field 'domain'" in twin.json()["error"]["message"]


def test_the_page_shows_progress_while_the_scan_runs(app: FastAPI, gate: Gate) -> None:
    with TestClient(app) as client:
        html = _html(client, "/scan?domain=ideal.lab")
        job = client.get("/scan.json?domain=ideal.lab").json()["job"]
        assert job["state"] == "running" and gate.started == 1  # joined, not started again
        again = _html(client, job["page"])  # the page's own link follows the same job
        gate.open.set()
        _poll(client, job["poll"])
    assert f'data-scan-poll="/api/v1/scan/jobs/{job["id"]}"' in html
    assert f'<progress max="{len(REGISTRY)}" value="0"' in html
    assert f'href="/scan?domain=ideal.lab&amp;job={job["id"]}"' in html
    assert 'id="scores-title"' not in html and "data-scan-poll" in again


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_report_page_per_category(app: FastAPI, lang: str) -> None:
    status, _label, _menu = WORDS[lang]
    with TestClient(app) as client:
        ideal = _finished_page(client, "ideal.lab", lang)
        hsts = _finished_page(client, "no-hsts.lab", lang)
    assert ideal.count(f'class="badge scan-pass">{status}</span>') == len(REGISTRY)
    assert ideal.count("<strong>100 %</strong>") == 2  # web and mail
    assert 'id="cat-web"' in ideal and 'id="cat-mail"' in ideal and 'id="rules-title"' in ideal
    assert "Score per category = points earned / points possible" in ideal
    assert "data-scan-poll" not in ideal
    advice = next(c.advice for c in REGISTRY if c.id == "web-hsts")
    row = hsts[hsts.index("<code>web-hsts</code>") :].split("</tr>")[0]
    assert 'class="badge scan-fail">' in row and advice.replace("'", "&#39;") in row
    link = {"en": "The configuration that does it right", "fr": "La configuration qui le fait "
            "bien", "es": "La configuración que lo hace bien"}[lang]  # fmt: skip
    assert f'<a href="{config_link("web-hsts")}" hreflang="en">{link}' in row  # docs/lab.md
    assert link not in ideal  # only a miss links to the configuration
    note = {"en": None, "fr": "sont affichés en anglais", "es": "se muestran en inglés"}[lang]
    assert note is None or note in ideal
    assert "shown in English" not in ideal


def test_details_are_printed_verbatim_and_escaped(app: FastAPI, lab: Lab) -> None:
    """A detail is data the scanned server chose: the page prints it exactly, as text."""
    settings = app.state.nethealth.settings
    board = board_of(app, settings)
    check = REGISTRY[0]
    hostile = '<script>alert("x")</script> & CN=evil\n  second line'
    results = tuple(
        Result(c, Attempt("fail", hostile) if c is check else Attempt("pass", "ok"))
        for c in REGISTRY
    )
    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    job = Job("a" * 32, "escape.lab", True, len(REGISTRY), len(REGISTRY), "finished",
              Report("escape.lab", True, now, now, results), ended=board.clock())  # fmt: skip
    board.jobs[job.id], board.latest[job.domain] = job, job
    with TestClient(app) as client:
        html = _html(client, f"/scan?domain=escape.lab&job={job.id}")
        twin = client.get(f"/scan.json?domain=escape.lab&job={job.id}").json()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; CN=evil\n  second line" in html
    assert "<script>alert" not in html
    detail = next(
        c["detail"] for cat in twin["report"]["categories"] for c in cat["checks"]
        if c["check"] == check.id
    )  # fmt: skip
    assert detail == hostile


def test_the_twin_answers_the_report_the_api_answers(app: FastAPI) -> None:
    with TestClient(app) as client:
        twin = client.get("/scan.json?domain=no-h2.lab").json()
        api = _poll(client, twin["job"]["poll"])
        twin = client.get(twin["links"]["json"] + f"&job={api['id']}").json()
    assert twin["job"]["id"] == api["id"] and twin["job"]["state"] == "finished"
    flat = [c for cat in twin["report"]["categories"] for c in cat["checks"]]
    assert sorted(flat, key=lambda c: c["check"]) == sorted(
        ({k: c[k] for k in flat[0]} for c in api["report"]["checks"]), key=lambda c: c["check"]
    )
    assert {c["category"]: c["percent"] for c in twin["report"]["categories"]} == {
        k: v["percent"] for k, v in api["report"]["score"].items()
    }
    assert twin["report"]["rules"] == api["report"]["rules"]


# In Chromium ----------------------------------------------------------------------------------


@pytest.fixture
def live(lab: Lab, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(_settings(lab, tmp_path)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for this module only (the scanner's tests after it call asyncio.run)."""
    yield from launch_chromium()


@pytest.mark.browser
def test_form_progress_and_report_in_chromium(live: LiveServer, page: Any, gate: Gate) -> None:
    page.goto(live.url + "/scan")
    assert axe_violations(page) == []
    page.fill("#domain", "ideal.lab")
    page.focus("#domain")
    page.keyboard.press("Enter")  # the form submits with Enter
    page.wait_for_selector("[data-scan-poll]")
    assert page.url.endswith("/scan?domain=ideal.lab")
    assert axe_violations(page) == []  # the progress page
    gate.open.set()
    page.wait_for_selector("#scores-title", timeout=POLLS * 50)  # the script opens the report
    assert "job=" in page.url
    assert axe_violations(page) == []
    page.goto(live.url + "/scan?domain=127.0.0.1")
    assert page.locator(".error-summary").count() == 1
    assert axe_violations(page) == []


@pytest.mark.browser
def test_the_report_in_chromium_in_french_and_spanish(live: LiveServer, page: Any) -> None:
    for lang in ("en", "fr", "es"):  # a report with a miss: its link to docs/lab.md too
        page.goto(live.url + f"/scan?domain=no-hsts.lab&lang={lang}")
        page.wait_for_selector("#scores-title", timeout=POLLS * 50)
        assert axe_violations(page) == []
