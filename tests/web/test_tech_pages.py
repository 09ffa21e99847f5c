"""The enabling-technologies pages, their JSON twins and the country page's section, over the
fixture lake plus a small hand-made scan_results with known answers (tests/web/tech_fixture.py), and
axe-core over the new pages in English, French and Spanish."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from nethealth.settings import Settings
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import build_fixture_lake, make_settings
from tests.web.conftest import LiveServer, axe_violations
from tests.web.tech_fixture import build_tech_lake


@pytest.fixture(scope="module")
def tech_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_tech_lake(tmp_path_factory.mktemp("tech"))


@pytest.fixture(scope="module")
def tc(tech_settings: Settings) -> Iterator[TestClient]:
    with TestClient(fixture_app(tech_settings)) as c:
        yield c


def test_index_twin(tc: TestClient) -> None:
    body = tc.get("/technologies.json").json()
    https = next(t for t in body["technologies"] if t["id"] == "adoption_https")
    assert https["global"]["value"] == pytest.approx(100.0)
    assert https["global"]["date"] == "2026-08-10"
    assert https["global"]["denominator"] == "2 of 2 sites, list tranco 2026-06-01"
    assert (https["countries_measured"], https["countries_scanned"]) == (2, 2)
    assert https["country_low"]["country"] == "NL" and https["country_low"]["value"] == 75.0
    assert https["country_high"]["country"] == "KE"
    hsts = next(t for t in body["technologies"] if t["id"] == "adoption_hsts")
    # no Tranco result for HSTS: not measured, never 0; NL's 0 % is a measured zero
    assert hsts["global"]["value"] is None and hsts["global"]["status"] == "not measured"
    assert hsts["country_low"]["value"] == 0.0 and hsts["country_low"]["status"] == "zero measured"
    dane = next(g for g in body["not_measured"] if g["technology"] == "DANE")
    assert dane["status"] == "not measured" and "TLSA" in dane["why"]
    assert body["simulated"] is True  # KE's scan


def test_technology_twin_values_denominators_trend(tc: TestClient, tech_settings: Settings) -> None:
    body = tc.get("/technologies/adoption_https.json?sort=name&order=asc").json()
    assert [c["cc"] for c in body["countries"]] == ["KE", "NL"]
    nl = body["countries"][1]
    assert nl["latest"]["value"] == 75.0 and nl["latest"]["date"] == "2026-07-10"
    assert nl["latest"]["denominator"] == "3 of 4 sites, list country-toplist NL 2026-06-01"
    assert nl["trend"]["change"] == pytest.approx(75.0 - 200 / 3)
    assert nl["trend"]["first_date"] == "2026-06-02"
    assert body["countries"][0]["trend"] is None  # a single value is no trend
    assert [v["value"] for v in body["global_series"]] == [50.0, 100.0]
    assert body["global_trend"]["change"] == 50.0
    by_value = tc.get("/technologies/adoption_https.json").json()  # default: value, desc
    assert [c["cc"] for c in by_value["countries"]] == ["KE", "NL"]
    # every country of the lake but the two scanned has no value (not a zero)
    lake = pq.read_table(tech_settings.lake_dir / "countries.parquet").num_rows
    assert by_value["countries_not_scanned"] == lake - 2
    assert by_value["links"]["csv"] == "/api/v1/adoption/adoption_https?format=csv"
    assert tc.get("/technologies/adoption_http3.json").status_code == 404


def test_country_section(tc: TestClient) -> None:
    section = tc.get("/country/NL.json").json()["technologies"]
    items = {i["id"]: i for i in section["technologies"]}
    assert items["adoption_https"]["latest"]["value"] == 75.0
    assert items["adoption_https"]["latest"]["adopted"] == 3
    assert items["adoption_hsts"]["latest"]["status"] == "zero measured"
    assert items["adoption_dnssec"]["latest"]["value"] is None
    assert items["adoption_dnssec"]["latest"]["status"] == "not measured"
    assert section["measured"] == 2
    assert items["adoption_https"]["csv"] == "/api/v1/adoption/adoption_https?country=NL&format=csv"
    # a country without any scan: every technology not measured, no zero anywhere
    de = tc.get("/country/DE.json").json()["technologies"]
    assert de["measured"] == 0
    assert {i["latest"]["status"] for i in de["technologies"]} == {"not measured"}
    assert {i["latest"]["value"] for i in de["technologies"]} == {None}


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_pages_render_values_and_denominators(tc: TestClient, lang: str) -> None:
    tc.cookies.clear()
    page = tc.get(f"/technologies/adoption_https?lang={lang}")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    assert "75" in page.text and "country-toplist NL" in page.text
    assert "aria-sort" in page.text and "/api/v1/adoption/adoption_https?format=csv" in page.text
    # the global trend: a chart named by its title and the caption, with the data table
    assert 'role="img" aria-labelledby="global-wide-title global-summary"' in page.text
    assert 'id="global-summary"' in page.text and 'id="global-caption"' in page.text
    index = tc.get(f"/technologies?lang={lang}").text
    assert "DANE" in index and "TLSA" in index
    country = tc.get(f"/country/DE?lang={lang}").text
    assert 'id="technologies"' in country
    words = {"en": "not measured", "fr": "non mesuré", "es": "sin medir"}[lang]
    assert words in country


@pytest.fixture(scope="module")
def tech_server(tech_settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(tech_settings).start()
    yield server
    server.stop()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize(
    "path", ["/technologies", "/technologies/adoption_https", "/technologies/adoption_hsts",
             "/country/NL", "/country/DE"],
)  # fmt: skip
def test_tech_pages_have_no_axe_violations(
    tech_server: LiveServer, page: Any, path: str, lang: str
) -> None:
    response = page.goto(f"{tech_server.url}{path}?lang={lang}")
    assert response is not None and response.status == 200
    assert page.evaluate("document.documentElement.lang") == lang
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert axe_violations(page) == []


@pytest.mark.browser
def test_country_table_sorts_from_the_keyboard(tech_server: LiveServer, page: Any) -> None:
    page.goto(f"{tech_server.url}/technologies/adoption_https")
    for _ in range(80):  # Tab through the page to the "Country" column heading's link
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if "sort=name" in href:
            break
    else:
        pytest.fail("the Country column heading is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=name**")
    rows = page.locator("#countries tbody th").all_inner_texts()
    assert rows == ["Kenya", "Netherlands"]
    assert page.locator("#countries th[aria-sort]").inner_text().startswith("Country")


def test_without_scan_results_nothing_is_zero(tmp_path: Path) -> None:
    """A lake built before the scan_results step: pages answer, every value not measured."""
    settings = build_fixture_lake(make_settings(tmp_path / "noscans", ASSETS))
    with TestClient(fixture_app(settings)) as client:
        body = client.get("/technologies.json").json()
        assert {t["global"]["status"] for t in body["technologies"]} == {"not measured"}
        assert {t["countries_measured"] for t in body["technologies"]} == {0}
        page = client.get("/technologies/adoption_https.json").json()
        assert page["countries"] == [] and page["global_latest"]["value"] is None
        assert client.get("/country/NL.json").json()["technologies"] is None
        assert client.get("/technologies").status_code == 200
