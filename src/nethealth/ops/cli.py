"""`nethealth update` and `nethealth prune` (mounted by nethealth.cli)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from nethealth.cli_common import console, parse_day, settings_of
from nethealth.common.cadence import Retention
from nethealth.errors import ConfigError
from nethealth.lake.lock import data_lock
from nethealth.lake.storage import write_bytes_atomic

err = console(stderr=True)
out = console()

SourcesOpt = Annotated[
    list[str] | None,
    typer.Option("--source", help="Only this source (repeatable; `nethealth sources` lists them)"),
]


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def stop_cleanly() -> Iterator[None]:
    """SIGTERM (systemd stopping the unit, a timeout) unwinds like Ctrl-C: the run report is
    written, partial downloads stay resumable, the lock is released."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def update(
    ctx: typer.Context,
    sources: SourcesOpt = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Run the routine as of this day YYYY-MM-DD (default today, UTC): day-by-day "
            "sources are fetched up to it minus their publication lag (catching up missed days); "
            "`latest` files are the publisher's current ones",
        ),
    ] = None,
    no_build: Annotated[bool, typer.Option("--no-build", help="Fetch only, do not build")] = False,
    no_prune: Annotated[
        bool, typer.Option("--no-prune", help="Do not apply retention (`nethealth prune`)")
    ] = False,
    recheck: Annotated[
        bool,
        typer.Option(
            "--recheck",
            help="Ask every source again, also those asked recently and days already done "
            "(conditional requests: unchanged files are still not downloaded)",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="A file the publisher does not have fails its source"),
    ] = False,
    report_to: Annotated[
        str | None,
        typer.Option(
            "--report",
            help="Also write the run report (JSON) here; `-` prints it on stdout (it is always "
            "kept in DATA/runs/)",
        ),
    ] = None,
) -> None:
    """The daily routine: fetch what is due per source (conditional, resumable), apply
    retention, build incrementally — under the data directory's lock, with a run report."""
    from nethealth.ops.update import run_update
    from nethealth.progress import progress_bar

    settings = settings_of(ctx)
    as_of = parse_day(day)
    lock = data_lock(settings.data_dir, "nethealth update")
    with lock, stop_cleanly(), progress_bar(err) as bar:
        report = run_update(
            settings, today=as_of, sources=sources or (), build=not no_build,
            prune=not no_prune, recheck=recheck, strict=strict, progress=bar,
            say=lambda line: err.print(line),
        )  # fmt: skip
    for w in report.warnings:
        err.print(f"warning: {w}")
    err.print(f"update {report.status} in {report.seconds:.1f}s; report "
              f"{settings.runs_dir / f'update-{report.run_id}.json'}")  # fmt: skip
    if report_to == "-":
        sys.stdout.write(report.to_json() + "\n")
    elif report_to:
        write_bytes_atomic(Path(report_to), report.to_json().encode())
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _retention(daily: int | None, monthly: str | None) -> Retention | None:
    if daily is None and monthly is None:
        return None
    months: int | None
    if monthly is None or monthly == "all":
        months = None
    else:
        try:
            months = int(monthly)
        except ValueError:
            raise ConfigError(f"--monthly {monthly!r} is not a number of months",
                              hint="give a number >= 0, or `all`") from None  # fmt: skip
    try:
        return Retention(daily=daily if daily is not None else 31, monthly=months)
    except ValueError as exc:
        raise ConfigError(str(exc), hint="--daily 1 or more; --monthly 0 or more, or all") from None


def prune(
    ctx: typer.Context,
    sources: SourcesOpt = None,
    daily: Annotated[
        int | None,
        typer.Option("--daily", help="Keep the newest N snapshot days (default: per source)"),
    ] = None,
    monthly: Annotated[
        str | None,
        typer.Option(
            "--monthly",
            help="Then the first snapshot of each of the M months before them, or `all` "
            "(default: per source)",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be removed")] = False,
    no_build: Annotated[
        bool,
        typer.Option(
            "--no-build",
            help="Do not rebuild afterwards (the lake then still lists the removed files until "
            "the next build)",
        ),
    ] = False,
) -> None:
    """Apply retention: remove raw snapshots beyond each source's policy (the newest file of
    every series is always kept), clean the decoded caches and indexes of removed files, then
    rebuild what read them."""
    from nethealth import pipeline
    from nethealth.areas import all_sources
    from nethealth.ops import prune as prune_mod
    from nethealth.ops.update import selected_sources
    from nethealth.progress import progress_bar

    settings = settings_of(ctx)
    chosen = selected_sources(settings, sources) if sources else list(all_sources())
    override = _retention(daily, monthly)
    with data_lock(settings.data_dir, "nethealth prune"):
        with progress_bar(err) as bar:
            result = prune_mod.prune(settings, chosen, override=override, dry_run=dry_run,
                                     progress=bar, today=datetime.now(UTC).date())  # fmt: skip
        verb = "would remove" if dry_run else "removed"
        per = prune_mod.summary(result)
        for source in chosen:
            n, size = per.get(source.id, (0, 0))
            kept = sum(d.raw.provenance.source_id == source.id for d in result.kept)
            policy = override or prune_mod.retention_of(settings, source)
            if n or kept:
                out.print(f"{source.id}: {verb} {n} file(s), {size:,} bytes; kept {kept} "
                          f"({policy.describe()})")  # fmt: skip
        out.print(f"{verb} {len(result.removed)} raw file(s), {result.freed_bytes():,} bytes "
                  f"freed; {len(result.derived)} derived file(s) or index entries")  # fmt: skip
        if result.removed and not dry_run and not no_build:
            with progress_bar(err) as bar:
                outcomes = pipeline.build(settings, progress=bar)
            built = [o.step_id for o in outcomes if o.status == "built"]
            out.print(f"rebuilt: {', '.join(built) or 'nothing'}")
