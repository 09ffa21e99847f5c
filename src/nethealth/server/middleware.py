"""Plain ASGI middleware (no BaseHTTPMiddleware, so streamed answers pass untouched): the
security headers on every response, and the request body limit.

Starlette answers an unhandled exception (500) from outside all middleware, so the error
handler adds the same headers itself (`server.errors.install_error_handlers`).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nethealth.errors import InputError, NethealthError, TooLargeError
from nethealth.server.errors import detail_for, json_error
from nethealth.server.headers import add_security_headers

BODY_HINT = "send a smaller body; the server reads at most its max_body_bytes"


class SecurityHeaders:
    """Adds `server.headers.SECURITY_HEADERS` to every HTTP response that passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse a body larger than `max_bytes` before reading it. A declared Content-Length over
    the limit is answered 413 at once, without reading a byte; the bytes actually received are
    counted as the app reads them (chunked bodies, a lying Content-Length), so at most
    `max_bytes` plus one chunk is ever held before the 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def too_large(self) -> TooLargeError:
        return TooLargeError(
            f"the request body is larger than {self.max_bytes} bytes", hint=BODY_HINT
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and not 0 <= declared <= self.max_bytes:
            await _refuse(scope, receive, send, self.too_large() if declared >= 0 else None)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self.too_large()  # rendered by the app's error handler
                if declared is not None and received > declared:
                    raise InputError("the body is longer than its Content-Length",
                                     hint="send a correct Content-Length")  # fmt: skip
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1  # unreadable: refused
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, error: NethealthError | None) -> None:
    """Answer without reading the body (the one error body; SecurityHeaders wraps this)."""
    if error is None:
        error = InputError("the Content-Length header is not a number",
                           hint="send a correct Content-Length")  # fmt: skip
    response = json_error(detail_for(error))
    response.headers["Connection"] = "close"  # the unread body must not be read as a request
    await response(scope, receive, send)
