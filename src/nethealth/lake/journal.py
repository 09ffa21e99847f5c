"""Append-only JSON-lines logs of curated datasets (shutdown events, communities): one writer
at a time under an exclusive lock, and every append written as the old bytes plus the new lines
through a temporary file and a rename, so a reader sees the old log or the new one, never half
of a batch, and a batch that raises writes nothing."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nethealth.lake.storage import atomic_path


@dataclass
class Append:
    """The log's bytes when the lock was taken, and the lines to add (without newlines)."""

    old: bytes
    lines: list[str] = field(default_factory=list)


@contextlib.contextmanager
def locked_append(path: Path, lock_path: Path) -> Iterator[Append]:
    """Lock, read `path` fresh, let the block collect lines, then write them (nothing when the
    block raises or adds none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            append = Append(path.read_bytes() if path.is_file() else b"")
            yield append
            if append.lines:
                _write(path, append)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _write(path: Path, append: Append) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(append.old)
        fh.write("".join(line + "\n" for line in append.lines).encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
