"""The concentration pages, their JSON twins and the country page's section over the fixture
lake plus the hand-made scan set of tests/standards/scanset.py (known providers and HHIs), and
axe-core over the new pages in English, French and Spanish."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nethealth.lake.build import run_build
from nethealth.settings import Settings
from nethealth.standards.step import STEPS
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import build_fixture_lake, make_settings
from tests.standards.scanset import write_scan_set
from tests.web.conftest import LiveServer, axe_violations


@pytest.fixture(scope="module")
def conc_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = build_fixture_lake(make_settings(tmp_path_factory.mktemp("conc"), ASSETS))
    write_scan_set(settings, with_global=True)
    run_build(STEPS, settings, only=("scan_results", "concentration"))
    return settings


@pytest.fixture(scope="module")
def cc(conc_settings: Settings) -> Iterator[TestClient]:
    with TestClient(fixture_app(conc_settings)) as c:
        yield c


def test_index_twin(cc: TestClient) -> None:
    body = cc.get("/concentration.json").json()
    blocks = {b["block"]: b for b in body["blocks"]}
    assert list(blocks) == ["hosting", "dns", "ca", "cdn", "mail", "tld"]
    hosting = blocks["hosting"]
    # Tranco's list: a.fr and b.fr, both AS64501
    assert (hosting["global"]["value"], hosting["global"]["band"]) == (10_000, "extremely high")
    assert hosting["countries_measured"] == 1
    assert hosting["country_high"]["country"] == "FR" and hosting["country_high"]["value"] == 3750
    # the country table: one row per country with a value, one value per block in order
    (fr,) = body["countries"]
    assert fr["cc"] == "FR" and [v["value"] for v in fr["values"]] == [
        3750,
        2800,
        5000,
        5000,
        3750,
        10_000,
    ]  # hosting, dns, ca (15 Dec), cdn, mail, tld


def test_block_twin_providers_and_countries(cc: TestClient) -> None:
    body = cc.get("/concentration/ca.json?country=FR&date=2026-12-10").json()
    assert body["current"]["value"] == 6250 and body["current"]["band"] == "extremely high"
    assert [(p["provider"], p["targets"], p["share"]) for p in body["providers"]] == [
        ("Let's Encrypt", 3, 75.0), ("DigiCert Inc", 1, 25.0)]  # fmt: skip
    assert [c["cc"] for c in body["countries"]] == ["FR"]
    assert body["countries"][0]["href"] == "/concentration/ca?country=FR"
    assert body["links"]["csv"] == "/api/v1/concentration/ca?country=FR&format=csv"
    world = cc.get("/concentration/ca.json").json()
    # Tranco's a.fr and b.fr both have Let's Encrypt certificates: one provider, a monopoly
    assert world["current"]["value"] == 10_000 and world["current"]["cr1"] == 100
    assert world["current"]["weighted_status"] == "not measured"  # no population loaded
    assert cc.get("/concentration/isp.json").status_code == 404


def test_country_section(cc: TestClient) -> None:
    section = cc.get("/country/FR.json").json()["concentration"]
    blocks = {b["block"]: b for b in section["blocks"]}
    assert section["measured"] == 6
    assert blocks["dns"]["latest"]["value"] == 2800
    assert blocks["dns"]["top_provider"]["provider"] == "ovh.net"
    de = cc.get("/country/DE.json").json()["concentration"]
    assert de["measured"] == 0 and {b["latest"]["value"] for b in de["blocks"]} == {None}


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_pages_show_bands_in_words(cc: TestClient, lang: str) -> None:
    cc.cookies.clear()
    words = {"en": "extremely high concentration", "fr": "concentration extrêmement élevée",
             "es": "concentración extremadamente alta"}[lang]  # fmt: skip
    page = cc.get(f"/concentration/ca?country=FR&lang={lang}")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    assert words in page.text and "Let&#39;s Encrypt" in page.text
    assert 'id="providers-caption"' in page.text and 'id="hhi-summary"' in page.text
    assert words in cc.get(f"/concentration?lang={lang}").text
    country = cc.get(f"/country/FR?lang={lang}").text
    assert 'id="concentration"' in country and "ovh.net" in country


def test_without_the_datasets_nothing_is_zero(tmp_path: Path) -> None:
    settings = build_fixture_lake(make_settings(tmp_path / "noconc", ASSETS))
    with TestClient(fixture_app(settings)) as client:
        body = client.get("/concentration.json").json()
        assert {b["global"]["status"] for b in body["blocks"]} == {"not measured"}
        assert client.get("/country/NL.json").json()["concentration"] is None
        assert client.get("/concentration").status_code == 200


@pytest.fixture(scope="module")
def conc_server(conc_settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(conc_settings).start()
    yield server
    server.stop()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize(
    "path", ["/concentration", "/concentration/ca?country=FR", "/concentration/hosting",
             "/concentration/cdn?country=DE", "/country/FR"],
)  # fmt: skip
def test_conc_pages_have_no_axe_violations(
    conc_server: LiveServer, page: Any, path: str, lang: str
) -> None:
    sep = "&" if "?" in path else "?"
    response = page.goto(f"{conc_server.url}{path}{sep}lang={lang}")
    assert response is not None and response.status == 200
    assert page.evaluate("document.documentElement.lang") == lang
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert axe_violations(page) == []


@pytest.mark.browser
def test_provider_table_reachable_from_the_keyboard(conc_server: LiveServer, page: Any) -> None:
    page.goto(f"{conc_server.url}/concentration/ca?country=FR&date=2026-12-10")
    for _ in range(80):  # Tab to the scrollable provider table (a focusable region)
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.getAttribute('aria-labelledby') || ''")
        if label == "providers-caption":
            break
    else:
        pytest.fail("the provider table is not reachable with Tab")
    rows = page.locator("#providers tbody th").all_inner_texts()
    assert rows == ["Let's Encrypt", "DigiCert Inc"]
