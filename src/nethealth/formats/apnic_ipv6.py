"""APNIC Labs' per-economy IPv6 measurement as published in JSON (`v6stats/v6economy/<CC>.json`,
described at https://data1.labs.apnic.net/ipv6-data-format.html):

    {"copyright": "...", "description": "...", "docs": "...",
     "data": [{"10": {...}, "30": {...}, "60": {...}, "90": {...}, "raw": {...},
               "type": "v6economy", "date": "2024-05-01", "cc": "AU", "updated": "..."}, ...]}

Each window ("raw", or a 10/30/60/90-day simple moving average) holds `seen` (samples),
`capable` and `preferred` (samples able to fetch an IPv6-only object / that used IPv6 for a
dual-stack one) and their percentages `capable_pc`, `preferred_pc` (0–100). nethealth reads
the 30-day window: APNIC's own per-economy figure smooths over a month of ad placements.

A day whose window saw no sample says nothing and is left out (counted, not zero); a
percentage outside 0–100, a bad date or a country code that is not two letters is an error
naming the record.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from nethealth.errors import InputError

WINDOW = "30"
SCHEMA = pa.schema([
    ("date", pa.date32()), ("cc", pa.string()), ("samples", pa.float64()),
    ("capable_pc", pa.float64()), ("preferred_pc", pa.float64()),
])  # fmt: skip
_CC = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Parsed:
    table: pa.Table
    skipped: int  # days whose window saw no sample

    @property
    def last_day(self) -> date | None:
        days = self.table["date"].to_pylist()
        return max(days) if days else None


def _pc(window: object, key: str, n: int, path: Path | str) -> float:
    value = window.get(key) if isinstance(window, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise InputError(f"data[{n}]: {WINDOW}-day `{key}` is not a number", path=path,
                         record=str(n), field=key)  # fmt: skip
    if key.endswith("_pc") and not 0 <= value <= 100:
        raise InputError(f"data[{n}]: {WINDOW}-day `{key}` {value} is outside 0–100", path=path,
                         record=str(n), field=key, hint="is this APNIC's v6economy JSON?")  # fmt: skip
    return float(value)


def parse_v6economy(data: bytes, path: Path | str, cc: str | None = None) -> Parsed:
    """The file's days → (date, cc, samples, capable_pc, preferred_pc). `cc` is the economy the
    file is for when its records do not say it."""
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not JSON: {exc}", path=path,
                         hint="give APNIC's v6stats/v6economy/<CC>.json") from None  # fmt: skip
    rows = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        raise InputError("no `data` list", path=path, hint="give APNIC's v6stats/v6economy JSON")
    out: dict[str, list[object]] = {name: [] for name in SCHEMA.names}
    skipped = 0
    for n, rec in enumerate(rows):
        if not isinstance(rec, dict):
            raise InputError(f"data[{n}] is not an object", path=path, record=str(n))
        kind = rec.get("type", "v6economy")
        if kind != "v6economy":
            raise InputError(f"data[{n}]: type {kind!r}, not v6economy", path=path, record=str(n),
                             field="type", hint="per-AS files (v6as) are not per-country figures")  # fmt: skip
        code = str(rec.get("cc") or cc or "").upper()
        if not _CC.match(code):
            raise InputError(f"data[{n}]: country {code!r} is not two letters", path=path,
                             record=str(n), field="cc")  # fmt: skip
        try:
            day = date.fromisoformat(str(rec.get("date")))
        except ValueError:
            raise InputError(f"data[{n}]: date {rec.get('date')!r} is not YYYY-MM-DD", path=path,
                             record=str(n), field="date") from None  # fmt: skip
        window = rec.get(WINDOW)
        seen = _pc(window, "seen", n, path)
        if seen <= 0:
            skipped += 1
            continue
        out["date"].append(day)
        out["cc"].append(code)
        out["samples"].append(seen)
        out["capable_pc"].append(_pc(window, "capable_pc", n, path))
        out["preferred_pc"].append(_pc(window, "preferred_pc", n, path))
    return Parsed(pa.table(out, schema=SCHEMA), skipped)
