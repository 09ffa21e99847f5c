"""What every `nethealth` sub-command shares: settings from the root, dates, error exits."""

from __future__ import annotations

import sys
from datetime import date

import typer
from rich.console import Console

from nethealth.errors import ConfigError, NethealthError
from nethealth.settings import Settings, load_settings


def console(*, stderr: bool = False) -> Console:
    """Messages are never hard-wrapped: paths and figures stay on one line for scripts and grep."""
    return Console(stderr=stderr, soft_wrap=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the root command read (--data-dir, env); read once if run standalone."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = load_settings()
    return root.obj


def parse_day(text: str | None, option: str = "--date") -> date | None:
    """YYYY-MM-DD, or None for no value / 'latest'."""
    if text is None or text == "latest":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not a date", hint="use YYYY-MM-DD") from None


def run(app: typer.Typer) -> None:
    """Run a Typer app; a NethealthError becomes its message, hint and exit code."""
    err = console(stderr=True)
    try:
        app()
    except NethealthError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        if exc.hint:
            err.print(f"  hint: {exc.hint}", highlight=False)
        sys.exit(exc.exit_code)
