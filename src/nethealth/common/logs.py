"""Structured logs: one record per thing that happened (a file fetched, a step built, a build
note, a stale source), as text or JSON lines, at a level, to stderr or a file.

Code logs through `logging` and adds its fields with `fields(...)`:

    log.warning("source is stale", extra=fields(event="stale", source="rir", age_days=9))

The text format renders them as `key=value` after the message; the JSON format as members of
the record (`{"time", "level", "logger", "message", "event", "source", …}`), one line each, for
journald, Loki or any log shipper. `configure()` is called once by the command line (`--log-level`,
`--log-format`, `--log-file`, or NETHEALTH_LOG_*); nothing is configured at import time.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

LogFormat = Literal["text", "json"]
LEVELS = ("debug", "info", "warning", "error")
FORMATS: tuple[LogFormat, ...] = ("text", "json")
_FIELDS = "nethealth_fields"
# Libraries that log every request at INFO: quiet unless debugging.
_CHATTY = ("httpx", "httpcore", "urllib3", "hpack", "multipart")


def fields(**values: Any) -> dict[str, Any]:
    """The `extra=` of a log call that carries structured fields."""
    return {_FIELDS: values}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    got = getattr(record, _FIELDS, None)
    return dict(got) if isinstance(got, Mapping) else {}


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def _plain(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text


class TextFormatter(logging.Formatter):
    """`2026-06-01T03:00:01.123+00:00 WARNING nethealth.build: message key=value …`, or for a
    person at a terminal (`compact`) `warning: message`."""

    def __init__(self, *, compact: bool = False) -> None:
        super().__init__()
        self.compact = compact

    def format(self, record: logging.LogRecord) -> str:
        if self.compact:
            line = f"{record.levelname.lower()}: {record.getMessage()}"
            return line + ("\n" + self.formatException(record.exc_info) if record.exc_info else "")
        extra = " ".join(f"{k}={_plain(v)}" for k, v in fields_of(record).items())
        line = f"{_time(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if extra:
            line += " " + extra
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for k, v in fields_of(record).items():
            out.setdefault(k, v)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (a test runner swaps it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        return None


def formatter(fmt: LogFormat) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


def level_of(name: str) -> int:
    if name.lower() not in LEVELS:
        raise ValueError(f"unknown log level {name!r} (choose {', '.join(LEVELS)})")
    return int(getattr(logging, name.upper()))


def reset() -> None:
    """Remove the handlers `configure` installed (tests; a library user's own setup)."""
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "_nethealth", False)]:
        root.removeHandler(h)
        h.close()


def configure(
    level: str = "warning",
    fmt: LogFormat = "text",
    file: Path | None = None,
    *,
    stream: IO[str] | None = None,
) -> None:
    """Send nethealth's records (and other libraries' warnings) to stderr — or to `file`, with
    warnings and errors still on stderr for whoever runs the command. Replaces the handlers a
    previous call installed."""
    reset()
    root = logging.getLogger()
    wanted = level_of(level)
    handlers: list[logging.Handler] = []
    out = stream or sys.stderr
    err: logging.Handler = logging.StreamHandler(stream) if stream else StderrHandler()
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(file, encoding="utf-8")
        to_file.setLevel(wanted)
        to_file.setFormatter(formatter(fmt))
        handlers.append(to_file)
        err.setLevel(max(wanted, logging.WARNING))
    else:
        err.setLevel(wanted)
    # a person at a terminal reads `warning: …`; a log collector gets the whole record
    compact = fmt == "text" and out.isatty()
    err.setFormatter(TextFormatter(compact=True) if compact else formatter(fmt))
    handlers.append(err)
    for h in handlers:
        h._nethealth = True  # type: ignore[attr-defined]
        root.addHandler(h)
    root.setLevel(min(wanted, logging.WARNING))
    logging.getLogger("nethealth").setLevel(wanted)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(
            logging.DEBUG if wanted <= logging.DEBUG else logging.WARNING
        )
