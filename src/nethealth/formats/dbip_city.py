"""DB-IP "IP to City Lite" CSV (`dbip-city-lite-YYYY-MM.csv.gz`), as ranges with an ISO 3166-2
region code.

Layout (no header, one range per line): `ip_start,ip_end,continent,country,stateprov,city,
latitude,longitude`, addresses in text (IPv4 dotted, IPv6 colon form), country an ISO 3166-1
alpha-2 code, `stateprov` the first-level subdivision's *name* (not its code).

Names become ISO 3166-2 codes with `pycountry.subdivisions` of the row's country, in order:
exact name; then normalised (case, accents, a trailing bracketed local name as in
"Wales [Cymru GB-CYM]", punctuation); then the alias table `ALIASES` (English exonyms that
neither matches). A name matching several subdivisions is resolved to the top-level one when
exactly one is top-level. Anything else is *unmapped*: counted in the report and left without a
region, never guessed. IPv6 numbers keep their top 64 bits, as in `formats.iprange_csv`.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pycountry

from nethealth.errors import InputError
from nethealth.formats.iprange_csv import _rows

COLUMNS = ("ip_start", "ip_end", "continent", "country", "stateprov", "city", "latitude",
           "longitude")  # fmt: skip
CITY_SCHEMA = pa.schema(
    [
        pa.field("af", pa.int8(), nullable=False),
        pa.field("start", pa.uint64(), nullable=False),
        pa.field("end", pa.uint64(), nullable=False),
        pa.field("cc", pa.string(), nullable=False),
        pa.field("region", pa.string()),  # ISO 3166-2 code; null when unmapped or not given
    ]
)
# (country, stateprov as DB-IP writes it) → ISO 3166-2 code, for English exonyms that differ
# from the ISO 3166-2 names pycountry carries. Every code is checked against pycountry in tests.
ALIASES: dict[tuple[str, str], str] = {
    ("DE", "Bavaria"): "DE-BY",
    ("DE", "Hesse"): "DE-HE",
    ("DE", "Lower Saxony"): "DE-NI",
    ("DE", "North Rhine-Westphalia"): "DE-NW",
    ("DE", "Rhineland-Palatinate"): "DE-RP",
    ("DE", "Saxony"): "DE-SN",
    ("DE", "Saxony-Anhalt"): "DE-ST",
    ("DE", "Thuringia"): "DE-TH",
    ("IT", "Lombardy"): "IT-25",
    ("IT", "Piedmont"): "IT-21",
    ("IT", "Tuscany"): "IT-52",
    ("IT", "Sicily"): "IT-82",
    ("IT", "Sardinia"): "IT-88",
    ("IT", "Apulia"): "IT-75",
    ("ES", "Catalonia"): "ES-CT",
    ("ES", "Andalusia"): "ES-AN",
    ("RU", "Moscow"): "RU-MOW",
    ("RU", "St.-Petersburg"): "RU-SPE",
    ("CZ", "Prague"): "CZ-10",
    ("AT", "Vienna"): "AT-9",
    ("BE", "Brussels Capital"): "BE-BRU",
}
_BRACKET = re.compile(r"\s*\[[^\]]*\]\s*$")
_PUNCT = re.compile(r"[\s\-'’.,_]+")


@dataclass
class CityReport:
    """What a read did: rows kept, lines skipped (lenient), names without a code."""

    path: str
    rows: int = 0
    no_region: int = 0  # rows with an empty stateprov
    skipped: list[str] = field(default_factory=list)
    unmapped: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def unmapped_rows(self) -> int:
        return sum(self.unmapped.values())


def normalise(name: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a subdivision name."""
    text = _BRACKET.sub("", name)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _PUNCT.sub(" ", text.casefold()).strip()


@lru_cache(maxsize=512)
def _index(cc: str) -> tuple[dict[str, list[str]], dict[str, list[str]], frozenset[str]]:
    """Per country: exact name → codes, normalised name → codes, top-level codes."""
    exact: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    top: set[str] = set()
    for s in pycountry.subdivisions.get(country_code=cc) or []:  # type: ignore[no-untyped-call]
        code, name = str(s.code), str(s.name)
        exact.setdefault(name, []).append(code)
        loose.setdefault(normalise(name), []).append(code)
        if getattr(s, "parent_code", None) is None:
            top.add(code)
    return exact, loose, frozenset(top)


def _one(codes: list[str], top: frozenset[str]) -> str | None:
    if len(codes) == 1:
        return codes[0]
    tops = [c for c in codes if c in top]
    return tops[0] if len(tops) == 1 else None


@lru_cache(maxsize=65536)
def region_code(cc: str, name: str) -> str | None:
    """ISO 3166-2 code of a subdivision name of country `cc`, or None when it cannot be told."""
    exact, loose, top = _index(cc)
    for codes in (exact.get(name), loose.get(normalise(name))):
        if codes and (code := _one(codes, top)) is not None:
            return code
    return ALIASES.get((cc, name))


def _address(text: str, path: Path | str, line: int, name: str) -> tuple[int, int]:
    """(af, number) with IPv6 kept to its top 64 bits."""
    try:
        a = ipaddress.ip_address(text.strip())
    except ValueError:
        raise InputError(f"{text!r} is not an IP address", path=path, line=line, field=name,
                         hint="the file is damaged or not DB-IP's; fetch it again") from None  # fmt: skip
    return a.version, int(a) if a.version == 4 else int(a) >> 64


def _row(row: list[str], path: Path | str, line: int) -> tuple[int, int, int, str, str]:
    if len(row) != len(COLUMNS):
        raise InputError(
            f"expected {len(COLUMNS)} columns ({', '.join(COLUMNS)}), found {len(row)}",
            path=path,
            line=line,
            hint="the file is truncated or not DB-IP's city lite CSV; fetch it again",
        )
    af, start = _address(row[0], path, line, "ip_start")
    af_end, end = _address(row[1], path, line, "ip_end")
    if af_end != af:
        raise InputError("ip_start and ip_end are of different families", path=path, line=line,
                         field="ip_end")  # fmt: skip
    if end < start:
        raise InputError("range end is before its start", path=path, line=line, field="ip_end")
    cc = row[3].strip().upper()
    if len(cc) != 2 or not cc.isascii() or not cc.isalpha():
        raise InputError(f"bad country code {row[3]!r}", path=path, line=line, field="country")
    return af, start, end, cc, row[4].strip()


def parse_city_csv(
    data: bytes, path: Path | str, *, strict: bool = True, report: CityReport | None = None
) -> pa.Table:
    """CITY_SCHEMA rows of a DB-IP city lite file. Strict: the first bad line raises
    InputError naming line and field; lenient: bad lines are skipped and listed in `report`."""
    rep = report if report is not None else CityReport(str(path))
    cols: dict[str, list[object]] = {n: [] for n in CITY_SCHEMA.names}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    for lineno, row in enumerate(_rows(reader, path), start=1):
        if not row:
            continue
        try:
            af, start, end, cc, name = _row(row, path, lineno)
        except InputError as exc:
            if strict:
                raise
            rep.skipped.append(str(exc))
            continue
        region = region_code(cc, name) if name else None
        if not name:
            rep.no_region += 1
        elif region is None:
            rep.unmapped[(cc, name)] += 1
        for key, value in zip(CITY_SCHEMA.names, (af, start, end, cc, region), strict=True):
            cols[key].append(value)
        rep.rows += 1
    return pa.table(cols, schema=CITY_SCHEMA)
