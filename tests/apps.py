"""A bare app around one area's router, with what the server factory adds around every router:
the one error handler and the request context (settings and lake reader)."""

from __future__ import annotations

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
