"""Access Now #KeepItOn STOP sheets (CSV or XLSX) → rows keyed by canonical column names.

STOP has been published as one Google Sheet with a tab per year plus a "Combined" tab, and its
columns were renamed over the years. Each known header layout is listed in `LAYOUTS` with an
explicit map from its column names to the canonical names of the combined 2016–2025 sheet; a
file's layout is found by the signature of its header (the sorted, normalised column names).
An unknown header fails with the columns that differ from the closest known layout, so a new
layout is added on purpose, never guessed.

Pure parsing: no store, no network. Values stay text (as written) except dates, which are parsed
here because their encoding (ISO, US M/D/YYYY, Excel serials, XLSX datetimes) is a file matter.
"""

from __future__ import annotations

import csv
import hashlib
import lzma
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from nethealth.errors import InputError
from nethealth.formats.compression import open_text

# The columns of the combined 2016–2025 sheet (snapshot 2026-05-20), in the publisher's order.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "start_date_type",
    "start_date",
    "country",
    "geo_scope",
    "area_name",
    "shutdown_type",
    "affected_network",
    "shutdown_extent",
    "ordered_by",
    "decision_maker",
    "actual_cause",
    "actual_cause_details",
    "info_source",
    "info_source_link",
    "shutdown_status",
    "end_date",
    "duration",
    "gov_justification",
    "gov_just_details",
    "gov_ack",
    "legal_just",
    "legal_method",
    "gov_ack_source",
    "gov_ack_quote",
    "facebook_affected",
    "twitter_affected",
    "whatsapp_affected",
    "instagram_affected",
    "telegram_affected",
    "other_affected",
    "sms_affected",
    "phonecall_affected",
    "telcos_involved",
    "telco_ack",
    "telco_ack_source",
    "telco_ack_quote",
    "election",
    "violence",
    "hr_abuse_reported",
    "users_targeted",
    "users_target_detail",
    "users_notified",
    "econ_impact",
    "event",
    "an_link",
    "region",
    "count_year",
)

REQUIRED = ("start_date", "country")
XLSX_MAGIC = b"PK\x03\x04"
# Excel's day zero (serial 1 = 1900-01-01, with Lotus' phantom 1900-02-29 counted).
EXCEL_EPOCH = date(1899, 12, 30)
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SLASH_ISO = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass(frozen=True)
class Layout:
    """One header layout: its column names mapped to canonical names (None = ignored)."""

    name: str
    description: str
    columns: Mapping[str, str | None]
    year_from: str  # "column" (count_year) or "sheet" (the sheet's year, else the start date)
    verified: bool  # checked against a real published file

    @property
    def signature(self) -> str:
        return header_signature(list(self.columns))


def _identity(columns: Sequence[str]) -> dict[str, str | None]:
    return {c: c for c in columns}


_WITHOUT_YEAR = tuple(c for c in CANONICAL_COLUMNS if c != "count_year")

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name="stop-combined-2016-2025",
        description="Combined (2016-2025) tab, 47 columns, one row per event and count year",
        columns=_identity(CANONICAL_COLUMNS),
        year_from="column",
        verified=True,
    ),
    # The per-year tabs are the combined layout without its count_year attribution column
    # (the tab is the year). Reconstructed, not checked against a real file.
    Layout(
        name="stop-yearly-2020-2025",
        description="a per-year tab (2020 Data … 2025): combined columns without count_year",
        columns=_identity(_WITHOUT_YEAR),
        year_from="sheet",
        verified=False,
    ),
    # The 2016-2018 and 2019 tabs named the source links column news_link (as used by
    # jens-koning/internet_shutdowns_india's cleaning scripts). Reconstructed, not verified.
    Layout(
        name="stop-yearly-2016-2019",
        description="an early per-year tab: source links in news_link, no count_year",
        columns={
            **_identity(tuple(c for c in _WITHOUT_YEAR if c != "info_source_link")),
            "news_link": "info_source_link",
        },
        year_from="sheet",
        verified=False,
    ),
)


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


def normalise_header(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().lower())


def header_signature(headers: Sequence[str]) -> str:
    """Order-independent fingerprint of a header: sha256 of the sorted normalised names."""
    names = sorted(normalise_header(h) for h in headers if h.strip())
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]


def detect_layout(headers: Sequence[str], path: str) -> Layout:
    """The layout whose signature matches, or an InputError naming what differs."""
    names = [normalise_header(h) for h in headers if h.strip()]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(
            f"the header repeats column(s) {', '.join(dupes)}",
            path=path,
            line=1,
            hint="rename or delete the repeated columns, then import again",
        )
    sig = header_signature(names)
    for layout in LAYOUTS:
        if layout.signature == sig:
            return layout
    given = set(names)
    closest = max(LAYOUTS, key=lambda lay: len(given & {normalise_header(c) for c in lay.columns}))
    known = {normalise_header(c) for c in closest.columns}
    unknown = sorted(given - known)
    missing = sorted(known - given)
    raise InputError(
        f"unknown STOP sheet layout (header signature {sig}); closest known layout "
        f"{closest.name!r}: unknown columns [{', '.join(unknown)}], "
        f"missing columns [{', '.join(missing)}]",
        path=path,
        line=1,
        hint="add this layout with an explicit column map to "
        "nethealth.formats.stop_sheet.LAYOUTS, or fix the header",
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
        rows = [
            _RawRow([_cell_text(v) for v in row], i, f"sheet {name!r} row {i}")
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


def _to_sheet_row(
    raw: _RawRow, header: list[str], layout: Layout, sheet_year: int | None, path: str
) -> SheetRow:
    if len(raw.cells) > len(header) and any(raw.cells[len(header) :]):
        raise InputError(
            f"the row has {len(raw.cells)} cells but the header only {len(header)}",
            path=path,
            line=raw.line,
            record=raw.record,
            hint="a cell probably contains an unquoted separator; re-export the sheet",
        )
    by_norm = {normalise_header(c): canon for c, canon in layout.columns.items()}
    values = dict.fromkeys(CANONICAL_COLUMNS, "")
    for name, cell in zip(header, raw.cells, strict=False):
        canon = by_norm.get(normalise_header(name))
        if canon is not None:
            values[canon] = cell
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
