"""Population shares of sub-national regions that shutdown records name as their whole area.

A region is used only when the area cell *is* that region (e.g. "Manipur", "Tigray region",
"Gaza Strip"), not when it lists districts or townships inside it: then the default ranges of the
cost model apply. Shares are of the national population in the census or official estimate named.
"""

from __future__ import annotations

import re

# (alpha-2, normalised area name) → (share of national population, source of the figure)
_IN = "Census of India 2011 (state population / 1,210.9 M)"
_PK = "Pakistan Census 2023 (province population / 241.5 M)"
_IR = "Iran Census 2016 (province population / 79.9 M)"
_MM = "Myanmar Census 2014 (state/region population / 51.5 M)"
REGION_SHARES: dict[tuple[str, str], tuple[float, str]] = {
    ("IN", "jammu and kashmir"): (0.01036, _IN),
    ("IN", "jammu kashmir"): (0.01036, _IN),
    ("IN", "kashmir valley"): (0.0057, "Census of India 2011 (Kashmir division 6.9 M)"),
    ("IN", "kashmir"): (0.0057, "Census of India 2011 (Kashmir division 6.9 M)"),
    ("IN", "manipur"): (0.00236, _IN),
    ("IN", "nagaland"): (0.00163, _IN),
    ("IN", "meghalaya"): (0.00245, _IN),
    ("IN", "arunachal pradesh"): (0.00114, _IN),
    ("IN", "tripura"): (0.00303, _IN),
    ("IN", "mizoram"): (0.00091, _IN),
    ("IN", "assam"): (0.0258, _IN),
    ("IN", "rajasthan"): (0.0566, _IN),
    ("IN", "haryana"): (0.0209, _IN),
    ("IN", "west bengal"): (0.0754, _IN),
    ("IN", "uttar pradesh"): (0.165, _IN),
    ("IN", "bihar"): (0.086, _IN),
    ("IN", "gujarat"): (0.0499, _IN),
    ("IN", "punjab"): (0.0229, _IN),
    ("IN", "odisha"): (0.0347, _IN),
    ("IN", "jharkhand"): (0.0272, _IN),
    ("IN", "maharashtra"): (0.0928, _IN),
    ("IN", "delhi"): (0.0139, _IN),
    ("PK", "balochistan"): (0.062, _PK),
    ("PK", "khyber pakhtunkhwa"): (0.169, _PK),
    ("PK", "punjab"): (0.529, _PK),
    ("PK", "sindh"): (0.231, _PK),
    ("PK", "islamabad"): (0.0098, _PK),
    ("IR", "sistan and baluchestan"): (0.0347, _IR),
    ("IR", "sistan and baluchistan"): (0.0347, _IR),
    ("IR", "khuzestan"): (0.0589, _IR),
    ("IR", "kurdistan"): (0.020, _IR),
    ("IQ", "kurdistan"): (0.14, "Kurdistan Region Statistics Office estimate (~5.9 M / ~42 M)"),
    ("ET", "tigray"): (0.05, "Ethiopia CSA 2020 projection (5.7 M / 115 M)"),
    ("ET", "amhara"): (0.19, "Ethiopia CSA 2020 projection (22 M / 115 M)"),
    ("ET", "oromia"): (0.33, "Ethiopia CSA 2020 projection (37.5 M / 115 M)"),
    ("PS", "gaza strip"): (0.41, "PCBS 2023 estimate (2.2 M / 5.4 M)"),
    ("PS", "gaza"): (0.41, "PCBS 2023 estimate (2.2 M / 5.4 M)"),
    ("PS", "west bank"): (0.59, "PCBS 2023 estimate (3.2 M / 5.4 M)"),
    ("MM", "rakhine"): (0.062, _MM),
    ("MM", "chin"): (0.0093, _MM),
    ("MM", "kachin"): (0.033, _MM),
    ("MM", "sagaing"): (0.103, _MM),
    ("MM", "magway"): (0.076, _MM),
    ("MM", "shan"): (0.113, _MM),
    ("CN", "xinjiang"): (0.0183, "China Census 2020 (25.9 M / 1,411.8 M)"),
}
_DROP = {"state", "province", "region", "division", "entire", "whole", "the", "all", "of"}


def normalise_area(text: str) -> str:
    words = re.sub(r"[^\w\s]", " ", text.replace("&", " and ").lower()).split()
    return " ".join(w for w in words if w not in _DROP)


def region_share(cc: str, area: str | None) -> tuple[float, str] | None:
    """(share of national population, source) when the area is exactly a known region."""
    if not area:
        return None
    return REGION_SHARES.get((cc, normalise_area(area)))
