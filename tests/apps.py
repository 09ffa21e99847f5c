"""A bare app around one area's router, with what the server factory adds around every router:
the one error handler and the request context (settings and lake reader)."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI

from nethealth.areas import all_indicators, source_infos
from nethealth.lake.reader import LakeReader
from nethealth.server.errors import install_error_handlers
from nethealth.settings import Settings
from nethealth.ui.context import AppContext


def router_app(*routers: APIRouter, settings: Settings | None = None) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    if settings is not None:
        app.state.nethealth = AppContext(
            settings=settings,
            lake=LakeReader(settings),
            indicator_provider=all_indicators,
            source_provider=source_infos,
        )
    for router in routers:
        app.include_router(router)
    return app


def without_response_cache(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request of this test reaches the routes (tests that spy on what routes call):
    the app's response cache keeps nothing, in memory or on disk, until the test ends."""
    from nethealth.server.cache import MemoryCache, ResponseCache

    layer: object = app.middleware_stack or app.build_middleware_stack()
    app.middleware_stack = layer  # type: ignore[assignment]
    while layer is not None and not isinstance(layer, ResponseCache):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, ResponseCache), "create_app installs the response cache"
    monkeypatch.setattr(layer, "memory", MemoryCache(0))
    monkeypatch.setattr(layer, "disk", None)
