"""AS hegemony scores (Internet Health Report, Fontugne et al., PAM 2018) as published as CSV.

Two shapes:
- the IHR archive's `timebin,originasn,asn,hege,af` (e.g.
  `ihr_hegemony_ipv4_global_YYYY-MM-DD.csv`): per time bin, the hegemony of `asn` for the paths
  towards `originasn` (0: the global graph), per address family;
- a reduced `asn,hege` list (one global score per AS, no time, no family; the score column is
  also seen named `score` or `hegemony`).

Hegemony is a share in [0, 1]: the (trimmed) fraction of paths that cross the AS. A value outside
that range, an AS number that is not one, or one AS scored twice for the same bin, origin and
family is an error naming the line.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from nethealth.errors import InputError

SCHEMA = pa.schema(
    [
        ("timebin", pa.timestamp("s", tz="UTC")),  # NULL: the file does not say
        ("origin_asn", pa.uint32()),  # 0: hegemony in the global graph
        ("asn", pa.uint32()),
        ("af", pa.int8()),  # NULL: the file does not say
        ("hegemony", pa.float64()),
    ]
)
MAX_ASN = 2**32 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also takes '³'
_SHARE = re.compile(r"\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*")
FULL = ("timebin", "originasn", "asn", "hege")
REDUCED = ("asn", "hege")
SCORE_ALIASES = {"score": "hege", "hegemony": "hege"}


@dataclass(frozen=True)
class Hegemony:
    table: pa.Table  # SCHEMA
    first_bin: datetime | None  # the earliest time bin, when the file has them


def _timebin(text: str, path: Path | str, line: int) -> datetime:
    value = text.strip().replace(" ", "T")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{text[:30]!r} is not a time", path=path, line=line,
                         field="timebin") from None  # fmt: skip
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _asn(text: str, path: Path | str, line: int, field: str) -> int:
    t = text.strip()
    if not _DIGITS.fullmatch(t) or int(t) > MAX_ASN:
        raise InputError(f"{t[:20]!r} is not an AS number", path=path, line=line, field=field)
    return int(t)


def _share(text: str, path: Path | str, line: int) -> float:
    try:
        value = float(text) if _SHARE.fullmatch(text) else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InputError(
            f"hegemony {text[:20]!r} is not a share between 0 and 1",
            path=path,
            line=line,
            field="hege",
        )
    return value


def parse_hegemony(data: bytes, path: Path | str) -> Hegemony:
    """Either shape above, as SCHEMA rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"not CSV: {exc}", path=path) from None
    if not rows:
        raise InputError("empty file", path=path)
    header = [SCORE_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in rows[0]]
    if not all(c in header for c in REDUCED):
        raise InputError(
            f"header {','.join(header)[:80]!r} lacks asn and hege",
            path=path,
            line=1,
            hint="give an IHR hegemony CSV (timebin,originasn,asn,hege,af or asn,hege)",
        )
    full = all(c in header for c in FULL)
    at = {c: header.index(c) for c in (*FULL, "af") if c in header}
    cols: dict[str, list[object]] = {f.name: [] for f in SCHEMA}
    seen: dict[tuple[object, int, int, object], int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not row or row == [""]:
            continue
        if len(row) < len(header):
            raise InputError(f"{len(row)} columns, the header has {len(header)}", path=path,
                             line=n)  # fmt: skip
        when = _timebin(row[at["timebin"]], path, n) if full else None
        origin = _asn(row[at["originasn"]], path, n, "originasn") if full else 0
        asn = _asn(row[at["asn"]], path, n, "asn")
        af: int | None = None
        if "af" in at and row[at["af"]].strip():
            af_text = row[at["af"]].strip()
            if af_text not in ("4", "6"):
                raise InputError(f"af {af_text[:10]!r} is not 4 or 6", path=path, line=n,
                                 field="af")  # fmt: skip
            af = int(af_text)
        key = (when, origin, asn, af)
        if key in seen:
            raise InputError(
                f"AS{asn} is scored twice (also on line {seen[key]})", path=path, line=n,
                field="asn",
            )  # fmt: skip
        seen[key] = n
        for name, value in (("timebin", when), ("origin_asn", origin), ("asn", asn),
                            ("af", af), ("hegemony", _share(row[at["hege"]], path, n))):  # fmt: skip
            cols[name].append(value)
    if not cols["asn"]:
        raise InputError("no hegemony scores in the file", path=path)
    table = pa.table(cols, schema=SCHEMA)
    bins = [b for b in cols["timebin"] if isinstance(b, datetime)]
    return Hegemony(table, min(bins) if bins else None)
