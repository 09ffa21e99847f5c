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


def fmt_count(n: int, singular: str, plural: str | None = None) -> str:
    """`1 event`, `2 events`, `1,204 events`."""
    word = singular if n == 1 else (plural or singular + "s")
    return f"{n:,} {word}"


def fmt_usd(value: float) -> str:
    """Money at the precision a cost model supports: two or three significant digits, in words
    for millions and billions (`US$ 4.2 million`)."""
    magnitude = abs(value)
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if magnitude >= size:
            return f"US$ {fmt_number(float(f'{value / size:.3g}'))} {word}"
    if magnitude >= 1000:
        return f"US$ {float(f'{value:.3g}'):,.0f}"
    return f"US$ {fmt_number(float(f'{value:.2g}'))}"
