"""Fuzzing the parsers of untrusted bytes: whatever the input, a parser returns a result or
raises InputError naming the place — never another exception, never a hang."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nethealth.errors import InputError
from nethealth.formats.dbip_city import parse_city_csv
from nethealth.formats.delegated import parse_delegated
from nethealth.formats.iprange_csv import parse_range_csv
from nethealth.formats.peeringdb import load_json, parse_dump, parse_object_list

DELEGATED = (
    "2.3|ripencc|1567979999|4|19830705|20190908|+0200\n"
    "ripencc|*|asn|*|1|summary\n"
    "ripencc|NL|asn|1101|2|19930901|allocated|a1\n"
    "ripencc|NL|ipv4|2.56.0.0|1024|20190101|allocated|a1\n"
    "ripencc|DE|ipv6|2001:67c::|29|20060101|assigned|b2\n"
    "ripencc||ipv4|5.5.0.0|256||available\n"
)
RANGES = b'16777216,16777471,13335,"Cloudflare, Inc."\n16778240,16779263,38803,Gtelecom\n'
CITY = (
    b'1.0.0.0,1.0.0.255,OC,AU,Queensland,"South Brisbane",-27.4767,153.017\n'
    b"2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,NA,US,California,X,37.3,-122.0\n"
)
PDB = (
    b'{"data": [{"id": 1, "org_id": 2, "name": "AMS-IX", "country": "NL", "status": "ok",'
    b' "proto_ipv6": true, "net_count": 900}]}'
)


def _mutate(data: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    buf = bytearray(data[: max(cut, 0)] if cut < len(data) else data)
    for pos, byte in edits:
        if buf:
            buf[pos % len(buf)] = byte
    return bytes(buf)


EDITS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(EDITS, st.integers(0, len(DELEGATED) + 5))
def test_delegated_parser(edits: list[tuple[int, int]], cut: int) -> None:
    data = _mutate(DELEGATED.encode(), edits, cut)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # decoding happens before the parser, in rir.read_file, which maps it
    try:
        parse_delegated(io.StringIO(text), "fuzz")
    except InputError as exc:
        assert exc.path == "fuzz"


@FAST
@given(EDITS, st.integers(0, len(RANGES) + 5), st.sampled_from([4, 6]))
def test_range_csv_parser(edits: list[tuple[int, int]], cut: int, af: int) -> None:
    try:
        parse_range_csv(_mutate(RANGES, edits, cut), "fuzz", af=af, kind="asn")
    except InputError as exc:
        assert exc.path == "fuzz"


@FAST
@given(EDITS, st.integers(0, len(CITY) + 5), st.booleans())
def test_dbip_city_parser(edits: list[tuple[int, int]], cut: int, strict: bool) -> None:
    try:
        parse_city_csv(_mutate(CITY, edits, cut), "fuzz", strict=strict)
    except InputError as exc:
        assert exc.path == "fuzz"


@FAST
@given(EDITS, st.integers(0, len(PDB) + 5))
def test_peeringdb_parser(edits: list[tuple[int, int]], cut: int) -> None:
    try:
        doc = load_json(_mutate(PDB, edits, cut), "fuzz")
        parse_object_list(doc, "ix", "fuzz")
        parse_dump({"ix": doc}, "fuzz")
    except InputError as exc:
        assert exc.path == "fuzz"


@FAST
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=12))  # fmt: skip
def test_peeringdb_parser_any_json_shape(doc: object) -> None:
    for candidate in (doc, {"data": doc}, {"data": [doc]}, {"ix": {"data": [doc]}}):
        try:
            parse_object_list(candidate, "ix", "fuzz")
            parse_dump(candidate, "fuzz")
        except InputError:
            pass
