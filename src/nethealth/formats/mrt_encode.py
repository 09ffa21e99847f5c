"""A small MRT writer (RFC 6396 / 4271 / 4760 / 6793 / 8050 encodings) for tests, fuzz seeds
and benchmark inputs. It writes what it is told, including deliberately odd encodings (2-byte
AS_PATH with AS4_PATH, sets, confederations), so the decoder can be checked against bgpdump."""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

TABLE_DUMP = 12
TABLE_DUMP_V2 = 13
BGP4MP = 16
BGP4MP_ET = 17

Segment = tuple[
    int, Sequence[int]
]  # (1 AS_SET | 2 AS_SEQUENCE | 3 CONFED_SEQ | 4 CONFED_SET, asns)


def ip_bytes(text: str) -> bytes:
    return ipaddress.ip_address(text).packed


def nlri(prefix: str, path_id: int | None = None) -> bytes:
    net = ipaddress.ip_network(prefix, strict=False)
    n = (net.prefixlen + 7) // 8
    out = bytes([net.prefixlen]) + net.network_address.packed[:n]
    return out if path_id is None else struct.pack(">I", path_id) + out


def header(ts: int, mtype: int, subtype: int, body: bytes, usec: int | None = None) -> bytes:
    if usec is None:
        return struct.pack(">IHHI", ts, mtype, subtype, len(body)) + body
    return struct.pack(">IHHII", ts, mtype, subtype, len(body) + 4, usec) + body


def attr(flags: int, code: int, value: bytes) -> bytes:
    if len(value) > 255 or flags & 0x10:
        return struct.pack(">BBH", flags | 0x10, code, len(value)) + value
    return struct.pack(">BBB", flags, code, len(value)) + value


def as_path(segments: Sequence[Segment], asn_len: int = 4) -> bytes:
    fmt = ">I" if asn_len == 4 else ">H"
    out = b""
    for seg_type, asns in segments:
        out += struct.pack(">BB", seg_type, len(asns))
        out += b"".join(struct.pack(fmt, a) for a in asns)
    return out


@dataclass
class Attrs:
    """Path attributes; None leaves an attribute out."""

    origin: int | None = 0
    path: Sequence[Segment] | None = ((2, (65001, 65002)),)
    as4_path: Sequence[Segment] | None = None
    next_hop: str | None = "192.0.2.1"
    med: int | None = None
    local_pref: int | None = None
    atomic: bool = False
    aggregator: tuple[int, str] | None = None
    as4_aggregator: tuple[int, str] | None = None
    communities: Sequence[int] | None = None
    large: Sequence[tuple[int, int, int]] | None = None
    extra: bytes = b""

    def encode(self, asn_len: int = 4, mp: bytes = b"") -> bytes:
        out = b""
        if self.origin is not None:
            out += attr(0x40, 1, bytes([self.origin]))
        if self.path is not None:
            out += attr(0x40, 2, as_path(self.path, asn_len))
        if self.next_hop is not None:
            out += attr(0x40, 3, ip_bytes(self.next_hop))
        if self.med is not None:
            out += attr(0x80, 4, struct.pack(">I", self.med))
        if self.local_pref is not None:
            out += attr(0x40, 5, struct.pack(">I", self.local_pref))
        if self.atomic:
            out += attr(0x40, 6, b"")
        if self.aggregator is not None:
            a, ip = self.aggregator
            out += attr(
                0xC0,
                7,
                (struct.pack(">I", a) if asn_len == 4 else struct.pack(">H", a)) + ip_bytes(ip),
            )
        if self.communities is not None:
            out += attr(0xC0, 8, b"".join(struct.pack(">I", c) for c in self.communities))
        out += mp
        if self.as4_path is not None:
            out += attr(0xC0, 17, as_path(self.as4_path, 4))
        if self.as4_aggregator is not None:
            a, ip = self.as4_aggregator
            out += attr(0xC0, 18, struct.pack(">I", a) + ip_bytes(ip))
        if self.large is not None:
            out += attr(0xC0, 32, b"".join(struct.pack(">III", *t) for t in self.large))
        return out + self.extra


def mp_reach(afi: int, next_hops: Sequence[str], prefixes: bytes, safi: int = 1) -> bytes:
    nh = b"".join(ip_bytes(h) for h in next_hops)
    return attr(0x80, 14, struct.pack(">HBB", afi, safi, len(nh)) + nh + b"\x00" + prefixes)


def mp_unreach(afi: int, prefixes: bytes, safi: int = 1) -> bytes:
    return attr(0x80, 15, struct.pack(">HB", afi, safi) + prefixes)


def update(withdrawn: bytes = b"", attrs: bytes = b"", announced: bytes = b"") -> bytes:
    body = struct.pack(">H", len(withdrawn)) + withdrawn + struct.pack(">H", len(attrs)) + attrs
    body += announced
    return b"\xff" * 16 + struct.pack(">HB", 19 + len(body), 2) + body


def bgp4mp_message(
    ts: int,
    peer_ip: str,
    peer_as: int,
    message: bytes,
    *,
    as4: bool = True,
    addpath: bool = False,
    usec: int | None = None,
    local_ip: str | None = None,
    local_as: int = 65000,
) -> bytes:
    v6 = ":" in peer_ip
    local = local_ip or ("::" if v6 else "0.0.0.0")
    subtype = (9 if as4 else 8) if addpath else (4 if as4 else 1)
    fmt = ">II" if as4 else ">HH"
    body = struct.pack(fmt, peer_as, local_as) + struct.pack(">HH", 0, 2 if v6 else 1)
    body += ip_bytes(peer_ip) + ip_bytes(local) + message
    return header(ts, BGP4MP if usec is None else BGP4MP_ET, subtype, body, usec)


def bgp4mp_state(
    ts: int,
    peer_ip: str,
    peer_as: int,
    old: int,
    new: int,
    *,
    as4: bool = True,
    usec: int | None = None,
) -> bytes:
    v6 = ":" in peer_ip
    fmt = ">II" if as4 else ">HH"
    body = struct.pack(fmt, peer_as, 65000) + struct.pack(">HH", 0, 2 if v6 else 1)
    body += ip_bytes(peer_ip) + ip_bytes("::" if v6 else "0.0.0.0") + struct.pack(">HH", old, new)
    return header(ts, BGP4MP if usec is None else BGP4MP_ET, 5 if as4 else 0, body, usec)


@dataclass
class Peer:
    ip: str
    asn: int
    bgp_id: str = "192.0.2.255"


def peer_index_table(
    ts: int, peers: Sequence[Peer], collector_id: str = "192.0.2.254", view: str = ""
) -> bytes:
    name = view.encode()
    body = ip_bytes(collector_id) + struct.pack(">H", len(name)) + name
    body += struct.pack(">H", len(peers))
    for p in peers:
        v6 = ":" in p.ip
        body += bytes([(1 if v6 else 0) | 2]) + ip_bytes(p.bgp_id) + ip_bytes(p.ip)
        body += struct.pack(">I", p.asn)
    return header(ts, TABLE_DUMP_V2, 1, body)


@dataclass
class RibEntry:
    peer_index: int
    attrs: bytes
    originated: int = 0
    path_id: int | None = None


def rib_entry_bytes(e: RibEntry) -> bytes:
    out = struct.pack(">HI", e.peer_index, e.originated)
    if e.path_id is not None:
        out += struct.pack(">I", e.path_id)
    return out + struct.pack(">H", len(e.attrs)) + e.attrs


def rib_record(
    ts: int, seq: int, prefix: str, entries: Sequence[RibEntry], addpath: bool = False
) -> bytes:
    v6 = ":" in prefix
    subtype = (10 if v6 else 8) if addpath else (4 if v6 else 2)
    body = struct.pack(">I", seq) + nlri(prefix) + struct.pack(">H", len(entries))
    body += b"".join(rib_entry_bytes(e) for e in entries)
    return header(ts, TABLE_DUMP_V2, subtype, body)


def rib_generic(
    ts: int,
    seq: int,
    afi: int,
    safi: int,
    prefix_nlri: bytes,
    entries: Sequence[RibEntry],
    addpath: bool = False,
) -> bytes:
    body = struct.pack(">IHB", seq, afi, safi) + prefix_nlri + struct.pack(">H", len(entries))
    body += b"".join(rib_entry_bytes(e) for e in entries)
    return header(ts, TABLE_DUMP_V2, 12 if addpath else 6, body)


def rib_next_hop(next_hop: str) -> bytes:
    """MP_REACH_NLRI as RFC 6396 4.3.4 abbreviates it inside RIB entries: length + next hop."""
    nh = ip_bytes(next_hop)
    return attr(0x80, 14, bytes([len(nh)]) + nh)


def table_dump_v1(
    ts: int, prefix: str, peer_ip: str, peer_as: int, attrs: bytes, seq: int = 0
) -> bytes:
    net = ipaddress.ip_network(prefix, strict=False)
    v6 = net.version == 6
    body = struct.pack(">HH", 0, seq) + net.network_address.packed + bytes([net.prefixlen, 1])
    body += struct.pack(">I", ts) + ip_bytes(peer_ip) + struct.pack(">H", peer_as)
    body += struct.pack(">H", len(attrs)) + attrs
    return header(ts, TABLE_DUMP, 2 if v6 else 1, body)


@dataclass
class RibWriter:
    """Accumulates TABLE_DUMP_V2 records; `bytes()` gives the file."""

    ts: int
    peers: list[Peer]
    records: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.records.append(peer_index_table(self.ts, self.peers))

    def add(self, prefix: str, entries: Sequence[RibEntry]) -> None:
        self.records.append(rib_record(self.ts, len(self.records) - 1, prefix, entries))

    def __bytes__(self) -> bytes:
        return b"".join(self.records)
