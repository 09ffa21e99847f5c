"""A small MRT (RFC 6396) encoder: TABLE_DUMP_V2 RIBs and BGP4MP / BGP4MP_ET updates.

Only what collectors emit for unicast IPv4/IPv6 is supported: PEER_INDEX_TABLE,
RIB_IPV4_UNICAST, RIB_IPV6_UNICAST, BGP4MP_MESSAGE_AS4 (UPDATE) and BGP4MP_STATE_CHANGE_AS4.
AS numbers are always 4 bytes (AS4 subtypes; TABLE_DUMP_V2 always uses 4-byte paths).
"""

from __future__ import annotations

import struct

TABLE_DUMP_V2 = 13
BGP4MP = 16
BGP4MP_ET = 17
PEER_INDEX_TABLE = 1
RIB_IPV4_UNICAST = 2
RIB_IPV6_UNICAST = 4
BGP4MP_STATE_CHANGE_AS4 = 5
BGP4MP_MESSAGE_AS4 = 4

ATTR_ORIGIN = 1
ATTR_AS_PATH = 2
ATTR_NEXT_HOP = 3
ATTR_COMMUNITIES = 8
ATTR_MP_REACH = 14
ATTR_MP_UNREACH = 15
AS_SEQUENCE = 2
MAX_BGP_MESSAGE = 4096

_HDR = struct.Struct(">IHHI")
_HDR_ET = struct.Struct(">IHHII")
_RIB_ENTRY = struct.Struct(">HIH")


def header(ts: int, mtype: int, subtype: int, body_len: int) -> bytes:
    return _HDR.pack(ts, mtype, subtype, body_len)


def record(ts: int, mtype: int, subtype: int, body: bytes, usec: int | None = None) -> bytes:
    """One MRT record; with ``usec`` an _ET record whose length counts the microseconds."""
    if usec is None:
        return _HDR.pack(ts, mtype, subtype, len(body)) + body
    return _HDR_ET.pack(ts, mtype, subtype, len(body) + 4, usec) + body


def ip_bytes(af: int, value: int) -> bytes:
    return value.to_bytes(4 if af == 4 else 16, "big")


def prefix_bytes(af: int, net: int, length: int) -> bytes:
    """NLRI encoding: length octet + the significant octets. v6 ``net`` is the top 64 bits."""
    full = net.to_bytes(4, "big") if af == 4 else net.to_bytes(8, "big") + bytes(8)
    return bytes([length]) + full[: (length + 7) // 8]


def _attr(flags: int, code: int, value: bytes) -> bytes:
    if len(value) > 255:
        return struct.pack(">BBH", flags | 0x10, code, len(value)) + value
    return struct.pack(">BBB", flags, code, len(value)) + value


def as_path_value(path: list[int] | tuple[int, ...]) -> bytes:
    out = bytearray()
    for i in range(0, len(path), 255):
        seg = path[i : i + 255]
        out += struct.pack(">BB", AS_SEQUENCE, len(seg))
        out += struct.pack(f">{len(seg)}I", *seg)
    return bytes(out)


def path_attributes(
    path: list[int] | tuple[int, ...],
    af: int,
    nexthop: int,
    communities: tuple[tuple[int, int], ...] = (),
    rib: bool = False,
    nlri: bytes = b"",
) -> bytes:
    """ORIGIN IGP, AS_PATH, NEXT_HOP (v4) or MP_REACH_NLRI (v6), optional COMMUNITIES.

    In TABLE_DUMP_V2 RIB entries MP_REACH_NLRI carries only the next hop (RFC 6396 4.3.4);
    in UPDATE messages it is complete and carries the NLRI.
    """
    out = _attr(0x40, ATTR_ORIGIN, b"\x00") + _attr(0x40, ATTR_AS_PATH, as_path_value(path))
    if af == 4:
        out += _attr(0x40, ATTR_NEXT_HOP, ip_bytes(4, nexthop))
    if communities:
        out += _attr(
            0xC0, ATTR_COMMUNITIES, b"".join(struct.pack(">HH", a, v) for a, v in communities)
        )
    if af == 6:
        nh = ip_bytes(6, nexthop)
        if rib:
            out += _attr(0x80, ATTR_MP_REACH, bytes([len(nh)]) + nh)
        else:
            body = struct.pack(">HBB", 2, 1, len(nh)) + nh + b"\x00" + nlri
            out += _attr(0x80, ATTR_MP_REACH, body)
    return out


def mp_unreach(nlri: bytes) -> bytes:
    return _attr(0x80, ATTR_MP_UNREACH, struct.pack(">HB", 2, 1) + nlri)


def peer_index_table(collector_id: int, view: str, peers: list[tuple[int, int, int, int]]) -> bytes:
    """Body of PEER_INDEX_TABLE; peers are (bgp_id, af, ip, asn)."""
    name = view.encode("ascii")
    out = bytearray(struct.pack(">IH", collector_id, len(name)) + name)
    out += struct.pack(">H", len(peers))
    for bgp_id, af, ip, asn in peers:
        ptype = 0x02 | (0x01 if af == 6 else 0)  # AS4 always
        out += struct.pack(">BI", ptype, bgp_id) + ip_bytes(af, ip) + struct.pack(">I", asn)
    return bytes(out)


def rib_entry(peer_index: int, originated: int, attrs: bytes) -> bytes:
    return _RIB_ENTRY.pack(peer_index, originated, len(attrs)) + attrs


def rib_body(seq: int, pfx: bytes, count: int, entries: bytes) -> bytes:
    return struct.pack(">I", seq) + pfx + struct.pack(">H", count) + entries


def bgp4mp_prefix(peer_as: int, local_as: int, af: int, peer_ip: int, local_ip: int) -> bytes:
    return (
        struct.pack(">IIHH", peer_as, local_as, 0, 1 if af == 4 else 2)
        + ip_bytes(af, peer_ip)
        + ip_bytes(af, local_ip)
    )


def bgp_update(withdrawn: bytes, attrs: bytes, nlri: bytes) -> bytes:
    """A BGP UPDATE message (marker, length, type 2)."""
    body = struct.pack(">H", len(withdrawn)) + withdrawn + struct.pack(">H", len(attrs)) + attrs
    body += nlri
    return b"\xff" * 16 + struct.pack(">HB", 19 + len(body), 2) + body


def state_change(old: int, new: int) -> bytes:
    return struct.pack(">HH", old, new)
