"""The World Bank fetcher against local mirrors laid out like api.worldbank.org, serving the
recorded real answers."""

from __future__ import annotations

import gzip
import json
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from nethealth.economics import worldbank
from nethealth.errors import FetchError
from nethealth.formats.wdi import INTERNET, POPULATION, parse_api_json, read_wdi
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from tests.mirror import serve_directory

API_PATH = "v2/country/all/indicator"


@pytest.fixture
def population_json(shared_data: Path) -> bytes:
    return gzip.decompress(
        (shared_data / "country/worldbank-2018/SP.POP.TOTL.json.gz").read_bytes()
    )


def test_api_fetch_from_a_mirror(
    settings: Settings, population_json: bytes, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / API_PATH).mkdir(parents=True)
    (site / API_PATH / POPULATION).write_bytes(population_json)
    with serve_directory(site) as (base, requests):
        files = worldbank.fetch(
            settings,
            indicators=[POPULATION],
            years=(2010, 2017),
            base_url=base,
            snapshot="2026-05-20",
        )
    assert requests == [f"/{API_PATH}/{POPULATION}?format=json&per_page=20000&date=2010:2017"]
    (raw,) = files
    assert raw.path.read_bytes() == population_json
    assert raw.provenance.source_id == "worldbank" and raw.provenance.licence.startswith("CC BY")
    panel = worldbank.panel_from_raw(settings)
    assert panel.get("IND", POPULATION, 2017) is not None
    assert len(panel) == len(read_wdi(raw.path))


@contextmanager
def paged_api(pages: list[bytes]) -> Iterator[tuple[str, list[str]]]:
    """An API answering page N of any indicator with pages[N-1]."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            seen.append(self.path)
            page = int(parse_qs(urlparse(self.path).query).get("page", ["1"])[0])
            body = pages[page - 1]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_every_page_is_fetched(settings: Settings, population_json: bytes) -> None:
    meta, records = json.loads(population_json)
    half = len(records) // 2
    pages = [
        json.dumps([{**meta, "page": n, "pages": 2}, part]).encode()
        for n, part in ((1, records[:half]), (2, records[half:]))
    ]
    with paged_api(pages) as (base, seen):
        files = worldbank.fetch(settings, indicators=[POPULATION], base_url=base)
    assert [f.provenance.name for f in files] == ["SP.POP.TOTL.json", "SP.POP.TOTL.p2.json"]
    assert seen[1].endswith("&page=2")
    whole = {(o.iso3, o.year): o.value for o in parse_api_json(population_json, "memory")}
    assert len(worldbank.panel_from_raw(settings)) == len(whole)


def test_bulk_zip_from_a_mirror(settings: Settings, shared_data: Path, tmp_path: Path) -> None:
    csv_path = shared_data / "country/worldbank-2018/API_IT.NET.USER.ZS_DS2_en_csv_v2.csv"
    site = tmp_path / "site" / "v2/en/indicator"
    site.mkdir(parents=True)
    with zipfile.ZipFile(site / INTERNET, "w") as zf:
        zf.write(csv_path, csv_path.name)
    with serve_directory(tmp_path / "site") as (base, requests):
        (raw,) = worldbank.fetch(settings, indicators=[INTERNET], layout="bulk", base_url=base)
        with pytest.raises(FetchError, match="404"):
            worldbank.fetch(settings, indicators=["NO.SUCH"], layout="bulk", base_url=base)
    assert requests[0] == f"/v2/en/indicator/{INTERNET}?downloadformat=csv"
    assert read_wdi(raw.path) == read_wdi(csv_path)
    # A failed download leaves no raw file behind.
    assert [f.provenance.name for f in RawStore(settings.raw_dir).files("worldbank")] == [
        f"{INTERNET}.zip"
    ]


def test_the_base_url_is_a_setting(
    settings: Settings, population_json: bytes, tmp_path: Path
) -> None:
    """NETHEALTH_WORLDBANK_BASE_URL (Settings.worldbank_base_url) is where a fetch goes when no
    --base-url is given; blank means the World Bank's own API."""
    site = tmp_path / "site"
    (site / API_PATH).mkdir(parents=True)
    (site / API_PATH / POPULATION).write_bytes(population_json)
    with serve_directory(site) as (base, requests):
        mirrored = settings.model_copy(update={"worldbank_base_url": base})
        (raw,) = worldbank.fetch(mirrored, indicators=[POPULATION], snapshot="2026-05-20")
    assert requests[0].startswith(f"/{API_PATH}/{POPULATION}?")
    assert raw.provenance.url.startswith(base)
    blank = settings.model_copy(update={"worldbank_base_url": "  "})
    assert worldbank.base_url_of(blank) == "https://api.worldbank.org"
    assert worldbank.base_url_of(mirrored) == base
