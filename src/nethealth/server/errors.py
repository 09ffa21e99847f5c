"""The one error path: every failure becomes one error body with the real HTTP status.

Routes raise the typed errors of `nethealth.errors` (each knows its `http_status` and `code`) and
nothing else; this handler renders them. API paths and JSON twins answer
`{"error": {status, code, message, hint}}`; pages answer an HTML page with the same wording.
FastAPI's 422 validation errors become 400 with this body (the Datasette habit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from nethealth.errors import NethealthError
from nethealth.server.headers import add_security_headers
from nethealth.ui.models import ErrorBody, ErrorDetail

log = logging.getLogger(__name__)

HtmlErrorRenderer = Callable[[Request, ErrorDetail], Response]

# Codes of the statuses the framework itself answers (unknown path, wrong method, …).
_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def detail_for(exc: Exception) -> ErrorDetail:
    """Map any exception to the error detail the client sees (no internals for the unexpected)."""
    if isinstance(exc, NethealthError):
        return ErrorDetail(
            status=exc.http_status, code=exc.code, message=exc.message, hint=exc.hint
        )
    if isinstance(exc, RequestValidationError):
        return _validation_detail(exc)
    if isinstance(exc, StarletteHTTPException):
        return _http_detail(exc)
    return ErrorDetail(
        status=500,
        code="internal_error",
        message="the server failed to answer this request",
        hint="this is a bug in nethealth; the server log has the details",
    )


def _validation_detail(exc: RequestValidationError) -> ErrorDetail:
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "header", "body")]
        where = ".".join(loc) or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid value')}")
    return ErrorDetail(
        status=400,
        code="bad_request",
        message="invalid parameter: " + "; ".join(parts),
        hint="dates are ISO 8601 (YYYY-MM-DD); see /api/v1/openapi.json for every parameter",
    )


def _http_detail(exc: StarletteHTTPException) -> ErrorDetail:
    status = exc.status_code
    if status == 404:
        return ErrorDetail(
            status=404,
            code="not_found",
            message="no page or endpoint at this address",
            hint="the API lives under /api/v1/ (see /api/v1/openapi.json); pages start at /",
        )
    if status == 405:
        return ErrorDetail(
            status=405,
            code="method_not_allowed",
            message="this address does not accept that HTTP method",
            hint="the Allow header lists the methods this address accepts (most are GET only)",
        )
    message = str(exc.detail) if exc.detail else "request failed"
    return ErrorDetail(status=status, code=_CODES.get(status, "error"), message=message)


def _headers(exc: Exception, status: int) -> dict[str, str]:
    """Headers an answer needs: the error's own (WWW-Authenticate), or the router's Allow."""
    if isinstance(exc, NethealthError):
        return dict(exc.headers)
    given = getattr(exc, "headers", None) or {}
    if status == 405:
        return {"Allow": given.get("Allow") or given.get("allow") or "GET, HEAD"}
    return {}


def wants_json(request: Request) -> bool:
    """API paths, JSON twins and static files get the JSON body; pages get an HTML page."""
    path = request.url.path
    return path.startswith(("/api/", "/static/")) or path.endswith((".json", ".csv"))


def json_error(detail: ErrorDetail, headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=detail).model_dump(mode="json")
    return JSONResponse(body, status_code=detail.status, headers=headers)


def install_error_handlers(app: FastAPI, html: HtmlErrorRenderer | None = None) -> None:
    """Route every exception through `detail_for`, then answer as JSON or as an HTML page,
    with the security headers (Starlette answers a 500 from outside every middleware)."""

    async def handle(request: Request, exc: Exception) -> Response:
        detail = detail_for(exc)
        if detail.status >= 500 and detail.code not in ("lake_unavailable", "not_built"):
            log.error("error serving %s", request.url.path, exc_info=exc)
        headers = _headers(exc, detail.status)
        if html is not None and not wants_json(request):
            response = html(request, detail)
            response.headers.update(headers)
        else:
            response = json_error(detail, headers or None)
        add_security_headers(response.headers)
        return response

    for exc_type in (NethealthError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(exc_type, handle)
