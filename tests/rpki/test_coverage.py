"""ROA coverage and RPKI-state shares per ASN and per country, on a hand-computed case."""

from __future__ import annotations

import ipaddress
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from nethealth.common.prefixes import parse_prefixes
from nethealth.rpki.coverage import (
    coverage_by_asn,
    coverage_tables,
    route_states,
    union_space,
)
from tests.rpki.helpers import table_of

VRPS = [
    ("10.0.0.0/16", 24, 1),
    ("10.1.0.0/16", 16, 2),
    ("2001:db8::/32", 48, 1),
    ("192.0.2.0/24", 24, 0),
]
# (prefix, origin, peer ASN): state as RFC 6811 gives it against VRPS
ROUTES = [
    ("10.0.0.0/16", 1, 100),
    ("10.0.0.0/16", 1, 200),  # valid
    ("10.0.1.0/24", 1, 100),
    ("10.0.1.7/24", 1, 200),  # valid (host bits: same route)
    ("10.0.0.0/25", 1, 100),  # invalid: longer than maxLength
    ("11.0.0.0/24", 1, 100),
    ("11.0.0.0/24", 1, 300),  # not-found
    ("10.1.0.0/16", 1, 100),  # invalid: origin (MOAS with AS2)
    ("2001:db8::/32", 1, 100),
    ("2001:db8:1::/48", 1, 100),  # valid
    ("2001:db9::/32", 1, 100),  # not-found
    ("10.1.0.0/16", 2, 100),
    ("10.1.0.0/16", 2, 200),  # valid
    ("10.1.1.0/24", 2, 100),  # invalid: longer than maxLength
    ("10.0.5.0/24", 2, 100),  # invalid: origin
    ("192.0.2.0/24", 2, 100),  # invalid: only AS0 covers it
    ("203.0.113.0/24", 3, 100),  # not-found, AS3 has no country
    ("198.51.100.0/24", None, 100),  # AS_SET origin: nobody's
]


def _routes() -> pa.Table:
    return pa.table(
        {
            "prefix": [p for p, _, _ in ROUTES],
            "origin_asn": pa.array([o for _, o, _ in ROUTES], pa.int64()),
            "peer_asn": pa.array([p for _, _, p in ROUTES], pa.uint32()),
        }
    )


def _row(table: pa.Table, key: str, value: object, af: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [r for r in table.to_pylist() if r[key] == value and r["af"] == af]
    assert len(rows) == 1, rows
    return rows[0]


def test_route_states_dedupe_and_count_peers() -> None:
    states = route_states(_routes(), table_of(VRPS))
    got = {(r["prefix"], r["origin_asn"]): (r["state"], r["peers"]) for r in states.to_pylist()}
    assert len(got) == 14
    assert got[("10.0.1.0/24", 1)] == ("valid", 2)
    assert got[("11.0.0.0/24", 1)] == ("not-found", 2)
    assert got[("198.51.100.0/24", None)] == ("not-found", 1)
    assert got[("192.0.2.0/24", 2)] == ("invalid", 1)
    seen_twice = route_states(_routes(), table_of(VRPS), min_peers=2)
    assert sorted(r["prefix"] for r in seen_twice.to_pylist()) == [
        "10.0.0.0/16",
        "10.0.1.0/24",
        "10.1.0.0/16",
        "11.0.0.0/24",
    ]


def test_per_asn_hand_computed() -> None:
    by_asn = coverage_by_asn(route_states(_routes(), table_of(VRPS)))
    a1 = _row(by_asn, "asn", 1, 4)
    # AS1 IPv4: 10.0/16, 10.0.1/24, 10.0.0.0/25, 10.1/16 covered; 11.0.0/24 not.
    # Space: 10.0/16 + 10.1/16 + 11.0.0/24 = 513 /24s, of which 512 covered.
    assert a1 == pytest.approx(
        {
            "asn": 1,
            "af": 4,
            "prefixes": 5,
            "prefixes_covered": 4,
            "prefix_coverage": 0.8,
            "space": 513.0,
            "space_covered": 512.0,
            "space_coverage": 512 / 513,
            "routes": 5,
            "valid": 2,
            "invalid": 2,
            "invalid_origin": 1,
            "invalid_length": 1,
            "not_found": 1,
            "share_valid": 0.4,
            "share_invalid": 0.4,
            "share_not_found": 0.2,
        }
    )
    a1v6 = _row(by_asn, "asn", 1, 6)
    # 2001:db8::/32 (65536 /48s, the /48 inside it) covered; 2001:db9::/32 not.
    assert (a1v6["prefixes"], a1v6["prefixes_covered"], a1v6["space"], a1v6["space_covered"]) == (
        3,
        2,
        131072.0,
        65536.0,
    )
    assert (a1v6["valid"], a1v6["invalid"], a1v6["not_found"]) == (2, 0, 1)
    a2 = _row(by_asn, "asn", 2, 4)
    # 10.1/16 (10.1.1/24 inside) + 10.0.5/24 + 192.0.2/24 = 258 /24s, all covered.
    assert (a2["prefixes"], a2["prefixes_covered"], a2["space"], a2["space_coverage"]) == (
        4,
        4,
        258.0,
        1.0,
    )
    assert (a2["valid"], a2["invalid"], a2["invalid_origin"], a2["invalid_length"]) == (1, 3, 2, 1)
    assert _row(by_asn, "asn", 3, 4)["share_not_found"] == 1.0
    assert sorted({r["asn"] for r in by_asn.to_pylist()}) == [1, 2, 3]


def test_per_country_counts_prefixes_once() -> None:
    mapping = pa.table({"asn": pa.array([1, 2, 9], pa.uint32()), "cc": ["NL", "NL", "FR"]})
    _, _, by_cc = coverage_tables(_routes(), table_of(VRPS), mapping)
    assert by_cc is not None
    assert sorted((r["cc"], r["af"]) for r in by_cc.to_pylist()) == [("NL", 4), ("NL", 6)]
    nl = _row(by_cc, "cc", "NL", 4)
    # 8 distinct prefixes (10.1.0.0/16 from AS1 and AS2 counts once), 9 routes.
    # Space: 10.0/16 + 10.1/16 + 11.0.0/24 + 192.0.2/24 = 514, covered 513.
    assert nl == pytest.approx(
        {
            "cc": "NL",
            "af": 4,
            "prefixes": 8,
            "prefixes_covered": 7,
            "prefix_coverage": 7 / 8,
            "space": 514.0,
            "space_covered": 513.0,
            "space_coverage": 513 / 514,
            "routes": 9,
            "valid": 3,
            "invalid": 5,
            "invalid_origin": 3,
            "invalid_length": 2,
            "not_found": 1,
            "share_valid": 3 / 9,
            "share_invalid": 5 / 9,
            "share_not_found": 1 / 9,
        }
    )


def test_union_space_against_ipaddress_collapse() -> None:
    rng = np.random.default_rng(5)
    texts: list[str] = []
    groups: list[int] = []
    for grp in range(40):
        for _ in range(30):
            if rng.random() < 0.5:
                net: Any = ipaddress.ip_network((int(rng.integers(0, 2**12)) << 20, 12))
                if rng.random() < 0.2:
                    sub = net.supernet(new_prefix=int(rng.integers(8, 13)))
                else:
                    sub = next(net.subnets(new_prefix=int(rng.integers(12, 20))))
                texts.append(str(sub))
            else:
                texts.append(
                    str(
                        ipaddress.ip_network(
                            (int(rng.integers(0, 2**16)) << 112, int(rng.integers(16, 100))),
                            strict=False,
                        )
                    )
                )
            groups.append(grp)
    p = parse_prefixes(texts)
    codes = np.array(groups)
    for fam, unit in ((4, 24), (6, 48)):
        sel = p.af == fam
        got = union_space(codes[sel], p.hi[sel], p.lo[sel], p.length[sel], 40, fam)
        for k in range(40):
            nets: list[Any] = [
                ipaddress.ip_network(t)
                for t, gg, s in zip(texts, groups, sel, strict=True)
                if gg == k and s
            ]
            width = 32 if fam == 4 else 128
            want = sum(2.0 ** (width - n.prefixlen) for n in ipaddress.collapse_addresses(nets))
            assert got[k] == pytest.approx(want / 2.0 ** (width - unit)), (fam, k)


def test_routes_from_decoded_bgp_elements() -> None:
    schema = pytest.importorskip("nethealth.formats.mrt_schema", reason="the BGP decoder is absent")
    base: dict[str, Any] = {
        "collector": "rrc00",
        "record_type": "TABLE_DUMP2",
        "peer_ip": "192.0.2.1",
        "peer_asn": 100,
    }
    rows: list[dict[str, Any]] = [
        {
            "elem_type": "rib",
            "prefix": "10.0.1.7/24",
            "as_path": [100, 1],
            "as_path_segments": None,
            "origin_asns": [1],
        },
        {
            "elem_type": "announce",
            "prefix": "10.1.0.0/16",
            "as_path": [100, 2, 3],
            "as_path_segments": [0x82, 2, 0x81],
            "origin_asns": [3],
        },  # ends in AS_SET {3}
        {
            "elem_type": "rib",
            "prefix": "10.1.1.0/24",
            "as_path": [100, 2, 4, 5],
            "as_path_segments": [0x82, 2, 0x81, 1],
            "origin_asns": [4, 5],
        },  # AS_SET {4, 5}
        {
            "elem_type": "withdraw",
            "prefix": "10.0.0.0/16",
            "as_path": None,
            "as_path_segments": None,
            "origin_asns": None,
        },
        {
            "elem_type": "announce",
            "prefix": "2001:db8::/32",
            "as_path": [100, 1],
            "as_path_segments": None,
            "origin_asns": [1],
        },
    ]
    elements = pa.Table.from_pylist(
        [{**base, "timestamp": 0, **r} for r in rows], schema=schema.SCHEMA
    )
    from nethealth.rpki.coverage import routes_from_bgp_elements

    routes = routes_from_bgp_elements(elements)
    assert routes.to_pylist() == [
        {"prefix": "10.0.1.7/24", "origin_asn": 1, "peer_asn": 100, "peer_ip": "192.0.2.1"},
        {"prefix": "10.1.0.0/16", "origin_asn": None, "peer_asn": 100, "peer_ip": "192.0.2.1"},
        {"prefix": "10.1.1.0/24", "origin_asn": None, "peer_asn": 100, "peer_ip": "192.0.2.1"},
        {"prefix": "2001:db8::/32", "origin_asn": 1, "peer_asn": 100, "peer_ip": "192.0.2.1"},
    ]
    states = route_states(routes, table_of(VRPS))
    assert sorted((r["prefix"], r["state"]) for r in states.to_pylist()) == [
        ("10.0.1.0/24", "valid"),
        ("10.1.0.0/16", "invalid"),
        ("10.1.1.0/24", "invalid"),
        ("2001:db8::/32", "valid"),
    ]
