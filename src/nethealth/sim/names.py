"""Plausible, clearly invented organisation and network names."""

from __future__ import annotations

import numpy as np

_ONSETS = (
    "b",
    "c",
    "d",
    "f",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "tr",
    "st",
    "kr",
    "pl",
    "gr",
    "fl",
    "sk",
    "ph",
    "qu",
    "x",
    "h",
    "j",
)
_VOWELS = ("a", "e", "i", "o", "u", "ia", "eo", "ai", "y")
_CODAS = ("", "", "n", "r", "l", "x", "s", "m", "nt", "k", "th")

_SUFFIX_BY_TIER: dict[int, tuple[str, ...]] = {
    0: ("Global Backbone", "Worldwide Networks", "Global Crossing", "International Carrier"),
    1: ("Transit", "Carrier Services", "Backbone", "Networks", "Telecom International"),
    2: ("Telecom", "Communications", "Regional Networks", "Fibre", "Net"),
    3: ("Broadband", "Internet", "Cable", "Mobile", "Telecom", "Online", "Wireless"),
    4: ("Cloud", "Hosting", "CDN", "Media", "Streaming", "Data Centers"),
    5: (
        "University",
        "Bank",
        "Systems",
        "Datacenter",
        "Ltd",
        "Solutions",
        "IT Services",
        "Hospital",
        "Government Network",
        "Logistics",
    ),
    6: ("Route Servers",),
}


def brand(rng: np.random.Generator) -> str:
    """A pronounceable invented brand, 2-3 syllables."""
    n = int(rng.integers(2, 4))
    parts = []
    for _ in range(n):
        parts.append(_ONSETS[int(rng.integers(len(_ONSETS)))])
        parts.append(_VOWELS[int(rng.integers(len(_VOWELS)))])
    parts.append(_CODAS[int(rng.integers(len(_CODAS)))])
    return "".join(parts).capitalize()


def network_name(rng: np.random.Generator, tier: int, country_name: str) -> str:
    suffixes = _SUFFIX_BY_TIER[tier]
    suffix = suffixes[int(rng.integers(len(suffixes)))]
    if tier >= 2 and rng.random() < 0.25:
        return f"{brand(rng)} {country_name} {suffix}"
    return f"{brand(rng)} {suffix}"


def handle(name: str, cc: str) -> str:
    """An RIR-style AS handle: 'ZENTEL-BB-DE'."""
    words = [w for w in name.upper().replace("-", " ").split() if w.isalpha()]
    head = words[0][:10] if words else "NET"
    tail = words[1][:4] if len(words) > 1 else "AS"
    return f"{head}-{tail}-{cc}"
