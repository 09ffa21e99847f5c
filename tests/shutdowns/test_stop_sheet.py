"""The STOP sheet reader against the real 2016–2025 sheet (read independently with csv)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nethealth.errors import InputError
from nethealth.formats.stop_sheet import (
    CANONICAL_COLUMNS,
    LAYOUTS,
    detect_layout,
    header_signature,
    parse_date,
    read_stop_sheet,
)
from nethealth.shutdowns.normalise import normalise_rows
from tests.shutdowns.conftest import read_rows, write_csv


def test_real_sheet_layout_and_rows(stop_sheet: Path) -> None:
    header, rows = read_rows(stop_sheet)
    sheet = read_stop_sheet(stop_sheet)
    assert sheet.layout.name == "stop-combined-2016-2025" and sheet.layout.verified
    assert tuple(header) == CANONICAL_COLUMNS
    assert len(sheet.rows) == len(rows) == 2102
    # Every value comes through unchanged, row for row (dates were ISO already).
    for got, want in zip(sheet.rows, rows, strict=True):
        assert got.values == {k: v.strip() for k, v in want.items()}
        assert got.year == int(want["count_year"])
    assert Counter(r.year for r in sheet.rows) == Counter(int(r["count_year"]) for r in rows)
    # The CSV has multi-line cells, so lines are physical line numbers, increasing.
    lines = [r.line for r in sheet.rows]
    assert lines[0] == 2 and lines == sorted(lines) and lines[-1] > 2103


def test_header_signature_ignores_order_and_case() -> None:
    cols = list(CANONICAL_COLUMNS)
    assert header_signature(cols) == header_signature([c.upper() for c in reversed(cols)])
    assert header_signature(cols) != header_signature(cols[:-1])
    assert len({lay.signature for lay in LAYOUTS}) == len(LAYOUTS)


def test_unknown_layout_names_the_columns() -> None:
    header = [c for c in CANONICAL_COLUMNS if c not in ("end_date", "region")] + ["Ende", "x"]
    with pytest.raises(InputError) as info:
        detect_layout(header, "sheet.csv")
    text = str(info.value)
    assert "closest known layout 'stop-combined-2016-2025' (45 of its 47 columns)" in text
    assert "unknown columns [ende (written 'Ende'), x]" in text
    assert "missing columns [end_date, region]" in text
    assert info.value.line == 1 and "LAYOUTS" in (info.value.hint or "")


def test_repeated_header_is_refused() -> None:
    with pytest.raises(InputError, match="repeats column"):
        detect_layout([*CANONICAL_COLUMNS, "Country "], "sheet.csv")


def _workbook(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "2019"
    first.append(["only", "a", "placeholder"])
    ws = wb.create_sheet("Combined (2016-2025)")
    ws.append(header)
    for i, row in enumerate(rows):
        cells: list[object] = []
        for col in header:
            value: object = row[col]
            if col == "start_date":  # XLSX dates arrive as datetimes, or as serial numbers
                day = date.fromisoformat(row[col])
                value = (
                    datetime(day.year, day.month, day.day)
                    if i % 2
                    else (day - date(1899, 12, 30)).days
                )
            elif col == "count_year":
                value = int(row[col])
            cells.append(value)
        ws.append(cells)
    ws.append([None] * len(header))  # trailing blank row, as exports have
    wb.save(path)
    return path


def test_xlsx_reads_like_the_csv(stop_sheet: Path, tmp_path: Path) -> None:
    header, rows = read_rows(stop_sheet)
    book = _workbook(tmp_path / "stop.xlsx", header, rows[:30])
    from_xlsx = read_stop_sheet(book)
    from_csv = read_stop_sheet(write_csv(tmp_path / "stop.csv", header, rows[:30]))
    assert from_xlsx.sheet == "Combined (2016-2025)"
    assert from_xlsx.blank_rows == 1
    assert [r.values for r in from_xlsx.rows] == [r.values for r in from_csv.rows]
    assert from_xlsx.rows[0].record == "sheet 'Combined (2016-2025)' row 2"
    with pytest.raises(InputError, match="unknown STOP sheet layout"):
        read_stop_sheet(book, sheet="2019")
    with pytest.raises(InputError, match="no sheet named"):
        read_stop_sheet(book, sheet="2031")


def test_parse_date_formats() -> None:
    assert parse_date("2019-01-21") == date(2019, 1, 21)
    assert parse_date("2019-01-21 00:00:00") == date(2019, 1, 21)
    assert parse_date("2019/1/21") == date(2019, 1, 21)
    assert parse_date("1/21/2019") == date(2019, 1, 21)  # Google Sheets en-US export
    assert parse_date("43466") == date(2019, 1, 1)  # Excel serial day 43466 is 2019-01-01
    for bad in ("21.01.2019", "2019-13-01", "yesterday", "13/13/2019"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_bad_rows_strict_and_lenient(stop_sheet: Path, tmp_path: Path) -> None:
    header, rows = read_rows(stop_sheet)
    broken = [dict(r) for r in rows[:10]]
    broken[3]["start_date"] = "soon"
    broken[6]["country"] = ""
    path = write_csv(tmp_path / "broken.csv", header, broken)
    with pytest.raises(InputError) as info:
        read_stop_sheet(path)
    assert info.value.field == "start_date" and info.value.record == "row 4"
    assert info.value.line is not None and info.value.line >= 5
    assert "--lenient" in (info.value.hint or "")
    lenient = read_stop_sheet(path, lenient=True)
    assert len(lenient.rows) == 8
    assert [e.field for e in lenient.skipped] == ["start_date", "country"]


def test_empty_and_non_text_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_stop_sheet(empty)
    binary = tmp_path / "noise.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage\x00" * 10)
    with pytest.raises(InputError):
        read_stop_sheet(binary)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), max_size=50),
        max_size=6,
    ),
    noise=st.binary(max_size=200),
)
def test_arbitrary_input_fails_only_with_input_errors(
    tmp_path: Path, cells: list[list[str]], noise: bytes
) -> None:
    """Fuzz-style: any rows under the real header, or any bytes, give rows or an InputError."""
    sheet = tmp_path / "fuzz.csv"
    with open(sheet, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CANONICAL_COLUMNS)
        writer.writerows(cells)
    for path in (sheet, tmp_path / "noise.csv"):
        if path.name == "noise.csv":
            path.write_bytes(noise)
        try:
            result = read_stop_sheet(path, lenient=True)
        except InputError:
            continue
        assert all(r.values["country"] for r in result.rows)
        records = normalise_rows(result.rows)  # and whatever was read normalises
        assert len({r.event_id for r in records}) == len(result.rows)
