"""How numbers and units read on the pages (the API always returns raw numbers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from babel.numbers import format_decimal

from nethealth.ui.msgids import DEFAULT, N_

# Units that name a kind of number rather than a thing counted: not repeated after each value.
_BARE_UNITS = frozenset({"", "count", "number", "index", "ratio", "score", "share", "fraction"})
NO_DATA = N_("no data")


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
        return NO_DATA
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


# Other languages -------------------------------------------------------------------------------
# The same precision rules in a locale's digits and separators (Babel's CLDR data). English keeps
# the functions above, so its pages read exactly as before.

_NBSP = "\u00a0"
# Scale words for money: (size, singular, plural); French takes the singular below 2.
_SCALES: dict[str, tuple[tuple[float, str, str], ...]] = {
    "fr": ((1e12, "billion", "billions"), (1e9, "milliard", "milliards"),
           (1e6, "million", "millions")),
    "es": ((1e12, "billón", "billones"), (1e9, "mil millones", "mil millones"),
           (1e6, "millón", "millones")),
}  # fmt: skip


def _decimal(value: float, pattern: str, lang: str) -> str:
    return format_decimal(Decimal(repr(value)), format=pattern, locale=lang)


def fmt_number_in(value: float, lang: str) -> str:
    """`fmt_number` in a language: `1 204,5` → `1 205` in French, `12,3` in Spanish."""
    magnitude = abs(value)
    if magnitude >= 1000:
        return _decimal(round(value), "#,##0", lang)
    if magnitude >= 10 or value == int(value):
        return _decimal(value, "#,##0.#", lang)
    if magnitude >= 1:
        return _decimal(value, "0.##", lang)
    return format_decimal(Decimal(f"{value:.3g}"), format="0.##########", locale=lang)


def fmt_value_in(value: float | None, unit: str, lang: str, no_data: str = NO_DATA) -> str:
    if value is None:
        return no_data
    number = fmt_number_in(value, lang)
    if unit == "%":
        return f"{number}{_NBSP}%"
    if unit.strip().lower() in _BARE_UNITS:
        return number
    return f"{number}{_NBSP}{unit}"


def _money(number: str, word: str, lang: str) -> str:
    amount = f"{number} {word}" if word else number
    return f"{amount}{_NBSP}$ US" if lang == "fr" else f"US${_NBSP}{amount}"


def fmt_usd_in(value: float, lang: str) -> str:
    """`fmt_usd` in a language: `4,2 millions $ US` in French, `US$ 4,2 millones` in Spanish."""
    magnitude = abs(value)
    for size, singular, plural in _SCALES[lang]:
        if magnitude >= size:
            scaled = float(f"{value / size:.3g}")
            one = abs(scaled) < 2 if lang == "fr" else abs(scaled) == 1
            return _money(fmt_number_in(scaled, lang), singular if one else plural, lang)
    if magnitude >= 1000:
        return _money(fmt_number_in(float(f"{value:.3g}"), lang), "", lang)
    return _money(fmt_number_in(float(f"{value:.2g}"), lang), "", lang)


@dataclass(frozen=True)
class Formatters:
    """The `number`, `value` and `usd` template filters of one language."""

    number: Callable[[float], str]
    value: Callable[[float | None, str], str]
    usd: Callable[[float], str]


def formatters(lang: str, no_data: str = NO_DATA) -> Formatters:
    """The filters of `lang`; `no_data` is "no data" in that language (the caller translates it:
    this module stays below the translation machinery)."""
    if lang == DEFAULT:
        return Formatters(fmt_number, fmt_value, fmt_usd)
    return Formatters(
        partial(fmt_number_in, lang=lang),
        partial(fmt_value_in, lang=lang, no_data=no_data),
        partial(fmt_usd_in, lang=lang),
    )
