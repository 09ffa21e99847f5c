"""One writer at a time per data directory.

`update`, `build`, `prune`, `fetch` and `load` hold an exclusive lock on `<data>/.lock` while
they run (`flock`, so the system releases it when the process ends, even killed: there is never
a stale lock to delete). A second command finds it held and stops at once with `BusyError`,
naming the command, process and start time of the holder, which the lock file records.
The lock is advisory and local: keep the data directory on a local file system.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from nethealth.errors import BusyError

LOCK_NAME = ".lock"


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


def holder(data_dir: Path) -> dict[str, object]:
    """What the lock file says about the command holding it ({} when nobody wrote it)."""
    try:
        data = json.loads(lock_path(data_dir).read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(info: dict[str, object]) -> str:
    if not info:
        return "another nethealth command"
    return (f"`{info.get('command', 'nethealth')}` (pid {info.get('pid', '?')} on "
            f"{info.get('host', '?')}, started {info.get('started_at', '?')})")  # fmt: skip


@contextmanager
def data_lock(data_dir: Path, command: str) -> Iterator[None]:
    """Hold the data directory's lock for `command`, or raise BusyError at once."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(data_dir), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError(
                f"{data_dir} is in use by {_describe(holder(data_dir))}; `{command}` did nothing",
                hint="let it finish and run again (a scheduled run simply waits for the next "
                "one); the lock is released when that process ends, even if it is killed",
            ) from None
        info = {"command": command, "pid": os.getpid(), "host": socket.gethostname(),
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "argv": sys.argv}  # fmt: skip
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
