"""The parsers of files `nethealth load` accepts: Tranco lists, AS names, IHR hegemony, the MRT
first-record header, PeeringDB object detection and dating, Atlas probe archives — against the
real files in ../shared/data, and fuzzed (any bytes: a result or an InputError naming the input,
nothing else)."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.formats_target import SEEDS, TARGETS, builtin_fuzz, one_input
from nethealth.errors import InputError
from nethealth.formats import peeringdb
from nethealth.formats.asnames import parse_asnames, split_name
from nethealth.formats.hegemony import parse_hegemony
from nethealth.formats.mrt_head import parse_head, read_head
from nethealth.formats.tranco import parse_toplist


def test_toplist_shapes() -> None:
    plain = parse_toplist(b"1,google.com\n2,Example.ORG.\n3,xn--bcher-kva.example\n", "t")
    assert plain.to_pylist() == [
        {"rank": 1, "domain": "google.com"},
        {"rank": 2, "domain": "example.org"},
        {"rank": 3, "domain": "xn--bcher-kva.example"},
    ]
    ordered = parse_toplist(b"\xef\xbb\xbfDomain\r\nb.org\r\na.org\r\n", "t")
    assert ordered.to_pylist() == [{"rank": 1, "domain": "b.org"}, {"rank": 2, "domain": "a.org"}]
    for bad, line in ((b"1,google.com\n2,not a domain\n", 2), (b"1,a.org\nx,b.org\n", 2),
                      (b"1,a.org\n1,b.org,c\n", 2), (b"0,a.org\n", 1)):  # fmt: skip
        with pytest.raises(InputError) as info:
            parse_toplist(bad, "t")
        assert info.value.line == line, bad


@pytest.mark.shared
def test_toplist_real(shared_data: Path) -> None:
    path = shared_data / "toplists/tranco_top10k_domains_limowagdy_2025-06.csv"
    table = parse_toplist(path.read_bytes(), path)
    lines = path.read_text().split()
    assert lines[0] == "Domain" and table.num_rows == len(lines) - 1 == 10_000
    assert table["domain"].to_pylist() == [d.lower() for d in lines[1:]]


def test_as_name_entries() -> None:
    assert split_name("EYEMG - EYEMG - interactive media group, US") == (
        "EYEMG", "EYEMG - EYEMG - interactive media group", "EYEMG - interactive media group", "US")  # fmt: skip
    assert split_name("SLLNET Stockholms Lans Landsting, na") == (
        "SLLNET", "SLLNET Stockholms Lans Landsting, na", "Stockholms Lans Landsting, na", None)  # fmt: skip
    assert split_name("UNALLOCATED, ZZ")[3] is None  # the registries' "unknown country"
    txt = b"1 LVLT-1 - Level 3 Parent, LLC, US\n3333 RIPE-NCC-AS Reseaux IP Europeens, NL\n"
    table = parse_asnames(txt, "asn.txt")
    assert table.select(["asn", "handle", "cc"]).to_pylist() == [
        {"asn": 1, "handle": "LVLT-1", "cc": "US"},
        {"asn": 3333, "handle": "RIPE-NCC-AS", "cc": "NL"},
    ]
    with pytest.raises(InputError) as info:
        parse_asnames(b'{"1": "A, US", "4294967296": "B, US"}', "j")
    assert info.value.field == "asn"


@pytest.mark.shared
def test_as_names_real(shared_data: Path) -> None:
    path = shared_data / "bgp/as-names/asnames.json.gz"
    doc = json.loads(gzip.decompress(path.read_bytes()))
    table = parse_asnames(gzip.decompress(path.read_bytes()), path)
    assert table.num_rows == len(doc) == 77_586
    with_cc = sum(
        1 for v in doc.values() if v[-4:-2] == ", " and v[-2:].isupper() and v[-2:] != "ZZ"
    )
    assert table.num_rows - table["cc"].null_count == with_cc


def test_hegemony_shapes() -> None:
    full = parse_hegemony(
        b"timebin,originasn,asn,hege,af\n2023-08-01 00:00:00+00,0,3356,0.2,4\n"
        b"2023-08-01 00:00:00+00,15169,3356,0.5,4\n", "h")  # fmt: skip
    assert full.first_bin == datetime(2023, 8, 1, tzinfo=UTC)
    assert full.table.select(["origin_asn", "asn", "af", "hegemony"]).to_pylist() == [
        {"origin_asn": 0, "asn": 3356, "af": 4, "hegemony": 0.2},
        {"origin_asn": 15169, "asn": 3356, "af": 4, "hegemony": 0.5},
    ]
    reduced = parse_hegemony(b"asn,score\n3356,0.2\n", "h")  # the `score` spelling
    assert reduced.first_bin is None and reduced.table["origin_asn"].to_pylist() == [0]
    for bad, line, field in ((b"asn,hege\n3356,1.5\n", 2, "hege"),
                             (b"asn,hege\n33x,0.1\n", 2, "asn"),
                             (b"asn,hege\n1,0.1\n1,0.2\n", 3, "asn")):  # fmt: skip
        with pytest.raises(InputError) as info:
            parse_hegemony(bad, "h")
        assert (info.value.line, info.value.field) == (line, field)


@pytest.mark.shared
def test_hegemony_real(shared_data: Path) -> None:
    path = shared_data / "bgp/hegemony/AS_hegemony_20230801.csv.gz"
    text = gzip.decompress(path.read_bytes())
    got = parse_hegemony(text, path)
    assert got.table.num_rows == text.count(b"\n") - 1 == 74_862
    top = max(got.table.to_pylist(), key=lambda r: r["hegemony"])
    assert (top["asn"], top["hegemony"]) == (3356, 0.200173705538715)


@pytest.mark.shared
def test_mrt_head_of_real_dumps(shared_data: Path) -> None:
    cases = {
        "bgp/ripe-bgpdump/test_data/bview.20020722.2337.gz": ("rib", "TABLE_DUMP", "2002-07-22 23:37:35"),
        "bgp/derived/rrc06-full-20100701.tdv2.mrt.gz": ("rib", "TABLE_DUMP_V2", "2010-07-01 07:59:59"),
        "bgp/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2": (
            "updates", "BGP4MP", "2015-04-01 00:00:30"),
    }  # fmt: skip
    for rel, (kind, name, when) in cases.items():
        head = read_head(shared_data / rel)
        assert (head.kind, head.type_name, f"{head.when:%Y-%m-%d %H:%M:%S}") == (kind, name, when)
    with pytest.raises(InputError) as info:
        parse_head(b'{"data": []}  ', "x")
    assert info.value.field == "type"


@pytest.mark.shared
def test_peeringdb_object_of_every_type(shared_data: Path) -> None:
    """Each of the 13 object types of today's schema, and the 2020 dumps, told by the records."""
    for path in sorted((shared_data / "peeringdb/synthetic-current-schema").glob("*-0.json")):
        doc = json.loads(path.read_text())
        assert peeringdb.object_of(doc, "download.json", path) == path.name[:-7], path.name
    for obj in ("ix", "ixlan", "ixpfx"):
        path = shared_data / f"peeringdb/real-2020-09/{obj}.json"
        doc = json.loads(path.read_text())
        assert peeringdb.object_of(doc, path.name, path) == obj
        assert peeringdb.generated_at(doc) is None  # `meta` is empty in these files
        newest = max(r["updated"] for r in doc["data"])
        assert peeringdb.newest_update(doc) == datetime.fromisoformat(newest.replace("Z", "+00:00"))


def test_every_fuzz_seed_and_its_truncations() -> None:
    for target, seeds in SEEDS.items():
        for data in seeds:
            for cut in (len(data), len(data) - 1, len(data) // 2, 1, 0):
                one_input(target, data[: max(cut, 0)])


@pytest.mark.slow
def test_fuzz_for_a_bounded_time() -> None:
    seconds = float(os.environ.get("FUZZ_SECONDS", "1"))
    for target in TARGETS:
        assert builtin_fuzz(target, seconds, seed=int(os.environ.get("FUZZ_SEED", "0"))) > 100


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.sampled_from(sorted(TARGETS)), st.binary(max_size=300))
def test_any_bytes(target: str, data: bytes) -> None:
    one_input(target, data)


@FAST
@given(st.sampled_from(sorted(TARGETS)), st.integers(0, 10), st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6))  # fmt: skip
def test_mutated_seeds(target: str, which: int, edits: list[tuple[int, int]]) -> None:
    seeds = SEEDS[target]
    buf = bytearray(seeds[which % len(seeds)])
    for pos, byte in edits:
        if buf:
            buf[pos % len(buf)] = byte
    one_input(target, bytes(buf))
