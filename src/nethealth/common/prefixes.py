"""IP prefixes as integer columns, for vectorised work on millions of them.

An address is held "top-aligned" in two uint64 words (`hi`, `lo`): IPv6 uses all 128 bits, IPv4
sits in the top 32 bits of `hi` with `lo` = 0. Masking a prefix of length L then means keeping the
top L bits in both families, so one code path serves IPv4 and IPv6 without 128-bit integers.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

U64 = npt.NDArray[np.uint64]
U8 = npt.NDArray[np.uint8]
Bools = npt.NDArray[np.bool_]

ALL_ONES = (1 << 64) - 1
# MASKS[b] keeps the top b bits of a 64-bit word (b = 0..64); a table avoids shifts by 64.
MASKS: U64 = np.array(
    [0] + [ALL_ONES ^ ((1 << (64 - b)) - 1) for b in range(1, 65)], dtype=np.uint64
)
WIDTH = {4: 32, 6: 128}
_LENGTH_RE = r"^(0|[1-9][0-9]{0,2})$"


class PrefixSyntaxError(ValueError):
    """A prefix text that is not `address/length`; `index` is its position in the input."""

    def __init__(self, index: int, text: str | None, reason: str) -> None:
        self.index = index
        self.text = text
        self.reason = reason
        super().__init__(f"{text!r}: {reason}")


@dataclass(frozen=True)
class Prefixes:
    """Parsed prefixes: family (4/6), top-aligned start words, length, host-bits flag."""

    af: U8
    hi: U64
    lo: U64
    length: U8
    host_bits: Bools  # the text had bits set beyond its length (hi/lo are masked regardless)

    def __len__(self) -> int:
        return len(self.af)


def hi_mask(length: npt.NDArray[np.integer]) -> U64:
    return cast(U64, MASKS[np.minimum(length, 64)])


def lo_mask(length: npt.NDArray[np.integer]) -> U64:
    return MASKS[np.clip(length.astype(np.int16) - 64, 0, 64)]


def mask(hi: U64, lo: U64, length: npt.NDArray[np.integer]) -> tuple[U64, U64]:
    """Clear the bits beyond each prefix length."""
    return hi & hi_mask(length), lo & lo_mask(length)


def end_words(hi: U64, lo: U64, length: npt.NDArray[np.integer]) -> tuple[U64, U64]:
    """The last address of each prefix, top-aligned (for IPv4 only the top 32 bits matter)."""
    return hi | ~hi_mask(length), lo | ~lo_mask(length)


def parse_prefixes(texts: pa.Array | Sequence[str]) -> Prefixes:
    """Parse `address/length` texts (IPv4 dotted quad, IPv6 RFC 4291 text), strictly.

    Raises PrefixSyntaxError naming the first bad element. Host bits are reported, not refused:
    whether they are an error depends on the input (a VRP file: yes; a BGP route: mask them).
    IPv4 texts are decoded straight from Arrow's byte buffer with NumPy; IPv6 ones by the C
    library's inet_pton, one call each.
    """
    arr = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
    arr = arr.cast(pa.string())
    if arr.null_count:
        first = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
        raise PrefixSyntaxError(first, None, "the prefix is empty")
    n = len(arr)
    is6 = pc.match_substring(arr, ":").to_numpy(zero_copy_only=False) if n else np.zeros(0, bool)
    hi = np.zeros(n, np.uint64)
    lo = np.zeros(n, np.uint64)
    length = np.zeros(n, np.uint8)
    errors: list[PrefixSyntaxError] = []  # the first bad text of either family is reported
    v4 = np.flatnonzero(~is6)
    if v4.size:
        got = _parse_v4(arr if v4.size == n else arr.filter(pa.array(~is6)))
        if got is not None:
            hi[v4] = got[0] << np.uint64(32)
            length[v4] = got[1]
        else:  # something is malformed (or unusual): the generic path decides
            try:
                hi[v4], _, length[v4] = _parse_generic(arr.filter(pa.array(~is6)), v4, 4)
            except PrefixSyntaxError as exc:
                errors.append(exc)
    v6 = np.flatnonzero(is6)
    if v6.size:
        try:
            hi[v6], lo[v6], length[v6] = _parse_generic(arr.filter(pa.array(is6)), v6, 6)
        except PrefixSyntaxError as exc:
            errors.append(exc)
    if errors:
        raise min(errors, key=lambda e: e.index)
    mhi, mlo = mask(hi, lo, length)
    host = (mhi != hi) | (mlo != lo)
    af_col = np.where(is6, 6, 4).astype(np.uint8)
    return Prefixes(af_col, mhi, mlo, length, host)


def _parse_v4(arr: pa.Array) -> tuple[U64, U8] | None:
    """Dotted-quad prefixes from the string buffer: None if any is malformed.

    Every well-formed text has exactly three '.' and one '/' (in that order) delimiting five
    decimal fields of 1-3 digits without leading zeros. Arrow string offsets are int32, so
    int32 positions suffice.
    """
    n = len(arr)
    _, off_buf, data_buf = arr.buffers()
    if data_buf is None:
        return None
    offsets = np.frombuffer(off_buf, np.int32)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(data_buf, np.uint8)
    begin = int(offsets[0])
    chunk = data[begin : int(offsets[-1])]
    found = np.flatnonzero((chunk == 46) | (chunk == 47))
    if found.size != 4 * n:
        return None
    pos = (found.astype(np.int32) + np.int32(begin)).reshape(n, 4).T
    if not ((data[pos[:3]] == 46).all() and (data[pos[3]] == 47).all()):
        return None
    starts = (offsets[:-1], pos[0] + 1, pos[1] + 1, pos[2] + 1, pos[3] + 1)
    ends = (pos[0], pos[1], pos[2], pos[3], offsets[1:])
    fields = []
    for s, e in zip(starts, ends, strict=True):
        size = e - s
        # A row of separators that straddles two strings shows as an empty or too long field.
        if not ((size >= 1) & (size <= 3)).all():
            return None
        ones = data[e - 1].astype(np.int16) - 48
        tens = np.where(size >= 2, data[np.maximum(e - 2, 0)], 48).astype(np.int16) - 48
        hundreds = np.where(size >= 3, data[np.maximum(e - 3, 0)], 48).astype(np.int16) - 48
        digits = np.stack([ones, tens, hundreds])
        if ((digits < 0) | (digits > 9)).any() or ((size > 1) & (data[s] == 48)).any():
            return None  # not a digit, or a leading zero
        fields.append(ones + 10 * tens + 100 * hundreds)
    if max(int(f.max()) for f in fields[:4]) > 255 or int(fields[4].max()) > 32:
        return None
    addr = (
        (fields[0].astype(np.uint64) << np.uint64(24))
        | (fields[1].astype(np.uint64) << np.uint64(16))
        | (fields[2].astype(np.uint64) << np.uint64(8))
        | fields[3].astype(np.uint64)
    )
    return addr, fields[4].astype(np.uint8)


def _parse_generic(sub: pa.Array, where: npt.NDArray[np.intp], af: int) -> tuple[U64, U64, U8]:
    """Split, check and inet_pton each text; on any error, name the first bad one.

    `where` maps positions in `sub` to positions in the caller's input (for the error)."""
    width = WIDTH[af]
    parts = pc.split_pattern(sub, "/", max_splits=1)
    if not pc.all(pc.equal(pc.list_value_length(parts), 2)).as_py():
        _raise_first_error(sub.to_pylist(), where, af)
    len_text = pc.list_element(parts, 1)
    if not pc.all(pc.match_substring_regex(len_text, _LENGTH_RE)).as_py():
        _raise_first_error(sub.to_pylist(), where, af)
    length = pc.cast(len_text, pa.uint16()).to_numpy()
    if (length > width).any():
        _raise_first_error(sub.to_pylist(), where, af)
    family = socket.AF_INET6 if af == 6 else socket.AF_INET
    pton = socket.inet_pton
    try:
        packed = b"".join([pton(family, t) for t in pc.list_element(parts, 0).to_pylist()])
    except (OSError, UnicodeEncodeError):
        _raise_first_error(sub.to_pylist(), where, af)
    if af == 4:
        words = np.frombuffer(packed, dtype=">u4").astype(np.uint64) << np.uint64(32)
        return words, np.zeros(len(words), np.uint64), length.astype(np.uint8)
    pairs = np.frombuffer(packed, dtype=">u8").reshape(-1, 2)
    return pairs[:, 0].astype(np.uint64), pairs[:, 1].astype(np.uint64), length.astype(np.uint8)


def _raise_first_error(texts: list[str], where: npt.NDArray[np.intp], af: int) -> NoReturn:
    """The slow path, taken only for bad input: check text by text, in order."""
    for k, text in enumerate(texts):
        reason = _problem(text, af)
        if reason is not None:
            raise PrefixSyntaxError(int(where[k]), text, reason)
    raise AssertionError("no malformed prefix found")  # pragma: no cover


def _problem(text: str, af: int) -> str | None:
    addr, slash, bits = text.partition("/")
    if not slash:
        return "expected address/length"
    if not re.match(_LENGTH_RE, bits):
        return "the length is not a number"
    if int(bits) > WIDTH[af]:
        return f"length exceeds {WIDTH[af]} for IPv{af}"
    try:
        socket.inet_pton(socket.AF_INET6 if af == 6 else socket.AF_INET, addr)
    except (OSError, UnicodeEncodeError):
        return f"not an IPv{af} address"
    return None


def format_prefixes(
    af: npt.NDArray[np.integer], hi: U64, lo: U64, length: npt.NDArray[np.integer]
) -> list[str]:
    """Canonical text of each prefix: RFC 5952 for IPv6 in all-hex form (as Python's
    `ipaddress` writes it; the C library would write ::c000:201 as ::192.0.2.1)."""
    out: list[str] = []
    ntop = socket.inet_ntop
    v4 = (hi >> np.uint64(32)).astype(">u4").tobytes()
    v6 = np.column_stack([hi, lo]).astype(">u8").tobytes()
    for i, (fam, ln) in enumerate(zip(af.tolist(), length.tolist(), strict=True)):
        if fam == 4:
            out.append(f"{ntop(socket.AF_INET, v4[4 * i : 4 * i + 4])}/{ln}")
            continue
        raw = v6[16 * i : 16 * i + 16]
        text = ntop(socket.AF_INET6, raw)
        if "." in text:  # mixed notation: rare, so the slow exact path is fine
            text = str(ipaddress.IPv6Address(raw))
        out.append(f"{text}/{ln}")
    return out


def range_columns(af: U8, hi: U64, lo: U64, length: U8) -> dict[str, U64]:
    """Integer range columns in the lake's convention (the one of `ipdb_*`): IPv4 addresses as
    numbers, IPv6 as their top 64 bits; `*_lo` carries IPv6's low 64 bits (0 for IPv4)."""
    ehi, elo = end_words(hi, lo, length)
    v4 = af == 4
    shift = np.uint64(32)
    return {
        "start": np.where(v4, hi >> shift, hi),
        "end": np.where(v4, ehi >> shift, ehi),
        "start_lo": np.where(v4, np.uint64(0), lo),
        "end_lo": np.where(v4, np.uint64(0), elo),
    }


def from_range_columns(af: npt.NDArray[np.integer], start: U64, start_lo: U64) -> tuple[U64, U64]:
    """Back from the lake's range columns to top-aligned words."""
    v4 = af == 4
    return np.where(v4, start << np.uint64(32), start), np.where(v4, np.uint64(0), start_lo)
