"""The about page's provenance table says which raw files a build found damaged and what was
lost (HTML in three languages, the JSON twin, axe-core)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nethealth.lake.catalog import write_catalog
from nethealth.lake.raw import Integrity, Provenance, merge_integrity
from nethealth.settings import Settings
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import PROVENANCE, build_fixture_lake, make_settings
from tests.web.conftest import LiveServer

DAMAGE = (
    "truncated gzip stream after 50,000 bytes (307,150 bytes decompressed); incomplete record "
    "at byte offset 307,132 of the decompressed data (18 of its 82 bytes present); kept 5,118 "
    "complete records (5,118 elements); lost: that record and the rest of the file (missing)"
)
CUT = Provenance(
    "bgp-ris", "2026-01-01", "rrc00.bview.20260101.0000.gz",
    "https://data.ris.ripe.net/rrc00/2026.01/bview.20260101.0000.gz", "RIPE NCC terms",
    "2026-01-01T01:00:00+00:00", None, "d" * 64, 50_000, False,
)  # fmt: skip
WHOLE = Provenance(
    "bgp-ris", "2026-01-01", "rrc01.bview.20260101.0000.gz",
    "https://data.ris.ripe.net/rrc01/2026.01/bview.20260101.0000.gz", "RIPE NCC terms",
    "2026-01-01T01:00:00+00:00", None, "e" * 64, 80_000, False,
)  # fmt: skip


def _found(p: Provenance, damage: str | None) -> Integrity:
    return Integrity(
        key=p.sha256, path=f"/data/raw/{p.source_id}/{p.snapshot}/{p.name}",
        source_id=p.source_id, snapshot=p.snapshot, name=p.name, damage=damage,
        detail={"records_ok": 5118}, steps=("bgp", "routing"),
        checked_at="2026-01-02T00:00:00+00:00",
    )  # fmt: skip


@pytest.fixture(scope="module")
def damaged_lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = build_fixture_lake(make_settings(tmp_path_factory.mktemp("damaged"), ASSETS))
    merge_integrity(settings.lake_dir, [_found(CUT, DAMAGE), _found(WHOLE, None)])
    write_catalog(settings, [*PROVENANCE, CUT, WHOLE], {})
    return settings


@pytest.fixture(scope="module")
def client(damaged_lake: Settings) -> Iterator[TestClient]:
    with TestClient(fixture_app(damaged_lake)) as c:
        yield c


def test_about_names_the_damaged_file_and_what_was_lost(client: TestClient) -> None:
    data = client.get("/about.json").json()
    assert data["damaged_inputs"] == 1
    rows = {r["name"]: r for r in data["provenance"]}
    assert rows[CUT.name]["integrity"] == "damaged" and rows[CUT.name]["damage"] == DAMAGE
    assert rows[WHOLE.name]["integrity"] == "complete" and rows[WHOLE.name]["damage"] is None
    assert all(rows[p.name]["integrity"] is None for p in PROVENANCE)  # never read in full
    html = client.get("/about").text
    assert "1 raw file is damaged or truncated" in html
    row = html[html.index(CUT.name) : html.index("</tr>", html.index(CUT.name))]
    assert '<span class="badge badge-ongoing">damaged</span>' in row and DAMAGE in row
    row = html[html.index(WHOLE.name) : html.index("</tr>", html.index(WHOLE.name))]
    assert "read in full" in row
    assert html.count("not checked") == len(PROVENANCE)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fr", ("Intégrité", "endommagé", "lu en entier", "non vérifié", "1 fichier brut est")),
     ("es", ("Integridad", "dañado", "leído completo", "no comprobado", "1 archivo en bruto"))],
)  # fmt: skip
def test_about_integrity_in_french_and_spanish(
    client: TestClient, lang: str, words: tuple[str, ...]
) -> None:
    html = client.get(f"/about?lang={lang}").text
    for w in words:
        assert w in html, w
    assert f'<span lang="en">{DAMAGE}</span>' in html  # the build's English sentence, marked


def test_catalog_without_integrity_columns_still_serves(
    client: TestClient, damaged_lake: Settings, tmp_path: Path
) -> None:
    """A catalog written before the columns existed reads them as null (until a rebuild)."""
    import duckdb

    settings = build_fixture_lake(make_settings(tmp_path, ASSETS))
    with duckdb.connect(str(settings.catalog_path)) as con:
        con.execute("ALTER TABLE _provenance DROP COLUMN integrity")
        con.execute("ALTER TABLE _provenance DROP COLUMN damage")
    with TestClient(fixture_app(settings)) as c:
        data = c.get("/about.json").json()
    assert data["damaged_inputs"] == 0 and all(r["integrity"] is None for r in data["provenance"])


@pytest.mark.browser
def test_about_with_damage_has_no_axe_violations(damaged_lake: Settings, browser: Any) -> None:
    from tests.web.conftest import axe_violations

    server = LiveServer(damaged_lake).start()
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    try:
        for lang in ("en", "fr"):
            page = context.new_page()
            response = page.goto(f"{server.url}/about?lang={lang}")
            assert response is not None and response.status == 200
            assert axe_violations(page) == []
    finally:
        context.close()
        server.stop()
