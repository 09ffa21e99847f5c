"""`bgpdump -m` compatible text from decoded element batches.

One line per element, `|`-separated, exactly as RIPE NCC bgpdump 1.6.2 prints them, including its
quirks: absent LOCAL_PREF / MED print 0, an absent ORIGIN prints INCOMPLETE, an absent next hop
prints 255.255.255.255, and deprecated type 5 (BGP) lines have no `|` between MED and the
communities. Fields bgpdump does not show (large communities, path ids of non-ADD-PATH records)
are not printed; the Arrow columns carry them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.formats import _mrt
from nethealth.formats.mrt import MRTReader
from nethealth.formats.mrt_schema import SEGMENT_START

_WELL_KNOWN = {0xFFFFFF01: "no-export", 0xFFFFFF02: "no-advertise", 0xFFFFFF03: "local-AS"}
_OPEN = {1: "{", 3: "(", 4: "["}
_CLOSE = {1: "}", 3: ")", 4: "]"}


@lru_cache(maxsize=1 << 16)
def bgpdump_ipv6(text: str) -> str:
    """IPv6 text as bgpdump writes it: its inet_ntop also folds a single zero group into "::"
    and writes ::/96 addresses (other than ::1) with an embedded IPv4 address."""
    words = ipaddress.IPv6Address(text).packed
    w = [(words[2 * i] << 8) | words[2 * i + 1] for i in range(8)]
    best, best_len, cur, cur_len = -1, 0, -1, 0
    for i, v in enumerate(w):
        if v == 0:
            if cur < 0:
                cur, cur_len = i, 1
            else:
                cur_len += 1
            if cur_len > best_len:
                best, best_len = cur, cur_len
        else:
            cur = -1
    hexw = [f"{v:x}" for v in w]
    if best == 0 and (
        best_len == 6 or (best_len == 7 and w[7] != 1) or (best_len == 5 and w[5] == 0xFFFF)
    ):
        v4 = str(ipaddress.IPv4Address(bytes(words[12:])))
        return "::" + ("ffff:" if best_len == 5 else "") + v4
    if best < 0:
        return ":".join(hexw)
    return ":".join(hexw[:best]) + "::" + ":".join(hexw[best + best_len :])


def _addr(text: str) -> str:
    return bgpdump_ipv6(text) if ":" in text else text


def _prefix(text: str) -> str:
    if ":" not in text:
        return text
    addr, _, length = text.partition("/")
    return f"{bgpdump_ipv6(addr)}/{length}"


def format_as_path(path: list[int], segments: list[int] | None) -> str:
    if segments is None:
        return " ".join(map(str, path))
    out: list[str] = []
    prev = 2
    space = False
    for asn, flag in zip(path, segments, strict=True):
        seg = flag & 0x7F
        if flag & SEGMENT_START:
            if prev != 2:
                out.append(_CLOSE.get(prev, " "))
            if space:
                out.append(" ")
            if seg != 2:
                out.append(_OPEN.get(seg, " "))
            space = False
            prev = seg
        if space:
            out.append("," if seg in (1, 4) else " ")
        else:
            space = True
        out.append(str(asn))
    if path and prev != 2:
        out.append(_CLOSE.get(prev, " "))
    return "".join(out)


def format_community(value: int) -> str:
    name = _WELL_KNOWN.get(value)
    return name if name is not None else f"{value >> 16}:{value & 0xFFFF}"


def _map_unique(arr: pa.Array, fn: Callable[[str], str]) -> pa.Array:
    """Apply a Python function to the distinct values of a string array only."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if isinstance(arr, pa.DictionaryArray):
        dictionary = pa.array(
            [None if v is None else fn(v) for v in arr.dictionary.to_pylist()], pa.string()
        )
        return pc.take(dictionary, arr.indices)
    uniq = pc.unique(arr)
    mapped = pa.array([None if v is None else fn(v) for v in uniq.to_pylist()], pa.string())
    return pc.take(mapped, pc.index_in(arr, value_set=uniq))


def _needs_v6_text(arr: pa.Array) -> pa.Array:
    return pc.match_substring(arr, ":")


def _v6_fix(arr: pa.Array, fn: Callable[[str], str]) -> pa.Array:
    """bgpdump's IPv6 spelling, computed only where the RFC 5952 text can differ from it."""
    mask = pc.fill_null(pc.match_substring_regex(arr, r"(^|:)0(:|$|/)|^::[0-9a-f]+(/|$)"), False)
    if not pc.any(mask).as_py():
        return arr
    fixed = _map_unique(pc.filter(arr, mask), fn)
    return pc.replace_with_mask(arr, mask, fixed)


def _communities(col: pa.Array) -> pa.Array:
    """list<uint32> -> "a:b c:d" (bgpdump names the three well-known values); null -> ""."""
    values = col.values
    text = pc.binary_join_element_wise(
        pc.cast(pc.shift_right(values, 16), pa.string()),
        pc.cast(pc.bit_wise_and(values, pa.scalar(0xFFFF, pa.uint32())), pa.string()),
        ":",
    )
    for value, name in _WELL_KNOWN.items():
        text = pc.if_else(pc.equal(values, pa.scalar(value, pa.uint32())), name, text)
    lists = pa.ListArray.from_arrays(col.offsets, text)
    joined = pc.binary_join(lists, " ")
    return pc.fill_null(pc.if_else(col.is_valid(), joined, pa.scalar(None, pa.string())), "")


def _as_paths(path: pa.Array, segments: pa.Array) -> pa.Array:
    plain = pc.fill_null(pc.binary_join(pc.cast(path, pa.list_(pa.string())), " "), "")
    complex_rows = segments.is_valid()
    if not pc.any(complex_rows).as_py():
        return plain
    idx = pc.indices_nonzero(complex_rows).to_pylist()
    paths = pc.take(path, idx).to_pylist()
    segs = pc.take(segments, idx).to_pylist()
    texts = pa.array([format_as_path(p, s) for p, s in zip(paths, segs, strict=True)], pa.string())
    return pc.replace_with_mask(plain, complex_rows, texts)


def _str(arr: pa.Array) -> pa.Array:
    return pc.cast(arr, pa.string())


def format_lines(batch: pa.RecordBatch) -> pa.Array:
    """One `bgpdump -m` line per element, as an Arrow string array (vectorised)."""
    n = batch.num_rows
    col = batch.column
    names = batch.schema.names

    def c(name: str) -> pa.Array:
        return col(names.index(name))

    rt = pc.cast(c("record_type"), pa.string())
    elem = pc.cast(c("elem_type"), pa.string())
    micros = pc.cast(c("timestamp"), pa.int64())
    secs = _str(pc.divide(micros, 1_000_000))
    usec = pc.utf8_lpad(
        _str(pc.subtract(micros, pc.multiply(pc.divide(micros, 1_000_000), 1_000_000))), 6, "0"
    )
    is_et = pc.starts_with(rt, "BGP4MP_ET")
    t = pc.if_else(is_et, pc.binary_join_element_wise(secs, usec, "."), secs)
    peer = _v6_fix(_map_unique(c("peer_ip"), lambda v: v), _addr)
    asn = _str(c("peer_asn"))
    empty = pa.scalar("", pa.string())
    prefix = _v6_fix(pc.fill_null(c("prefix"), ""), _prefix)
    is_ap = pc.ends_with(rt, "_AP")
    pid = pc.fill_null(_str(c("path_id")), "")

    def join(*parts: pa.Array | str) -> pa.Array:
        return pc.binary_join_element_wise(
            *parts, "|", null_handling="replace", null_replacement=""
        )

    state = join(rt, t, "STATE", peer, asn, _str(c("old_state")), _str(c("new_state")))
    withdraw = join(rt, t, "W", peer, asn, prefix)
    withdraw = pc.if_else(is_ap, join(withdraw, pid), withdraw)
    path = _as_paths(c("as_path"), c("as_path_segments"))
    origin = pc.fill_null(pc.cast(c("origin"), pa.string()), "INCOMPLETE")
    nh = _v6_fix(pc.fill_null(c("next_hop"), "255.255.255.255"), _addr)
    lp = pc.fill_null(_str(c("local_pref")), "0")
    med = pc.fill_null(_str(c("med")), "0")
    comm = _communities(c("communities"))
    ag = pc.if_else(pc.fill_null(c("atomic_aggregate"), False), "AG", "NAG")
    agg = pc.fill_null(
        pc.binary_join_element_wise(_str(c("aggregator_asn")), c("aggregator_ip"), " "), ""
    )
    letter = pc.if_else(pc.equal(elem, "rib"), "B", "A")
    head = join(rt, t, letter, peer, asn, prefix)
    head = pc.if_else(is_ap, join(head, pid), head)
    route = join(head, path, origin, nh, lp, med, comm, ag, agg, empty)
    # deprecated type 5 (BGP): bgpdump writes no "|" between MED and the communities
    bgp5 = join(
        head, path, origin, nh, lp, pc.binary_join_element_wise(med, comm, ""), ag, agg, empty
    )
    route = pc.if_else(pc.equal(rt, "BGP"), bgp5, route)
    out = pc.if_else(
        pc.equal(elem, "state"), state, pc.if_else(pc.equal(elem, "withdraw"), withdraw, route)
    )
    assert len(out) == n
    return out


def write_lines(batches: Iterable[pa.RecordBatch], out: BinaryIO) -> int:
    """Write the bgpdump lines of every batch to a binary stream; returns the line count."""
    count = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        lines = pc.binary_join_element_wise(format_lines(batch), empty_str(), "\n")
        # the data buffer of a null-free string array is its values back to back
        offsets = np.frombuffer(
            lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4
        )
        data = lines.buffers()[2]
        out.write(memoryview(data)[offsets[0] : offsets[-1]])
        count += batch.num_rows
    return count


def empty_str() -> pa.Scalar:
    return pa.scalar("", pa.string())


def dump(reader: MRTReader, out: BinaryIO) -> None:
    """Write a file's bgpdump lines, formatted natively from the decoder's column buffers (the
    fast path of `nethealth bgp dump`; `format_lines` is the Arrow-based equivalent)."""
    for cols in reader.columns():
        out.write(_mrt.format_bgpdump(cols))


def format_batch(batch: pa.RecordBatch) -> Iterator[str]:
    yield from format_lines(batch).to_pylist()


def format_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[str]:
    for batch in batches:
        yield from format_batch(batch)
