"""Number resources: ASN and IP pools per RIR and a deterministic aligned allocator.

The pools follow the real IANA delegations closely enough to look familiar (RIPE NCC space in
2a00::/12, AFRINIC in 41/8 and 102/8 ...). They are fixed, not seeded: like IANA, the plan
does not change from one simulated world to the next.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

import numpy as np

from nethealth.sim.geo import RIRS

V4_SLASH8: dict[str, tuple[int, ...]] = {
    "afrinic": (41, 102, 105, 154, 196, 197),
    "apnic": (
        1,
        14,
        27,
        36,
        39,
        42,
        43,
        49,
        58,
        59,
        60,
        61,
        101,
        103,
        106,
        110,
        111,
        112,
        113,
        114,
        115,
        116,
        117,
        118,
        119,
        120,
        121,
        122,
        123,
        124,
        125,
        126,
        175,
        180,
        182,
        183,
        202,
        203,
        210,
        211,
        218,
        219,
        220,
        221,
        222,
        223,
    ),
    "arin": (
        23,
        24,
        50,
        63,
        64,
        65,
        66,
        67,
        68,
        69,
        70,
        71,
        72,
        73,
        74,
        75,
        76,
        96,
        97,
        98,
        99,
        100,
        104,
        107,
        108,
        173,
        174,
        184,
        199,
        204,
        205,
        206,
        207,
        208,
        209,
        216,
    ),
    "lacnic": (177, 179, 181, 186, 187, 189, 190, 191, 200, 201),
    "ripencc": (
        2,
        5,
        31,
        37,
        46,
        62,
        77,
        78,
        79,
        80,
        81,
        82,
        83,
        84,
        85,
        86,
        87,
        88,
        89,
        90,
        91,
        92,
        93,
        94,
        95,
        109,
        141,
        145,
        151,
        176,
        178,
        185,
        188,
        193,
        194,
        195,
        212,
        213,
        217,
    ),
}

# Top 16 bits of each RIR's IPv6 /12 (2a00::/12 -> 0x2a00).
V6_SLASH12: dict[str, int] = {
    "afrinic": 0x2C00,
    "apnic": 0x2400,
    "arin": 0x2600,
    "lacnic": 0x2800,
    "ripencc": 0x2A00,
}

# 32-bit ASN blocks per RIR (start, count), as IANA delegated them from 2007 on.
ASN32_BLOCKS: dict[str, tuple[int, int]] = {
    "apnic": (131072, 32768),
    "ripencc": (196608, 32768),
    "lacnic": (262144, 32768),
    "afrinic": (327680, 32768),
    "arin": (393216, 32768),
}
_ASN16_SHARE = {"arin": 40, "ripencc": 34, "apnic": 16, "lacnic": 6, "afrinic": 4}
_ASN16_CHUNK = 512
_AS_TRANS = 23456


def _chunk_rir(index: int) -> str:
    """Fixed (unseeded) assignment of a 512-ASN chunk of the 16-bit space to an RIR."""
    if index * _ASN16_CHUNK < 1877:
        return "arin"
    h = int.from_bytes(hashlib.blake2b(f"asn16:{index}".encode(), digest_size=4).digest(), "big")
    point = h % 100
    acc = 0
    for rir in sorted(_ASN16_SHARE):
        acc += _ASN16_SHARE[rir]
        if point < acc:
            return rir
    return "arin"


def asn16_blocks(rir: str) -> list[tuple[int, int]]:
    """The 16-bit ASN ranges (start, count) of one RIR, ascending, AS_TRANS excluded."""
    out: list[tuple[int, int]] = []
    for index in range(64512 // _ASN16_CHUNK):
        if _chunk_rir(index) != rir:
            continue
        lo = max(1, index * _ASN16_CHUNK)
        hi = min((index + 1) * _ASN16_CHUNK, 64496)
        if lo <= _AS_TRANS < hi:
            out.extend([(lo, _AS_TRANS - lo), (_AS_TRANS + 1, hi - _AS_TRANS - 1)])
        elif hi > lo:
            out.append((lo, hi - lo))
    return [(s, c) for s, c in out if c > 0]


def asn_pool(rir: str) -> list[tuple[int, int]]:
    """All ranges of the RIR, 16-bit first then 32-bit."""
    return [*asn16_blocks(rir), ASN32_BLOCKS[rir]]


@dataclass(frozen=True)
class Block:
    """An aligned address block. ``net`` is the address (v4) or the top 64 bits (v6)."""

    af: int
    net: int
    length: int


def v4_pool_blocks(rir: str) -> list[Block]:
    return [Block(4, s << 24, 8) for s in V4_SLASH8[rir]]


def v6_pool_blocks(rir: str) -> list[Block]:
    return [Block(6, V6_SLASH12[rir] << 48, 12)]


def block_bits(af: int) -> int:
    """Bits of the integer used to store a network: 32 for v4, 64 (top half) for v6."""
    return 32 if af == 4 else 64


def allocate_aligned(pool: list[Block], lengths: np.ndarray) -> tuple[np.ndarray, list[Block]]:
    """Place blocks of the given prefix lengths into the pool, biggest first, aligned, no gaps.

    Returns the network of every request (in request order; -1 when the pool is full) and the
    free remainder of the pool as aligned blocks (for 'available' records).
    """
    if not pool:
        raise ValueError("empty pool")
    af = pool[0].af
    bits = block_bits(af)
    order = np.lexsort((np.arange(len(lengths)), lengths))
    nets = np.full(len(lengths), -1, dtype=np.int64)  # 2000::/3 top halves fit int64
    cursor_idx = 0
    cursor = pool[0].net
    pool_end = pool[0].net + (1 << (bits - pool[0].length))
    for i in order:
        length = int(lengths[i])
        size = 1 << (bits - length)
        while cursor_idx < len(pool) and cursor + size > pool_end:
            cursor_idx += 1
            if cursor_idx < len(pool):
                cursor = pool[cursor_idx].net
                pool_end = cursor + (1 << (bits - pool[cursor_idx].length))
        if cursor_idx >= len(pool):
            continue
        nets[i] = cursor
        cursor += size
    free: list[Block] = []
    if cursor_idx < len(pool):
        free.extend(_split_aligned(af, cursor, pool_end))
        for blk in pool[cursor_idx + 1 :]:
            free.append(blk)
    return nets, free


def _split_aligned(af: int, lo: int, hi: int) -> list[Block]:
    """Cover [lo, hi) with maximal aligned blocks."""
    bits = block_bits(af)
    out: list[Block] = []
    while lo < hi:
        size = lo & -lo if lo else 1 << bits
        while size > hi - lo:
            size >>= 1
        out.append(Block(af, lo, bits - size.bit_length() + 1))
        lo += size
    return out


def v4_text(net: int) -> str:
    return f"{(net >> 24) & 255}.{(net >> 16) & 255}.{(net >> 8) & 255}.{net & 255}"


def v6_text(top64: int, low64: int = 0) -> str:
    """Compressed IPv6 text of an address given as two 64-bit halves."""
    return str(ipaddress.IPv6Address((top64 << 64) | low64))


def prefix_text(af: int, net: int, length: int) -> str:
    return f"{v4_text(net)}/{length}" if af == 4 else f"{v6_text(net)}/{length}"


__all__ = ["RIRS", "Block", "allocate_aligned", "asn_pool", "prefix_text", "v4_text", "v6_text"]
