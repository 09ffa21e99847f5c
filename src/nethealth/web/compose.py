"""The dashboard composed from what the areas declare: each `Page` becomes a page and its JSON
twin, each `Section` a part of the country page (and a field of its twin), each `MapLayer` a layer
of the home map. No area code lives here; adding an area adds routes, not edits.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, create_model

from nethealth.area import Page, Section, SectionContext
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.models import ERROR_RESPONSES
from nethealth.web.render import render, translator_for

TWIN_TAG = "pages (JSON twins)"


def _signature(view: Callable[..., BaseModel]) -> inspect.Signature:
    return inspect.signature(view, eval_str=True)


def _without(sig: inspect.Signature, *names: str) -> list[inspect.Parameter]:
    return [p for p in sig.parameters.values() if p.name not in names]


def twin_route(page: Page) -> Callable[..., BaseModel]:
    """`GET page.path + ".json"`: the view in English (twins are English; docs/api.md)."""
    sig = _signature(page.view)

    def twin(**kwargs: Any) -> BaseModel:
        return page.view(**kwargs, t=ENGLISH)

    twin.__signature__ = sig.replace(parameters=_without(sig, "t"))  # type: ignore[attr-defined]
    twin.__name__ = f"{page.view.__name__}_json"
    twin.__doc__ = page.summary
    return twin


def html_route(page: Page) -> Callable[..., HTMLResponse]:
    """`GET page.path`: the view in the reader's language, rendered by its template."""
    sig = _signature(page.view)
    params = _without(sig, "t")
    takes_request = "request" in sig.parameters
    if not takes_request:
        request = inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        params = [*params, request]

    def html(**kwargs: Any) -> HTMLResponse:
        request: Request = kwargs["request"] if takes_request else kwargs.pop("request")
        t = translator_for(request)
        view = page.view(**kwargs, t=t)
        extras = dict(page.extras(view, t)) if page.extras else {}
        links = getattr(view, "links", None)
        return render(
            request,
            page.template,
            title=page.title(view, t),
            json_url=getattr(links, "json_", None),
            view=view,
            **extras,
        )

    html.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=_ordered(params), return_annotation=HTMLResponse
    )
    html.__name__ = page.view.__name__
    return html


def _ordered(params: list[inspect.Parameter]) -> list[inspect.Parameter]:
    """Positional-or-keyword parameters first (a signature forbids them after keyword-only)."""
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p for k in kinds for p in params if p.kind is k]


def page_routers(pages: Sequence[Page]) -> tuple[APIRouter, APIRouter]:
    """(twins, pages): include the twins first, so `/x/{id}.json` is not read as an id."""
    twins = APIRouter(tags=[TWIN_TAG], responses=ERROR_RESPONSES)
    htmls = APIRouter(responses=ERROR_RESPONSES)
    for page in pages:
        model = _signature(page.view).return_annotation
        twins.add_api_route(f"{page.path}.json", twin_route(page), methods=["GET"],
                            response_model=model, summary=page.summary)  # fmt: skip
        htmls.add_api_route(page.path, html_route(page), methods=["GET"],
                            response_class=HTMLResponse, include_in_schema=False)  # fmt: skip
    return twins, htmls


# The country page ------------------------------------------------------------------------------


def sections_model(base: type[BaseModel], sections: Sequence[Section]) -> type[BaseModel]:
    """The country twin's model: the base fields, then one optional field per section."""
    fields: dict[str, Any] = {
        s.id: (s.model | None, None)
        for s in sections  # null: nothing for this country
    }
    return create_model("CountryPageView", __base__=base, **fields)


def build_sections(ctx: SectionContext, sections: Sequence[Section]) -> dict[str, Any]:
    return {s.id: s.build(ctx) for s in sections}


def section_extras(
    view: BaseModel, sections: Sequence[Section], t: Translator
) -> dict[str, dict[str, Any]]:
    """What each section's template needs beyond its model (charts drawn from it)."""
    out: dict[str, dict[str, Any]] = {}
    for s in sections:
        model = getattr(view, s.id, None)
        out[s.id] = dict(s.extras(model, t)) if s.extras and model is not None else {}
    return out
