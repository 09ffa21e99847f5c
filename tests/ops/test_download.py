"""Conditional and resumed downloads (`fetch_to_store`) against a loopback server that behaves
like nginx: 304 for an unchanged file, If-Range honoured; and against one without validators."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from nethealth.lake.raw import RawStore
from nethealth.lake.storage import sha256_file
from nethealth.settings import Settings
from nethealth.sources.download import fetch_to_store
from tests.mirror import etag_of, serve_directory


def _fetch(store: RawStore, settings: Settings, url: str, snapshot: str):  # type: ignore[no-untyped-def]
    return fetch_to_store(store, source_id="tranco", snapshot=snapshot, name="list.csv.zip",
                          url=url, licence="t", settings=settings)  # fmt: skip


def test_unchanged_file_is_not_downloaded_and_linked_for_the_new_day(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    root = tmp_path / "site"
    root.mkdir()
    src = root / "list.csv.zip"
    src.write_bytes(
        (shared_data / "toplists/tranco_top10k_domains_limowagdy_2025-06.csv").read_bytes()
    )
    store = RawStore(settings.raw_dir)
    with serve_directory(root) as (base, log):
        url = f"{base}/list.csv.zip"
        first = _fetch(store, settings, url, "2026-01-01")
        assert first.downloaded and first.provenance.etag == etag_of(src)
        same_day = _fetch(store, settings, url, "2026-01-01")
        next_day = _fetch(store, settings, url, "2026-01-02")
        assert log.statuses() == [200, 304, 304] and log.body_bytes == src.stat().st_size
        assert log.headers[1]["If-None-Match"] == etag_of(src)
        assert not same_day.downloaded and same_day.path == first.path
        assert not next_day.downloaded and next_day.provenance.snapshot == "2026-01-02"
        assert next_day.path.stat().st_ino == first.path.stat().st_ino  # a hard link
        src.write_bytes(src.read_bytes() + b"new.example\n")
        os.utime(src, (time.time() + 5, time.time() + 5))
        changed = _fetch(store, settings, url, "2026-01-03")
        assert changed.downloaded and changed.provenance.sha256 == sha256_file(src)
        assert changed.path.stat().st_ino != first.path.stat().st_ino
    assert [f.provenance.snapshot for f in store.files("tranco")] == [
        "2026-01-01", "2026-01-02", "2026-01-03"]  # fmt: skip


def test_a_server_without_validators_downloads_but_stores_nothing_twice(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "list.csv.zip").write_bytes(b"1,example.org\n" * 1000)
    store = RawStore(settings.raw_dir)
    with serve_directory(root, validators=False) as (base, log):
        url = f"{base}/list.csv.zip"
        first = _fetch(store, settings, url, "2026-01-01")
        again = _fetch(store, settings, url, "2026-01-01")
        later = _fetch(store, settings, url, "2026-01-02")
    assert log.statuses() == [200, 200, 200]  # nothing to be conditional on
    assert again.downloaded and again.provenance == first.provenance  # not rewritten
    assert later.path.stat().st_ino == first.path.stat().st_ino  # same bytes: a link


def test_a_resume_of_a_file_changed_meanwhile_fetches_it_whole(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "site"
    root.mkdir()
    src = root / "list.csv.zip"
    src.write_bytes(b"2,example.net\n" * 5000)
    store = RawStore(settings.raw_dir)
    with serve_directory(root) as (base, log):
        url = f"{base}/list.csv.zip"
        # an interrupted download of an older version of the file
        incoming = settings.raw_dir / ".incoming/tranco"
        incoming.mkdir(parents=True)
        part = incoming / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".part")
        part.write_bytes(b"OLD VERSION\n" * 100)
        part.with_name(part.name + ".json").write_text(json.dumps({"etag": '"old-etag"'}))
        got = _fetch(store, settings, url, "2026-01-01")
        assert log.headers[0]["Range"] == "bytes=1200-"
        assert log.headers[0]["If-Range"] == '"old-etag"'
        assert log.statuses() == [200]  # the server sent it whole
    assert got.provenance.sha256 == sha256_file(src)
    assert not part.exists() and not part.with_name(part.name + ".json").exists()
