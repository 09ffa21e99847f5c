"""OWASP CSV injection: text that could start a formula gets a `'`; numbers never do."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from nethealth.common.csv_cells import safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+31 20 123", "'+31 20 123"),
        ("-2+3", "'-2+3"),
        ("-5", "'-5"),  # text, even if it looks like a number: the column's type decides
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (-3.5, -3.5),
        (-7, -7),
        (Decimal("-1.25"), Decimal("-1.25")),
        (True, True),
        (None, None),
        (date(2025, 6, 1), "2025-06-01"),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_a_spreadsheet_reads_numbers_back_as_numbers() -> None:
    buf = io.StringIO()
    csv.writer(buf).writerow([safe_cell(v) for v in (-3.5, "=cmd", -2)])
    assert buf.getvalue() == "-3.5,'=cmd,-2\r\n"
