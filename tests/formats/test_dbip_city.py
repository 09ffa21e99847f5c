"""DB-IP city lite CSV: hand-written rows in DB-IP's real layout (no header; ip_start, ip_end,
continent, country, stateprov, city, latitude, longitude)."""

from __future__ import annotations

import ipaddress

import pycountry
import pytest

from nethealth.errors import InputError
from nethealth.formats.dbip_city import ALIASES, CityReport, parse_city_csv, region_code

ROWS = (
    '1.0.0.0,1.0.0.255,OC,AU,Queensland,"South Brisbane",-27.4767,153.017\n'
    "2.16.0.0,2.16.0.255,EU,DE,Bavaria,Munich,48.1374,11.5755\n"
    '5.8.0.0,5.8.3.255,EU,FR,"Île-de-France",Paris,48.8566,2.35222\n'
    "5.9.0.0,5.9.0.255,EU,GB,Wales,Cardiff,51.4816,-3.17909\n"
    '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,NA,US,California,"Mountain View",'
    "37.3861,-122.084\n"
    "5.10.0.0,5.10.0.255,EU,NL,Atlantis,Nowhere,0,0\n"
    "5.11.0.0,5.11.0.255,AS,SG,,Singapore,1.29,103.85\n"
)


def test_rows_become_ranges_with_iso_3166_2_codes() -> None:
    rep = CityReport("x")
    t = parse_city_csv(ROWS.encode(), "x", report=rep)
    rows = t.to_pylist()
    assert [r["region"] for r in rows] == ["AU-QLD", "DE-BY", "FR-IDF", "GB-WLS", "US-CA", None,
                                           None]  # fmt: skip
    assert rows[0]["start"] == int(ipaddress.IPv4Address("1.0.0.0"))
    assert rows[0]["end"] == int(ipaddress.IPv4Address("1.0.0.255"))
    v6 = rows[4]
    assert v6["af"] == 6 and v6["start"] == 0x20014860 << 32
    assert v6["end"] == (0x20014860 << 32) | 0xFFFFFFFF  # top 64 bits of the last address
    # An unknown name is counted, not guessed; an empty one is not "unmapped".
    assert rep.unmapped == {("NL", "Atlantis"): 1} and rep.no_region == 1 and rep.rows == 7


@pytest.mark.parametrize(
    ("line", "lineno", "field"),
    [
        ("1.0.0.0,1.0.0.255,OC,AU,Queensland,x,0\n", 2, None),  # 7 columns
        ("1.0.0.0,1.0.0.256,OC,AU,Queensland,x,0,0\n", 2, "ip_end"),
        ("1.0.1.0,1.0.0.0,OC,AU,Queensland,x,0,0\n", 2, "ip_end"),
        ("1.0.0.0,::1,OC,AU,Queensland,x,0,0\n", 2, "ip_end"),
        ("1.0.0.0,1.0.0.255,OC,AUS,Queensland,x,0,0\n", 2, "country"),
    ],
)
def test_bad_line_names_line_and_field(line: str, lineno: int, field: str | None) -> None:
    data = (ROWS.splitlines(keepends=True)[0] + line).encode()
    with pytest.raises(InputError) as exc:
        parse_city_csv(data, "f.csv", strict=True)
    assert exc.value.line == lineno and exc.value.field == field and exc.value.path == "f.csv"
    rep = CityReport("f.csv")
    t = parse_city_csv(data, "f.csv", strict=False, report=rep)
    assert t.num_rows == 1 and len(rep.skipped) == 1


def test_name_matching_exact_loose_alias_and_ambiguous() -> None:
    assert region_code("ES", "Madrid, Comunidad de") == "ES-MD"  # exact
    assert region_code("ES", "Madrid") == "ES-M"  # exact beats the alias table: the province
    assert region_code("CH", "zurich") == "CH-ZH"  # case and accents
    assert region_code("GB", "Wales") == "GB-WLS"  # bracketed local name dropped
    assert region_code("DE", "Bavaria") == "DE-BY"  # alias
    assert region_code("DE", "Atlantis") is None


def test_every_alias_is_reached_and_names_a_real_subdivision() -> None:
    for (cc, name), code in ALIASES.items():
        sub = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
        assert sub is not None and code.startswith(cc + "-")
        assert region_code(cc, name) == code, (cc, name)
