"""Bogon prefixes and AS numbers, as data with their sources.

Prefixes: the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890, with the entries
later RFCs added), keeping the blocks whose "Globally Reachable" column is False — a route for
them on the Internet is a bogon. Plus, for IPv4, 224.0.0.0/4 multicast (RFC 5771) and 240/4
(RFC 1112 "reserved for future use" — the registry lists 240.0.0.0/4 as "Reserved"); for IPv6,
anything outside 2000::/3, the only block IANA allocates as global unicast (RFC 4291 2.4).

AS numbers: the IANA "Special-Purpose AS Numbers" registry (RFC 7607 AS0, RFC 6793 AS_TRANS,
RFC 5398 documentation, RFC 6996 private use, RFC 7300 last ASNs) and 65552-131071 reserved.
"""

from __future__ import annotations

import ipaddress

import numpy as np
import numpy.typing as npt

# (prefix, name, RFC): special-purpose blocks not globally reachable, IANA registry 2024.
SPECIAL_V4: tuple[tuple[str, str, str], ...] = (
    ("0.0.0.0/8", "This network", "RFC 791"),
    ("10.0.0.0/8", "Private-Use", "RFC 1918"),
    ("100.64.0.0/10", "Shared Address Space", "RFC 6598"),
    ("127.0.0.0/8", "Loopback", "RFC 1122"),
    ("169.254.0.0/16", "Link Local", "RFC 3927"),
    ("172.16.0.0/12", "Private-Use", "RFC 1918"),
    ("192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890"),
    ("192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737"),
    ("192.168.0.0/16", "Private-Use", "RFC 1918"),
    ("198.18.0.0/15", "Benchmarking", "RFC 2544"),
    ("198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737"),
    ("203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737"),
    ("224.0.0.0/4", "Multicast", "RFC 5771"),
    ("240.0.0.0/4", "Reserved", "RFC 1112"),
)
SPECIAL_V6: tuple[tuple[str, str, str], ...] = (
    ("::/128", "Unspecified Address", "RFC 4291"),
    ("::1/128", "Loopback Address", "RFC 4291"),
    ("::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291"),
    ("64:ff9b:1::/48", "IPv4-IPv6 Translat.", "RFC 8215"),
    ("100::/64", "Discard-Only Address Block", "RFC 6666"),
    ("2001::/23", "IETF Protocol Assignments", "RFC 2928"),
    ("2001:db8::/32", "Documentation", "RFC 3849"),
    ("2002::/16", "6to4", "RFC 3056"),
    ("3fff::/20", "Documentation", "RFC 9637"),
    ("fc00::/7", "Unique-Local", "RFC 4193"),
    ("fe80::/10", "Link-Local Unicast", "RFC 4291"),
)
GLOBAL_UNICAST_V6 = "2000::/3"  # RFC 4291 section 2.4
# (first, last, name, RFC): IANA Special-Purpose AS Numbers and reserved ranges
BOGON_ASNS: tuple[tuple[int, int, str, str], ...] = (
    (0, 0, "Reserved (AS0)", "RFC 7607"),
    (23456, 23456, "AS_TRANS", "RFC 6793"),
    (64496, 64511, "Documentation", "RFC 5398"),
    (64512, 65534, "Private Use", "RFC 6996"),
    (65535, 65535, "Reserved (last 16-bit ASN)", "RFC 7300"),
    (65536, 65551, "Documentation", "RFC 5398"),
    (65552, 131071, "Reserved", "IANA"),
    (4200000000, 4294967294, "Private Use", "RFC 6996"),
    (4294967295, 4294967295, "Reserved (last 32-bit ASN)", "RFC 7300"),
)


def bogon_prefix_reason(prefix: str) -> str | None:
    """Why a prefix is a bogon (its registry entry), or None. For the few distinct prefixes
    of an incident list; bulk checks use `bogon_prefix_mask`."""
    net = ipaddress.ip_network(prefix, strict=False)
    table = SPECIAL_V4 if net.version == 4 else SPECIAL_V6
    for block, name, rfc in table:
        b = ipaddress.ip_network(block)
        if b.version == net.version and net.subnet_of(b):  # type: ignore[arg-type]
            return f"{block} {name} ({rfc})"
    if net.version == 6 and not net.subnet_of(ipaddress.IPv6Network(GLOBAL_UNICAST_V6)):
        return f"outside {GLOBAL_UNICAST_V6}, the IPv6 global unicast space (RFC 4291)"
    return None


def bogon_asn_mask(asns: npt.NDArray[np.integer]) -> npt.NDArray[np.bool_]:
    a = asns.astype(np.int64)
    out = np.zeros(len(a), bool)
    for first, last, _, _ in BOGON_ASNS:
        out |= (a >= first) & (a <= last)
    return out


def bogon_asn_reason(asn: int) -> str | None:
    for first, last, name, rfc in BOGON_ASNS:
        if first <= asn <= last:
            return f"AS{asn}: {name} ({rfc})"
    return None
