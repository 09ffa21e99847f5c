"""Progress bars for long steps (rich), behind the `(message, done, total)` callback protocol."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

Callback = Callable[[str, int, int], None]


@contextlib.contextmanager
def progress_bar(console: Console, *, bytes_mode: bool = False) -> Iterator[Callback]:
    """Yield a callback that drives one bar per distinct message prefix (e.g. per file)."""
    counter = DownloadColumn() if bytes_mode else MofNCompleteColumn()
    # markup=False: descriptions carry file names and data, printed verbatim (a `[/b]` in a path)
    description = TextColumn("{task.description}", markup=False)
    columns = (description, BarColumn(), counter, TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def update(message: str, done: int, total: int) -> None:
            key = message if bytes_mode else message.split(" ")[0]
            if key not in tasks:
                tasks[key] = bar.add_task(message, total=total or None)
            bar.update(tasks[key], completed=done, total=total or None, description=message)

        yield update
