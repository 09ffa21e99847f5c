"""Route lists for `nethealth rpki validate`: CSV `prefix,origin_asn`, and the results
`prefix,origin_asn,state,reason` (CSV, or JSON objects).

A header line (`prefix,origin_asn`) is optional. The origin may be written 64500 or AS64500;
an empty origin means the route has none (an AS_SET origin): it can never be valid. Prefixes
with host bits are accepted and validated as masked (as rtrlib and BGP speakers do); their
number is reported.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from nethealth.common.prefixes import Prefixes, PrefixSyntaxError, parse_prefixes
from nethealth.errors import InputError
from nethealth.formats.compression import open_binary
from nethealth.lake.storage import atomic_path
from nethealth.rpki.rov import NO_ORIGIN, RovResult, reason_text, state_text

COLUMNS = ("prefix", "origin_asn")
_ASN_TEXT = r"^(?:[Aa][Ss])?(0|[1-9][0-9]{0,9})$"


@dataclass(frozen=True)
class RouteList:
    text: pa.Array  # the prefixes as written
    origin: npt.NDArray[np.int64]  # NO_ORIGIN (-1) where empty
    prefixes: Prefixes

    @property
    def host_bits(self) -> int:
        return int(self.prefixes.host_bits.sum())

    def __len__(self) -> int:
        return len(self.text)


def read_routes(path: Path) -> RouteList:
    try:
        with open_binary(path) as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read: {exc}", path=path, hint="check the path") from None
    return parse_routes(data, path)


def parse_routes(data: bytes, path: Path | str) -> RouteList:
    first = data[:256].split(b"\n", 1)[0].strip().lower()
    header = first.startswith(b"prefix")
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=list(COLUMNS), skip_rows=int(header)),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in COLUMNS},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"not a prefix,origin_asn CSV: {exc}",
            path=path,
            hint="one route per line: 192.0.2.0/24,64500",
        ) from None
    text = table["prefix"].combine_chunks()
    try:
        prefixes = parse_prefixes(pc.utf8_trim_whitespace(text))
    except PrefixSyntaxError as exc:
        raise InputError(
            f"{exc.text!r} is not a prefix: {exc.reason}",
            path=path,
            line=_line_of(data, exc.index, header),
            field="prefix",
            hint="write address/length, e.g. 192.0.2.0/24 or 2001:db8::/32",
        ) from None
    origin = _origins(table["origin_asn"].combine_chunks(), data, header, path)
    return RouteList(text, origin, prefixes)


def _origins(col: pa.Array, data: bytes, header: bool, path: Path | str) -> npt.NDArray[np.int64]:
    col = pc.utf8_trim_whitespace(col)
    empty = pc.equal(col, "").to_numpy(zero_copy_only=False)
    ok = pc.match_substring_regex(col, _ASN_TEXT).to_numpy(zero_copy_only=False) | empty
    out = np.full(len(col), NO_ORIGIN, np.int64)
    if ok.all():
        digits = pc.replace_substring_regex(col, r"^[Aa][Ss]", "")
        num = pc.cast(pc.if_else(pa.array(empty), "-1", digits), pa.int64()).to_numpy()
        ok = num <= 2**32 - 1
        out = num
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise InputError(
            f"{col[i].as_py()!r} is not an AS number",
            path=path,
            line=_line_of(data, i, header),
            field="origin_asn",
            hint="write 64500 or AS64500; leave it empty for a route without a single origin",
        )
    return out


def _line_of(data: bytes, index: int, header: bool) -> int:
    """1-based line of the index-th data row (the reader skips blank lines and the header)."""
    lines = data.splitlines()
    rows = (n for n, line in enumerate(lines, start=1) if line.strip() and not (header and n == 1))
    for i, lineno in enumerate(rows):
        if i == index:
            return lineno
    return 0


def result_table(routes: RouteList, result: RovResult, vrps: pa.Table) -> pa.Table:
    origin = pa.array(routes.origin, mask=routes.origin == NO_ORIGIN)
    return pa.table(
        {
            "prefix": routes.text,
            "origin_asn": origin,
            "state": state_text(result),
            "reason": reason_text(result, vrps),
        }
    )


def write_results(table: pa.Table, dest: Path | IO[bytes], fmt: str = "csv") -> None:
    """Write the results as CSV or as a JSON array of objects (`origin_asn` null for a route
    without a single origin); to a path atomically (nothing half-written), or to a stream."""
    sink = io.BytesIO()
    if fmt == "json":
        sink.write(json.dumps(table.to_pylist()).encode() + b"\n")
    else:
        pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(quoting_style="needed"))
    if isinstance(dest, Path):
        with atomic_path(dest) as tmp:
            tmp.write_bytes(sink.getvalue())
    else:
        dest.write(sink.getvalue())
