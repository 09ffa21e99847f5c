"""RPSL (RFC 2622 / 4012) route objects of IRR database dumps: `route:` / `route6:` with `origin:`.

A dump is a sequence of objects separated by blank lines. Each object line is `attribute: value`;
a line starting with a space, a tab or `+` continues the previous attribute (`+` stands for an
empty continuation). Lines starting with `#` or `%` are comments (RIPE dumps carry both), and `#`
ends an attribute value. Only route objects are extracted; other object classes are passed over.

Dumps may be compressed (gzip, bzip2, xz: detected by magic). Strict mode raises an InputError
naming the line and attribute of the first bad route object; lenient mode skips it and counts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from nethealth.common.prefixes import parse_prefixes, range_columns
from nethealth.errors import InputError
from nethealth.formats.compression import open_binary

ROUTE_SCHEMA = pa.schema([
    ("prefix", pa.string()), ("af", pa.int8()), ("prefix_length", pa.uint8()),
    ("start", pa.uint64()), ("end", pa.uint64()), ("start_lo", pa.uint64()),
    ("end_lo", pa.uint64()), ("origin_asn", pa.uint32()), ("source", pa.string()),
    ("line", pa.int64()),
])  # fmt: skip
ROUTE_CLASSES = {"route": 4, "route6": 6}
MAX_ERRORS_KEPT = 20


@dataclass
class RpslResult:
    routes: pa.Table
    objects: int = 0  # objects of any class read
    skipped: int = 0  # route objects left out in lenient mode
    errors: list[str] = field(default_factory=list)  # the first MAX_ERRORS_KEPT reasons


@dataclass
class _Object:
    line: int  # first line of the object (1-based)
    attrs: list[tuple[str, str, int]] = field(default_factory=list)  # (name, value, line)
    error: InputError | None = None  # the first syntax error inside the object


def _strip_comment(value: str) -> str:
    cut = value.find("#")
    return (value[:cut] if cut >= 0 else value).strip()


def iter_objects(lines: Iterable[str], path: Path | str) -> Iterator[_Object]:
    """Objects of an RPSL text, continuation lines folded in; a syntax error is kept on its
    object (the object still ends at the next blank line), so one bad line costs one object."""
    obj: _Object | None = None
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            if obj is not None:
                yield obj
                obj = None
            continue
        if line[0] in "#%":
            continue
        if obj is None:
            obj = _Object(lineno)
        if line[0] in " \t+":
            if not obj.attrs:
                obj.error = obj.error or InputError(
                    "continuation line outside an attribute", path=path, line=lineno,
                    hint="an object must start with `class: value`",
                )  # fmt: skip
                continue
            name, value, first = obj.attrs[-1]
            more = _strip_comment(line[1:])
            obj.attrs[-1] = (name, f"{value} {more}".strip(), first)
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name or "\t" in name:
            obj.error = obj.error or InputError(
                "expected `attribute: value`", path=path, line=lineno, record=line[:80],
                hint="check that objects are separated by blank lines",
            )  # fmt: skip
            continue
        obj.attrs.append((name.strip().lower(), _strip_comment(value), lineno))
    if obj is not None:
        yield obj


def _route_row(obj: _Object, path: Path | str) -> tuple[str, int, str | None, int]:
    """(prefix, origin, source, line) of a route object; InputError on a bad one."""
    cls, text, _ = obj.attrs[0]
    origins = [(v, ln) for n, v, ln in obj.attrs if n == "origin"]
    if len(origins) != 1:
        raise InputError(
            f"{cls} object has {len(origins)} origin attributes, expected exactly one",
            path=path,
            line=obj.line,
            field="origin",
        )
    origin, oline = origins[0]
    digits = origin[2:] if origin[:2].upper() == "AS" else ""
    if not digits.isascii() or not digits.isdigit() or int(digits) >= 2**32:
        raise InputError(
            f"origin {origin!r} is not an AS number (ASnnn)", path=path, line=oline, field="origin"
        )
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise InputError(
            f"{cls} {text!r} is not a prefix: {exc}", path=path, line=obj.line, field=cls
        ) from None
    if net.version != ROUTE_CLASSES[cls] or "/" not in text:
        raise InputError(
            f"{cls} {text!r} is not an IPv{ROUTE_CLASSES[cls]} prefix with a length",
            path=path,
            line=obj.line,
            field=cls,
        )
    sources = [v for n, v, _ in obj.attrs if n == "source"]
    return str(net), int(digits), (sources[0].upper() if sources else None), obj.line


def parse_lines(lines: Iterable[str], path: Path | str, *, strict: bool = True) -> RpslResult:
    prefixes: list[str] = []
    origins: list[int] = []
    sources: list[str | None] = []
    starts: list[int] = []
    result = RpslResult(ROUTE_SCHEMA.empty_table())
    for obj in iter_objects(lines, path):
        result.objects += 1
        try:
            if obj.error is not None:
                raise obj.error
            if not obj.attrs or obj.attrs[0][0] not in ROUTE_CLASSES:
                continue
            prefix, origin, source, line = _route_row(obj, path)
        except InputError as exc:
            if strict:
                raise
            result.skipped += 1
            if len(result.errors) < MAX_ERRORS_KEPT:
                result.errors.append(f"line {exc.line}: {exc.message}")
            continue
        prefixes.append(prefix)
        origins.append(origin)
        sources.append(source)
        starts.append(line)
    result.routes = _table(prefixes, origins, sources, starts)
    return result


def _table(
    prefixes: list[str], origins: list[int], sources: list[str | None], lines: list[int]
) -> pa.Table:
    if not prefixes:
        return ROUTE_SCHEMA.empty_table()
    parsed = parse_prefixes(prefixes)  # already checked one by one: cannot fail here
    cols = range_columns(parsed.af, parsed.hi, parsed.lo, parsed.length)
    return pa.table({
        "prefix": pa.array(prefixes, pa.string()),
        "af": pa.array(parsed.af.astype(np.int8)),
        "prefix_length": pa.array(parsed.length, pa.uint8()),
        **{k: pa.array(v, pa.uint64()) for k, v in cols.items()},
        "origin_asn": pa.array(origins, pa.uint32()),
        "source": pa.array(sources, pa.string()),
        "line": pa.array(lines, pa.int64()),
    }).cast(ROUTE_SCHEMA)  # fmt: skip


def read_rpsl(path: Path, *, strict: bool = True) -> RpslResult:
    """Route objects of an RPSL dump file (compressed or not)."""
    with open_binary(path) as fh:
        text = (raw.decode("utf-8", errors="replace") for raw in fh)
        return parse_lines(text, path, strict=strict)
