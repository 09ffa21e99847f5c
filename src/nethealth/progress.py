"""Progress bars for long steps (rich), behind the `(message, done, total)` callback protocol.

A bar either finishes or goes away: when work moves on to another bar (another file, another
step) or the block ends, a bar that reached its total stays, stopped, with its final count and
time; one that did not (a step that reported "0/1" and then finished silently, a skipped file)
is removed, so no bar is left behind with a clock still running. Without a terminal (cron,
systemd, a pipe) no bar is drawn at all: logs and the command's own output say what was done.
"""

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


def _settle(bar: Progress, task_id: TaskID) -> None:
    """Freeze a finished bar; remove one that did not finish."""
    task = next((t for t in bar.tasks if t.id == task_id), None)
    if task is None:
        return
    if task.total is not None and task.completed >= task.total:
        bar.stop_task(task_id)
    else:
        bar.remove_task(task_id)


@contextlib.contextmanager
def progress_bar(console: Console, *, bytes_mode: bool = False) -> Iterator[Callback]:
    """Yield a callback that drives one bar per distinct message prefix (e.g. per file)."""
    counter = DownloadColumn() if bytes_mode else MofNCompleteColumn()
    # markup=False: descriptions carry file names and data, printed verbatim (a `[/b]` in a path)
    description = TextColumn("{task.description}", markup=False)
    columns = (description, BarColumn(), counter, TimeElapsedColumn())
    disabled = not console.is_terminal
    with Progress(*columns, console=console, transient=False, disable=disabled) as bar:
        tasks: dict[str, TaskID] = {}
        current: list[str] = []

        def update(message: str, done: int, total: int) -> None:
            key = message if bytes_mode else message.split(" ")[0]
            if current and current[0] != key and current[0] in tasks:
                _settle(bar, tasks.pop(current[0]))
            current[:] = [key]
            if key not in tasks:
                tasks[key] = bar.add_task(message, total=total or None)
            bar.update(tasks[key], completed=done, total=total or None, description=message)

        try:
            yield update
        finally:
            for task_id in tasks.values():
                _settle(bar, task_id)
