"""The exception tree. Every message says what went wrong, where, and what to do next."""

from __future__ import annotations

from pathlib import Path


class NethealthError(Exception):
    """Base of every error nethealth raises on purpose; the CLI prints it and exits non-zero."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n  hint: {hint}")


class ConfigError(NethealthError):
    """A setting is missing or invalid."""

    exit_code = 2


class InputError(NethealthError):
    """Malformed input: names the file, the line or record, the field, and the fix."""

    exit_code = 3

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
    """A country, indicator or dataset that does not exist."""

    exit_code = 6
