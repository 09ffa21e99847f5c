"""Jinja2 environment and the HTML responses of the pages (escaping on, strict undefined)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from nethealth.api.context import AppContext
from nethealth.api.models import ErrorDetail
from nethealth.web.formatting import fmt_number, fmt_usd, fmt_value
from nethealth.web.views import SIMULATED_NOTICE

NAV = (
    ("/", "World map"),
    ("/shutdowns", "Shutdowns"),
    ("/outages", "Outages"),
    ("/routing/incidents", "Routing"),
    ("/methodology", "Methodology"),
    ("/about", "About & sources"),
)


def code_spans(text: str) -> Markup:
    """Escape `text` and show its `backtick` spans (commands in hints) as <code>."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # unbalanced: leave the backticks alone
        return Markup(escape(text))
    return Markup("").join(
        Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts)
    )


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("nethealth.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = fmt_number
    env.filters["value"] = fmt_value
    env.filters["usd"] = fmt_usd
    env.filters["code_spans"] = code_spans
    env.globals["nav"] = NAV
    env.globals["simulated_notice"] = SIMULATED_NOTICE
    return env


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
    html = (
        environment()
        .get_template(template)
        .render(
            title=title,
            json_url=json_url,
            path=request.url.path,
            attributions=_attributions(ctx),
            **values,
        )
    )
    return HTMLResponse(html, status_code=status)


def render_error(request: Request, detail: ErrorDetail) -> HTMLResponse:
    """The HTML face of the one error body: same status, code, message and hint."""
    titles = {404: "Not found", 400: "Bad request", 503: "Data not available yet"}
    return render(
        request,
        "error.html",
        title=titles.get(detail.status, "Error"),
        json_url=None,
        status=detail.status,
        error=detail,
    )
