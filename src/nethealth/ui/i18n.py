"""Languages of the dashboard: negotiation per request and the gettext catalogs.

English is the source language (the msgids); French and Spanish come from the gettext `.po`
catalogs in `locale/`, compiled in memory with Babel the first time a language is used.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request
from starlette.responses import Response

from nethealth.ui.formatting import NO_DATA, Formatters, formatters
from nethealth.ui.msgids import DEFAULT as DEFAULT
from nethealth.ui.msgids import N_ as N_

LANGUAGES = ("en", "fr", "es")  # the source language first
# Each language's own name, shown in that language in the switcher (WCAG 3.1.2).
NATIVE_NAMES: Mapping[str, str] = {"en": "English", "fr": "Français", "es": "Español"}
QUERY_PARAM = "lang"
COOKIE = "nethealth_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
DOMAIN = "messages"


def normalise(tag: str | None) -> str | None:
    """A supported language for a language tag (`fr-CA` → `fr`), else None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def _weight(params: Iterable[str]) -> float | None:
    """The q-value of a language range's parameters (RFC 9110 §12.4.2); None when malformed."""
    q = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() != "q":
            continue
        try:
            q = float(value.strip())
        except ValueError:
            return None
        if not 0.0 <= q <= 1.0:
            return None
    return q


def parse_accept_language(header: str) -> list[tuple[str, float]]:
    """The language ranges of an Accept-Language value with their weights, in header order;
    malformed members are skipped."""
    ranges = []
    for member in header.split(","):
        range_, *params = member.split(";")
        range_ = range_.strip()
        q = _weight(params)
        if range_ and q is not None:
            ranges.append((range_, q))
    return ranges


def from_accept_language(header: str | None) -> str | None:
    """The supported language the client prefers most (RFC 9110 §12.5.4), or None.

    A range counts for its primary subtag (`fr-CA` asks for French); `*` gives its weight to every
    language not named; q=0 means "not acceptable". Equal weights keep the header's order.
    """
    if not header:
        return None
    best: dict[str, tuple[float, int]] = {}  # language → (weight, position)
    exact: set[str] = set()  # languages named by a bare range: it wins over `fr-CA`-like ones
    wildcard: tuple[float, int] | None = None
    for position, (range_, q) in enumerate(parse_accept_language(header)):
        if range_ == "*":
            wildcard = wildcard or (q, position)
            continue
        lang = normalise(range_)
        if lang is None:
            continue
        bare = "-" not in range_
        if bare and lang not in exact:
            exact.add(lang)
            best[lang] = (q, position)
        elif not bare and lang not in exact and q > best.get(lang, (-1.0, 0))[0]:
            best[lang] = (q, best.get(lang, (q, position))[1])
    if wildcard is not None:
        for lang in LANGUAGES:
            best.setdefault(lang, wildcard)
    ranked = sorted((-q, pos, LANGUAGES.index(lang), lang) for lang, (q, pos) in best.items())
    return next((lang for neg_q, _, _, lang in ranked if neg_q < 0), None)


@dataclass(frozen=True)
class Negotiated:
    lang: str
    remember: bool  # chosen with ?lang=: the response sets the cookie


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> Negotiated:
    """`?lang=`, else the cookie, else Accept-Language, else English; unknown values are ignored."""
    if chosen := normalise(query):
        return Negotiated(chosen, remember=True)
    lang = normalise(cookie) or from_accept_language(accept_language) or DEFAULT
    return Negotiated(lang, remember=False)


def request_language(request: Request) -> Negotiated:
    return negotiate(
        request.query_params.get(QUERY_PARAM),
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
    )


def apply(response: Response, negotiated: Negotiated) -> None:
    """Remember an explicit choice and tell caches the page depends on the language inputs."""
    if negotiated.remember:
        response.set_cookie(
            COOKIE, negotiated.lang, max_age=COOKIE_MAX_AGE, path="/", samesite="lax"
        )
    response.headers["Vary"] = "Accept-Language, Cookie"


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str  # in the language itself
    href: str
    current: bool


def switcher(lang: str, path: str, query: Iterable[tuple[str, str]]) -> list[LanguageLink]:
    """Links to the current page in every language, keeping its path and other parameters."""
    kept = [(k, v) for k, v in query if k != QUERY_PARAM]
    return [
        LanguageLink(
            code=code,
            name=NATIVE_NAMES[code],
            href=f"{path}?{urlencode([*kept, (QUERY_PARAM, code)])}",
            current=code == lang,
        )
        for code in LANGUAGES
    ]


# Catalogs --------------------------------------------------------------------------------------


def locale_dir() -> Traversable:
    return files("nethealth.ui").joinpath("locale")


def catalog_file(lang: str) -> Traversable:
    return locale_dir().joinpath(lang, "LC_MESSAGES", f"{DOMAIN}.po")


def load_catalog(lang: str) -> Catalog:
    """The `.po` catalog of a translated language, as Babel reads it."""
    with catalog_file(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def is_translated(message: Message) -> bool:
    """Every form has a translation and no one has flagged it fuzzy (needing review)."""
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not message.fuzzy and all(forms)


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled translations of a language; English (the source) translates to itself.
    Fuzzy or empty entries are left out, so they show in English rather than wrong."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(lang))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


# Text composed in Python ------------------------------------------------------------------------


def filters(lang: str) -> Formatters:
    """The number, value and money filters of a language, "no data" in that language."""
    return formatters(lang, translations(lang).gettext(NO_DATA))


@dataclass(frozen=True)
class Translator:
    """gettext for sentences composed in Python views, in one language.

    `%(name)s` placeholders are filled like the templates' newstyle gettext (always formatted, so
    a literal percent sign is `%%`), and `ngettext` fills `num` with the count written in the
    language, so one msgid reads the same wherever it is used. English gives the msgid back: the
    views' English text, and with it the JSON twins, stay exactly as they were.
    """

    lang: str = DEFAULT

    def gettext(self, message: str, **values: object) -> str:
        return translations(self.lang).gettext(message) % values

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = translations(self.lang).ngettext(singular, plural, n)
        return text % {"num": self.number(n), **values}

    def number(self, value: float) -> str:
        """A number as the page's `number` filter writes it (`1,204`, `1 204`, `1.204`)."""
        return formatters(self.lang).number(value)

    def usd(self, value: float) -> str:
        return formatters(self.lang).usd(value)

    def tr(self, message: str) -> str:
        """A msgid chosen at run time (marked with `N_`), translated as it is."""
        return translations(self.lang).gettext(message)


ENGLISH = Translator()


# Extraction (scripts/i18n.py and the completeness test) ----------------------------------------

TEMPLATE_KEYWORDS: Mapping[str, tuple[int, ...] | None] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
}
# `gettext`/`ngettext` also match `t.gettext(...)` on a Translator (Babel ignores the receiver).
PYTHON_KEYWORDS: Mapping[str, tuple[int, ...] | None] = {
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
}


def _source_root() -> Path:
    return Path(__file__).resolve().parents[1]  # the nethealth package


def extract_catalog() -> Catalog:
    """Every msgid in the code: `_()`/`ngettext()` in the templates; in Python, `N_()` and a
    `Translator`'s `gettext()`/`ngettext()` anywhere in the package (web, ui and the areas'
    pages)."""
    from babel.messages.extract import extract  # only the tooling needs the extractors

    root = _source_root()
    catalog = Catalog(project="nethealth", domain=DOMAIN, fuzzy=False)
    sources: list[tuple[Path, str, Mapping[str, tuple[int, ...] | None]]] = [
        (p, "jinja2.ext:babel_extract", TEMPLATE_KEYWORDS)
        for p in sorted((root / "web" / "templates").glob("*.html"))
    ]
    sources += [
        (p, "python", PYTHON_KEYWORDS)
        for p in sorted(root.rglob("*.py"))
        if "N_(" in (text := p.read_text(encoding="utf-8")) or "gettext(" in text
    ]
    for path, method, keywords in sources:
        with path.open("rb") as f:
            for lineno, message, comments, context in extract(
                method, f, keywords=keywords, options={"extensions": "jinja2.ext.i18n"}
            ):
                location = (path.relative_to(root.parent).as_posix(), lineno)
                catalog.add(message, locations=[location], auto_comments=comments, context=context)
    return catalog
