"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

The rule, by the cell's type rather than its look:
- a number (int, float, Decimal; not bool) is written as is, so a negative value in a numeric
  column stays a number (`-3.5`);
- text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`,
  which spreadsheets show as text and do not evaluate (`-1+2` becomes `'-1+2`);
- anything else is written as is.

So a reader who wants the original text of a prefixed cell drops one leading `'` from a text
column; numeric columns never carry one. Every CSV served over HTTP passes its cells through
`safe_cell` (docs/api.md).
"""

from __future__ import annotations

from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """`value` ready for csv.writer: numbers and None unchanged, anything else as text, with a
    leading `'` when it could start a formula."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
