"""The exception tree. Every message says what went wrong and where; the hint says what to do next.

One tree for every layer and both faces of the program: the CLI prints `message` and `hint` and
exits with `exit_code`; the server answers `{"error": {status, code, message, hint}}` with
`http_status` and `code` (one handler, `nethealth.server.errors`). Routes raise these errors and
nothing else; the hint is always its own field, never folded into the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class NethealthError(Exception):
    """Base of every error nethealth raises on purpose: a bug if it escapes as a 500."""

    exit_code = 1
    http_status = 500
    code = "internal_error"

    def __init__(
        self, message: str, *, hint: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        self.message = message
        self.hint = hint
        self.headers = dict(headers or {})  # HTTP headers the answer needs (WWW-Authenticate)
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class ConfigError(NethealthError):
    """A setting or an option is missing or invalid: the operator (or the caller) fixes it."""

    exit_code = 2
    http_status = 503
    code = "misconfigured"


class InputError(NethealthError):
    """Malformed input: names the file, the line or record, the field, and the fix. Over HTTP,
    a bad parameter (the field is the parameter's name)."""

    exit_code = 3
    http_status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.record = record
        self.field = field
        self.detail = message  # without the place
        where = []
        if self.path is not None:
            where.append(self.path if line is None else f"{self.path}:{line}")
        if record is not None:
            where.append(f"record {record}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)


class FetchError(NethealthError):
    """Downloading from a publisher failed."""

    exit_code = 4
    http_status = 502
    code = "fetch_failed"

    def __init__(
        self, message: str, *, url: str, hint: str | None = None, missing: bool = False
    ) -> None:
        self.url = url
        self.missing = missing  # the publisher has no such file (HTTP 404, absent file://)
        super().__init__(f"{url}: {message}", hint=hint)


class BuildError(NethealthError):
    """A build step failed; the lake keeps its previous state for that step."""

    exit_code = 5


class NotFoundError(NethealthError):
    """A country, indicator, event or dataset row that does not exist."""

    exit_code = 6
    http_status = 404
    code = "not_found"


class DatasetNotBuiltError(NethealthError):
    """A dataset a page or route reads has not been built yet: served as 503 until a build."""

    exit_code = 7
    http_status = 503
    code = "not_built"


class LakeUnavailableError(DatasetNotBuiltError):
    """The catalog is missing or lacks a view the server needs."""

    code = "lake_unavailable"


class UnauthorizedError(NethealthError):
    """A write needs credentials the request did not bring (HTTP 401)."""

    exit_code = 8
    http_status = 401
    code = "unauthorized"


class ForbiddenError(NethealthError):
    """The credentials do not allow this, or the feature is closed (HTTP 403)."""

    exit_code = 8
    http_status = 403
    code = "forbidden"


class TooLargeError(NethealthError):
    """A request body beyond the configured limit (HTTP 413)."""

    exit_code = 3
    http_status = 413
    code = "too_large"


class BusyError(NethealthError):
    """Another nethealth command is writing the same data directory (its lock is held): this
    one did nothing and may simply run again later."""

    exit_code = 9
    http_status = 409
    code = "busy"


class ServiceError(NethealthError):
    """A server or tool a command starts did not start or failed (`nethealth lab up`); the
    message names it and its log file."""

    exit_code = 10


class TooManyRequestsError(NethealthError):
    """A client over its rate limit, or the server at its bound of concurrent work (HTTP 429):
    the answer's Retry-After says in how many seconds to try again."""

    exit_code = 9
    http_status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(message, hint=hint, headers={"Retry-After": str(self.retry_after)})
