"""World Bank World Development Indicators (WDI) files in the shapes they are published in,
read into observations (ISO3 country, indicator, year, value). The panel that answers the cost
model's lookups is `nethealth.economics.wdi`; this module parses bytes and nothing else.

Shapes read (detected from the content, not the file name):
- the Indicators API v2 JSON: `[{"page", "pages", …}, [{"indicator", "countryiso3code", "date",
  "value"}, …]]` (an error answer is `[{"message": [...]}]`);
- the bulk CSV (`API_<indicator>_DS2_en_csv_v2.csv`, also inside the bulk ZIP): four preamble
  lines, then `Country Name, Country Code, Indicator Name, Indicator Code, 1960 …`;
- a wide CSV without indicator code (`Country Name, Country Code, 2016 …`): the indicator must be
  named by the caller;
- a long ("tidy") CSV: a country column (`iso3`, `countryiso3code` or `Country Code`), `year`,
  and value columns named `gdp_usd`, `population`, `internet_pct` or by an indicator code
  (`SP.POP.TOTL`), e.g. `iso3, year, gdp_usd, population, internet_pct` or
  `country_id, countryiso3code, country_name, year, population`.
Aggregates (regions, income groups) are dropped: only ISO 3166 alpha-3 codes are kept.

The year columns say which years values are for, not when the file was made: the date of a
file is the World Bank's own "Last Updated Date" (bulk CSV) or `lastupdated` (API), when given
(`release_date`).
"""

from __future__ import annotations

import csv
import io
import json
import lzma
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pycountry

from nethealth.errors import InputError
from nethealth.formats.compression import read_bytes

GDP = "NY.GDP.MKTP.CD"  # GDP, current US$
GDP_PER_CAPITA = "NY.GDP.PCAP.CD"  # GDP per capita, current US$
POPULATION = "SP.POP.TOTL"
INTERNET = "IT.NET.USER.ZS"  # individuals using the Internet, % of population
INDICATORS = (GDP, POPULATION, INTERNET, GDP_PER_CAPITA)
LONG_COLUMNS = {"gdp_usd": GDP, "population": POPULATION, "internet_pct": INTERNET}
ISO_COLUMNS = ("iso3", "countryiso3code", "country code", "country_code")
INDICATOR_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:\.[A-Z0-9]+)+$")


class IndicatorNeeded(InputError):
    """A wide CSV without an indicator code: the caller must say which indicator it holds."""


@dataclass(frozen=True)
class Observation:
    iso3: str
    indicator: str
    year: int
    value: float


def _is_country(code: str) -> bool:
    return len(code) == 3 and pycountry.countries.get(alpha_3=code.upper()) is not None


def _number(text: object) -> float | None:
    if text is None or text == "":
        return None
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def parse_api_json(data: bytes, path: str) -> list[Observation]:
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not JSON: {exc}", path=path) from None
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "message" in doc[0]:
        msg = "; ".join(str(m.get("value") or m.get("key")) for m in doc[0]["message"])
        raise InputError(
            f"the World Bank API answered an error: {msg}",
            path=path,
            hint="check the indicator code and the base URL",
        )
    if not (
        isinstance(doc, list)
        and len(doc) == 2
        and isinstance(doc[0], dict)
        and isinstance(doc[1], list | None)
    ):
        raise InputError(
            "not a World Bank API v2 answer ([page info, [records]])",
            path=path,
            hint="fetch with format=json",
        )
    out: list[Observation] = []
    for i, rec in enumerate(doc[1] or [], start=1):
        if not isinstance(rec, dict):
            raise InputError("a record is not an object", path=path, record=str(i))
        try:
            code = str(rec.get("countryiso3code") or "")
            indicator = str(rec["indicator"]["id"])
            year = int(rec["date"])
        except (KeyError, TypeError, ValueError):
            raise InputError(
                "record lacks indicator, date or country", path=path, record=str(i)
            ) from None
        value = _number(rec.get("value"))
        if value is not None and _is_country(code):
            out.append(Observation(code.upper(), indicator, year, value))
    return out


def api_pages(data: bytes) -> int:
    """How many pages an API answer says there are (1 when it does not say)."""
    try:
        doc = json.loads(data)
        return max(1, int(doc[0].get("pages", 1)))
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError, IndexError):
        return 1


def _year_columns(header: Sequence[str]) -> list[tuple[int, int]]:
    return [(i, int(h)) for i, h in enumerate(header) if re.fullmatch(r"\d{4}", h.strip())]


def _wide(rows: list[list[str]], start: int, path: str, indicator: str | None) -> list[Observation]:
    header = [h.strip().lstrip("\ufeff") for h in rows[start]]
    try:
        code_at = header.index("Country Code")
    except ValueError:
        raise InputError("no 'Country Code' column", path=path, line=start + 1) from None
    ind_at = header.index("Indicator Code") if "Indicator Code" in header else None
    if ind_at is None and indicator is None:
        raise IndicatorNeeded(
            "this wide CSV does not say which indicator it holds",
            path=path,
            line=start + 1,
            hint="name it: FILE=INDICATOR, e.g. wb_gdp_per_capita.csv=NY.GDP.PCAP.CD",
        )
    years = _year_columns(header)
    out: list[Observation] = []
    for row in rows[start + 1 :]:
        if len(row) <= code_at or not _is_country(row[code_at].strip()):
            continue
        ind = indicator or row[ind_at].strip()  # type: ignore[index]
        for col, year in years:
            value = _number(row[col]) if col < len(row) else None
            if value is not None:
                out.append(Observation(row[code_at].strip().upper(), ind, year, value))
    return out


def _iso_column(header: Sequence[str]) -> int | None:
    for name in ISO_COLUMNS:
        if name in header:
            return header.index(name)
    return None


def _long(rows: list[list[str]], path: str) -> list[Observation]:
    original = [h.strip().lstrip("\ufeff") for h in rows[0]]
    header = [h.lower() for h in original]
    cols = [
        (i, LONG_COLUMNS.get(h) or original[i])
        for i, h in enumerate(header)
        if h in LONG_COLUMNS or INDICATOR_CODE.match(original[i])
    ]
    iso_at = _iso_column(header)
    if iso_at is None or "year" not in header or not cols:
        raise InputError(
            "a long CSV needs a country code column (iso3 or countryiso3code), year and "
            "values named " + ", ".join(LONG_COLUMNS) + " or by indicator code",
            path=path,
            line=1,
        )
    year_at = header.index("year")
    out: list[Observation] = []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) < len(header) or not _is_country(row[iso_at].strip()):
            continue
        try:
            year = int(float(row[year_at]))
        except ValueError:
            raise InputError(
                f"{row[year_at]!r} is not a year", path=path, line=n, field="year"
            ) from None
        for col, ind in cols:
            value = _number(row[col])
            if value is not None:
                out.append(Observation(row[iso_at].strip().upper(), ind, year, value))
    return out


def parse_csv(text: str, path: str, indicator: str | None = None) -> list[Observation]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"unreadable CSV: {exc}", path=path) from None
    for i, row in enumerate(rows[:10]):
        cells = [c.strip().lstrip("\ufeff") for c in row]
        if cells[:2] == ["Country Name", "Country Code"]:
            return _wide(rows, i, path, indicator)
    if rows and _iso_column([c.strip().lstrip("\ufeff").lower() for c in rows[0]]) is not None:
        return _long(rows, path)
    raise InputError(
        "not a World Bank CSV (no 'Country Name, Country Code' or 'iso3, year' header)",
        path=path,
        hint="use the API JSON, the bulk CSV, or a wide/long CSV as described in the docs",
    )


def parse_zip(data: bytes, path: str) -> list[Observation]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError(f"damaged ZIP: {exc}", path=path) from None
    out: list[Observation] = []
    for name in archive.namelist():
        if name.startswith("API_") and name.endswith(".csv"):
            text = archive.read(name).decode("utf-8-sig")
            out.extend(parse_csv(text, f"{path}!{name}"))
    if not out:
        raise InputError("the ZIP holds no API_*.csv data file", path=path)
    return out


def read_wdi(path: Path, indicator: str | None = None) -> list[Observation]:
    """Any of the shapes above, gzip/bz2/xz-compressed or not."""
    try:
        data = read_bytes(path)
    except (EOFError, OSError, lzma.LZMAError) as exc:  # truncated or damaged archive
        raise InputError(f"unreadable file: {exc}", path=path, hint="fetch it again") from None
    where = str(path)
    if data[:4] == b"PK\x03\x04":
        return parse_zip(data, where)
    if data.lstrip()[:1] == b"[":
        return parse_api_json(data, where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=path) from None
    return parse_csv(text, where, indicator)


_UPDATED = re.compile(r'^"?Last Updated Date"?\s*,\s*"?(\d{4}-\d{2}-\d{2})"?')


def release_date(path: Path) -> date | None:
    """The date the World Bank says the data were last updated, when the file says it: the
    bulk CSV's "Last Updated Date" line, the API answer's `lastupdated` (for a ZIP, its data
    CSV's)."""
    try:
        data = read_bytes(path)
    except (EOFError, OSError, lzma.LZMAError):
        return None
    return _release_date(data)


def _release_date(data: bytes) -> date | None:
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = [n for n in archive.namelist() if n.startswith("API_") and n.endswith(".csv")]
            return _release_date(archive.read(names[0])) if names else None
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
    head = data[:4096].decode("utf-8-sig", errors="replace")
    if head.lstrip()[:1] == "[":
        m = re.search(r'"lastupdated"\s*:\s*"(\d{4}-\d{2}-\d{2})"', head)
        return date.fromisoformat(m[1]) if m else None
    for line in head.splitlines()[:8]:
        m = _UPDATED.match(line.strip())
        if m:
            return date.fromisoformat(m[1])
    return None
