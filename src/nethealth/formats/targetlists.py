"""Lists of scan targets other than Tranco's shape (`formats.tranco` reads `rank,domain`).

- CrUX top lists (Chrome UX Report, as cached by github.com/zakird/crux-top-lists): a header
  `origin,rank`, one web origin per line (`https://www.example.fr`), and a rank that is a
  magnitude bucket (1000, 5000, 10000, 50000, …: the origin is among the top N), not a position.
  The target is the origin's host; an `http://` and an `https://` origin of the same host are
  one target, in the better (smaller) bucket.
- Host lists: one host name (or, for time servers, an IP address) per line; `#` starts a
  comment, blank lines are skipped. A country's ccTLD domains and the servers of its NTP pool
  zone come this way.

Both read into (rank, target): rank null for host lists. A repeated target is an error naming
both lines, as in Tranco lists.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa

from nethealth.errors import InputError
from nethealth.formats.tranco import _domain as domain_name

SCHEMA = pa.schema([("rank", pa.int32()), ("target", pa.string())])
_BUCKET = re.compile(r"[1-9][0-9]{0,8}")


def _text(data: bytes, path: Path | str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None


def parse_crux(data: bytes, path: Path | str) -> pa.Table:
    """A CrUX top list (`origin,rank`) as SCHEMA rows, best bucket first, file order within."""
    try:
        rows = list(csv.reader(io.StringIO(_text(data, path), newline="")))
    except csv.Error as exc:
        raise InputError(f"not CSV: {exc}", path=path) from None
    if not rows or [c.strip().lower() for c in rows[0]] != ["origin", "rank"]:
        raise InputError(
            "the first line is not the header origin,rank",
            path=path, line=1,
            hint="a CrUX top list starts with `origin,rank` (github.com/zakird/crux-top-lists)",
        )  # fmt: skip
    best: dict[str, tuple[int, int]] = {}  # host → (bucket, line)
    for line, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row]
        if not cells or cells == [""]:
            continue
        if len(cells) != 2:
            raise InputError(f"{len(cells)} columns where origin,rank has 2", path=path, line=line)
        origin, bucket = cells
        if not _BUCKET.fullmatch(bucket):
            raise InputError(f"rank {bucket[:20]!r} is not a positive whole number", path=path,
                             line=line, field="rank")  # fmt: skip
        try:  # urlsplit and .hostname raise ValueError on a malformed [IPv6] part
            parts = urlsplit(origin)
            hostname = parts.hostname
        except ValueError:
            hostname = None
        if hostname is None or parts.scheme not in ("http", "https") or parts.path not in ("", "/"):
            raise InputError(
                f"{origin[:80]!r} is not a web origin", path=path, line=line, field="origin",
                hint="an origin is scheme://host, e.g. https://www.example.fr",
            )  # fmt: skip
        host = domain_name(hostname, path, line)
        seen = best.get(host)
        if seen is None or int(bucket) < seen[0]:
            best[host] = (int(bucket), line)
    if not best:
        raise InputError("no origins in the list", path=path, hint="is the file empty?")
    ordered = sorted(best.items(), key=lambda kv: kv[1])
    return pa.table(
        {"rank": pa.array([b for _h, (b, _l) in ordered], pa.int32()),
         "target": [h for h, _ in ordered]},
        schema=SCHEMA,
    )  # fmt: skip


def _host(text: str, path: Path | str, line: int) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return domain_name(text, path, line)


def parse_hosts(data: bytes, path: Path | str) -> pa.Table:
    """A host list (one name or IP address per line) as SCHEMA rows in file order."""
    seen: dict[str, int] = {}
    for line, raw in enumerate(_text(data, path).splitlines(), start=1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        if any(c.isspace() or c == "," for c in text):
            raise InputError(f"{text[:80]!r}: one host per line", path=path, line=line,
                             hint="a host list has one name or address per line")  # fmt: skip
        host = _host(text, path, line)
        if host in seen:
            raise InputError(f"{host} is listed twice (also on line {seen[host]})", path=path,
                             line=line)  # fmt: skip
        seen[host] = line
    if not seen:
        raise InputError("no hosts in the list", path=path, hint="is the file empty?")
    return pa.table({"rank": pa.nulls(len(seen), pa.int32()), "target": list(seen)}, schema=SCHEMA)
