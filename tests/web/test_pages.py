"""The pages and their JSON twins over HTTP (no browser): content, structure, errors."""

from __future__ import annotations

import inspect
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from nethealth.areas import all_indicators
from nethealth.server.app import create_app
from nethealth.web.render import code_spans
from tests.api.conftest import ASSETS
from tests.api.fixture_lake import IPV6, IXPS, PROVENANCE, make_settings

PAGES = {"/": "/index.json", "/country/NL": "/country/NL.json",
         "/methodology": "/methodology.json", "/about": "/about.json"}  # fmt: skip


class Outline(HTMLParser):
    """Collects what the structural assertions need: tags in order, attributes, headings."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


@pytest.mark.parametrize(("page", "twin"), list(PAGES.items()))
def test_page_structure(client: TestClient, page: str, twin: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    doc = outline(html)
    assert doc.all("html")[0]["lang"] == "en"
    assert len(doc.all("h1")) == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert doc.all(landmark), landmark
    first_link = doc.all("a")[0]
    assert first_link["class"] == "skip-link" and first_link["href"] == "#main"
    alternates = [
        link for link in doc.all("link")
        if link.get("rel") == "alternate" and link.get("type") == "application/json"
    ]  # fmt: skip
    assert [a["href"] for a in alternates] == [twin]
    assert any(a.get("href") == twin for a in doc.all("a")), "visible link to the JSON twin"
    # CC BY 4.0 attribution of ip-location-db in every footer.
    footer = html[html.index("<footer") :]
    assert "ip-location-db" in footer and "CC BY 4.0" in footer
    # No inline script or style: the CSP forbids them.
    assert all(s.get("src") for s in doc.all("script"))
    assert not any("style" in attrs for _, attrs in doc.tags)
    assert "<style" not in html
    # Every table has a caption and scoped headers.
    assert html.count("<table") == html.count("<caption")
    assert not re.search(r"<th(?=[\s>])(?![^>]*scope=)", html)
    # Only local resources.
    for tag, attr in (("link", "href"), ("script", "src"), ("img", "src")):
        for a in doc.all(tag):
            assert not (a.get(attr) or "").startswith(("http:", "https:", "//")), a


@pytest.mark.parametrize("twin", list(PAGES.values()))
def test_json_twins(client: TestClient, twin: str) -> None:
    response = client.get(twin)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["api_version"] == "v1"
    assert body["links"]["json"] == twin


def test_home_map_and_table_show_the_same_data(client: TestClient) -> None:
    html = client.get(f"/?indicator={IXPS.id}").text
    data = client.get(f"/index.json?indicator={IXPS.id}").json()
    assert data["indicator"]["id"] == IXPS.id
    assert data["countries_with_data"] == len(data["rows"]) == html.count("<tr>\n") - 1
    doc = outline(html)
    svg = next(a for a in doc.all("svg") if a.get("class") == "worldmap")
    assert svg["role"] == "group" and svg["aria-labelledby"] == "map-caption"
    map_links = [a for a in doc.all("a") if (a.get("href") or "").startswith("/country/")]
    nl = next(a for a in map_links if a.get("aria-label", "") and a["href"] == "/country/NL")
    row = next(r for r in data["rows"] if r["cc"] == "NL")
    assert nl["aria-label"] == f"Netherlands: {row['value_text']} ({row['date']})"
    # Countries without data are linked too, and say so; their fill is the hatched pattern.
    assert any(a.get("aria-label") == "Antarctica: no data" for a in map_links) is False
    # ... and name why (a country with no row at all was not measured)
    assert 'aria-label="Korea, Democratic People&#39;s Republic of: no data, not measured"' in html
    assert 'fill="url(#nodata)"' in html
    # The legend explains every class and the no-data pattern.
    for cls in data["legend"]:
        assert str(escape(cls["label"])) in html
    assert "No data" in html
    assert sum(c["count"] for c in data["legend"]) == data["countries_with_data"]


def test_home_table_sorts_by_link(client: TestClient) -> None:
    by_name = client.get(f"/index.json?indicator={IXPS.id}&sort=name&order=asc").json()
    names = [r["name"] for r in by_name["rows"]]
    assert names == sorted(names)
    by_value = client.get(f"/index.json?indicator={IXPS.id}").json()  # default: value, desc
    values = [r["value"] for r in by_value["rows"]]
    assert values == sorted(values, reverse=True)
    html = client.get(f"/?indicator={IXPS.id}&sort=name&order=asc").text
    assert 'aria-sort="ascending"' in html
    assert f'href="/?indicator={IXPS.id}&amp;sort=name&amp;order=desc#data"' in html


def test_home_defaults_to_first_indicator_and_validates_parameters(client: TestClient) -> None:
    assert client.get("/index.json").json()["indicator"]["id"] == IPV6.id
    err = client.get("/index.json?indicator=nope").json()["error"]
    assert err["status"] == 404 and "/api/v1/indicators" in err["hint"]
    page = client.get("/?indicator=nope")
    assert page.status_code == 404 and "no indicator with id" in page.text.lower()
    assert client.get("/?sort=colour").status_code == 400
    assert client.get("/index.json?order=up").json()["error"]["code"] == "bad_request"


def test_country_page(client: TestClient) -> None:
    html = client.get("/country/ke").text
    data = client.get("/country/KE.json").json()
    assert data["country"]["cc"] == "KE"
    assert "<h1>Kenya</h1>" in html
    assert "Simulated data:" in html and "not real measurements" in html
    for panel in data["indicators"]:
        assert panel["summary"] in html.replace("&#39;", "'")
    ixps = next(p for p in data["indicators"] if p["id"] == IXPS.id)
    assert ixps["summary"].startswith("Latest value ")
    assert "since 2024-01-01" in ixps["summary"] and "Lowest" in ixps["summary"]
    assert html.count('role="img"') == 2 * 2  # two charts, a wide and a narrow rendering
    assert "Eastern Africa" in html
    assert 'href="/about#source-peeringdb"' in html
    assert "PeeringDB Acceptable Use Policy" in html


def test_measured_country_has_no_simulated_banner(client: TestClient) -> None:
    assert "Simulated data:" not in client.get("/country/NL").text


def test_unknown_country_page_and_twin_share_the_wording(client: TestClient) -> None:
    page = client.get("/country/XX")
    twin = client.get("/country/XX.json")
    api = client.get("/api/v1/countries/XX")
    assert page.status_code == twin.status_code == api.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    err = twin.json()["error"]
    assert err == api.json()["error"]
    assert err["message"][1:] in page.text.replace("&#39;", "'")
    assert err["hint"] in page.text.replace("&#39;", "'")
    assert len(outline(page.text).all("h1")) == 1


def test_unknown_page_is_html_404(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


def test_country_picker_redirects(client: TestClient) -> None:
    response = client.get("/country?cc=fr", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/country/FR"
    assert client.get("/country?cc=", follow_redirects=False).status_code == 400
    assert client.get("/country?cc=QQ", follow_redirects=False).status_code == 404


def test_methodology_is_generated_from_the_registry(client: TestClient) -> None:
    html = client.get("/methodology").text
    data = client.get("/methodology.json").json()
    ids = [i["id"] for a in data["areas"] for i in a["indicators"]]
    assert sorted(ids) == sorted([IPV6.id, IXPS.id, "fixture_empty"])
    for ind in (IPV6, IXPS):
        assert f'id="{ind.id}"' in html
        assert ind.method in html and f"v{ind.version}" in html
    assert IXPS.caveats in html
    assert 'href="/about#source-peeringdb"' in html
    # the detectors are described by their own modules' documentation, with their versions
    from nethealth.outages import robust

    det = {d["id"]: d for d in data["detectors"]}
    assert {"moas", "route-leaks", "ioda-baseline", "nethealth-detector"} <= set(det)
    first = inspect.getdoc(robust).split("\n\n")[0].replace("\n", " ")  # type: ignore[union-attr]
    assert det["nethealth-detector"]["text"][0]["items"] == [first]
    assert det["nethealth-detector"]["version"] == f"v{robust.METHOD_VERSION}"
    assert 'id="method-route-leaks"' in html and str(escape(first)) in html


def test_docstring_blocks() -> None:
    from nethealth.web.method_docs import blocks

    got = blocks("One\nparagraph.\n\n- **a** item\n  continued\n- b\n\n(1) x\n(2) y")
    assert [(b.kind, b.items) for b in got] == [
        ("p", ["One paragraph."]), ("ul", ["a item continued", "b"]), ("ul", ["x", "y"])]  # fmt: skip


def test_about_lists_sources_and_provenance(client: TestClient) -> None:
    html = client.get("/about").text
    data = client.get("/about.json").json()
    assert {s["id"] for s in data["sources"]} >= {"ipdb", "rir", "peeringdb"}
    assert 'id="source-ipdb"' in html and "CC BY 4.0" in html
    assert len(data["provenance"]) == len(PROVENANCE)
    for p in PROVENANCE:
        assert f'title="SHA-256 {p.sha256}"' in html
        assert f">{p.sha256[:12]}…<" in html
        assert p.url in html and p.fetched_at in html
    assert data["simulated"] is True and "Simulated data:" in html
    assert data["build_steps"][0]["step_id"] == "indicators"


def test_pages_without_a_lake(empty_client: TestClient) -> None:
    home = empty_client.get("/")
    assert home.status_code == 503 and "nethealth build" in home.text
    assert empty_client.get("/country/NL").status_code == 503
    assert empty_client.get("/methodology").status_code == 200
    about = empty_client.get("/about.json").json()
    assert about["lake_available"] is False and "nethealth build" in about["lake_message"]
    assert "nethealth build" in empty_client.get("/about").text


def test_static_assets_are_local_and_cacheable(client: TestClient) -> None:
    for path, kind in (("/static/style.css", "text/css"), ("/static/app.js", "javascript"),
                       ("/static/favicon.svg", "image/svg+xml")):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200 and kind in response.headers["content-type"]
    missing = client.get("/static/nothing.css")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_methodology_of_the_real_registry(tmp_path: Path) -> None:
    """The default providers: whatever the registry holds is documented, lake or not."""
    indicators = all_indicators()
    with TestClient(create_app(make_settings(tmp_path, ASSETS))) as real:
        html = real.get("/methodology").text
        listed = real.get("/api/v1/indicators").json()["indicators"]
    assert [i["id"] for i in listed] == [i.id for i in indicators]
    for ind in indicators:
        assert f'id="{ind.id}"' in html


def test_code_spans_escape_everything() -> None:
    assert str(code_spans("run `nethealth build` <now>")) == (
        "run <code>nethealth build</code> &lt;now&gt;"
    )
    assert str(code_spans("`<script>`")) == "<code>&lt;script&gt;</code>"
    assert str(code_spans("odd ` tick <b>")) == "odd ` tick &lt;b&gt;"
