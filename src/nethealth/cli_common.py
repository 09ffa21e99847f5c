"""What every `nethealth` sub-command shares: settings from the root, dates, error exits."""

from __future__ import annotations

import sys
from datetime import date

import typer
from rich.console import Console
from rich.text import Text

from nethealth.common.dates import parse_date
from nethealth.errors import ConfigError, InputError, NethealthError
from nethealth.settings import Settings, load_settings


def console(*, stderr: bool = False) -> Console:
    """Messages print verbatim: no Rich markup, emoji codes or highlighting, because they carry
    data (a column named `[country]`, a path with `[/b]`, a `:flag:` in a note) that must come
    out as it came in. Style a fixed part with `rich.text.Text` instead. Never hard-wrapped:
    paths and figures stay on one line for scripts and grep."""
    return Console(stderr=stderr, soft_wrap=True, markup=False, emoji=False, highlight=False)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the root command read (--data-dir, env); read once if run standalone."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = load_settings()
    return root.obj


def parse_day(text: str | None, option: str = "--date") -> date | None:
    """YYYY-MM-DD in 1970..2100 (nethealth.common.dates), or None for no value / 'latest'.
    A bad value is a usage error (exit 2), like any other bad option."""
    if text is None or text == "latest":
        return None
    try:
        return parse_date(text, option)
    except InputError as exc:
        detail = exc.message.partition(": ")[2]  # without the "field '--date'" prefix
        raise ConfigError(f"{option} {detail}", hint=exc.hint) from None


# Exit codes (docs/operations.md): 0 done, 1 a bug (traceback), 2 usage or setting, 3 bad
# input, 4 fetch, 5 build, 6 not found, 7 lake unavailable; click's own usage errors are 2.
INPUT_EXIT = InputError.exit_code


def error_text(exc: NethealthError) -> Text:
    """`error: <place: message>` with the hint on the next line, the data printed verbatim."""
    text = Text.assemble(("error:", "bold red"), " ", exc.message)
    if exc.hint:
        text.append(f"\n  hint: {exc.hint}")
    return text


def input_error_of(exc: OSError) -> InputError:
    """An input file that cannot be opened is bad input (exit 3), not a bug."""
    path = exc.filename if exc.filename is not None else None
    reason = exc.strerror or exc.__class__.__name__
    return InputError(
        f"cannot open: {reason}",
        path=None if path is None else str(path),
        hint="check the path and its permissions",
    )


def run(app: typer.Typer) -> None:
    """Run a Typer app; a NethealthError becomes its message (with its place), hint and exit
    code, never a traceback. So does an input file that cannot be opened."""
    err = console(stderr=True)
    try:
        app()
    except NethealthError as exc:
        err.print(error_text(exc))
        sys.exit(exc.exit_code)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        err.print(error_text(input_error_of(exc)))
        sys.exit(INPUT_EXIT)
