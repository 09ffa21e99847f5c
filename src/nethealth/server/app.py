"""The application factory: API v1, the dashboard pages, their JSON twins and static files.

Nothing happens at import time; `create_app(settings)` builds everything from the settings.
Run with `uvicorn --factory nethealth.server.app:app_from_env` or `create_app(load_settings())`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nethealth import __version__ as nethealth_version
from nethealth import areas
from nethealth.api import countries, indicators, status
from nethealth.errors import ConfigError
from nethealth.lake.reader import LakeReader
from nethealth.server.cache import ResponseCache
from nethealth.server.errors import install_error_handlers
from nethealth.server.middleware import BodyLimit, SecurityHeaders
from nethealth.settings import Settings, load_settings
from nethealth.shutdowns.config import ShutdownSettings
from nethealth.ui.context import AppContext, IndicatorProvider, SourceProvider
from nethealth.web import pages
from nethealth.web.compose import page_routers
from nethealth.web.render import render_error

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
OPENAPI_URL = "/api/v1/openapi.json"
SETTINGS_ENV = "NETHEALTH_SERVE_SETTINGS"  # `serve --workers N` hands its settings to the workers

DESCRIPTION = """\
nethealth's API: reads are open; curation (shutdown events) needs a bearer token. Every error has the body
`{"error": {"status", "code", "message", "hint"}}` with the real HTTP status. Add `?format=csv`
(or send `Accept: text/csv`) for CSV. Every value carries `simulated`.
Stability promise: v1 fields are only added, never renamed or removed.
"""


def create_app(
    settings: Settings,
    *,
    indicators_provider: IndicatorProvider | None = None,
    sources_provider: SourceProvider | None = None,
) -> FastAPI:
    """Build the app. The providers default to the real registry and source catalogue.
    Settings that cannot work (a short curation token, a malformed public URL) are a
    ConfigError here, at start-up, not at the first request that needs them."""
    ShutdownSettings.from_settings(settings)  # a short curation token fails here, not later
    check_public_url(settings)
    context = AppContext(
        settings=settings,
        lake=LakeReader(settings),
        indicator_provider=indicators_provider or areas.all_indicators,
        source_provider=sources_provider or areas.source_infos,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        context.lake.close()

    app = FastAPI(
        lifespan=lifespan,
        title="nethealth API",
        version=nethealth_version,
        description=DESCRIPTION,
        openapi_url=OPENAPI_URL,
        docs_url=None,  # Swagger UI and ReDoc load from a CDN: not served (see docs/api.md)
        redoc_url=None,
    )
    app.state.nethealth = context
    install_error_handlers(app, html=render_error)
    app.include_router(status.health)
    app.include_router(countries.router)
    app.include_router(indicators.router)
    app.include_router(status.router)
    for area in areas.AREAS:
        if area.router is not None:
            app.include_router(area.router)
    page_twins, page_htmls = page_routers(areas.all_pages())
    # Twins before pages: /country/{cc}.json must not be read as a country code.
    for twins in (pages.twins, page_twins):
        app.include_router(twins)
    for htmls in (pages.router, page_htmls):
        app.include_router(htmls)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Last added = outermost: HEAD → security headers → body limit → response cache → gzip →
    # the routes. The cache asks for plain bodies and gzips what it stores once.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(ResponseCache, settings=settings)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


class HeadAsGet:
    """Answer HEAD like GET without the body (FastAPI routes accept GET only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(dict(scope, method="GET"), receive, send_headers_only)


def check_public_url(settings: Settings) -> None:
    """NETHEALTH_PUBLIC_BASE_URL, when set, is an absolute http(s) URL without query."""
    given = settings.public_base_url.strip()
    if not given:
        return
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"NETHEALTH_PUBLIC_BASE_URL {given!r} is not an absolute http(s) URL",
            hint="e.g. https://health.example.org or https://example.org/nethealth",
        )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema without its 422 responses: validation errors are served as 400."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        components = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def app_from_env() -> FastAPI:
    """For `uvicorn --factory nethealth.server.app:app_from_env` and the workers of
    `nethealth serve --workers N`: the settings `serve` passed in NETHEALTH_SERVE_SETTINGS
    (JSON), else NETHEALTH_* as usual."""
    given = os.environ.get(SETTINGS_ENV)
    if given:
        return create_app(Settings.model_validate_json(given))
    return create_app(load_settings())
