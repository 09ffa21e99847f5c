"""LZ4 frame decompression (the `lz4` tool's format), in pure Python, for publishers that
compress with it (the Internet Health Report archive: `*.csv.lz4`).

Frame (LZ4 Frame Format 1.6.x): magic 0x184D2204, a descriptor (FLG, BD, optional content size
and dictionary id, header checksum), blocks (4-byte little-endian size, high bit = stored
uncompressed; optional 4-byte block checksum), an end mark (size 0), an optional content
checksum. Blocks hold LZ4 sequences: a token (literal length, match length), literals, a
2-byte offset back into the output. Checksums are xxHash32: the header's and the content's are
verified, so a damaged file is an error rather than wrong data. Skippable frames are skipped;
several frames are concatenated.
"""

from __future__ import annotations

import struct
from pathlib import Path

from nethealth.errors import InputError

MAGIC = b"\x04\x22\x4d\x18"
_SKIPPABLE = range(0x184D2A50, 0x184D2A60)
_P1, _P2, _P3, _P4, _P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
_M = 0xFFFFFFFF
MAX_OUTPUT = 1 << 32  # refuse to inflate beyond 4 GiB (a decompression bomb or damage)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _M


def xxh32(data: bytes, seed: int = 0) -> int:
    """xxHash32 (the checksum LZ4 frames use)."""
    n = len(data)
    i = 0
    if n >= 16:
        v1, v2, v3, v4 = (seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed, (seed - _P1) & _M
        limit = n - 16
        unpack = struct.Struct("<4I").unpack_from
        while i <= limit:
            a, b, c, d = unpack(data, i)
            v1 = (_rotl((v1 + a * _P2) & _M, 13) * _P1) & _M
            v2 = (_rotl((v2 + b * _P2) & _M, 13) * _P1) & _M
            v3 = (_rotl((v3 + c * _P2) & _M, 13) * _P1) & _M
            v4 = (_rotl((v4 + d * _P2) & _M, 13) * _P1) & _M
            i += 16
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while i + 4 <= n:
        h = (_rotl((h + struct.unpack_from("<I", data, i)[0] * _P3) & _M, 17) * _P4) & _M
        i += 4
    while i < n:
        h = (_rotl((h + data[i] * _P5) & _M, 11) * _P1) & _M
        i += 1
    h ^= h >> 15
    h = (h * _P2) & _M
    h ^= h >> 13
    h = (h * _P3) & _M
    return h ^ (h >> 16)


class _Damaged(Exception):
    pass


def _length(src: bytes, i: int, base: int) -> tuple[int, int]:
    """A 4-bit length of 15 continues in bytes of 255 until a smaller one."""
    n = base
    if base == 15:
        while True:
            if i >= len(src):
                raise _Damaged("a length runs past the block")
            b = src[i]
            i += 1
            n += b
            if b != 255:
                break
    return n, i


def _block(src: bytes, out: bytearray) -> None:
    """Decode one LZ4 block onto `out` (earlier output is the match history)."""
    i, n = 0, len(src)
    while i < n:
        token = src[i]
        lit, i = _length(src, i + 1, token >> 4)
        if i + lit > n:
            raise _Damaged("literals run past the block")
        out += src[i : i + lit]
        i += lit
        if i == n:
            return  # the last sequence has literals only
        if i + 2 > n:
            raise _Damaged("a match offset runs past the block")
        offset = src[i] | (src[i + 1] << 8)
        i += 2
        match, i = _length(src, i, token & 15)
        match += 4
        if offset == 0 or offset > len(out):
            raise _Damaged(f"match offset {offset} points before the start of the output")
        start = len(out) - offset
        if offset >= match:
            out += out[start : start + match]
        else:  # the match overlaps what it writes: repeat the period
            period = bytes(out[start:])
            out += (period * (match // offset + 1))[:match]
        if len(out) > MAX_OUTPUT:
            raise _Damaged("output larger than 4 GiB")


def _frame(data: bytes, pos: int, out: bytearray) -> int:
    """Decode the frame at `pos` (after its magic) onto `out`; returns where the next starts."""
    if pos + 3 > len(data):
        raise _Damaged("truncated frame descriptor")
    flg, bd = data[pos], data[pos + 1]
    if flg >> 6 != 1 or flg & 0x02 or bd & 0x8F:
        raise _Damaged(f"unsupported frame descriptor (FLG {flg:#04x}, BD {bd:#04x})")
    if flg & 0x01:
        raise _Damaged("frames compressed with a dictionary are not supported")
    desc_end = pos + 2 + (8 if flg & 0x08 else 0)
    if desc_end + 1 > len(data):
        raise _Damaged("truncated frame descriptor")
    if (xxh32(data[pos:desc_end]) >> 8) & 0xFF != data[desc_end]:
        raise _Damaged("frame header checksum mismatch")
    block_checksum, content_checksum = bool(flg & 0x10), bool(flg & 0x04)
    i = desc_end + 1
    begin = len(out)
    while True:
        if i + 4 > len(data):
            raise _Damaged("truncated: no end mark")
        size = struct.unpack_from("<I", data, i)[0]
        i += 4
        if size == 0:
            break
        stored, size = bool(size & 0x80000000), size & 0x7FFFFFFF
        if i + size + (4 if block_checksum else 0) > len(data):
            raise _Damaged("truncated block")
        block = data[i : i + size]
        i += size
        if block_checksum:
            if xxh32(block) != struct.unpack_from("<I", data, i)[0]:
                raise _Damaged("block checksum mismatch")
            i += 4
        if stored:
            out += block
        else:
            _block(block, out)
    if content_checksum:
        if i + 4 > len(data):
            raise _Damaged("truncated content checksum")
        if xxh32(bytes(out[begin:])) != struct.unpack_from("<I", data, i)[0]:
            raise _Damaged("content checksum mismatch")
        i += 4
    return i


def decompress(data: bytes, path: Path | str) -> bytes:
    """The content of one or more concatenated LZ4 frames."""
    out = bytearray()
    pos = 0
    try:
        while pos < len(data):
            if pos + 4 > len(data):
                raise _Damaged("trailing bytes after the last frame")
            magic = struct.unpack_from("<I", data, pos)[0]
            if magic in _SKIPPABLE:
                if pos + 8 > len(data):
                    raise _Damaged("truncated skippable frame")
                pos += 8 + struct.unpack_from("<I", data, pos + 4)[0]
                continue
            if data[pos : pos + 4] != MAGIC:
                raise _Damaged("not an LZ4 frame" if pos == 0 else "garbage after a frame")
            pos = _frame(data, pos + 4, out)
    except _Damaged as exc:
        raise InputError(
            f"damaged LZ4 data: {exc}", path=path, hint="download the file again"
        ) from None
    return bytes(out)
