"""AS names: RIPE NCC's `asn.txt` (`<asn> <HANDLE> - <description>, <CC>` per line) and the JSON
object many tools republish it as (`{"<asn>": "<HANDLE> <description>, <CC>"}`).

The text after the AS number is the registry's handle, a free description and the ISO 3166
country of the holder after the last comma. `ZZ` (the registries' "unknown") and anything that is
not two capital letters give no country: the text stays in the name and `cc` is NULL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from nethealth.errors import InputError

SCHEMA = pa.schema(
    [
        ("asn", pa.uint32()),
        ("handle", pa.string()),
        ("name", pa.string()),
        ("description", pa.string()),
        ("cc", pa.string()),
    ]
)
MAX_ASN = 2**32 - 1
_CC = re.compile(r"^(?P<name>.*?),\s*(?P<cc>[A-Z]{2})\s*$")
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also takes '³'
_LINE = re.compile(r"^\s*(?:AS)?(?P<asn>[0-9]+)\s+(?P<text>.*?)\s*$")


def split_name(text: str) -> tuple[str, str, str, str | None]:
    """(handle, name, description, cc) of one entry's text."""
    text = text.strip()
    m = _CC.match(text)
    name, cc = (m["name"].strip(), m["cc"]) if m else (text, None)
    if cc == "ZZ":
        cc = None
    handle, _, rest = name.partition(" ")
    description = rest.strip()
    if description.startswith("- "):
        description = description[2:].strip()
    return handle, name, description, cc


def _asn(text: str, path: Path | str, where: str) -> int:
    if not _DIGITS.fullmatch(text) or int(text) > MAX_ASN:
        raise InputError(
            f"{text[:20]!r} is not an AS number (0 .. 4294967295)",
            path=path,
            record=where,
            field="asn",
        )
    return int(text)


def _entries(data: bytes, path: Path | str) -> Iterator[tuple[int, str, str]]:
    """(asn, text, where) of each entry, JSON object or asn.txt lines."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # asn.txt has been published in Latin-1 at times; its names are then kept as read
        text = data.decode("latin-1")
        if "\x00" in text:
            raise InputError(f"not text (byte {exc.start})", path=path) from None
    if text.lstrip()[:1] == "{":
        try:
            doc: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno,
                             hint="the file is truncated; download it again") from None  # fmt: skip
        for key, value in doc.items():
            if not isinstance(value, str):
                raise InputError(
                    f"the name is {type(value).__name__}, not text", path=path,
                    record=str(key)[:20], field="name",
                )  # fmt: skip
            yield _asn(str(key), path, str(key)[:20]), value, str(key)
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if m is None:
            raise InputError(
                "expected `<AS number> <name>, <CC>`",
                path=path,
                line=n,
                hint="give RIPE's asn.txt or a JSON object {asn: name}",
            )
        yield _asn(m["asn"], path, f"line {n}"), m["text"], f"line {n}"


def parse_asnames(data: bytes, path: Path | str) -> pa.Table:
    """Every AS with its handle, name, description and country, in AS-number order."""
    rows: dict[int, tuple[str, str, str, str | None]] = {}
    for asn, text, where in _entries(data, path):
        if asn in rows:
            raise InputError(f"AS{asn} is listed twice", path=path, record=where, field="asn")
        rows[asn] = split_name(text)
    if not rows:
        raise InputError("no AS names in the file", path=path, hint="is the file empty?")
    asns = sorted(rows)
    cols = list(zip(*(rows[a] for a in asns), strict=True))
    return pa.table(
        {"asn": pa.array(asns, pa.uint32()), "handle": cols[0], "name": cols[1],
         "description": cols[2], "cc": pa.array(cols[3], pa.string())},
        schema=SCHEMA,
    )  # fmt: skip
