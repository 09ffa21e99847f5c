"""Access Now #KeepItOn STOP sheets (CSV or XLSX) → rows keyed by canonical column names.

STOP has been published as one Google Sheet with a tab per year plus a "Combined" tab, and its
columns were renamed over the years. Each known header layout is listed in
`nethealth.formats.stop_layouts.LAYOUTS` with an explicit map from its column names to the
canonical names of the combined 2016–2025 sheet. Header cells are normalised first (case,
padding and inner whitespace: `end_date `, `Info_source `), then a file's layout is the one whose
column names are exactly the header's (the signature: the sorted, normalised names). An unknown
header fails naming the columns that differ from the closest known layout, as written, so a new
layout is added on purpose, never guessed.

Every data row must have as many cells as the header: a short row (a cell cut off) or a long row
(an unquoted separator) is a bad row with its line number, refused in strict mode and skipped,
counted and listed in lenient mode, like a row with a bad date or a missing country.

Pure parsing: no store, no network. Values stay text (as written) except dates, which are parsed
here because their encoding (ISO, US M/D/YYYY, Excel serials, XLSX datetimes) is a file matter,
and except the older layouts' vocabularies, which their layout translates.
"""

from __future__ import annotations

import csv
import lzma
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from nethealth.errors import InputError
from nethealth.formats.compression import open_text
from nethealth.formats.stop_layouts import (
    CANONICAL_COLUMNS,
    LAYOUTS,
    Layout,
    header_signature,
    normalise_header,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "LAYOUTS",
    "Layout",
    "SheetRow",
    "StopSheet",
    "detect_layout",
    "header_signature",
    "normalise_header",
    "parse_date",
    "read_stop_sheet",
]

REQUIRED = ("start_date", "country")
XLSX_MAGIC = b"PK\x03\x04"
# Excel's day zero (serial 1 = 1900-01-01, with Lotus' phantom 1900-02-29 counted).
EXCEL_EPOCH = date(1899, 12, 30)
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SLASH_ISO = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass(frozen=True)
class SheetRow:
    """One data row: canonical column → text (dates already ISO), where it came from, its year."""

    values: dict[str, str]
    line: int
    record: str
    year: int
    start: date
    end: date | None


@dataclass
class StopSheet:
    path: str
    sheet: str | None
    layout: Layout
    rows: list[SheetRow]
    skipped: list[InputError] = field(default_factory=list)
    blank_rows: int = 0


def _as_written(names: Sequence[str], written: Mapping[str, str]) -> str:
    """Names as normalised, with the cell as written where it differs (padding, case)."""
    shown = [n if written.get(n, n) == n else f"{n} (written {written[n]!r})" for n in names]
    return "[" + ", ".join(shown) + "]" if shown else "none"


def detect_layout(headers: Sequence[str], path: str) -> Layout:
    """The layout whose normalised column names are the header's, or an InputError naming the
    columns that differ from the closest known layout."""
    written = {normalise_header(h): h for h in headers if h.strip()}
    names = [normalise_header(h) for h in headers if h.strip()]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(
            f"the header repeats column(s) {', '.join(dupes)} (after ignoring case and spaces)",
            path=path,
            line=1,
            hint="rename or delete the repeated columns, then import again",
        )
    given = set(names)
    for layout in LAYOUTS:
        if layout.names == given:
            return layout

    def overlap(lay: Layout) -> float:
        return len(given & lay.names) / len(given | lay.names)

    closest = max(LAYOUTS, key=overlap)
    unknown = sorted(given - closest.names)
    missing = sorted(closest.names - given)
    raise InputError(
        f"unknown STOP sheet layout (header signature {header_signature(names)}, "
        f"{len(given)} columns); closest known layout {closest.name!r} "
        f"({len(given & closest.names)} of its {len(closest.names)} columns): "
        f"unknown columns {_as_written(unknown, written)}, "
        f"missing columns {_as_written(missing, {})}",
        path=path,
        line=1,
        hint="add this layout with an explicit column map to "
        "nethealth.formats.stop_layouts.LAYOUTS, or fix the header",
    )


def parse_date(text: str) -> date:
    """ISO (optionally with a time), YYYY/MM/DD, US M/D/YYYY (Google Sheets' en-US export) or an
    Excel serial day number. Anything else raises ValueError."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", value):
        return date.fromisoformat(value[:10])
    if m := _SLASH_ISO.match(value):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _US_DATE.match(value):
        return date(int(m[3]), int(m[1]), int(m[2]))
    if re.fullmatch(r"\d{5}(\.0+)?", value):
        return EXCEL_EPOCH + timedelta(days=int(float(value)))
    raise ValueError(f"{text!r} is not a date")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class _RawRow:
    cells: list[str]
    line: int
    record: str


def _csv_rows(path: Path) -> tuple[list[str], list[_RawRow]]:
    """Header and rows, read whole (a sheet is a few MB) so the file is closed on any error."""
    rows: list[_RawRow] = []
    with open_text(path) as fh:
        reader = csv.reader(fh)
        start = 1
        try:
            header = next(reader)
            start = reader.line_num + 1
            for n, cells in enumerate(reader, start=1):
                rows.append(_RawRow([c.strip() for c in cells], start, f"row {n}"))
                start = reader.line_num + 1
        except StopIteration:
            raise InputError(
                "the file is empty", path=path, hint="export the sheet again"
            ) from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(
                f"not a readable UTF-8 CSV file: {exc}", path=path, line=start
            ) from None
        except (EOFError, OSError, lzma.LZMAError) as exc:  # a truncated or damaged archive
            raise InputError(
                f"damaged compressed file: {exc}", path=path, hint="download the file again"
            ) from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    while header and not header[-1].strip():
        header.pop()  # trailing empty header cells (a trailing separator)
    return header, rows


def xlsx_sheet_names(path: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _pick_sheet(names: list[str], wanted: str | None, path: Path) -> str:
    if wanted is not None:
        if wanted in names:
            return wanted
        raise InputError(
            f"no sheet named {wanted!r}",
            path=path,
            hint=f"choose one of: {', '.join(names)}",
        )
    combined = [n for n in names if "combined" in n.lower()]
    if len(combined) == 1:
        return combined[0]
    if len(names) == 1:
        return names[0]
    raise InputError(
        "the workbook has several sheets and none is the Combined one",
        path=path,
        hint=f"name the sheet with --sheet, one of: {', '.join(names)}",
    )


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[str, list[str], list[_RawRow]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged archive
        raise InputError(f"not a readable XLSX workbook: {exc}", path=path) from None
    try:
        name = _pick_sheet(list(wb.sheetnames), sheet, path)
        values = wb[name].iter_rows(values_only=True)
        first = next(values, None)
        if first is None:
            raise InputError(f"sheet {name!r} is empty", path=path)
        header = [_cell_text(v) for v in first]
        while header and not header[-1]:
            header.pop()  # trailing formatted-but-empty columns
        # Cells are addressed by column in a workbook: a row stored without its trailing empty
        # cells is not short (unlike a CSV line), so it is padded to the header.
        pad = [""] * len(header)
        rows = [
            _RawRow(
                ([_cell_text(v) for v in row] + pad)[: max(len(row), len(header))],
                i,
                f"sheet {name!r} row {i}",
            )
            for i, row in enumerate(values, start=2)
        ]
    finally:
        wb.close()
    return name, header, rows


def _is_xlsx(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == XLSX_MAGIC


def _sheet_year(sheet: str | None, path: Path) -> int | None:
    for text in (sheet or "", path.name):
        years = _YEAR_IN_NAME.findall(text)
        if len(years) == 1:  # "2019", "2021 Data"; a range like 2016-2025 says nothing
            return int(years[0])
    return None


def _row_date(values: dict[str, str], col: str, path: str, raw: _RawRow) -> date | None:
    text = values.get(col, "")
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise InputError(
            f"{text!r} is not a date",
            path=path,
            line=raw.line,
            record=raw.record,
            field=col,
            hint="use YYYY-MM-DD (M/D/YYYY and Excel serial days are read too), "
            "fix the cell, or import with --lenient to skip such rows",
        ) from None


def _check_length(raw: _RawRow, header: list[str], path: str) -> None:
    """A row with fewer cells than the header lost some (a cut line, a stray line break); one
    with more has an unquoted separator in a cell. Either way its cells sit under the wrong
    columns, so it is a bad row rather than a row read with blanks."""
    extra = raw.cells[len(header) :]
    if len(raw.cells) < len(header):
        raise InputError(
            f"short row: {len(raw.cells)} cells where the header has {len(header)}",
            path=path,
            line=raw.line,
            record=raw.record,
            hint="a line break inside an unquoted cell, or a cut line; fix the row or "
            "re-export the sheet, or import with --lenient to skip such rows",
        )
    if any(c.strip() for c in extra):
        raise InputError(
            f"long row: {len(raw.cells)} cells where the header has {len(header)}",
            path=path,
            line=raw.line,
            record=raw.record,
            hint="a cell probably contains an unquoted separator; re-export the sheet, or "
            "import with --lenient to skip such rows",
        )


def _to_sheet_row(
    raw: _RawRow, header: list[str], layout: Layout, sheet_year: int | None, path: str
) -> SheetRow:
    _check_length(raw, header, path)
    cells = {normalise_header(name): cell for name, cell in zip(header, raw.cells, strict=False)}
    values = dict.fromkeys(CANONICAL_COLUMNS, "")
    for name, canon in layout.columns.items():
        if canon is not None:
            values[canon] = cells.get(name, "")
    if layout.translate is not None:
        layout.translate(values, cells)
    for col in REQUIRED:
        if not values[col]:
            raise InputError(
                "the cell is empty but every event needs it",
                path=path,
                line=raw.line,
                record=raw.record,
                field=col,
                hint="fill it in, or import with --lenient to skip such rows",
            )
    start = _row_date(values, "start_date", path, raw)
    end = _row_date(values, "end_date", path, raw)
    assert start is not None  # required above
    values["start_date"] = start.isoformat()
    values["end_date"] = end.isoformat() if end else ""
    year = _resolve_year(values, layout, sheet_year, start, path, raw)
    values["count_year"] = str(year)
    return SheetRow(values, raw.line, raw.record, year, start, end)


def _resolve_year(
    values: dict[str, str],
    layout: Layout,
    sheet_year: int | None,
    start: date,
    path: str,
    raw: _RawRow,
) -> int:
    if layout.year_from == "column" and values["count_year"]:
        text = values["count_year"]
        try:
            year = int(float(text))
        except ValueError:
            year = -1
        if not 1990 <= year <= 2100:
            raise InputError(
                f"{text!r} is not a year",
                path=path,
                line=raw.line,
                record=raw.record,
                field="count_year",
                hint="the count year is the calendar year the event is counted in, e.g. 2024",
            )
        return year
    return sheet_year if sheet_year is not None else start.year


def read_stop_sheet(path: Path, *, sheet: str | None = None, lenient: bool = False) -> StopSheet:
    """Read a STOP sheet (CSV, optionally compressed, or XLSX). Strict by default: the first bad
    row raises; `lenient` skips bad rows and lists them in `skipped`."""
    where = str(path)
    sheet_name: str | None = None
    if _is_xlsx(path):
        sheet_name, header, raws = _xlsx_rows(path, sheet)
    else:
        if sheet is not None:
            raise InputError("--sheet only applies to XLSX workbooks", path=path)
        header, raws = _csv_rows(path)
    layout = detect_layout(header, where)
    out = StopSheet(where, sheet_name, layout, [])
    sheet_year = _sheet_year(sheet_name, path) if layout.year_from == "sheet" else None
    for raw in raws:
        if not any(raw.cells):
            out.blank_rows += 1
            continue
        try:
            out.rows.append(_to_sheet_row(raw, header, layout, sheet_year, where))
        except InputError as exc:
            if not lenient:
                raise
            out.skipped.append(exc)
    return out
