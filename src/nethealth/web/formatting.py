"""How numbers and units read on the pages (the API always returns raw numbers)."""

from __future__ import annotations

# Units that name a kind of number rather than a thing counted: not repeated after each value.
_BARE_UNITS = frozenset({"", "count", "number", "index", "ratio", "score", "share", "fraction"})


def fmt_number(value: float) -> str:
    """Few digits, thousands separated: enough to compare, not more than the data support."""
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 10 or value == int(value):
        text = f"{value:.1f}"
    elif magnitude >= 1:
        text = f"{value:.2f}"
    else:
        return f"{value:.3g}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    number = fmt_number(value)
    if unit == "%":
        return f"{number} %"
    if unit.strip().lower() in _BARE_UNITS:
        return number
    return f"{number} {unit}"


def fmt_change(delta: float, unit: str) -> str:
    """Signed change; percentages change by percentage points."""
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if unit == "%":
        return f"{sign}{fmt_number(abs(delta))} percentage points"
    return sign + fmt_value(abs(delta), unit)
