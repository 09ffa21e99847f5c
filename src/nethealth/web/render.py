"""Jinja2 environment and the HTML responses of the pages (escaping on, strict undefined)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from nethealth.areas import navigation
from nethealth.errors import NethealthError
from nethealth.ui import i18n
from nethealth.ui.context import AppContext
from nethealth.ui.i18n import N_
from nethealth.ui.models import ErrorDetail
from nethealth.ui.views import SIMULATED_NOTICE

# The menu: the home page, each area's entries (its manifest's `nav`), then the reference pages.
NAV = (
    ("/", N_("World map")),
    *navigation(),
    ("/methodology", N_("Methodology")),
    ("/about", N_("About & sources")),
)
ERROR_TITLES = {404: N_("Not found"), 400: N_("Bad request"), 503: N_("Data not available yet")}
ERROR_TITLE = N_("Error")
# Templates whose own text is translated; the others' <main> is marked English (WCAG 3.1.2).
TRANSLATED = frozenset({
    "home.html", "about.html", "methodology.html", "error.html", "shutdowns.html",
    "shutdown.html", "country.html", "asn.html", "incident.html", "routing_incidents.html",
    "outage.html", "outages.html", "shutdown_event.html", "scan.html", "ixps.html", "ixp.html",
    "resilience.html", "resilience_country.html",
})  # fmt: skip


def code_spans(text: str) -> Markup:
    """Escape `text` and show its `backtick` spans (commands in hints) as <code>."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # unbalanced: leave the backticks alone
        return Markup(escape(text))
    return Markup("").join(
        Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts)
    )


@lru_cache(maxsize=len(i18n.LANGUAGES))
def environment(lang: str = i18n.DEFAULT) -> Environment:
    """The templates in one language: gettext from its catalog, numbers in its locale."""
    env = Environment(
        loader=PackageLoader("nethealth.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    translations = i18n.translations(lang)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    fmt = i18n.filters(lang)
    env.filters["number"] = fmt.number
    env.filters["value"] = fmt.value
    env.filters["usd"] = fmt.usd
    env.filters["code_spans"] = code_spans
    env.globals["nav"] = NAV
    env.globals["simulated_notice"] = SIMULATED_NOTICE
    env.globals["lang"] = lang
    # Translates a msgid chosen at run time (marked with N_ in Python); its result is escaped.
    env.globals["tr"] = translations.gettext
    # Put on elements whose text comes in English from Python (indicator registry, summaries).
    english = lang == i18n.DEFAULT
    env.globals["in_en"] = Markup("") if english else Markup(' lang="en"')
    # On translated macro output, which untranslated (English) pages also show.
    env.globals["in_lang"] = Markup("") if english else Markup(' lang="{}"').format(lang)
    env.globals["span_en"] = partial(_wrap, "span", None if english else "en")
    env.globals["strong_en"] = partial(_wrap, "strong", None if english else "en")
    return env


def _wrap(tag: str, lang: str | None, text: str) -> Markup:
    """`text` in <tag lang=…> (English text from Python on a translated page); in English the
    plain text, except <strong> which stays."""
    if lang is None:
        return Markup("<strong>{}</strong>").format(text) if tag == "strong" else escape(text)
    return Markup('<{0} lang="{1}">{2}</{0}>').format(Markup(tag), lang, text)


def _sort_key(name: str) -> str:
    """Alphabetical order that files accented initials with their letter (Égypte under E)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


class CountryNames:
    """Country names in the page's language (the lake's name_fr / name_es), read at first use;
    a country without one keeps its English name."""

    def __init__(self, ctx: AppContext, lang: str) -> None:
        self._ctx = ctx
        self._lang = lang
        self._names: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._lang == i18n.DEFAULT:
            return {}
        try:
            rows = self._ctx.lake.countries()
        except NethealthError:  # no lake: the English names the view already carries
            return {}
        french = self._lang == "fr"
        return {c.cc: name for c in rows if (name := c.name_fr if french else c.name_es)}

    def __call__(self, cc: str, fallback: str) -> str:
        if self._names is None:
            self._names = self._load()
        return self._names.get(cc, fallback)

    def sorted(self, countries: Iterable[Any]) -> list[tuple[str, str]]:
        """(cc, name) of rows with `cc` and `name`, in the language's alphabetical order."""
        named = [(c.cc, self(c.cc, c.name)) for c in countries]
        if self._lang == i18n.DEFAULT:
            return named  # already in the English order the lake gives
        return sorted(named, key=lambda pair: _sort_key(pair[1]))


def _attributions(ctx: AppContext) -> list[dict[str, str]]:
    """Sources whose licence requires attribution (CC BY) are credited in every page's footer."""
    return [
        {"id": s.id, "text": s.attribution, "licence": s.licence, "url": s.licence_url}
        for s in ctx.sources()
        if "CC BY" in s.licence
    ]


def render(
    request: Request,
    template: str,
    *,
    title: str,
    json_url: str | None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    ctx: AppContext = request.app.state.nethealth
    negotiated = i18n.request_language(request)
    lang = negotiated.lang
    html = (
        environment(lang)
        .get_template(template)
        .render(
            title=title,
            json_url=json_url,
            path=request.url.path,
            attributions=_attributions(ctx),
            languages=i18n.switcher(lang, request.url.path, request.query_params.multi_items()),
            content_lang=lang if template in TRANSLATED else i18n.DEFAULT,
            country_name=CountryNames(ctx, lang),
            **values,
        )
    )
    response = HTMLResponse(html, status_code=status)
    i18n.apply(response, negotiated)
    return response


def gettext_for(request: Request) -> Callable[[str], str]:
    """The gettext of the request's language, for text composed in Python."""
    return i18n.translations(i18n.request_language(request).lang).gettext


def translator_for(request: Request) -> i18n.Translator:
    """The request's language for sentences composed in Python views (`%(name)s`, plurals)."""
    return i18n.Translator(i18n.request_language(request).lang)


def render_error(request: Request, detail: ErrorDetail) -> HTMLResponse:
    """The HTML face of the one error body: same status, code, message and hint."""
    _ = gettext_for(request)
    return render(
        request,
        "error.html",
        title=_(ERROR_TITLES.get(detail.status, ERROR_TITLE)),
        json_url=None,
        status=detail.status,
        error=detail,
    )
