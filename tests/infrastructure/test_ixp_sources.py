"""The IXP tracker's small sources: the MANRS IXP CSV and RIPE Atlas anchor lists (parsers on
real and broken files, the anchors fetcher paging over a loopback server, the MANRS fetcher's
refusal without a URL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from nethealth.errors import ConfigError, InputError
from nethealth.formats.atlas_anchors import parse_anchors
from nethealth.formats.manrs_ixps import parse_manrs_ixps
from nethealth.infrastructure.source import fetch_manrs_ixps
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import atlas_anchors
from nethealth.sources.base import FetchRequest


def test_manrs_csv_columns_in_any_order_and_case() -> None:
    t = parse_manrs_ixps(b"\xef\xbb\xbfName,Country,PeeringDB_IX_ID,notes\nAMS-IX,nl,26,x\n\n"
                         b"NAPAfrica,,592,\n", "m.csv")  # fmt: skip
    assert t.to_pylist() == [{"ix_id": 26, "name": "AMS-IX", "country": "NL"},
                             {"ix_id": 592, "name": "NAPAfrica", "country": None}]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (b"name,country\nX,NL\n", 1, None, "missing column(s) peeringdb_ix_id"),
        (b"peeringdb_ix_id,name\n26,A\n26,B\n", 3, "peeringdb_ix_id", "listed twice"),
        (b"peeringdb_ix_id,name\nix26,A\n", 2, "peeringdb_ix_id", "not a PeeringDB ix id"),
        (b"peeringdb_ix_id,name\n26,\n", 2, "name", "name is empty"),
        (b"peeringdb_ix_id,name,country\n26,A,NLD\n", 2, "country", "alpha-2"),
        (b"", None, None, "empty"),
    ],
)
def test_manrs_csv_errors_name_the_line_and_column(
    text: bytes, line: int | None, field: str | None, words: str
) -> None:
    with pytest.raises(InputError) as err:
        parse_manrs_ixps(text, "m.csv")
    assert err.value.path == "m.csv" and err.value.line == line and err.value.field == field
    assert words in str(err.value)


def test_real_anchors_page(shared_data: Path) -> None:
    doc = json.loads((shared_data / "atlas" / "anchors.json").read_text())
    page = parse_anchors(doc, "anchors.json")
    assert page.declared == 851 and page.table.num_rows == len(doc["results"]) == 500
    first = page.table.to_pylist()[0]
    assert (first["id"], first["as_v4"], first["country"], first["city"]) == (
        2182, 208800, "AE", "Abu Dhabi")  # fmt: skip
    assert page.newest_live is not None and page.newest_live.year >= 2020


def test_anchor_records_must_be_typed() -> None:
    with pytest.raises(InputError) as err:
        parse_anchors({"count": 1, "results": [{"id": "x"}]}, "a.json")
    assert err.value.record == "results[0]" and err.value.field == "id"
    with pytest.raises(InputError):
        parse_anchors({"data": []}, "a.json")


PAGES = {1: {"count": 3, "next": "…page=2", "results": [{"id": 1}, {"id": 2}]},
         2: {"count": 3, "next": None, "results": [{"id": 3}]}}  # fmt: skip


@pytest.fixture
def anchors_api() -> Iterator[tuple[str, list[str]]]:
    """The anchors API on loopback, two anchors a page (the page size the client asks is
    ignored, as a server may do): page 1 says there are 3."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            page = int(parse_qs(urlsplit(self.path).query)["page"][0])
            body = json.dumps(PAGES[page]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_anchors_fetcher_pages_until_the_count(
    settings: Settings, anchors_api: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, seen = anchors_api
    monkeypatch.setattr(atlas_anchors, "PAGE_SIZE", 2)
    files = atlas_anchors.fetch(settings, RawStore(settings.raw_dir), base_url=base)
    assert [f.provenance.name for f in files] == ["anchors-1.json", "anchors-2.json"]
    assert [urlsplit(p).path for p in seen] == ["/api/v2/anchors"] * 2
    assert [parse_anchors(json.loads(f.path.read_text()), f.path).table.num_rows
            for f in files] == [2, 1]  # fmt: skip


def test_manrs_fetch_needs_a_url(settings: Settings) -> None:
    with pytest.raises(ConfigError) as err:
        fetch_manrs_ixps(settings, RawStore(settings.raw_dir), FetchRequest(), lambda *a: None)
    assert "publishes no file" in str(err.value) and "load manrs-ixps" in (err.value.hint or "")
