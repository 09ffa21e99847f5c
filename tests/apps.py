"""A bare app around one area's router, with the app's one error handler (what the server
factory adds around every router)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from nethealth.server.errors import install_error_handlers


def router_app(*routers: APIRouter) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)
    return app
