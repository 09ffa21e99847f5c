"""Country names as written in shutdown sheets → ISO 3166-1 alpha-2.

pycountry (Debian iso-codes) knows the ISO names; publishers write other forms ("Turkey",
"Congo (Democratic Republic of the)", "DRC"). Those are listed explicitly below, so every
mapping is reviewable; a name that maps nowhere is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

# Written forms that ISO / pycountry do not know → alpha-2. Keys are casefolded.
ALIASES: dict[str, str] = {
    "turkey": "TR",
    "north korea": "KP",
    "south korea": "KR",
    "laos": "LA",
    "russia": "RU",
    "syria": "SY",
    "iran": "IR",
    "venezuela": "VE",
    "vietnam": "VN",
    "bolivia": "BO",
    "tanzania": "TZ",
    "moldova": "MD",
    "palestine": "PS",
    "burma": "MM",
    "ivory coast": "CI",
    "eswatini": "SZ",
    "swaziland": "SZ",
    "drc": "CD",
    "dr congo": "CD",
    "congo drc": "CD",
    "democratic republic of the congo": "CD",
    "congo (democratic republic of the)": "CD",
    "republic of congo": "CG",
    "republic of the congo": "CG",
    "congo-brazzaville": "CG",
    "gambia": "GM",
    "the gambia": "GM",
    "uk": "GB",
    "usa": "US",
    "united states": "US",
}

# Entities without an ISO 3166-1 code, recorded as written and reported as unmapped on purpose:
# Somaliland is reported separately by Access Now and Top10VPN and has no ISO code of its own.
NOT_ISO: frozenset[str] = frozenset({"somaliland", "kosovo"})


@dataclass(frozen=True)
class CountryMatch:
    """The alpha-2 codes found in one country cell and the names that map to none."""

    codes: tuple[str, ...]
    unmapped: tuple[str, ...]


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().strip(".")).strip()


@lru_cache(maxsize=4096)
def to_alpha2(name: str) -> str | None:
    """One country name → alpha-2, or None. Exact forms only: aliases, then ISO names/codes,
    then "X (Y)" read as ISO's "X, Y" (e.g. "Iran (Islamic Republic of)")."""
    text = _clean(name)
    key = text.casefold()
    if not key or key in NOT_ISO:
        return None
    if key in ALIASES:
        return ALIASES[key]
    candidates = [text]
    if m := re.fullmatch(r"(.+?)\s*\((.+)\)", text):
        candidates.append(f"{m[1]}, {m[2]}")
    for candidate in candidates:
        try:
            found = pycountry.countries.lookup(candidate)
        except LookupError:
            continue
        return str(found.alpha_2)
    return None


def split_countries(cell: str) -> list[str]:
    """A cell may name several countries separated by ';' (ISO names contain commas)."""
    return [c for c in (_clean(p) for p in cell.split(";")) if c]


def match_countries(cell: str) -> CountryMatch:
    codes: list[str] = []
    unmapped: list[str] = []
    for name in split_countries(cell):
        code = to_alpha2(name)
        if code is None:
            unmapped.append(name)
        elif code not in codes:
            codes.append(code)
    return CountryMatch(tuple(codes), tuple(unmapped))


def is_alpha2(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code.upper()) is not None
