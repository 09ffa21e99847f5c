"""What every `nethealth` sub-command shares: settings from the root, dates, error exits."""

from __future__ import annotations

import glob
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.text import Text

from nethealth.common.dates import parse_date, parse_datetime, parse_month
from nethealth.errors import ConfigError, InputError, NethealthError
from nethealth.settings import Settings, load_settings

T = TypeVar("T")


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


def expand_paths(values: Sequence[Path | str], *, option: str = "FILES") -> list[Path]:
    """What a shell gives for a file input, as files: paths as they are, glob patterns (quoted,
    so the shell left them) expanded, directories walked (sorted, hidden files left out). Every
    multi-file input of every command takes this (`nethealth routing incidents --updates
    'updates.*.gz'`, or several paths after one option or as arguments)."""
    out: list[Path] = []
    for value in values:
        text = str(value)
        path = Path(text)
        if any(ch in text for ch in "*?["):
            found = sorted(Path(p) for p in glob.glob(text, recursive=True))
            if not found:
                raise InputError(f"{option}: no file matches {text!r}", hint="check the pattern")
            out += [p for p in found if p.is_file()]
        elif path.is_dir():
            out += sorted(
                p for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )  # fmt: skip
        elif path.is_file():
            out.append(path)
        else:
            raise InputError("no such file or directory", path=path, field=option,
                             hint="check the path")  # fmt: skip
    return out


def one_of(new: T | None, old: T | None, new_name: str, old_name: str) -> T | None:
    """A value given under its current option name or its old spelling (a hidden alias kept so
    scripts keep working); both at once is a usage error."""
    if new is not None and old is not None:
        raise ConfigError(f"{new_name} and {old_name} are the same option",
                          hint=f"give {new_name} only ({old_name} is its old spelling)")  # fmt: skip
    return new if new is not None else old


def _usage(exc: InputError, option: str) -> ConfigError:
    detail = exc.message.partition(": ")[2]  # without the "field '--x'" prefix
    return ConfigError(f"{option} {detail}", hint=exc.hint)


def parse_month_of(text: str | None, option: str = "--date") -> str | None:
    """A month given as `YYYY-MM` or as a day of it (`YYYY-MM-DD`), returned as `YYYY-MM`;
    None for no value. A bad value is a usage error (exit 2)."""
    if text is None:
        return None
    try:
        if len(text.strip()) > 7:
            day = parse_date(text, option)
            return None if day is None else f"{day:%Y-%m}"
        return parse_month(text, option)
    except InputError as exc:
        raise _usage(exc, option) from None


def parse_instant(text: str | None, option: str) -> datetime | None:
    """A `--from`/`--to` time: YYYY-MM-DD (00:00 UTC) or ISO 8601, no offset = UTC
    (nethealth.common.dates), aware; None for no value. A bad value is a usage error."""
    try:
        return parse_datetime(text, option)
    except InputError as exc:
        raise _usage(exc, option) from None


def cli_actor(curator: str | None) -> str:
    """Who makes a curation change from the command line: `--curator`, else the login name
    (whoever can write the data directory may curate; the API asks for a token instead)."""
    import getpass

    name = (curator or "").strip() or getpass.getuser()
    return f"cli:{name}"


def field_pairs(items: Sequence[str] | None) -> dict[str, str]:
    """`--set field=value` options as {field: value} (the record's own checks judge values)."""
    fields: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--set {item!r} is not field=value", hint="e.g. --set scope=regional")
        fields[name.strip()] = value
    return fields
