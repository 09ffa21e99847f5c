"""Prefix text <-> integer columns, checked against Python's ipaddress module."""

from __future__ import annotations

import ipaddress
import random

import numpy as np
import pytest

from nethealth.common.prefixes import (
    PrefixSyntaxError,
    format_prefixes,
    parse_prefixes,
    range_columns,
)


def _random_prefixes(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.6:
            length = rng.randint(0, 32)
            out.append(f"{ipaddress.IPv4Address(rng.getrandbits(32))}/{length}")
        else:
            length = rng.randint(0, 128)
            # sparse addresses, so that zero compression (::) shows up
            words = [rng.choice([0, 0, rng.getrandbits(16)]) for _ in range(8)]
            addr = int("".join(f"{w:04x}" for w in words), 16)
            out.append(f"{ipaddress.IPv6Address(addr)}/{length}")
    return out


def test_parse_and_format_agree_with_ipaddress() -> None:
    texts = _random_prefixes(5000, seed=7)
    p = parse_prefixes(texts)
    nets = [ipaddress.ip_network(t, strict=False) for t in texts]
    assert p.af.tolist() == [n.version * 1 if n.version == 4 else 6 for n in nets]
    assert p.length.tolist() == [n.prefixlen for n in nets]
    assert p.host_bits.tolist() == [
        int(ipaddress.ip_interface(t).ip) != int(n.network_address)
        for t, n in zip(texts, nets, strict=True)
    ]
    assert format_prefixes(p.af, p.hi, p.lo, p.length) == [str(n) for n in nets]
    ranges = range_columns(p.af, p.hi, p.lo, p.length)
    for i, n in enumerate(nets):
        first, last = int(n.network_address), int(n.broadcast_address)
        if n.version == 4:
            assert (ranges["start"][i], ranges["end"][i]) == (first, last)
            assert ranges["start_lo"][i] == ranges["end_lo"][i] == 0
        else:
            assert (ranges["start"][i], ranges["start_lo"][i]) == divmod(first, 2**64)
            assert (ranges["end"][i], ranges["end_lo"][i]) == divmod(last, 2**64)


def test_ipv4_fast_path_matches_the_generic_path() -> None:
    texts = [t for t in _random_prefixes(3000, seed=3) if ":" not in t]
    fast = parse_prefixes(texts)  # all IPv4: decoded from the Arrow buffer
    slow = parse_prefixes([*texts, "::/0"])  # the same through a filtered array
    assert np.array_equal(fast.hi, slow.hi[:-1])
    assert np.array_equal(fast.length, slow.length[:-1])


@pytest.mark.parametrize(
    ("texts", "index", "reason"),
    [
        (["192.0.2.0/24", "192.0.2/24"], 1, "not an IPv4 address"),
        (["192.0.2.0/33"], 0, "length exceeds 32"),
        (["2001:db8::/129"], 0, "length exceeds 128"),
        (["192.0.02.0/24"], 0, "not an IPv4 address"),  # leading zeros are ambiguous (octal)
        (["192.0.2.256/24"], 0, "not an IPv4 address"),
        (["192.0.2.0/24/1"], 0, "the length is not a number"),
        (["2001:db8::1::/64", "10.0.0.0/8"], 0, "not an IPv6 address"),
        (["10.0.0.0/8", "10.0.0.0.0/8", "2001:db8:::/64"], 1, "not an IPv4 address"),
        (["", "10.0.0.0/8"], 0, "expected address/length"),
    ],
)
def test_malformed_prefixes_are_named(texts: list[str], index: int, reason: str) -> None:
    with pytest.raises(PrefixSyntaxError) as info:
        parse_prefixes(texts)
    assert info.value.index == index
    assert reason in info.value.reason
    for text in texts[:index]:
        ipaddress.ip_network(text, strict=False)  # the reference accepts what came before
    with pytest.raises(ValueError):
        ipaddress.ip_network(texts[index], strict=False)  # and refuses the named one


@pytest.mark.parametrize(
    ("text", "reason"),
    [("192.0.2.0", "expected address/length"), ("192.0.2.0/024", "the length is not a number")],
)
def test_stricter_than_ipaddress(text: str, reason: str) -> None:
    # ipaddress reads these (as /32; as /24): an export or route list should not need guessing.
    ipaddress.ip_network(text)
    with pytest.raises(PrefixSyntaxError, match=reason):
        parse_prefixes([text])
