"""VRP exports: routinator's formats agree with each other, rpki-client's JSON is read as
written, and malformed files fail with the file, line/record, field and a hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nethealth.errors import InputError
from nethealth.formats.slurm import read_slurm
from nethealth.formats.vrp import parse_vrps, read_vrps

OUT = "rpki/routinator-output-formats/output"
CASES = ("000", "001", "010", "011", "100", "101", "110", "111")


def _triples(table: object) -> list[tuple[str, int, int]]:
    rows = table.select(["prefix", "max_length", "asn"]).to_pylist()  # type: ignore[attr-defined]
    return sorted((r["prefix"], r["max_length"], r["asn"]) for r in rows)


@pytest.mark.parametrize("case", CASES)
def test_routinator_formats_agree(shared_data: Path, case: str) -> None:
    base = shared_data / OUT
    docs = {
        ext: read_vrps(base / f"{case}.{ext}")
        for ext in ("csv", "csvcompat", "csvext", "json", "jsonext")
    }
    slurm = read_slurm(base / f"{case}.slurm")
    # routinator writes its VRPs as SLURM assertions too: a second, independent rendering.
    want = sorted(
        (a.prefix, a.max_prefix_length or int(a.prefix.split("/")[1]), a.asn)
        for a in slurm.prefix_assertions
    )
    has_vrps = case[0] == "1"
    assert len(want) == (2 if has_vrps else 0)
    for ext, doc in docs.items():
        assert _triples(doc.vrps) == want, ext
    assert docs["csv"].format == "csv" and docs["csvext"].format == "csvext"
    assert docs["json"].format == "routinator-json"
    assert docs["jsonext"].format == ("routinator-jsonext" if case != "000" else "routinator-json")
    # Router keys: hex SKIs in JSON, base64url in SLURM: the same 20 bytes.
    keys = sorted((r["asn"], r["ski"]) for r in docs["json"].router_keys.to_pylist())
    assert keys == sorted((a.asn, a.ski) for a in slurm.bgpsec_assertions)
    assert len(keys) == (2 if case[1] == "1" else 0)
    assert docs["json"].aspas == (2 if case[2] == "1" else 0)
    assert docs["json"].generated is not None and docs["json"].generated.year == 1970


def test_routinator_csv_columns(shared_data: Path) -> None:
    doc = read_vrps(shared_data / OUT / "111.csv")
    row = doc.vrps.to_pylist()[0]
    assert row == {
        "af": 4,
        "prefix": "12.34.56.0/24",
        "prefix_length": 24,
        "max_length": 24,
        "asn": 1234,
        "ta": None,  # routinator's N/A
        "start": (12 << 24) | (34 << 16) | (56 << 8),
        "end": (12 << 24) | (34 << 16) | (56 << 8) | 255,
        "start_lo": 0,
        "end_lo": 0,
    }


def test_rpki_client_json_is_read_as_written(shared_data: Path) -> None:
    path = shared_data / "rpki/stayrtr/test.rpki.json"
    raw = json.loads(path.read_text())
    doc = read_vrps(path)
    assert doc.format == "rpki-client-json"
    assert doc.generated is not None and doc.generated.isoformat() == "2023-07-27T18:56:02+00:00"
    want = [(r["prefix"], r["maxLength"], r["asn"], r["ta"]) for r in raw["roas"]]
    got = [(r["prefix"], r["max_length"], r["asn"], r["ta"]) for r in doc.vrps.to_pylist()]
    assert got == want
    assert doc.vrps.num_rows == 19
    assert sorted(doc.vrps["af"].to_pylist()) == [4] * 5 + [6] * 14
    assert [k["ski"] for k in doc.router_keys.to_pylist()] == [k["ski"] for k in raw["bgpsec_keys"]]
    assert doc.aspas == 4  # provider_authorizations: 2 IPv4 + 2 IPv6


def test_compressed_export(tmp_path: Path, shared_data: Path) -> None:
    import gzip

    src = shared_data / "rpki/stayrtr/test.rpki.json"
    gz = tmp_path / "vrps.json.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    assert read_vrps(gz).vrps.equals(read_vrps(src).vrps)


def test_ipv6_text_is_canonical() -> None:
    doc = parse_vrps(
        b'{"roas": [{"asn": "AS1", "prefix": "2001:DB8:0:0::/32", "maxLength": 48, "ta": "ripe"}]}',
        "x.json",
    )
    assert doc.vrps["prefix"].to_pylist() == ["2001:db8::/32"]
    assert doc.format == "json"


BAD_CSV = [
    (
        "ASN,IP Prefix,Max Length,Trust Anchor\nAS1,192.0.2.0/24,24,ripe\nAS1,192.0.2.0/33,33,ripe\n",
        3,
        "prefix",
        "length exceeds 32",
    ),
    ("ASN,IP Prefix,Max Length,Trust Anchor\nAS1,192.0.2.1/24,24,ripe\n", 2, "prefix", "bits set"),
    (
        "ASN,IP Prefix,Max Length,Trust Anchor\n\nAS1,192.0.2.0/24,20,ripe\n",
        3,
        "maxLength",
        "outside /24",
    ),
    (
        "ASN,IP Prefix,Max Length,Trust Anchor\nAS1,192.0.2.0/24,x,ripe\n",
        2,
        "maxLength",
        "not a number",
    ),
    (
        "ASN,IP Prefix,Max Length,Trust Anchor\nASX,192.0.2.0/24,24,ripe\n",
        2,
        "asn",
        "not an AS number",
    ),
    (
        "ASN,IP Prefix,Max Length,Trust Anchor\nAS4294967296,192.0.2.0/24,24,ripe\n",
        2,
        "asn",
        "not an AS number",
    ),
    ("ASN,IP Prefix,Max Length,Trust Anchor\nAS1,192.0.2.0/24\n", 2, None, "expected 4 fields"),
    ("ASN,Prefix\nAS1,192.0.2.0/24\n", 1, None, "lacks IP Prefix, Max Length"),
]


@pytest.mark.parametrize(("text", "line", "field", "message"), BAD_CSV)
def test_bad_csv_names_line_and_field(
    text: str, line: int, field: str | None, message: str
) -> None:
    with pytest.raises(InputError) as info:
        parse_vrps(text.encode(), "vrps.csv")
    err = info.value
    assert (err.path, err.line, err.field) == ("vrps.csv", line, field)
    assert message in str(err)
    assert err.hint


BAD_JSON = [
    (
        b'{"roas": [{"asn": 1, "prefix": "192.0.2.0/24", "maxLength": 24}, {"asn": 1}]}',
        "roas[1]",
        "prefix",
        "missing",
    ),
    (
        b'{"roas": [{"asn": true, "prefix": "192.0.2.0/24", "maxLength": 24}]}',
        "roas[0]",
        "asn",
        "not an AS number",
    ),
    (
        b'{"roas": [{"asn": "AS1", "prefix": "10.0.0.0/8", "maxLength": 7}]}',
        "roas[0]",
        "maxLength",
        "outside /8",
    ),
    (
        b'{"roas": [{"asn": "AS1", "prefix": "10.0.0.0/8", "maxLength": 8}, {"asn": "AS2", '
        b'"prefix": "fe80::1/10", "maxLength": 10}]}',
        "roas[1]",
        "prefix",
        "bits set",
    ),
    (b'{"roas": {"asn": 1}}', None, "roas", "not a list"),
    (b"[1, 2]", None, None, "not a JSON object"),
]


@pytest.mark.parametrize(("data", "record", "field", "message"), BAD_JSON)
def test_bad_json_names_record_and_field(
    data: bytes, record: str | None, field: str | None, message: str
) -> None:
    with pytest.raises(InputError) as info:
        parse_vrps(data, "vrps.json")
    err = info.value
    assert (err.record, err.field) == (record, field)
    assert message in str(err)


def test_truncated_json_names_the_line(tmp_path: Path, shared_data: Path) -> None:
    text = (shared_data / "rpki/stayrtr/test.rpki.json").read_text()
    cut = tmp_path / "vrps.json"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(InputError) as info:
        read_vrps(cut)
    assert info.value.line is not None and info.value.line > 1
    assert "fetch it again" in (info.value.hint or "")
