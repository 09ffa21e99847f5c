"""One error body for every failure, with the real HTTP status (the Datasette habit).

API paths and JSON twins answer `{"error": {status, code, message, hint}}`; pages answer an HTML
page with the same wording. FastAPI's 422 validation errors become 400 with this body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from nethealth.api.headers import add_security_headers
from nethealth.api.lake import LakeUnavailableError
from nethealth.api.models import ErrorBody, ErrorDetail
from nethealth.errors import InputError, NethealthError, NotFoundError

log = logging.getLogger(__name__)

HtmlErrorRenderer = Callable[[Request, ErrorDetail], Response]

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

# The pre-built error responses that the OpenAPI document lists for every endpoint.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Bad parameter (invalid date, range, format…)"},
    404: {"model": ErrorBody, "description": "Unknown country or indicator"},
    503: {"model": ErrorBody, "description": "The lake has not been built yet"},
}


class ApiError(Exception):
    """An error raised by a route with a chosen status; rendered as the one error body."""

    def __init__(
        self, status: int, message: str, *, hint: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.detail = ErrorDetail(
            status=status, code=code or _CODES.get(status, "error"), message=message, hint=hint
        )


def bad_request(message: str, hint: str | None = None) -> ApiError:
    return ApiError(400, message, hint=hint)


def detail_for(exc: Exception) -> ErrorDetail:
    """Map any exception to the error detail the client sees (no internals for the unexpected)."""
    if isinstance(exc, ApiError):
        return exc.detail
    if isinstance(exc, LakeUnavailableError):
        return ErrorDetail(status=503, code="lake_unavailable", message=exc.message, hint=exc.hint)
    if isinstance(exc, NotFoundError):
        return ErrorDetail(status=404, code="not_found", message=exc.message, hint=exc.hint)
    if isinstance(exc, InputError):  # the message names the parameter (field) and the place
        return ErrorDetail(status=400, code="bad_request", message=exc.message, hint=exc.hint)
    if isinstance(exc, RequestValidationError):
        return _validation_detail(exc)
    if isinstance(exc, StarletteHTTPException):
        return _http_detail(exc)
    if isinstance(exc, NethealthError):
        return ErrorDetail(status=500, code="internal_error", message=exc.message, hint=exc.hint)
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


def _allow_headers(exc: Exception) -> dict[str, str]:
    """The router's own Allow header (write endpoints accept more than GET)."""
    given = getattr(exc, "headers", None) or {}
    return {"Allow": given.get("Allow") or given.get("allow") or "GET, HEAD"}


def wants_json(request: Request) -> bool:
    """API paths, JSON twins and static files get the JSON body; pages get an HTML page."""
    path = request.url.path
    return path.startswith(("/api/", "/static/")) or path.endswith((".json", ".csv"))


def json_error(detail: ErrorDetail, headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=detail).model_dump(mode="json")
    return JSONResponse(body, status_code=detail.status, headers=headers)


def error_response(
    status: int, message: str, hint: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one error body, for routers that answer errors themselves instead of raising."""
    detail = ErrorDetail(
        status=status, code=_CODES.get(status, "error"), message=message, hint=hint
    )
    return json_error(detail, headers)


def install_error_handlers(app: FastAPI, html: HtmlErrorRenderer | None = None) -> None:
    """Route every exception through `detail_for`, then answer as JSON or as an HTML page."""

    async def handle(request: Request, exc: Exception) -> Response:
        detail = detail_for(exc)
        if detail.status >= 500 and not isinstance(exc, LakeUnavailableError):
            log.error("error serving %s", request.url.path, exc_info=exc)
        headers = _allow_headers(exc) if detail.status == 405 else None
        if html is not None and not wants_json(request):
            response = html(request, detail)
            if headers:
                response.headers.update(headers)
        else:
            response = json_error(detail, headers)
        # A 500 is sent from outside every middleware: the headers are set here as well.
        add_security_headers(response.headers)
        return response

    for exc_type in (
        ApiError,
        NethealthError,
        RequestValidationError,
        StarletteHTTPException,
        Exception,
    ):
        app.add_exception_handler(exc_type, handle)
