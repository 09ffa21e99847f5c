"""`nethealth scan DOMAIN` and `nethealth standards checks`: the scanner from the command line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nethealth.cli_common import console, settings_of
from nethealth.errors import ConfigError, InputError
from nethealth.standards.checks import LIST_CHECKS, REGISTRY, select
from nethealth.standards.lab.plan import config_link
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

scan_list_app = typer.Typer(
    help="Scan every target of a stored list, resumably (docs/methodology/adoption.md)",
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
    lab_dir: Annotated[Path | None, typer.Option("--lab-dir", help="with --lab: the directory "
                                                 "of the lab `nethealth lab up` started "
                                                 "(default: <data_dir>/lab)")] = None,
) -> None:  # fmt: skip
    """Scan DOMAIN: every check, its status and detail, the score per category and the rules."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    settings = settings_of(ctx)
    if lab and (lab_dir is not None or not settings.standards_lab_hosts):
        # the running lab's names, resolver, CA and anchor (docs/lab.md)
        from nethealth.standards.lab.control import default_dir, lab_settings

        settings = lab_settings(settings, (lab_dir or default_dir(settings)).resolve())
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
            explanation(r.attempt.status, r.check.advice)
            + ("" if r.attempt.status == "pass" else f" (how: {config_link(r.check.id)})"),
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


@scan_list_app.callback(invoke_without_command=True)
def scan_list_command(
    ctx: typer.Context,
    list_id: Annotated[str, typer.Argument(metavar="LIST", help="the list: tranco, crux-country, "
                                           "country-toplist or cctld-domains")],
    country: Annotated[str | None, typer.Option("--country", help="the list's country (ISO "
                                                "3166-1 alpha-2); none for Tranco")] = None,
    day: Annotated[str | None, typer.Option("--date", help="the list of this day or the latest "
                                            "before it (default: the latest)")] = None,
    checks: Annotated[str | None, typer.Option("--checks", help="comma-separated check ids "
                                               "(default: all, and the provider-* evidence "
                                               "checks)")] = None,
    max_age: Annotated[float, typer.Option("--max-age", help="days: results younger than this "
                                           "are kept, not rescanned (0: rescan all)")] = 30.0,
    limit: Annotated[int | None, typer.Option("--limit", help="only the first N targets in "
                                              "rank order", min=1)] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", help="targets scanned at once "
                                             "(connections stay under standards_max_connections)",
                                             min=1, max=256)] = 4,
    batch: Annotated[int, typer.Option("--batch", help="targets per stored batch (what an "
                                       "interruption can lose)", min=1)] = 50,
    lab: Annotated[bool, typer.Option("--lab", help="scan the lab (names from "
                                      "standards_lab_hosts)")] = False,
) -> None:  # fmt: skip
    """Scan LIST's targets, only the target × check results missing or older than --max-age,
    into the scan store; `nethealth build` then updates scan_results and the adoption
    indicators."""
    import datetime as dt

    from nethealth.common.dates import parse_date
    from nethealth.progress import progress_bar
    from nethealth.standards.scanlist import choose_list, run_list
    from nethealth.standards.source import country_code

    settings = settings_of(ctx)
    if max_age < 0:
        raise InputError("--max-age is a number of days >= 0", field="--max-age")
    if lab and not settings.standards_lab_hosts:
        raise ConfigError("--lab needs the lab's names",
                          hint="set NETHEALTH_STANDARDS_LAB_HOSTS (docs/standards.md, Lab mode)")  # fmt: skip
    cc = country_code(country) if country is not None else None
    choice = choose_list(settings, list_id, cc, parse_date(day, "--date"))
    selected = select(checks.split(",")) if checks is not None else LIST_CHECKS
    err = console(stderr=True)
    err.print(f"list {choice.label}: {choice.targets:,} targets; {len(selected)} checks")
    with progress_bar(err) as bar:
        summary = asyncio.run(run_list(
            settings, choice, selected, max_age=dt.timedelta(days=max_age), limit=limit,
            concurrency=concurrency, batch=batch, lab=lab, progress=bar,
        ))  # fmt: skip
    out = console()
    out.print(
        f"{summary.targets:,} targets: {summary.scanned:,} scanned, {summary.skipped:,} with "
        f"every check younger than {max_age:g} days (kept); {summary.results:,} results "
        f"({summary.errors:,} errors) in {len(summary.batches)} batch(es) under "
        f"{choice.directory(settings)}",
        highlight=False,
    )
    out.print("run `nethealth build` to update scan_results and the adoption indicators")


lab_app = typer.Typer(
    help="The open-standards demonstration lab: real servers in a network namespace (docs/lab.md)",
    no_args_is_help=True,
)
LabDir = Annotated[
    Path | None,
    typer.Option("--dir", help="the lab's directory (default: <data_dir>/lab)"),
]
LabFormat = Annotated[str, typer.Option("--format", help="output: table (default) or json")]


def _lab_dir(ctx: typer.Context, directory: Path | None) -> Path:
    from nethealth.standards.lab.control import default_dir

    return (directory or default_dir(settings_of(ctx))).resolve()


def _print_lab(state: dict[str, object], fmt: str) -> None:
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    out = console()
    if fmt == "json":
        out.print(json.dumps(state, indent=2, ensure_ascii=False), highlight=False)
        return
    mode = state.get("mode") or "not started"
    out.print(f"lab in {state['directory']}: {mode}", highlight=False)
    if state.get("note"):
        out.print(str(state["note"]), highlight=False)
    servers = Table(title="servers")
    for column in ("server", "state", "pid", "log", "what"):
        servers.add_column(column, overflow="fold")
    for s in state.get("servers") or []:  # type: ignore[attr-defined]
        servers.add_row(s["server"], s["state"], str(s["pid"] or ""), s["log"], s["what"])
    out.print(servers)
    domains = Table(title="domains")
    for column in ("domain", "built to fail", "mistake"):
        domains.add_column(column, overflow="fold")
    for d in state.get("domains") or []:  # type: ignore[attr-defined]
        domains.add_row(d["domain"], ", ".join(d["fails"]) or "nothing (ideal)", d["mistake"])
    out.print(domains)


@lab_app.command("up")
def lab_up(
    ctx: typer.Context,
    directory: LabDir = None,
    loopback: Annotated[bool, typer.Option("--loopback", help="listen on loopback even where "
                                           "network namespaces are available")] = False,
    fmt: LabFormat = "table",
) -> None:  # fmt: skip
    """Start the lab (idempotent): files, certificates, signed zones, then every server."""
    from nethealth.standards.lab.control import up

    err = console(stderr=True)
    state = up(_lab_dir(ctx, directory), lambda m: err.print(m, highlight=False),
               mode="loopback" if loopback else None)  # fmt: skip
    _print_lab(state, fmt)


@lab_app.command("status")
def lab_status(ctx: typer.Context, directory: LabDir = None, fmt: LabFormat = "table") -> None:
    """The lab's servers (running or not) and each domain with the checks it is built to fail."""
    from nethealth.standards.lab.control import status

    _print_lab(status(_lab_dir(ctx, directory)), fmt)


@lab_app.command("down")
def lab_down(ctx: typer.Context, directory: LabDir = None) -> None:
    """Stop every lab server; remove the network namespace and the lab's files."""
    from nethealth.standards.lab.control import down

    err = console(stderr=True)
    down(_lab_dir(ctx, directory), lambda m: err.print(m, highlight=False))
