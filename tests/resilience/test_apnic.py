"""APNIC Labs' v6economy JSON: the parser on a hand-made file in the publisher's exact layout
(data1.labs.apnic.net/ipv6-data-format.html), fuzzed, and the fetcher against a loopback mirror
laid out like data1.labs.apnic.net."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nethealth.errors import ConfigError, InputError
from nethealth.formats.apnic_ipv6 import parse_v6economy
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import apnic_ipv6
from nethealth.sources.base import LoadOptions
from tests.mirror import serve_directory

FILE = Path(__file__).parent / "data" / "v6economy-KE.json"


def test_recorded_format() -> None:
    parsed = parse_v6economy(FILE.read_bytes(), FILE)
    # the first day saw no sample in its 30-day window: left out, counted, not a zero
    assert parsed.skipped == 1
    assert parsed.table.to_pylist() == [
        {"date": date(2024, 5, 1), "cc": "KE", "samples": 50321.0, "capable_pc": 18.9,
         "preferred_pc": 17.7},
        {"date": date(2024, 5, 2), "cc": "KE", "samples": 50500.0, "capable_pc": 19.0,
         "preferred_pc": 17.8},
    ]  # fmt: skip
    assert parsed.last_day == date(2024, 5, 2)


def _doc(**changes: object) -> bytes:
    doc = json.loads(FILE.read_bytes())
    doc["data"][1].update(changes)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(("changes", "field"), [
    ({"cc": "KEN"}, "cc"), ({"date": "2024-13-01"}, "date"), ({"type": "v6as"}, "type"),
    ({"30": {"seen": 10, "capable_pc": 140.0, "preferred_pc": 1.0}}, "capable_pc"),
    ({"30": {"seen": 10, "preferred_pc": 1.0}}, "capable_pc"),
])  # fmt: skip
def test_bad_records_are_named(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        parse_v6economy(_doc(**changes), "f.json")
    assert info.value.record == "1" and info.value.field == field and info.value.path == "f.json"


def test_not_the_format() -> None:
    for data in (b"<html>", b"[1, 2]", b'{"data": 3}'):
        with pytest.raises(InputError):
            parse_v6economy(data, "x")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=8),
       st.integers(0, 4000))  # fmt: skip
def test_fuzz(edits: list[tuple[int, int]], cut: int) -> None:
    buf = bytearray(FILE.read_bytes()[:cut])
    for pos, byte in edits:
        if buf:
            buf[pos % len(buf)] = byte
    try:
        parse_v6economy(bytes(buf), "fuzz")
    except InputError as exc:
        assert exc.path == "fuzz"


def test_load_names_and_dates_by_content(tmp_path: Path) -> None:
    copy = tmp_path / "whatever.json"
    shutil.copy(FILE, copy)
    (prep,) = apnic_ipv6.load([copy], LoadOptions())
    assert prep.name == "KE.json" and prep.snapshot == "2024-05-02"
    assert "1 days without samples left out" in " ".join(prep.notes)


def test_fetch_against_a_mirror(settings: Settings, tmp_path: Path) -> None:
    site = tmp_path / "site" / "v6stats" / "v6economy"
    site.mkdir(parents=True)
    shutil.copy(FILE, site / "KE.json")
    store = RawStore(settings.raw_dir)
    with serve_directory(tmp_path / "site") as (base, requests):
        report = apnic_ipv6.fetch(settings, store, countries=["ke", "TZ"], base_url=base)
        with pytest.raises(ConfigError):
            apnic_ipv6.fetch(settings, store, countries=["XX1"], base_url=base)
    assert requests[:2] == ["/v6stats/v6economy/KE.json", "/v6stats/v6economy/TZ.json"]
    assert report.missing == [f"{base}/v6stats/v6economy/TZ.json"]
    (raw,) = report.stored
    prov = raw.provenance
    assert (prov.source_id, prov.snapshot, prov.name) == ("apnic-ipv6", "2024-05-02", "KE.json")
    assert prov.url == f"{base}/v6stats/v6economy/KE.json"
    assert raw.path.read_bytes() == FILE.read_bytes()
