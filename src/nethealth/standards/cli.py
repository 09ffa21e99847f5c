"""`nethealth scan DOMAIN` and `nethealth standards checks`: the scanner from the command line."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.table import Table

from nethealth.cli_common import console, settings_of
from nethealth.errors import ConfigError, InputError
from nethealth.standards.checks import REGISTRY, select
from nethealth.standards.scan import Report, Result, scan
from nethealth.standards.score import RULES, explanation, report_json, scores

app = typer.Typer(
    help="Open standards: the scanner's checks (docs/standards.md)", no_args_is_help=True
)
scan_app = typer.Typer(
    help="Scan a domain for the open standards it uses (docs/standards.md)",
    # One command, mounted as a group (Area.cli_extra): options may follow DOMAIN.
    context_settings={"allow_interspersed_args": True},
    subcommand_metavar="",
)

FORMATS = ("table", "json")


@scan_app.callback(invoke_without_command=True)
def scan_command(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(help="the domain name to scan (no IP literals)")],
    lab: Annotated[bool, typer.Option("--lab", help="scan the lab: loopback and its networks "
                                      "only, names from standards_lab_hosts")] = False,
    checks: Annotated[str | None, typer.Option("--checks", help="comma-separated check ids "
                                               "(default: all; see `nethealth standards checks`)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="output: table (default) or json")] = "table",
) -> None:  # fmt: skip
    """Scan DOMAIN: every check, its status and detail, the score per category and the rules."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    settings = settings_of(ctx)
    if lab and not settings.standards_lab_hosts:
        raise ConfigError(
            "--lab needs the lab's names",
            hint="set NETHEALTH_STANDARDS_LAB_HOSTS (docs/standards.md, Lab mode)",
        )
    selected = select(checks.split(",")) if checks is not None else REGISTRY
    err = console(stderr=True)
    done = [0]

    def progress(result: Result) -> None:
        done[0] += 1
        err.print(f"[{done[0]}/{len(selected)}] {result.check.id}: {result.attempt.status}")

    report = asyncio.run(scan(domain, settings, lab=lab, checks=selected, progress=progress))
    out = console()
    if fmt == "json":
        out.print(json.dumps(report_json(report), indent=2, ensure_ascii=False))
    else:
        _table(report)
    if report.refused is not None:
        raise InputError(f"{domain!r} refused: {report.refused}", field="DOMAIN")


def _table(report: Report) -> None:
    out = console()
    table = Table(title=f"{report.domain}{' (lab)' if report.lab else ''}", show_lines=False)
    for column in ("check", "status", "points", "detail", "what to do"):
        table.add_column(column, overflow="fold")
    for r in report.results:
        pts = f"{r.check.points if r.attempt.status == 'pass' else 0}/{r.check.points}"
        status = r.attempt.status + (f" ({r.attempt.reason})" if r.attempt.reason else "")
        table.add_row(
            r.check.id, status, pts if r.check.mandatory else "informative", r.attempt.detail,
            explanation(r.attempt.status, r.check.advice),
        )  # fmt: skip
    out.print(table)
    for s in scores(report):
        shown = "no score (no mandatory check applied)" if s.percent is None else f"{s.percent} %"
        out.print(f"score {s.category}: {shown} ({s.earned}/{s.possible} points)")
    out.print(f"rules: {RULES}")


@app.command("checks")
def list_checks(
    fmt: Annotated[str, typer.Option("--format", help="output: table (default) or json")] = "table",
) -> None:
    """List the registry: each check's id, category, version, points and what it applies."""
    rows = [
        {"check": c.id, "category": c.family, "version": c.version, "mandatory": c.mandatory,
         "points": c.points, "title": c.title, "reference": c.reference}
        for c in REGISTRY
    ]  # fmt: skip
    out = console()
    if fmt == "json":
        out.print(json.dumps(rows, indent=2))
        return
    table = Table()
    for column in ("check", "category", "version", "points", "title", "reference"):
        table.add_column(column, overflow="fold")
    for row in rows:
        points = str(row["points"]) if row["mandatory"] else "informative"
        table.add_row(str(row["check"]), str(row["category"]), str(row["version"]), points,
                      str(row["title"]), str(row["reference"]))  # fmt: skip
    out.print(table)
    out.print(f"rules: {RULES}")
