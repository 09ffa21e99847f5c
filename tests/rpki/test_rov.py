"""RFC 6811 route origin validation: rtrlib's vectors, hand cases, and agreement with a plain
per-route reference on ~50k seeded random routes and on hypothesis-generated cases."""

from __future__ import annotations

import ipaddress
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nethealth.common.prefixes import parse_prefixes
from nethealth.rpki.rov import VrpIndex
from tests.rpki.helpers import table_of, validate
from tests.rpki.reference import rov_reference

RTRLIB = "rpki/rtrlib/rov_test_vectors_rtrlib_test_pfx.json"


def _scenarios(shared: Path) -> list[dict[str, Any]]:
    doc = json.loads((shared / RTRLIB).read_text())
    return list(doc["scenarios"])


def test_every_rtrlib_scenario(shared_data: Path) -> None:
    scenarios = _scenarios(shared_data)
    assert len(scenarios) == 11
    checked = 0
    for sc in scenarios:
        vrps = [(r["prefix"], r["max_len"], r["asn"]) for r in sc["roas"]]
        checks = sc["checks"]
        routes = [(c["prefix"], c["asn"]) for c in checks]
        got = validate(vrps, routes)
        for c, (state, _reason) in zip(checks, got, strict=True):
            assert state == c["expected"], f"{sc['name']}: {c}"
            checked += 1
    assert checked == 28


def test_rtrlib_scenarios_agree_with_reference_reasons(shared_data: Path) -> None:
    for sc in _scenarios(shared_data):
        vrps = [(r["prefix"], r["max_len"], r["asn"]) for r in sc["roas"]]
        routes = [(c["prefix"], c["asn"]) for c in sc["checks"]]
        assert validate(vrps, routes) == rov_reference(vrps, routes)


def test_reasons_name_the_cause() -> None:
    vrps = [("10.0.0.0/16", 24, 64500), ("10.0.0.0/8", 8, 64501), ("192.0.2.0/24", 24, 0)]
    got = validate(
        vrps,
        [
            ("10.0.1.0/24", 64500),
            ("10.0.1.0/25", 64500),
            ("10.0.1.0/24", 64502),
            ("10.0.0.0/8", 64501),
            ("11.0.0.0/8", 64500),
            ("192.0.2.0/24", 0),
            ("192.0.2.0/25", 64500),
            ("10.0.0.0/16", None),
        ],
    )
    assert got == [
        ("valid", "matched AS64500 10.0.0.0/16-24"),
        ("invalid", "more specific than maxLength"),
        ("invalid", "origin mismatch"),
        ("valid", "matched AS64501 10.0.0.0/8-8"),
        ("not-found", "no covering VRP"),
        ("invalid", "only AS0 VRPs cover it"),  # RFC 7607: origin AS0 never matches either
        ("invalid", "only AS0 VRPs cover it"),
        ("invalid", "origin mismatch"),  # no single origin (AS_SET): cannot be valid
    ]


def test_as0_vrp_does_not_mask_a_real_match() -> None:
    vrps = [("10.0.0.0/8", 24, 0), ("10.1.0.0/16", 16, 64500)]
    assert validate(vrps, [("10.1.0.0/16", 64500), ("10.2.0.0/16", 64500)]) == [
        ("valid", "matched AS64500 10.1.0.0/16-16"),
        ("invalid", "only AS0 VRPs cover it"),
    ]


def test_covering_vrp_chosen_by_longest_maxlength() -> None:
    vrps = [("10.0.0.0/8", 24, 64500), ("10.1.0.0/16", 20, 64500), ("10.1.0.0/16", 16, 64500)]
    assert validate(vrps, [("10.1.0.0/18", 64500), ("10.1.0.0/16", 64500)]) == [
        ("valid", "matched AS64500 10.0.0.0/8-24"),
        ("valid", "matched AS64500 10.0.0.0/8-24"),
    ]


def test_ipv6_beyond_64_bits_and_default_routes() -> None:
    vrps = [
        ("2001:db8::/32", 48, 64500),
        ("2001:db8:0:1::/64", 128, 64501),
        ("2001:db8:0:1:8000::/65", 96, 64502),
        ("2001:db8:0:1::1/128", 128, 64503),
        ("::/0", 0, 64504),
        ("0.0.0.0/0", 0, 0),
    ]
    got = validate(
        vrps,
        [
            ("2001:db8:0:1::1/128", 64503),
            ("2001:db8:0:1::1/128", 64502),
            ("2001:db8:0:1:8000::/96", 64502),
            ("2001:db8:0:1:8000::/97", 64502),
            ("2001:db8:0:1::/64", 64501),
            ("::/0", 64504),
            ("3000::/16", 64504),
            ("0.0.0.0/0", 64500),
            ("198.51.100.0/24", 64500),
            ("2001:db8:0:1::2/128", 64501),
        ],
    )
    assert got == [
        ("valid", "matched AS64503 2001:db8:0:1::1/128-128"),
        ("invalid", "origin mismatch"),  # the /65 starts at :8000: it does not cover ::1
        ("valid", "matched AS64502 2001:db8:0:1:8000::/65-96"),
        ("invalid", "more specific than maxLength"),
        ("valid", "matched AS64501 2001:db8:0:1::/64-128"),
        ("valid", "matched AS64504 ::/0-0"),
        ("invalid", "more specific than maxLength"),
        ("invalid", "only AS0 VRPs cover it"),
        ("invalid", "only AS0 VRPs cover it"),
        ("valid", "matched AS64501 2001:db8:0:1::/64-128"),
    ]


def test_routes_with_host_bits_validate_as_masked() -> None:
    vrps = [("192.0.2.0/24", 24, 64500)]
    assert validate(vrps, [("192.0.2.77/24", 64500), ("192.0.2.77/23", 64500)]) == [
        ("valid", "matched AS64500 192.0.2.0/24-24"),
        ("not-found", "no covering VRP"),
    ]


def test_no_vrps_and_no_routes() -> None:
    assert validate(table_of([]), [("192.0.2.0/24", 1), ("2001:db8::/32", 1)]) == [
        ("not-found", "no covering VRP"),
        ("not-found", "no covering VRP"),
    ]
    index = VrpIndex.from_table(table_of([("192.0.2.0/24", 24, 1)]))
    empty = parse_prefixes([])
    result = index.validate(empty.af, empty.hi, empty.lo, empty.length, np.zeros(0, np.int64))
    assert result.counts() == {"not-found": 0, "valid": 0, "invalid": 0}


# --- agreement with the reference on random data -----------------------------------------------

ASNS = [0, 64500, 64501, 64502, 64503, 64504, 64505]


def _subprefix(rng: random.Random, net: Any, length: int) -> str:
    width = net.max_prefixlen
    length = max(0, min(width, length))
    if length <= net.prefixlen:
        return str(net.supernet(new_prefix=length))
    bits = rng.getrandbits(length - net.prefixlen) << (width - length)
    addr = int(net.network_address) | bits
    return f"{ipaddress.ip_address(addr) if width == 32 else ipaddress.IPv6Address(addr)}/{length}"


def _random_case(
    seed: int, n_routes: int
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int | None]]]:
    rng = random.Random(seed)
    roots = [
        ipaddress.ip_network(p)
        for p in ("10.0.0.0/8", "192.0.0.0/10", "2001:db8::/32", "2a00::/12", "2001:db8:1:2::/64")
    ]
    vrps: list[tuple[str, int, int]] = []
    for _ in range(4000):
        root = rng.choice(roots)
        width = root.max_prefixlen
        deep = 24 if width == 32 else rng.choice([32, 48, 64, 100])
        length = rng.randint(root.prefixlen, min(width, root.prefixlen + deep))
        if vrps and rng.random() < 0.3:  # nest under an existing VRP
            base = ipaddress.ip_network(rng.choice(vrps)[0])
            if base.max_prefixlen == width:
                root = base
                length = rng.randint(base.prefixlen, min(width, base.prefixlen + 8))
        prefix = _subprefix(rng, root, length)
        plen = int(prefix.rsplit("/", 1)[1])
        max_len = rng.choice([plen, plen, min(width, plen + rng.randint(1, 8)), width])
        vrps.append((prefix, max_len, rng.choice(ASNS)))
    routes: list[tuple[str, int | None]] = []
    for _ in range(n_routes):
        if rng.random() < 0.75:
            prefix, _, asn = rng.choice(vrps)
            net = ipaddress.ip_network(prefix)
            text = _subprefix(rng, net, net.prefixlen + rng.randint(-4, 10))
        else:
            root = rng.choice(roots)
            text = _subprefix(rng, root, root.prefixlen + rng.randint(0, 40))
            asn = rng.choice(ASNS)
        if rng.random() < 0.1:  # host bits, as seen in real BGP data
            net = ipaddress.ip_network(text)
            if net.prefixlen < net.max_prefixlen:
                addr = int(net.network_address) | rng.getrandbits(net.max_prefixlen - net.prefixlen)
                text = f"{ipaddress.ip_address(addr)}/{net.prefixlen}"
        roll = rng.random()
        origin: int | None = asn if roll < 0.55 else None if roll < 0.6 else rng.choice(ASNS)
        routes.append((text, origin))
    return vrps, routes


def test_agrees_with_reference_on_50k_random_routes() -> None:
    vrps, routes = _random_case(seed=20240601, n_routes=50_000)
    got = validate(vrps, routes)
    want = rov_reference(vrps, routes)
    states = {s for s, _ in want}
    assert states == {"valid", "invalid", "not-found"}  # the case exercises every state
    assert sum(1 for r, _ in routes if ":" in r) > 10_000
    mismatches = [(r, g, w) for r, g, w in zip(routes, got, want, strict=True) if g != w]
    assert not mismatches, mismatches[:5]


V4_SMALL = st.builds(
    lambda a, n: str(ipaddress.ip_network((0x0A000000 | (a << 12), n), strict=False)),
    st.integers(0, 2**12 - 1),
    st.integers(8, 20),
)
V6_SMALL = st.builds(
    lambda a, n: str(ipaddress.ip_network((0x20010DB8 << 96 | (a << 60), n), strict=False)),
    st.integers(0, 2**10 - 1),
    st.integers(32, 128),
)


@st.composite
def _vrp(draw: st.DrawFn) -> tuple[str, int, int]:
    prefix = draw(st.one_of(V4_SMALL, V6_SMALL))
    length = int(prefix.rsplit("/", 1)[1])
    width = 128 if ":" in prefix else 32
    return prefix, draw(st.integers(length, width)), draw(st.sampled_from([0, 1, 2, 3]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    vrps=st.lists(_vrp(), max_size=25),
    routes=st.lists(
        st.tuples(st.one_of(V4_SMALL, V6_SMALL), st.one_of(st.none(), st.integers(0, 3))),
        min_size=1,
        max_size=25,
    ),
)
def test_agrees_with_reference_on_generated_cases(
    vrps: list[tuple[str, int, int]], routes: list[tuple[str, int | None]]
) -> None:
    assert validate(vrps, routes) == rov_reference(vrps, routes)


def test_index_refuses_maxlength_below_length() -> None:
    p = parse_prefixes(["10.0.0.0/16"])
    with pytest.raises(ValueError, match="maxLength"):
        VrpIndex.from_arrays(p.af, p.hi, p.lo, p.length, np.array([8]), np.array([1]))
