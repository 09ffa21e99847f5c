"""RFC 8416 SLURM: parsing (strict and lenient) and applying filters, then assertions."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from nethealth.errors import InputError
from nethealth.formats.slurm import apply_slurm, parse_slurm, read_slurm
from nethealth.formats.vrp import ROUTER_KEY_SCHEMA
from tests.rpki.helpers import table_of

FULL = "rpki/routinator-output-formats/slurm/full.json"


def _slurm(**members: object) -> bytes:
    doc: dict[str, object] = {
        "slurmVersion": 1,
        "validationOutputFilters": {"prefixFilters": [], "bgpsecFilters": []},
        "locallyAddedAssertions": {"prefixAssertions": [], "bgpsecAssertions": []},
    }
    for path, value in members.items():
        section, name = path.split("__")
        doc[section][name] = value  # type: ignore[index]
    return json.dumps(doc).encode()


def test_rfc_example_is_refused_strictly_for_its_placeholder_key(shared_data: Path) -> None:
    with pytest.raises(InputError) as info:
        read_slurm(shared_data / FULL)
    assert info.value.field == "locallyAddedAssertions.bgpsecAssertions[0].SKI"
    assert "base64url" in str(info.value)


def test_rfc_example_leniently(shared_data: Path) -> None:
    s = read_slurm(shared_data / FULL, strict=False)
    assert [(f.prefix, f.asn) for f in s.prefix_filters] == [
        ("192.0.2.0/24", None),
        (None, 64496),
        ("198.51.100.0/24", 64497),
    ]
    # "Zm9v" and "YmFy" are base64 for "foo" and "bar"
    assert [(f.asn, f.ski) for f in s.bgpsec_filters] == [
        (64496, None),
        (None, b"foo".hex()),
        (64497, b"bar".hex()),
    ]
    assert [(a.prefix, a.max_prefix_length, a.asn) for a in s.prefix_assertions] == [
        ("198.51.100.0/24", None, 64496),
        ("2001:DB8::/32", 48, 64496),
    ]
    assert s.bgpsec_assertions == ()
    assert len(s.skipped) == 2 and "bgpsecAssertions[0]" in s.skipped[0]


def test_filters_then_assertions(shared_data: Path) -> None:
    s = read_slurm(shared_data / FULL, strict=False)
    vrps = table_of(
        [
            ("192.0.2.0/24", 24, 1),  # filter 1: the prefix itself
            ("192.0.2.128/25", 25, 2),  # filter 1: encompassed
            ("192.0.0.0/16", 24, 3),  # kept: encompasses the filter, not encompassed by it
            ("10.0.0.0/8", 8, 64496),  # filter 2: the ASN
            ("2001:db8::/32", 32, 64496),  # filter 2: the ASN, IPv6 too
            ("198.51.100.0/24", 24, 64497),  # filter 3: prefix and ASN
            ("198.51.100.0/25", 25, 64497),  # filter 3: encompassed, same ASN
            ("198.51.100.0/24", 24, 64498),  # kept: other ASN
            ("198.51.0.0/16", 24, 64497),  # kept: less specific
            ("2001:db8::/32", 48, 64497),  # kept
        ]
    )
    keys = pa.table(
        [
            pa.array([64496, 1, 64497, 64497, 2], pa.uint32()),
            ["aa" * 20, b"foo".hex(), b"bar".hex(), "bb" * 20, b"bar".hex()],
            ["k1", "k2", "k3", "k4", "k5"],
            pa.array([None] * 5, pa.string()),
        ],
        schema=ROUTER_KEY_SCHEMA,
    )
    out = apply_slurm(vrps, [s], keys)
    got = sorted((r["prefix"], r["max_length"], r["asn"], r["ta"]) for r in out.vrps.to_pylist())
    assert got == sorted(
        [
            ("192.0.0.0/16", 24, 3, None),
            ("198.51.100.0/24", 24, 64498, None),
            ("198.51.0.0/16", 24, 64497, None),
            ("2001:db8::/32", 48, 64497, None),
            # assertions, added after filtering: the ASN filter for 64496 does not remove them
            ("198.51.100.0/24", 24, 64496, None),
            ("2001:db8::/32", 48, 64496, None),
        ]
    )
    assert (out.vrps_filtered, out.vrps_added) == (6, 2)
    assert out.router_keys["router_public_key"].to_pylist() == ["k4", "k5"]
    assert (out.keys_filtered, out.keys_added) == (3, 0)


def test_filters_of_one_file_do_not_remove_assertions_of_another() -> None:
    a = parse_slurm(_slurm(validationOutputFilters__prefixFilters=[{"asn": 64496}]), "a.json")
    b = parse_slurm(
        _slurm(
            locallyAddedAssertions__prefixAssertions=[
                {"asn": 64496, "prefix": "203.0.113.0/24", "maxPrefixLength": 26}
            ]
        ),
        "b.json",
    )
    out = apply_slurm(table_of([("203.0.113.0/24", 24, 64496)]), [a, b])
    assert [(r["prefix"], r["max_length"], r["asn"]) for r in out.vrps.to_pylist()] == [
        ("203.0.113.0/24", 26, 64496)
    ]


def test_bgpsec_assertion_decodes_ski_and_keeps_key() -> None:
    ski = "AAECAwQFBgcICQoLDA0ODxAREhM"  # base64url of bytes 0..19, no padding
    s = parse_slurm(
        _slurm(
            locallyAddedAssertions__bgpsecAssertions=[
                {"asn": 64496, "SKI": ski, "routerPublicKey": "MFkwEwYHKoZIzj0CAQ"}
            ]
        ),
        "k.json",
    )
    out = apply_slurm(table_of([]), [s])
    assert out.router_keys.to_pylist() == [
        {
            "asn": 64496,
            "ski": bytes(range(20)).hex(),
            "router_public_key": "MFkwEwYHKoZIzj0CAQ",
            "ta": None,
        }
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            _slurm(
                locallyAddedAssertions__prefixAssertions=[
                    {"asn": 1, "prefix": "192.0.2.0/24", "maxLength": 24}
                ]
            ),
            "locallyAddedAssertions.prefixAssertions[0].maxLength",
            "unknown member",
        ),
        (
            _slurm(validationOutputFilters__prefixFilters=[{"comment": "nothing"}]),
            "validationOutputFilters.prefixFilters[0]",
            "needs a prefix, an asn or both",
        ),
        (
            _slurm(validationOutputFilters__prefixFilters=[{"asn": "AS1"}]),
            "validationOutputFilters.prefixFilters[0].asn",
            "not an AS number",
        ),
        (
            _slurm(validationOutputFilters__prefixFilters=[{"prefix": "192.0.2.1/24"}]),
            "validationOutputFilters.prefixFilters[0].prefix",
            "bits set",
        ),
        (
            _slurm(locallyAddedAssertions__prefixAssertions=[{"asn": 1}]),
            "locallyAddedAssertions.prefixAssertions[0]",
            "'prefix' is missing",
        ),
        (
            json.dumps(
                {"slurmVersion": 3, "validationOutputFilters": {}, "locallyAddedAssertions": {}}
            ).encode(),
            "slurmVersion",
            "not supported",
        ),
        (
            json.dumps(
                {
                    "slurmVersion": 1,
                    "validationOutputFilters": {"prefixFilters": [], "bgpsecFilters": []},
                }
            ).encode(),
            None,
            "'locallyAddedAssertions' is missing",
        ),
        (
            _slurm(validationOutputFilters__aspaFilters=[]),
            "validationOutputFilters.aspaFilters",
            "unknown member",
        ),  # only in version 2
    ],
)
def test_malformed_slurm_names_the_member(data: bytes, field: str | None, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_slurm(data, "local.json")
    assert info.value.path == "local.json"
    assert info.value.field == field
    assert message in str(info.value)


def test_assertion_maxlength_below_prefix_length_is_refused() -> None:
    data = _slurm(
        locallyAddedAssertions__prefixAssertions=[
            {"asn": 1, "prefix": "192.0.2.0/24", "maxPrefixLength": 16}
        ]
    )
    with pytest.raises(InputError) as info:
        parse_slurm(data, "local.json")
    assert info.value.record == "locallyAddedAssertions.prefixAssertions[0]"
    assert "outside /24" in str(info.value)


def test_version_2_counts_aspa_members(shared_data: Path) -> None:
    s = read_slurm(shared_data / "rpki/routinator-output-formats/output/111.slurm2")
    assert (s.version, len(s.prefix_assertions), len(s.bgpsec_assertions), s.aspa_entries) == (
        2,
        2,
        2,
        2,
    )
