"""Countries of the simulated world.

The table gives, per ISO 3166-1 alpha-2 code: the RIR whose service region holds the country,
the PeeringDB ``region_continent``, an approximate count of registered ASNs (order of magnitude of
the real RIR delegations around 2024, used only as sampling weights), the capital (IXP and
facility city), a baseline RPKI ROA coverage and a shutdown propensity (roughly following how
often the country appears in the #KeepItOn records; 0 = never sampled for shutdowns).

RIR mapping rule (documented in docs/simulator.md): Africa -> AFRINIC; Latin America and most of
the Caribbean -> LACNIC; United States, Canada and the Caribbean territories ARIN serves -> ARIN;
Europe, the Middle East, Central Asia and the Caucasus -> RIPE NCC; the rest of Asia and
Oceania -> APNIC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pycountry

from nethealth.sim.rng import stream

RIRS: tuple[str, ...] = ("afrinic", "apnic", "arin", "lacnic", "ripencc")

REGION_NAMES: dict[str, str] = {
    "NA": "North America",
    "SA": "South America",
    "EU": "Europe",
    "AF": "Africa",
    "AP": "Asia Pacific",
    "AU": "Australia",
    "ME": "Middle East",
}

# cc rir region asn_weight roa_coverage_percent shutdown_propensity capital
_TABLE = """
US arin NA 31000 55 0 Washington
CA arin NA 1800 50 0 Toronto
PR arin NA 60 40 0 San Juan
JM arin NA 25 20 0 Kingston
BS arin NA 15 20 0 Nassau
BB arin NA 15 20 0 Bridgetown
BR lacnic SA 9500 60 1 Sao Paulo
AR lacnic SA 1400 45 0 Buenos Aires
MX lacnic NA 900 35 0 Mexico City
CO lacnic SA 900 45 0 Bogota
CL lacnic SA 450 50 0 Santiago
PE lacnic SA 220 40 0 Lima
EC lacnic SA 350 55 1 Quito
VE lacnic SA 150 20 3 Caracas
BO lacnic SA 80 30 0 La Paz
PY lacnic SA 100 35 0 Asuncion
UY lacnic SA 60 70 0 Montevideo
CR lacnic NA 60 50 0 San Jose
PA lacnic NA 80 40 0 Panama City
GT lacnic NA 60 30 0 Guatemala City
HN lacnic NA 50 25 0 Tegucigalpa
NI lacnic NA 40 20 2 Managua
SV lacnic NA 40 30 0 San Salvador
DO lacnic NA 60 30 0 Santo Domingo
CU lacnic NA 5 5 4 Havana
HT lacnic NA 20 10 0 Port-au-Prince
TT lacnic SA 30 30 0 Port of Spain
DE ripencc EU 3300 65 0 Frankfurt
GB ripencc EU 3000 65 0 London
RU ripencc EU 6000 45 3 Moscow
PL ripencc EU 2300 60 0 Warsaw
UA ripencc EU 2200 50 3 Kyiv
FR ripencc EU 1700 60 0 Paris
NL ripencc EU 1600 80 0 Amsterdam
IT ripencc EU 1400 55 0 Milan
ES ripencc EU 1400 55 0 Madrid
CH ripencc EU 1200 70 0 Zurich
RO ripencc EU 1000 45 0 Bucharest
SE ripencc EU 900 80 0 Stockholm
CZ ripencc EU 900 60 0 Prague
TR ripencc EU 900 35 4 Istanbul
AT ripencc EU 800 65 0 Vienna
BG ripencc EU 600 45 0 Sofia
DK ripencc EU 500 75 0 Copenhagen
NO ripencc EU 500 80 0 Oslo
BE ripencc EU 500 70 0 Brussels
FI ripencc EU 400 80 0 Helsinki
IE ripencc EU 400 65 0 Dublin
HU ripencc EU 400 55 0 Budapest
PT ripencc EU 300 50 0 Lisbon
SK ripencc EU 300 55 0 Bratislava
GR ripencc EU 250 45 0 Athens
LV ripencc EU 250 60 0 Riga
LT ripencc EU 200 60 0 Vilnius
EE ripencc EU 200 70 0 Tallinn
SI ripencc EU 200 65 0 Ljubljana
HR ripencc EU 200 55 0 Zagreb
RS ripencc EU 250 45 0 Belgrade
BA ripencc EU 100 35 0 Sarajevo
MD ripencc EU 150 45 0 Chisinau
BY ripencc EU 100 20 5 Minsk
KZ ripencc AP 250 30 4 Almaty
UZ ripencc AP 80 15 3 Tashkent
KG ripencc AP 70 20 1 Bishkek
TJ ripencc AP 20 10 3 Dushanbe
TM ripencc AP 5 5 3 Ashgabat
GE ripencc EU 150 45 0 Tbilisi
AM ripencc EU 100 40 2 Yerevan
AZ ripencc EU 100 20 4 Baku
IL ripencc ME 350 55 0 Tel Aviv
SA ripencc ME 200 50 0 Riyadh
AE ripencc ME 250 50 0 Dubai
IQ ripencc ME 250 20 9 Baghdad
IR ripencc ME 800 15 9 Tehran
SY ripencc ME 40 5 6 Damascus
JO ripencc ME 60 30 5 Amman
LB ripencc ME 100 30 1 Beirut
KW ripencc ME 60 40 1 Kuwait City
QA ripencc ME 40 50 0 Doha
OM ripencc ME 40 40 1 Muscat
BH ripencc ME 40 40 2 Manama
YE ripencc ME 10 5 3 Sanaa
PS ripencc ME 80 20 5 Ramallah
EG afrinic AF 100 25 5 Cairo
NG afrinic AF 250 30 4 Lagos
KE afrinic AF 150 45 3 Nairobi
ZA afrinic AF 700 50 0 Johannesburg
GH afrinic AF 80 30 1 Accra
TZ afrinic AF 60 30 3 Dar es Salaam
UG afrinic AF 60 30 4 Kampala
ET afrinic AF 20 10 9 Addis Ababa
SD afrinic AF 30 10 8 Khartoum
SS afrinic AF 10 5 2 Juba
ZW afrinic AF 40 25 4 Harare
ZM afrinic AF 40 20 3 Lusaka
MZ afrinic AF 40 30 2 Maputo
AO afrinic AF 50 30 0 Luanda
CM afrinic AF 40 15 4 Yaounde
SN afrinic AF 30 30 4 Dakar
CI afrinic AF 30 30 1 Abidjan
MA afrinic AF 40 30 1 Casablanca
DZ afrinic AF 20 10 7 Algiers
TN afrinic AF 30 30 1 Tunis
LY afrinic AF 30 10 4 Tripoli
CD afrinic AF 40 10 4 Kinshasa
RW afrinic AF 30 40 0 Kigali
MW afrinic AF 30 30 1 Lilongwe
BI afrinic AF 15 10 3 Bujumbura
TD afrinic AF 10 5 4 N'Djamena
ML afrinic AF 15 10 3 Bamako
BF afrinic AF 15 20 3 Ouagadougou
NE afrinic AF 10 10 2 Niamey
GN afrinic AF 10 10 4 Conakry
TG afrinic AF 10 20 3 Lome
BJ afrinic AF 15 30 2 Cotonou
GA afrinic AF 15 20 3 Libreville
CG afrinic AF 15 10 3 Brazzaville
MG afrinic AF 20 30 0 Antananarivo
MU afrinic AF 40 60 0 Port Louis
NA afrinic AF 30 30 0 Windhoek
BW afrinic AF 30 30 0 Gaborone
SO afrinic AF 20 5 3 Mogadishu
CN apnic AP 1900 40 2 Beijing
IN apnic AP 2500 45 10 Mumbai
ID apnic AP 2000 35 3 Jakarta
AU apnic AU 2600 60 0 Sydney
JP apnic AP 1000 50 0 Tokyo
KR apnic AP 1100 30 0 Seoul
HK apnic AP 1200 50 0 Hong Kong
SG apnic AP 800 60 0 Singapore
TW apnic AP 600 60 0 Taipei
VN apnic AP 700 40 2 Hanoi
PH apnic AP 700 35 1 Manila
TH apnic AP 500 40 1 Bangkok
MY apnic AP 400 45 1 Kuala Lumpur
BD apnic AP 1400 35 6 Dhaka
PK apnic AP 300 25 9 Karachi
LK apnic AP 90 35 2 Colombo
NP apnic AP 100 40 1 Kathmandu
MM apnic AP 100 20 9 Yangon
KH apnic AP 150 35 0 Phnom Penh
LA apnic AP 30 20 0 Vientiane
MN apnic AP 60 40 0 Ulaanbaatar
AF apnic AP 40 10 3 Kabul
NZ apnic AU 600 60 0 Auckland
PG apnic AU 20 20 1 Port Moresby
FJ apnic AU 15 30 0 Suva
"""


@dataclass(frozen=True)
class Country:
    cc: str
    name: str
    rir: str
    region: str
    asn_weight: int
    roa_coverage: float
    shutdown_propensity: int
    capital: str

    @property
    def region_continent(self) -> str:
        return REGION_NAMES[self.region]


def _parse_row(line: str) -> Country | None:
    cc, rir, region, weight, roa, shut, capital = line.split(maxsplit=6)
    if int(weight) <= 0:
        return None
    rec = pycountry.countries.get(alpha_2=cc)
    if rec is None:
        raise ValueError(f"geo table: unknown ISO code {cc!r}")
    if rir not in RIRS or region not in REGION_NAMES:
        raise ValueError(f"geo table: bad RIR or region on row {line!r}")
    name = str(getattr(rec, "common_name", None) or rec.name)
    return Country(cc, name, rir, region, int(weight), int(roa) / 100.0, int(shut), capital)


def countries() -> tuple[Country, ...]:
    """All countries of the table, in table order (deterministic)."""
    rows = (_parse_row(line) for line in _TABLE.strip().splitlines())
    return tuple(c for c in rows if c is not None)


# PeeringDB-style region of the table → DB-IP's continent code (for the simulated DB-IP file).
CONTINENTS: dict[str, str] = {
    "NA": "NA", "SA": "SA", "EU": "EU", "AF": "AF", "AP": "AS", "AU": "OC", "ME": "AS",
}  # fmt: skip
_BRACKET = re.compile(r"\s*\[[^\]]*\]\s*$")


@dataclass(frozen=True)
class Subdivision:
    code: str  # ISO 3166-2, e.g. "DE-BY"
    name: str  # pycountry's name without a bracketed local name ("Wales", not "Wales [Cymru…]")


@lru_cache(maxsize=512)
def subdivisions(cc: str) -> tuple[Subdivision, ...]:
    """First-level (no parent) ISO 3166-2 subdivisions of a country, by code; () when none."""
    subs = pycountry.subdivisions.get(country_code=cc) or []  # type: ignore[no-untyped-call]
    top = [s for s in subs if getattr(s, "parent_code", None) is None]
    return tuple(
        sorted((Subdivision(str(s.code), _BRACKET.sub("", str(s.name))) for s in top),
               key=lambda d: d.code)
    )  # fmt: skip


def home_subdivisions(seed: int, country_codes: Sequence[str]) -> list[Subdivision | None]:
    """A home subdivision per AS (given its country code), seeded and weighted: per country a
    random order of its subdivisions with Zipf weights 1/rank, so a few regions (a capital
    region, an economic centre) hold most networks. None for countries without subdivisions.
    Each country has its own random stream: adding ASes elsewhere shifts nothing here."""
    out: list[Subdivision | None] = [None] * len(country_codes)
    by_country: dict[str, list[int]] = {}
    for i, cc in enumerate(country_codes):
        by_country.setdefault(cc, []).append(i)
    for cc, members in sorted(by_country.items()):
        subs = subdivisions(cc)
        if not subs:
            continue
        rng = stream(seed, "subdivisions", cc)
        order = rng.permutation(len(subs))
        weights = 1.0 / np.arange(1, len(subs) + 1)
        picks = rng.choice(len(subs), size=len(members), p=weights / weights.sum())
        for i, k in zip(members, picks.tolist(), strict=True):
            out[i] = subs[int(order[k])]
    return out
