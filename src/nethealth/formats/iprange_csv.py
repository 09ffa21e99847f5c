"""ip-location-db CSV files of inclusive numeric IP ranges (`-num.csv`).

`start,end,asn,as_name` (asn files) or `start,end,cc` (country files), one range per line, no
header. IPv6 numbers exceed 64 bits: we keep the top 64 bits (the routing-relevant /64 part),
which is exact for every range aligned on /64 boundaries, as RIR and BGP ranges are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from nethealth.errors import InputError

ASN_COLUMNS = ("start", "end", "asn", "as_name")
COUNTRY_COLUMNS = ("start", "end", "cc")
V4_MAX = 2**32 - 1
V6_MAX = 2**128 - 1


def _rows(reader: Iterator[list[str]], path: Path | str) -> Iterator[list[str]]:
    """The reader's rows; a CSV syntax error becomes an InputError naming the line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(reader, "line_num", None)
            raise InputError(f"not CSV: {exc}", path=path, line=line,
                             hint="the file is damaged; fetch it again") from None  # fmt: skip
        yield row


def parse_range_csv(data: bytes, path: Path | str, *, af: int, kind: str) -> pa.Table:
    """Parse a `-num.csv` file strictly. kind is 'asn' or 'country'; af is 4 or 6."""
    columns = ASN_COLUMNS if kind == "asn" else COUNTRY_COLUMNS
    ncols = len(columns)
    limit = V4_MAX if af == 4 else V6_MAX
    shift = 0 if af == 4 else 64
    starts: list[int] = []
    ends: list[int] = []
    thirds: list[int | str] = []
    names: list[str] = []
    # newline="": the csv module's own line handling, so a stray \r is a line end, not an error
    reader = csv.reader(io.StringIO(_decode(data, path), newline=""))
    for lineno, row in enumerate(_rows(reader, path), start=1):
        if not row:
            continue
        if len(row) != ncols:
            raise InputError(
                f"expected {ncols} columns ({', '.join(columns)}), found {len(row)}",
                path=path,
                line=lineno,
                hint="the file is truncated or of another kind; fetch it again",
            )
        start = _number(row[0], path, lineno, "start", limit)
        end = _number(row[1], path, lineno, "end", limit)
        if end < start:
            raise InputError("range end is before its start", path=path, line=lineno, field="end")
        starts.append(start >> shift)
        ends.append(end >> shift)
        if kind == "asn":
            thirds.append(_number(row[2], path, lineno, "asn", 2**32 - 1))
            names.append(row[3])
        else:
            cc = row[2].strip().upper()
            if len(cc) != 2 or not cc.isalpha():
                raise InputError(f"bad country code {row[2]!r}", path=path, line=lineno, field="cc")
            thirds.append(cc)
    arrays: dict[str, pa.Array] = {
        "af": pa.array([af] * len(starts), pa.int8()),
        "start": pa.array(starts, pa.uint64()),
        "end": pa.array(ends, pa.uint64()),
    }
    if kind == "asn":
        arrays["asn"] = pa.array(thirds, pa.uint32())
        arrays["as_name"] = pa.array(names, pa.string())
    else:
        arrays["cc"] = pa.array(thirds, pa.string())
    return pa.table(arrays)


def _decode(data: bytes, path: Path | str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None


def _number(text: str, path: Path | str, line: int, field: str, limit: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number", path=path, line=line, field=field) from None
    if not 0 <= value <= limit:
        raise InputError(f"{value} is out of range", path=path, line=line, field=field)
    return value
