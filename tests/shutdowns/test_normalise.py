"""STOP vocabulary → tracker fields, and stable event ids."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nethealth.formats.stop_sheet import CANONICAL_COLUMNS, SheetRow, read_stop_sheet
from nethealth.shutdowns.countries import is_alpha2
from nethealth.shutdowns.model import SCOPES, TYPES
from nethealth.shutdowns.normalise import (
    identity_key,
    links_in,
    networks_of,
    normalise_rows,
    scope_of,
    services_of,
    types_of,
)
from tests.shutdowns.conftest import read_rows

ONE_CITY = "It only affected one city, county, or village"
ONE_STATE = "It affected more than one city in the same state, province, or region"
MANY_STATES = "It affected locations in more than one state, province, or region"


@pytest.mark.parametrize(
    ("geo", "area", "scope"),
    [
        (MANY_STATES, "Nationwide", "national"),
        (MANY_STATES, "National except Kurdish region", "national"),
        (MANY_STATES, "Entire country", "national"),
        (MANY_STATES, "Entire South Sudan", "national"),
        (MANY_STATES, "Kaduna, Katsina, Sokoto, and Zamfara States", "regional"),
        (MANY_STATES, "National Capital Territory of Dehli, and Western Uttar Pradesh", "regional"),
        (ONE_STATE, "Manipur", "regional"),
        (ONE_CITY, "Wana, South Waziristan", "local"),
        ("", "Pulwama, Jammu and Kashmir", "unknown"),
        ("Not sure", "", "unknown"),
    ],
)
def test_scope(geo: str, area: str, scope: str) -> None:
    assert scope_of(geo, area, ["SS", "IQ", "NG", "IN"])[0] == scope


def test_area_text_overrides_a_narrower_geo_scope_and_says_so() -> None:
    assert scope_of(ONE_STATE, "nationwide", ["IN"]) == ("national", True)


@pytest.mark.parametrize(
    ("kind", "extent", "types"),
    [
        ("Shutdown", "Full network", ["shutdown"]),
        ("Shutdown", "Service-based", ["service-blocking"]),
        ("Shutdown", "Full network, Service-based", ["shutdown", "service-blocking"]),
        ("Shutdown, Throttle", "Full network", ["shutdown", "throttling"]),
        ("Throttle", "Full network", ["throttling"]),
        ("Throttle", "Service-based", ["throttling"]),
        ("Unknown", "Service-based", ["service-blocking"]),
        ("Unknown", "Full network", ["shutdown"]),
    ],
)
def test_types(kind: str, extent: str, types: list[str]) -> None:
    assert types_of(kind, extent) == types


def test_networks_services_links() -> None:
    assert networks_of("Broadband, Mobile") == ["broadband", "mobile"]
    assert networks_of("Unknown") == []
    row = dict.fromkeys(
        [
            "facebook_affected",
            "twitter_affected",
            "whatsapp_affected",
            "instagram_affected",
            "telegram_affected",
            "sms_affected",
            "phonecall_affected",
        ],
        "No",
    )
    row.update(facebook_affected="Yes", sms_affected="Yes")
    row["other_affected"] = 'Snapchat, and "other social media services"'
    assert services_of(row) == ["facebook", "sms", "Snapchat", "other social media services"]
    text = "https://a.example/x\n\nhttps://b.example/y; not a link, http://c.example/z,"
    assert links_in(text, "https://a.example/x") == [
        "https://a.example/x",
        "https://b.example/y",
        "http://c.example/z",
    ]


def test_ids_are_unique_stable_and_ignore_revisable_fields(stop_sheet: Path) -> None:
    sheet = read_stop_sheet(stop_sheet)
    records = normalise_rows(sheet.rows)
    ids = [r.event_id for r in records]
    assert len(set(ids)) == len(ids) == 2102
    assert ids == [r.event_id for r in normalise_rows(sheet.rows)]
    # Access Now fills in end dates, statuses and links later: the id does not move.
    row = sheet.rows[10]
    revised = {
        **row.values,
        "end_date": "2030-01-01",
        "shutdown_status": "Ended",
        "info_source_link": "https://example.org/new",
    }
    assert identity_key(revised) == identity_key(row.values)
    # Rows sharing an identity are told apart by their order in the sheet.
    dupes = Counter(identity_key(r.values) for r in sheet.rows)
    assert sum(n - 1 for n in dupes.values()) == 6


def test_normalised_fields_of_real_rows(stop_sheet: Path) -> None:
    _header, raw = read_rows(stop_sheet)
    records = normalise_rows(read_stop_sheet(stop_sheet).rows)
    by_type = Counter(r.fields["type"] for r in records)
    # Independent count from the raw columns: full-network shutdowns are the main type.
    full = sum(
        1
        for r in raw
        if "Full network" in r["shutdown_extent"] and "Shutdown" in r["shutdown_type"]
    )
    assert by_type["shutdown"] == full
    assert sum(1 for r in records if "end-before-start" in r.fields["flags"]) == sum(
        1 for r in raw if r["end_date"] and r["end_date"] < r["start_date"]
    )
    first = records[0].fields
    assert first["countries"] == ["PK"] and first["scope"] == "local"
    assert first["networks"] == ["mobile"] and first["status"] == "ended"
    assert all(
        r.fields[c] is True
        for r in records
        for c in ("artificially_induced", "removes_access", "affects_group")
    )


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(
        st.text(max_size=30), min_size=len(CANONICAL_COLUMNS), max_size=len(CANONICAL_COLUMNS)
    ),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    end=st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
)
def test_any_row_normalises_into_the_vocabulary(
    texts: list[str], start: date, end: date | None
) -> None:
    values = dict(zip(CANONICAL_COLUMNS, texts, strict=True))
    values.update(start_date=start.isoformat(), end_date=end.isoformat() if end else "")
    values["count_year"] = str(start.year)
    (rec,) = normalise_rows([SheetRow(values, 2, "row 1", start.year, start, end)])
    f = rec.fields
    assert f["scope"] in SCOPES and f["type"] in TYPES and set(f["types"]) <= set(TYPES)
    assert f["type"] == f["types"][0] and set(f["networks"]) <= {"broadband", "mobile"}
    assert f["status"] in ("ended", "ongoing", "unknown")
    assert all(is_alpha2(c) for c in f["countries"])
    assert ("end-before-start" in f["flags"]) == (end is not None and end < start)
