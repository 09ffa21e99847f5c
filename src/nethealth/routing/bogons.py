"""Bogon prefixes and AS numbers, as data with their sources.

Prefixes: the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890, with the entries
later RFCs added), keeping the blocks whose "Globally Reachable" column is False — a route for
them on the Internet is a bogon. Plus, for IPv4, 224.0.0.0/4 multicast (RFC 5771) and 240/4
(RFC 1112 "reserved for future use" — the registry lists 240.0.0.0/4 as "Reserved"); for IPv6,
anything outside 2000::/3, the only block IANA allocates as global unicast (RFC 4291 2.4).

AS numbers: the IANA "Special-Purpose AS Numbers" registry (RFC 7607 AS0, RFC 6793 AS_TRANS,
RFC 5398 documentation, RFC 6996 private use, RFC 7300 last ASNs) and 65552-131071 reserved.

Unallocated space: prefixes that no allocated/assigned record of the five RIRs' delegated-
extended statistics covers, checked only on complete files (`completeness_problem`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

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


# --- unallocated space: routed prefixes no RIR has delegated ----------------------------------
# A route is a bogon when no allocated/assigned record of the five RIRs' delegated-extended files
# covers it. Incomplete files would turn every missing record into a false alarm, so a family is
# only checked when each registry's file is present and its header counts match the records
# present, and the result is refused when it is implausible (see MAX_UNALLOCATED_SHARE).

RIR_REGISTRIES = ("afrinic", "apnic", "arin", "lacnic", "ripencc")
FAMILY_TYPES = {4: "ipv4", 6: "ipv6"}
# Real tables carry a few dozen unallocated routes among ~1M (<< 0.1 %); a share above this
# means the delegation data do not describe the whole registry space.
MAX_UNALLOCATED_SHARE = 0.10
UNALLOCATED_REASON = (
    "unallocated: covered by no allocated/assigned record of the five RIRs' delegated-extended "
    "files"
)
U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class DelegationFile:
    """One registry's file in force on a day: its header counts and the records present."""

    registry: str
    snapshot: date | None  # None: the registry has no file on or before the day
    header_records: int | None = None
    summaries: Mapping[str, int] = field(default_factory=dict)  # type -> count (header)
    present: Mapping[str, int] = field(default_factory=dict)  # type -> records present


def completeness_problem(files: Sequence[DelegationFile], af: int) -> str | None:
    """Why the files cannot be used to find unallocated space of family `af`, or None."""
    kind = FAMILY_TYPES[af]
    by_registry = {f.registry: f for f in files}
    for reg in RIR_REGISTRIES:
        f = by_registry.get(reg)
        if f is None or f.snapshot is None:
            return f"no {reg} delegated-extended file on or before the day"
        total = sum(f.present.values())
        if f.header_records != total:
            return (
                f"{reg} file of {f.snapshot} is incomplete: its header says {f.header_records} "
                f"records, {total} are present"
            )
        if f.summaries.get(kind) != f.present.get(kind, 0):
            return (
                f"{reg} file of {f.snapshot} is incomplete: its summary says "
                f"{f.summaries.get(kind)} {kind} records, {f.present.get(kind, 0)} are present"
            )
    return None


@dataclass(frozen=True)
class AllocatedSpace:
    """Merged allocated/assigned ranges of one family in the lake's range convention (IPv4
    addresses as numbers, IPv6 top 64 bits), or why the family cannot be checked."""

    af: int
    starts: U64
    ends: U64
    refused: str | None = None

    @classmethod
    def refuse(cls, af: int, reason: str) -> AllocatedSpace:
        empty = np.zeros(0, np.uint64)
        return cls(af, empty, empty, reason)


def allocated_space(af: int, starts: Sequence[str], values: Sequence[int]) -> AllocatedSpace:
    """The union of delegated records (`start`, `value` as in the delegated format: IPv4 an
    address count, IPv6 a prefix length). IPv6 delegations are /64 or shorter, so their top 64
    bits describe them exactly."""
    s = np.zeros(len(starts), np.uint64)
    e = np.zeros(len(starts), np.uint64)
    for i, (text, value) in enumerate(zip(starts, values, strict=True)):
        if af == 4:
            first = int(ipaddress.IPv4Address(text))
            s[i], e[i] = first, min(first + int(value), 2**32) - 1
        else:
            top = int(ipaddress.IPv6Address(text)) >> 64
            host = (1 << max(0, 64 - int(value))) - 1
            s[i], e[i] = top & ~host, top | host
    if not len(s):
        return AllocatedSpace(af, s, e)
    order = np.argsort(s, kind="stable")
    s, e = s[order], e[order]
    reach = np.maximum.accumulate(e)
    # a new run starts where a record neither overlaps nor touches everything before it
    gap = (s[1:] > reach[:-1]) & (s[1:] - reach[:-1] != np.uint64(1))
    runs = np.flatnonzero(np.concatenate([[True], gap]))
    return AllocatedSpace(af, s[runs], np.maximum.reduceat(e, runs))


def allocated_mask(space: AllocatedSpace, start: U64, end: U64) -> npt.NDArray[np.bool_]:
    """Whether each range [start, end] lies inside the allocated space."""
    if not len(space.starts):
        return np.zeros(len(start), bool)
    i = np.searchsorted(space.starts, start, side="right") - 1
    inside = i >= 0
    j = np.where(inside, i, 0)
    out: npt.NDArray[np.bool_] = inside & (end <= space.ends[j])
    return out
