"""World Bank WDI files in every published shape (API JSON, bulk CSV and its ZIP, wide and long
CSVs), checked against the same data published in another shape."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nethealth.errors import InputError
from nethealth.formats.wdi import INTERNET, POPULATION, Observation, parse_api_json, read_wdi


@pytest.fixture
def country(shared_data: Path) -> Path:
    return shared_data / "country"


def test_api_json_equals_the_tidy_csv_of_the_same_series(country: Path) -> None:
    api = read_wdi(country / "worldbank-2018" / "SP.POP.TOTL.json.gz")
    assert {o.indicator for o in api} == {POPULATION}
    got = {(o.iso3, o.year): o.value for o in api}
    codes = {k[0] for k in got}
    with open(country / "worldbank-2018" / "SP.POP.TOTL_1960-2017_tidy.csv", newline="") as fh:
        want = {
            (r["countryiso3code"], int(r["year"])): float(r["population"])
            for r in csv.DictReader(fh)
            if r["population"] and r["countryiso3code"] in codes
        }
    assert got == want
    assert len(got) > 10000
    assert not {"WLD", "ARB", "EAS"} & {k[0] for k in got}  # aggregates are not countries


def test_bulk_csv_and_its_zip(country: Path, tmp_path: Path) -> None:
    path = country / "worldbank-2018" / "API_IT.NET.USER.ZS_DS2_en_csv_v2.csv"
    obs = read_wdi(path)
    assert {o.indicator for o in obs} == {INTERNET}
    india = {o.year: o.value for o in obs if o.iso3 == "IND"}
    line = next(x for x in path.read_text(encoding="utf-8-sig").splitlines() if '"IND"' in x)
    cells = next(csv.reader([line]))
    assert india[2016] == pytest.approx(float(cells[4 + 2016 - 1960]))
    archive = tmp_path / "IT.NET.USER.ZS.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Metadata_Country_API_IT.NET.USER.ZS_DS2_en_csv_v2.csv", "x,y\n")
        zf.write(path, "API_IT.NET.USER.ZS_DS2_en_csv_v2.csv")
    assert read_wdi(archive) == obs


def test_wide_csv_needs_its_indicator(country: Path) -> None:
    with pytest.raises(InputError) as info:
        read_wdi(country / "wb_internet_users_pct_2016-2024.csv")
    assert "FILE=INDICATOR" in (info.value.hint or "")
    obs = read_wdi(country / "wb_internet_users_pct_2016-2024.csv", INTERNET)
    assert {o.indicator for o in obs} == {INTERNET} and len({o.iso3 for o in obs}) > 180


def test_api_error_answer_and_garbage(tmp_path: Path) -> None:
    error = (
        b'[{"message":[{"id":"120","key":"Invalid value",'
        b'"value":"The provided parameter value is not valid"}]}]'
    )
    with pytest.raises(InputError, match="answered an error"):
        parse_api_json(error, "x.json")
    with pytest.raises(InputError, match="not JSON"):
        parse_api_json(b"<html>", "x.json")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="World Bank CSV"):
        read_wdi(other)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.builds(lambda b: b"[" + b, st.binary(max_size=100)),
        st.builds(lambda b: b"Country Name,Country Code,2016\n" + b, st.binary(max_size=100)),
        st.builds(lambda b: b"iso3,year,gdp_usd\n" + b, st.binary(max_size=100)),
        st.just(b"BZh"),
        st.just(b"[{}, 5]"),
        st.just(b'[{}, [5, {"date": "x"}]]'),
        st.just(b'[{}, [{"indicator": {"id": "X"}, "date": "2019", "value": "nan"}]]'),
        st.just(b"\x1f\x8b\x08"),
    )
)
def test_any_bytes_give_observations_or_an_input_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "wdi.bin"
    path.write_bytes(data)
    try:
        obs = read_wdi(path, INTERNET)
    except InputError:
        return
    assert all(isinstance(o, Observation) for o in obs)
