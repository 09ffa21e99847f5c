"""Top10VPN's published cost-of-shutdown figures (country, year totals), hand-transcribed CSVs:
`country, cost_usd, duration_hours, users_affected, year` (optionally with iso3 and source)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pycountry

from nethealth.errors import InputError
from nethealth.formats.compression import open_text
from nethealth.shutdowns.countries import to_alpha2

REQUIRED = ("country", "cost_usd", "duration_hours", "users_affected", "year")
# Top10VPN's own labels for sub-national reports → the country they are part of.
SUBNATIONAL = {"pakistan - azad kashmir": "PK"}


@dataclass(frozen=True)
class Top10Row:
    name: str
    cc: str | None  # None: not an ISO country (Somaliland)
    year: int
    cost_usd: float
    hours: float | None
    users: float | None
    path: str
    line: int


def _cc(name: str, iso3: str | None) -> str | None:
    if iso3:
        country = pycountry.countries.get(alpha_3=iso3.strip().upper())
        if country is not None:
            return str(country.alpha_2)
    return SUBNATIONAL.get(name.strip().lower()) or to_alpha2(name)


def _float(text: str, path: Path, line: int, col: str, required: bool) -> float | None:
    if not text.strip():
        if required:
            raise InputError("empty", path=path, line=line, field=col, hint="fill in the figure")
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number", path=path, line=line, field=col) from None


def read_top10vpn(paths: Sequence[Path]) -> list[Top10Row]:
    """All rows of all files; a row repeated across files (the combined and the per-year
    transcriptions) is kept once."""
    out: list[Top10Row] = []
    seen: set[tuple[str, int, float]] = set()
    for path in paths:
        with open_text(path) as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    f"missing column(s) {', '.join(missing)}",
                    path=path,
                    line=1,
                    hint=f"a Top10VPN file has the columns {', '.join(REQUIRED)}",
                )
            for rec in reader:
                line = reader.line_num
                name = rec["country"].strip()
                year = int(_float(rec["year"], path, line, "year", True) or 0)
                cost = _float(rec["cost_usd"], path, line, "cost_usd", True) or 0.0
                key = (name.lower(), year, cost)
                if key in seen:
                    continue
                seen.add(key)
                out.append(
                    Top10Row(
                        name=name,
                        cc=_cc(name, rec.get("iso3")),
                        year=year,
                        cost_usd=cost,
                        hours=_float(rec["duration_hours"], path, line, "duration_hours", False),
                        users=_float(rec["users_affected"], path, line, "users_affected", False),
                        path=str(path),
                        line=line,
                    )
                )
    return out
