"""English, French and Spanish: catalogs complete, negotiation per request, translated pages."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from fastapi.testclient import TestClient

from nethealth.settings import Settings
from nethealth.ui import i18n
from nethealth.ui.formatting import fmt_number
from nethealth.ui.models import ErrorDetail
from nethealth.web import render
from tests.api.conftest import fixture_app
from tests.web.conftest import LiveServer, axe_violations
from tests.web.test_pages import outline

TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"</?([a-zA-Z]+)")


# Catalogs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return i18n.extract_catalog()


def _texts(value: object) -> list[str]:
    """A message's id or string as a list: one text, or the forms of a plural."""
    items = value if isinstance(value, tuple | list) else [value]
    return [str(v) for v in items if v]


def _ids(message: Message) -> list[str]:
    return _texts(message.id)


def _forms(message: Message) -> list[str]:
    return _texts(message.string)


def test_extraction_finds_template_and_python_strings(extracted: Catalog) -> None:
    assert extracted.get("Skip to main content") is not None  # base.html
    assert extracted.get("About & sources") is not None  # N_() in render.py
    assert extracted.get(("%(num)s event", "%(num)s events")) is not None  # ngettext


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_msgid_is_translated(extracted: Catalog, lang: str) -> None:
    catalog = i18n.load_catalog(lang)
    missing = [m.id for m in extracted if m.id and catalog.get(m.id) is None]
    untranslated = [
        m.id for m in extracted if m.id and (t := catalog.get(m.id)) and not i18n.is_translated(t)
    ]
    assert missing == [], f"{lang}: not in the catalog (run scripts/i18n.py update): {missing}"
    assert untranslated == [], f"{lang}: empty or fuzzy translations: {untranslated}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_placeholders_and_markup(extracted: Catalog, lang: str) -> None:
    catalog = i18n.load_catalog(lang)
    wrong = []
    for m in extracted:
        t = catalog.get(m.id) if m.id else None
        if t is None:
            continue
        names = {n for text in _ids(m) for n in PLACEHOLDER.findall(text)}
        tags = Counter(TAG.findall(_ids(m)[0]))
        for form in _forms(t):
            if form and (
                set(PLACEHOLDER.findall(form)) != names or Counter(TAG.findall(form)) != tags
            ):
                wrong.append((m.id, form))
    assert wrong == [], f"{lang}: placeholders or tags differ from the msgid: {wrong}"


def test_compiled_translations_and_plurals() -> None:
    fr, es = i18n.translations("fr"), i18n.translations("es")
    assert fr.gettext("World map") == "Carte du monde"
    assert es.gettext("World map") == "Mapa mundial"
    # French takes the singular for 0 and 1, Spanish only for 1 (the catalogs' Plural-Forms).
    assert fr.ngettext("%(num)s event", "%(num)s events", 0) == "%(num)s événement"
    assert es.ngettext("%(num)s event", "%(num)s events", 0) == "%(num)s eventos"
    assert i18n.translations("en").gettext("World map") == "World map"
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.translations("de")


# Negotiation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("es-419,es;q=0.9", "es"),
        ("de-DE,de;q=0.9,es;q=0.4,fr;q=0.3", "es"),  # best weight among ours
        ("es;q=0.5, fr;q=0.8", "fr"),  # weights, not order
        ("fr;q=0.5, es;q=0.5", "fr"),  # equal weights: the header's order
        ("de, en;q=0.1, fr;q=0.2", "fr"),
        ("fr;q=0, es;q=0.1", "es"),  # q=0: not acceptable
        ("fr-CA;q=0, fr", "fr"),  # the bare range is the one that counts
        ("fr;q=0, *", "en"),
        ("en;q=0, *;q=0.5", "fr"),  # the wildcard makes the others acceptable
        ("fr;q=abc, es", "es"),  # a malformed member is skipped
        ("fr;q=2, es", "es"),  # q above 1 is malformed
        ("de", None),
        ("", None),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        ("fr", "es", "es", i18n.Negotiated("fr", remember=True)),
        ("ES", None, None, i18n.Negotiated("es", remember=True)),
        ("de", "es", "fr", i18n.Negotiated("es", remember=False)),  # unknown: ignored
        (None, "es", "fr", i18n.Negotiated("es", remember=False)),
        (None, "xx", "fr-CA,fr;q=0.9", i18n.Negotiated("fr", remember=False)),
        (None, None, "de", i18n.Negotiated("en", remember=False)),
        ("de", None, None, i18n.Negotiated("en", remember=False)),
        (None, None, None, i18n.Negotiated("en", remember=False)),
    ],
)
def test_negotiation_order(
    query: str | None, cookie: str | None, accept: str | None, expected: i18n.Negotiated
) -> None:
    assert i18n.negotiate(query, cookie, accept) == expected


def test_switcher_keeps_path_and_query() -> None:
    links = i18n.switcher("es", "/shutdowns", [("country", "IN"), ("lang", "fr"), ("page", "2")])
    assert [(link.code, link.name, link.current) for link in links] == [
        ("en", "English", False), ("fr", "Français", False), ("es", "Español", True),
    ]  # fmt: skip
    assert links[1].href == "/shutdowns?country=IN&page=2&lang=fr"


# Numbers ---------------------------------------------------------------------------------------


def test_number_formatting_per_locale() -> None:
    en, fr, es = i18n.filters("en"), i18n.filters("fr"), i18n.filters("es")
    assert en.number is fmt_number  # English pages read exactly as before
    assert (fr.number(12345.6), es.number(12345.6)) == ("12\u202f346", "12.346")
    assert (fr.number(3.14159), es.number(0.012345)) == ("3,14", "0,0123")
    assert fr.value(12.34, "%") == "12,3\u00a0%"
    assert (fr.value(None, "%"), es.value(None, "ms")) == ("pas de données", "sin datos")
    assert fr.usd(4.2e6) == "4,2 millions\u00a0$ US"
    assert fr.usd(1.5e9) == "1,5 milliard\u00a0$ US"  # French singular below 2
    assert es.usd(1e6) == "US$\u00a01 millón"
    assert es.usd(2.3e9) == "US$\u00a02,3 mil millones"
    assert es.usd(12345) == "US$\u00a012.300"


# Pages -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_client(lake_settings: Settings) -> Iterator[TestClient]:
    """A client of its own: the language cookie must not leak into other tests' clients."""
    with TestClient(fixture_app(lake_settings)) as c:
        yield c


@pytest.fixture
def web(module_client: TestClient) -> Iterator[TestClient]:
    module_client.cookies.clear()
    yield module_client
    module_client.cookies.clear()


def _nav_labels(html: str) -> list[str]:
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="[^"]*"[^>]*>([^<]*)</a>', nav)


def test_french_home_page(web: TestClient) -> None:
    response = web.get("/?lang=fr&indicator=fixture_ixps")
    assert response.status_code == 200
    html = response.text
    doc = outline(html)
    assert doc.all("html")[0]["lang"] == "fr"
    assert _nav_labels(html)[:10] == [
        "Carte du monde", "IXP", "Communautés", "Coupures", "Pannes", "Routage",
        "Technologies habilitantes", "Concentration", "Testez votre domaine", "Résilience",
    ]  # fmt: skip
    assert "<h1>La santé d'Internet dans le monde</h1>" in html
    assert '<h2 id="data-title">Tableau de données</h2>' in html
    assert '<a class="skip-link" href="#main">Aller au contenu principal</a>' in html
    # Country names from the lake's name_fr (the fixture has one: the Netherlands).
    assert '<option value="NL">Pays-Bas</option>' in html
    assert ">Pays-Bas</a></th>" in html
    # The indicator's title comes from the registry in English, and says so (WCAG 3.1.2).
    assert '<span lang="en">Internet exchange points (fixture)</span>' in html
    # The switcher: each language in itself, the current one marked, the query kept.
    switcher = [a for a in doc.all("a") if a.get("hreflang")]
    assert [(a["hreflang"], a["lang"], a["href"], a.get("aria-current")) for a in switcher] == [
        ("en", "en", "/?indicator=fixture_ixps&lang=en", None),
        ("fr", "fr", "/?indicator=fixture_ixps&lang=fr", "true"),
        ("es", "es", "/?indicator=fixture_ixps&lang=es", None),
    ]
    assert [n.get("aria-label") for n in doc.all("nav")] == ["Principale", "Langue"]
    # The query parameter is remembered for the next pages.
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{i18n.COOKIE}=fr;") and "samesite=lax" in cookie.lower()
    assert "Accept-Language" in response.headers["vary"]
    follow = web.get("/about")
    assert 'lang="fr"' in follow.text.split(">", 2)[1] and "set-cookie" not in follow.headers


def test_spanish_pages(web: TestClient) -> None:
    html = web.get("/methodology", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).text
    assert outline(html).all("html")[0]["lang"] == "es"
    assert "<h1>Metodología</h1>" in html and "<title>Metodología · nethealth</title>" in html
    assert _nav_labels(html)[0] == "Mapa mundial"
    assert '<h3 id="fixture_ixps-title" lang="en">' in html
    about = web.get("/about?lang=es").text
    assert '<h2 id="sources-title">Fuentes de datos</h2>' in about
    assert "<h1>Acerca de nethealth</h1>" in about


def test_cookie_beats_accept_language_and_unknown_falls_back(web: TestClient) -> None:
    web.cookies.set(i18n.COOKIE, "es")
    assert '<html lang="es">' in web.get("/", headers={"Accept-Language": "fr"}).text
    web.cookies.clear()
    response = web.get("/?lang=de", headers={"Accept-Language": "de-DE"})
    assert '<html lang="en">' in response.text and "set-cookie" not in response.headers
    assert "<h1>Internet health around the world</h1>" in response.text


def test_untranslated_template_marks_its_main_english(web: TestClient) -> None:
    html = web.get("/country/NL?lang=fr").text  # translated now: its <main> is French
    assert '<html lang="fr">' in html
    assert '<main id="main" tabindex="-1" class="container">' in html
    # A template left out of render.TRANSLATED says its <main> is English (WCAG 3.1.2).
    error = ErrorDetail(status=404, code="not_found", message="no such page", hint=None)
    values = {"title": "x", "json_url": None, "path": "/", "attributions": [], "error": error,
              "languages": i18n.switcher("fr", "/", []), "country_name": None}  # fmt: skip
    template = render.environment("fr").get_template("error.html")
    assert '<main id="main" tabindex="-1" class="container" lang="en">' in template.render(
        content_lang="en", **values
    )
    assert '<main id="main" tabindex="-1" class="container">' in template.render(
        content_lang="fr", **values
    )


def test_every_page_template_is_translated() -> None:
    pages = {"about.html", "asn.html", "country.html", "error.html", "home.html",
             "incident.html", "methodology.html", "outage.html", "outages.html",
             "routing_incidents.html", "shutdown.html", "shutdown_event.html",
             "shutdowns.html"}  # fmt: skip
    assert pages <= render.TRANSLATED


def test_error_page_in_french(web: TestClient) -> None:
    response = web.get("/country/XX?lang=fr")
    assert response.status_code == 404
    assert "<title>Introuvable · nethealth</title>" in response.text
    assert '<a href="/">Retour à la carte du monde</a>' in response.text


# Browser ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/?lang=fr", "/shutdowns?lang=es", "/methodology?lang=fr"])
def test_translated_pages_have_no_axe_violations(
    live_server: LiveServer, page: Any, path: str
) -> None:
    response = page.goto(live_server.url + path)
    assert response is not None and response.status == 200
    assert page.evaluate("document.documentElement.lang") == path[-2:]
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert axe_violations(page) == []
