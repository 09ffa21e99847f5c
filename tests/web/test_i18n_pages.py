"""French and Spanish renders of the country, ASN, incident and outage pages on one lake with
shutdowns, detected outages and routing data; their JSON twins stay English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nethealth.settings import Settings
from tests.api.conftest import fixture_app
from tests.bgp.test_hegemony_lake import write_hegemony_datasets
from tests.web.conftest import LiveServer, axe_violations
from tests.web.outage_fixture import OutageFixture, build_outages
from tests.web.routing_fixture import RoutingFixture, build_routing
from tests.web.shutdown_fixture import build_shutdown_lake

MAIN = '<main id="main" tabindex="-1" class="container"'


@dataclass(frozen=True)
class World:
    settings: Settings
    routing: RoutingFixture
    outages: OutageFixture


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("i18nworld")
    lake = build_shutdown_lake(tmp / "lake")
    outages = build_outages(tmp / "outages", lake.settings)
    routing = build_routing(tmp / "routing", lake.settings.lake_dir)
    # the country page's transit section, for the routing fixture's country
    write_hegemony_datasets(lake.settings.lake_dir, tmp / "hegemony",
                            codes=(routing.cc, "KE"), simulated=True)  # fmt: skip
    return World(lake.settings, routing, outages)


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(fixture_app(world.settings)) as c:
        yield c


def _page(client: TestClient, path: str, lang: str) -> str:
    client.cookies.clear()  # the language comes from ?lang= alone
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200, response.text
    html = response.text
    assert f'<html lang="{lang}">' in html
    assert f"{MAIN}>" in html and f'{MAIN} lang="en">' not in html  # <main> in the language
    return html


def _h(html: str, level: int, ident: str) -> str:
    found = re.search(rf'<h{level} id="{ident}"[^>]*>(.*?)</h{level}>', html, re.S)
    assert found, ident
    return found.group(1)


@pytest.mark.parametrize(
    ("lang", "glance", "routing", "outages", "lead"),
    [
        ("fr", "En un coup d'œil", "Sécurité du routage", "Pannes détectées",
         "Le suivi recense"),
        ("es", "De un vistazo", "Seguridad del enrutamiento", "Interrupciones detectadas",
         "El registro contiene"),
    ],
)  # fmt: skip
def test_country_page(
    client: TestClient, world: World, lang: str, glance: str, routing: str, outages: str,
    lead: str,
) -> None:  # fmt: skip
    html = _page(client, f"/country/{world.outages.cc}", lang)
    assert _h(html, 2, "glance-title") == glance
    assert _h(html, 2, "outages-title").startswith(outages)
    assert re.search(rf'<p class="summary">{lead} \d', html)  # composed in Python, translated
    routing_html = _page(client, f"/country/{world.routing.cc}", lang)
    assert _h(routing_html, 2, "routing-title") == routing
    # English is untouched.
    english = _page(client, f"/country/{world.routing.cc}", "en")
    assert _h(english, 2, "glance-title") == "At a glance"
    assert _h(english, 2, "routing-title") == "Routing security"


@pytest.mark.parametrize(
    ("lang", "h1", "title", "state"),
    [
        ("fr", "AS{}\u00a0: sécurité du routage", "Sécurité du routage de AS{}", "Invalide"),
        ("es", "AS{}: seguridad del enrutamiento", "Seguridad del enrutamiento de AS{}",
         "Inválida"),
    ],
)  # fmt: skip
def test_asn_page(client: TestClient, world: World, lang: str, h1: str, title: str, state: str) -> None:  # fmt: skip
    asn = world.routing.asn_invalid
    html = _page(client, f"/asn/{asn}", lang)
    assert f"<h1>{h1.format(asn)}</h1>" in html
    assert f"<title>{title.format(asn)} · nethealth</title>" in html
    assert f'<span class="badge badge-rov-invalid">{state}</span>' in html


@pytest.mark.parametrize(
    ("lang", "why", "kind", "explained"),
    [
        ("fr", "Pourquoi il a été signalé", "Détournement de préfixe exact (MOAS)", "a annoncé"),
        ("es", "Por qué se señaló", "Secuestro de prefijo exacto (MOAS)", "originó"),
    ],
)
def test_incident_page(
    client: TestClient, world: World, lang: str, why: str, kind: str, explained: str
) -> None:
    incident = world.routing.incident
    assert incident.startswith("moas-")  # the simulated world's first incident
    html = _page(client, f"/routing/incidents/{incident}", lang)
    assert _h(html, 2, "why-title") == why
    assert re.search(rf"<h1>{re.escape(kind)}(\u00a0)?: ", html)
    assert explained in html.split('<p class="lead">', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize(
    ("lang", "h1", "how", "lead"),
    [
        ("fr", "Panne — ", "Comment elle a été détectée", "Panne nationale — "),
        ("es", "Interrupción en ", "Cómo se detectó", "Interrupción a escala nacional en "),
    ],
)
def test_outage_event_page(
    client: TestClient, world: World, lang: str, h1: str, how: str, lead: str
) -> None:
    html = _page(client, f"/outages/{world.outages.ongoing}", lang)
    assert f"<h1>{h1}" in html
    assert _h(html, 2, "detection-title") == how
    assert f'<p class="lead">{lead}' in html
    # The JSON twin is the API's stable contract: English whatever the page's language.
    client.cookies.clear()
    twin = client.get(f"/outages/{world.outages.ongoing}.json?lang={lang}").json()
    assert twin["title"].startswith("Outage in ")
    assert twin["summary"].startswith("Country-wide outage in ")


# Browser ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[LiveServer]:
    live = LiveServer(world.settings).start()
    yield live
    live.stop()


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["country-fr", "country-es", "outage-es", "asn-fr", "incident-es"])
def test_translated_pages_have_no_axe_violations(
    server: LiveServer, world: World, page: Any, kind: str
) -> None:
    path = {
        "country-fr": f"/country/{world.routing.cc}?lang=fr",
        "country-es": f"/country/{world.routing.cc}?lang=es",
        "outage-es": f"/outages/{world.outages.ongoing}?lang=es",
        "asn-fr": f"/asn/{world.routing.asn_invalid}?lang=fr",
        "incident-es": f"/routing/incidents/{world.routing.incident}?lang=es",
    }[kind]
    response = page.goto(server.url + path)
    assert response is not None and response.status == 200
    assert page.evaluate("document.documentElement.lang") == path[-2:]
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    if kind.startswith("country"):  # the transit section is on the page axe checks
        assert page.locator("#transit-caption").count() == 1
    assert axe_violations(page) == []
