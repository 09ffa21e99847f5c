"""Check the STOP sheet layouts of older yearly tabs against the combined sheet.

    .venv/bin/python scripts/verify_stop_layouts.py WORKBOOK.xlsx COMBINED.csv.gz

Reads every tab of WORKBOOK with nethealth's reader (its layout detection and vocabulary
translations), normalises the rows, finds the same event in the combined sheet (same countries,
start date and count year; the closest area name among several) and prints, per tab and field,
how many normalised values agree. A layout is marked verified in
`nethealth.formats.stop_layouts` only after this check. The workbook is the publisher's file
(e.g. the copy in github.com/jens-koning/internet_shutdowns_india); it is not part of the
repository.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections import Counter, defaultdict
from pathlib import Path

from nethealth.errors import InputError
from nethealth.formats.stop_sheet import read_stop_sheet, xlsx_sheet_names
from nethealth.shutdowns.normalise import Normalised, normalise_rows

FIELDS = (
    "scope",
    "types",
    "networks",
    "services",
    "status",
    "end_date",
    "justification",
    "cause",
    "ordered_by",
)


def _key(rec: Normalised) -> tuple[tuple[str, ...], str, int]:
    f = rec.fields
    return tuple(f["countries"]), str(f["start_date"]), int(f["year"])


def _comparable(name: str, value: object) -> object:
    if isinstance(value, list):
        return sorted(str(v).casefold() for v in value)
    if isinstance(value, str) and name in ("cause", "ordered_by", "justification"):
        return " ".join(value.casefold().split())
    return value


def _closest(rec: Normalised, candidates: list[Normalised]) -> Normalised:
    area = str(rec.fields.get("area_name") or "").casefold()
    return max(
        candidates,
        key=lambda c: difflib.SequenceMatcher(
            None, area, str(c.fields.get("area_name") or "").casefold()
        ).ratio(),
    )


def check(workbook: Path, combined: Path) -> int:
    index: dict[tuple[tuple[str, ...], str, int], list[Normalised]] = defaultdict(list)
    for rec in normalise_rows(read_stop_sheet(combined).rows):
        index[_key(rec)].append(rec)
    for tab in xlsx_sheet_names(workbook):
        try:
            sheet = read_stop_sheet(workbook, sheet=tab, lenient=True)
        except InputError as exc:
            print(f"{tab!r}: not read: {exc.message}")
            continue
        records = normalise_rows(sheet.rows)
        agree: Counter[str] = Counter()
        matched = 0
        for rec in records:
            candidates = index.get(_key(rec))
            if not candidates:
                continue
            matched += 1
            other = _closest(rec, candidates)
            for name in FIELDS:
                a = _comparable(name, rec.fields.get(name))
                b = _comparable(name, other.fields.get(name))
                agree[name] += a == b
        print(
            f"{tab!r}: layout {sheet.layout.name}, {len(sheet.rows)} rows read, "
            f"{len(sheet.skipped)} skipped, {matched} found in the combined sheet"
        )
        for error in sheet.skipped[:5]:
            print(f"    skipped: {error.message} (line {error.line})")
        for name in FIELDS:
            share = agree[name] / matched if matched else 0.0
            print(f"    {name:14} {agree[name]:4} of {matched} agree ({share:.0%})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument("combined", type=Path)
    args = parser.parse_args(argv)
    return check(args.workbook, args.combined)


if __name__ == "__main__":
    sys.exit(main())
