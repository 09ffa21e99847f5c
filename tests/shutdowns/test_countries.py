"""Country names → ISO 3166-1 alpha-2, checked against pycountry's own ISO names and codes."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest

from nethealth.shutdowns.countries import match_countries, to_alpha2
from tests.shutdowns.conftest import read_rows


def test_every_country_of_the_real_sheet_maps_except_somaliland(stop_sheet: Path) -> None:
    _header, rows = read_rows(stop_sheet)
    unmapped: set[str] = set()
    for row in rows:
        unmapped.update(match_countries(row["country"]).unmapped)
    assert unmapped == {"Somaliland"}


@pytest.mark.parametrize("country", list(pycountry.countries)[::7])
def test_iso_names_and_codes_map_to_themselves(country: object) -> None:
    code = country.alpha_2  # type: ignore[attr-defined]
    assert to_alpha2(country.name) == code  # type: ignore[attr-defined]
    assert to_alpha2(country.alpha_3) == code  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Iran (Islamic Republic of)", "IR"),
        ("Venezuela (Bolivarian Republic of)", "VE"),
        ("Congo (Democratic Republic of the)", "CD"),
        ("Congo", "CG"),
        ("Turkey", "TR"),
        ("Palestine, State of", "PS"),
        ("North Korea", "KP"),
        ("South Korea", "KR"),
        ("Côte d'Ivoire", "CI"),
        ("Viet Nam", "VN"),
        ("New Caledonia", "NC"),
        ("  Russian   Federation ", "RU"),
        ("Somaliland", None),
        ("Atlantis", None),
    ],
)
def test_written_forms(written: str, code: str | None) -> None:
    assert to_alpha2(written) == code


def test_several_countries_in_one_cell() -> None:
    m = match_countries("Burundi; Kenya; Rwanda; Tanzania, United Republic of; Uganda")
    assert m.codes == ("BI", "KE", "RW", "TZ", "UG") and m.unmapped == ()
    m = match_countries("Laos; Somaliland; Laos")
    assert m.codes == ("LA",) and m.unmapped == ("Somaliland",)
