"""`/resilience`, `/resilience/{cc}`, their JSON twins and the country-page section on the
hand-made world; the paragraph in English, French and Spanish."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from nethealth.server.app import create_app
from tests.resilience.world import DAY, World


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings)) as c:
        yield c


def _rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/resilience/([A-Z]{2})', html)


def test_list_sorts_by_the_column_links(client: TestClient) -> None:
    html = client.get("/resilience").text
    assert _rows(html)[:7] == ["US", "NL", "DE", "FR", "BR", "ZA", "KE"]
    assert 'aria-sort="ascending"' in html and 'href="/resilience?sort=rank&amp;order=desc"' in html
    by_name = _rows(client.get("/resilience?sort=name&order=asc").text)
    assert by_name.index("AQ") < by_name.index("BR") < by_name.index("ZA")
    worst_first = _rows(client.get("/resilience?sort=score&order=asc").text)
    assert worst_first[:2] == ["KE", "ZA"]
    assert client.get("/resilience?sort=colour").status_code == 400


def test_list_twin(client: TestClient) -> None:
    twin = client.get("/resilience.json").json()
    assert twin["date"] == DAY.isoformat() and twin["ranked"] == 7
    assert [p["id"] for p in twin["pillars"]] == ["infrastructure", "performance", "security",
                                                  "market"]  # fmt: skip
    assert twin["links"]["api"] == "/api/v1/resilience"


def test_country_page_and_twin(client: TestClient) -> None:
    twin = client.get("/resilience/KE.json").json()
    assert twin["index"]["rank"] == 7 and twin["strongest"] == "infrastructure"
    assert twin["paragraph"][0] == (f"On {DAY}, Kenya scores 7.2 out of 100 on the resilience "
                                    "index and ranks 7 of 7 countries.")  # fmt: skip
    # Ookla's quarter ends on 2025-03-31, the other inputs are of 2025-06-01: both dates shown
    assert f"dated 2025-03-31 to {DAY}" in twin["paragraph"][2]
    html = client.get("/resilience/KE").text
    assert "Kenya scores 7.2 out of 100" in html
    # every input row links to its source record in the API
    links = re.findall(r'href="(/api/v1/resilience/KE/inputs/[a-z0-9_]+\?date=[0-9-]+)"', html)
    assert len(links) == 23
    for link in links[:3]:
        assert client.get(link).status_code == 200


@pytest.mark.parametrize(("lang", "first"), [
    ("fr", f"Au {DAY}, Kenya obtient 7,2 sur 100 à l'indice de résilience et se classe 7 sur 7 pays."),
    ("es", f"El {DAY}, Kenya obtiene 7,2 sobre 100 en el índice de resiliencia y ocupa la "
           "posición 7 de 7 países."),
])  # fmt: skip
def test_paragraph_is_translated(client: TestClient, lang: str, first: str) -> None:
    html = client.get(f"/resilience/KE?lang={lang}").text
    assert first.replace("'", "&#39;") in html


def test_not_measured_country(client: TestClient) -> None:
    twin = client.get("/resilience/JP.json").json()
    assert twin["index"]["score"] is None
    assert twin["paragraph"] == [f"Japan has no resilience index on {DAY}: its measured inputs "
                                 "carry 46 % of the weight, and 50 % is needed."]  # fmt: skip


def test_country_page_section(client: TestClient) -> None:
    twin = client.get("/country/KE.json").json()
    section = twin["resilience"]
    assert section["rank"] == 7 and section["date"] == DAY.isoformat()
    assert section["links"]["html"] == "/resilience/KE"
    html = client.get("/country/KE").text
    assert 'id="resilience-title"' in html and "/resilience/KE" in html
