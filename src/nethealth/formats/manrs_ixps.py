"""The MANRS IXP participants list as the operator loads it: a CSV with a header line.

MANRS publishes its IXP participants as a web page, not as a file; the operator transcribes it
into this CSV (UTF-8, comma-separated, header names case-insensitive, other columns ignored):

    peeringdb_ix_id  required  the IXP's PeeringDB `ix` id (whole number): how nethealth matches
    name             required  the IXP's name as MANRS lists it
    country          optional  ISO 3166-1 alpha-2 code

An id listed twice is an error (a transcription mistake), as is a row without an id or name.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from nethealth.errors import InputError

SCHEMA = pa.schema([("ix_id", pa.int64()), ("name", pa.string()), ("country", pa.string())])
COLUMNS = ("peeringdb_ix_id", "name", "country")
REQUIRED = ("peeringdb_ix_id", "name")
_CC = re.compile(r"^[A-Z]{2}$")


def parse_manrs_ixps(data: bytes, path: Path | str) -> pa.Table:
    """The CSV's rows → (ix_id, name, country); errors name the line and the column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None
    try:
        return _parse(csv.reader(io.StringIO(text, newline="")), path)
    except csv.Error as exc:
        raise InputError(f"not a CSV file: {exc}", path=path,
                         hint=f"columns: {', '.join(COLUMNS)}") from None  # fmt: skip


def _parse(reader: Iterator[list[str]], path: Path | str) -> pa.Table:
    header = next(reader, None)
    if header is None:
        raise InputError("the file is empty", path=path, hint=f"columns: {', '.join(COLUMNS)}")
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path=path, line=1,
                         hint=f"the header must name {', '.join(REQUIRED)} (and may name "
                         "country)")  # fmt: skip
    at = {c: names.index(c) for c in COLUMNS if c in names}
    ids: list[int] = []
    labels: list[str] = []
    ccs: list[str | None] = []
    seen: dict[int, int] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
        raw_id, name = cells["peeringdb_ix_id"], cells["name"]
        if not raw_id.isdigit():
            raise InputError(f"{raw_id!r} is not a PeeringDB ix id", path=path, line=line,
                             field="peeringdb_ix_id", hint="give the number of "
                             "https://www.peeringdb.com/ix/<id>")  # fmt: skip
        if not name:
            raise InputError("the name is empty", path=path, line=line, field="name")
        ix_id = int(raw_id)
        if ix_id in seen:
            raise InputError(f"ix id {ix_id} is listed twice (first on line {seen[ix_id]})",
                             path=path, line=line, field="peeringdb_ix_id")  # fmt: skip
        seen[ix_id] = line
        cc = cells.get("country", "").upper() or None
        if cc is not None and not _CC.match(cc):
            raise InputError(f"{cc!r} is not an ISO 3166-1 alpha-2 code", path=path, line=line,
                             field="country")  # fmt: skip
        ids.append(ix_id)
        labels.append(name)
        ccs.append(cc)
    return pa.table({"ix_id": pa.array(ids, pa.int64()), "name": pa.array(labels, pa.string()),
                     "country": pa.array(ccs, pa.string())})  # fmt: skip
