"""Top-site lists in the Tranco shape: `rank,domain` lines, or one `Domain` column in rank order.

Tranco publishes `top-1m.csv` (no header, `1,google.com`), also zipped (`top-1m.csv.zip`).
Lists republished elsewhere often keep only the domains, one per line under a `Domain` header;
their rank is then the line order. Both read into the same table: rank (1 = most popular) and
domain (lower case, no trailing dot). Ranks must be distinct; a domain may appear only once.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pyarrow as pa

from nethealth.errors import InputError

SCHEMA = pa.schema([("rank", pa.int32()), ("domain", pa.string())])
MAX_RANK = 100_000_000
# A host name: labels of letters, digits, '-' and '_' (seen in real lists), IDNs as punycode.
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_RANK = re.compile(r"[0-9]{1,9}")
_HEADER_WORDS = {"domain", "domains", "site", "host"}


def _unzip(data: bytes, path: Path | str) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise InputError(
                f"the ZIP holds {len(names)} files, not one list",
                path=path,
                hint="give the CSV itself",
            )
        return archive.read(names[0])
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(f"damaged ZIP: {exc}", path=path, hint="download it again") from None


def _domain(text: str, path: Path | str, line: int) -> str:
    name = text.strip().lower().rstrip(".")
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
        raise InputError(
            f"{text.strip()[:80]!r} is not a domain name",
            path=path,
            line=line,
            field="domain",
            hint="a top list has one domain per line (rank,domain or a Domain column)",
        )
    return name


def parse_toplist(data: bytes, path: Path | str) -> pa.Table:
    """A Tranco-shaped list (CSV, optionally zipped) as SCHEMA rows in rank order."""
    if data[:4] == b"PK\x03\x04":
        data = _unzip(data, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None
    ranks: list[int] = []
    domains: list[str] = []
    seen: dict[str, int] = {}
    width: int | None = None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"not CSV: {exc}", path=path) from None
    for line, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not cells or cells == [""]:
            continue
        if width is None:
            width = len(cells)
            if width not in (1, 2):
                raise InputError(
                    f"{width} columns: expected rank,domain or one domain column",
                    path=path,
                    line=line,
                )
            if _is_header(cells):
                continue
        if len(cells) != width:
            raise InputError(
                f"{len(cells)} columns where the list has {width}", path=path, line=line
            )
        if width == 2:
            if not _RANK.fullmatch(cells[0]):
                raise InputError(
                    f"rank {cells[0][:20]!r} is not a whole number",
                    path=path,
                    line=line,
                    field="rank",
                )
            rank = int(cells[0])
            if not 1 <= rank <= MAX_RANK:
                raise InputError(f"rank {rank} is out of range", path=path, line=line,
                                 field="rank")  # fmt: skip
        else:
            rank = len(ranks) + 1
        domain = _domain(cells[-1], path, line)
        if domain in seen:
            raise InputError(
                f"{domain} is listed twice (also on line {seen[domain]})",
                path=path,
                line=line,
                field="domain",
            )
        seen[domain] = line
        ranks.append(rank)
        domains.append(domain)
    if not domains:
        raise InputError("no domains in the list", path=path, hint="is the file empty?")
    if len(set(ranks)) != len(ranks):
        raise InputError("a rank is given to two domains", path=path, field="rank")
    table = pa.table({"rank": pa.array(ranks, pa.int32()), "domain": domains}, schema=SCHEMA)
    return table.sort_by("rank")


def _is_header(cells: list[str]) -> bool:
    last = cells[-1].lower()
    if len(cells) == 2:
        return cells[0].lower() == "rank" and last in _HEADER_WORDS
    return last in _HEADER_WORDS
