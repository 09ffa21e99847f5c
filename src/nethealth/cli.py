"""The `nethealth` command line. Every command has --help; long steps show progress."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from nethealth.cli_common import console, parse_day, run, settings_of
from nethealth.errors import ConfigError, NotFoundError
from nethealth.lake.build import StepOutcome
from nethealth.lake.lock import data_lock
from nethealth.lake.raw import Integrity
from nethealth.ops import cli as ops_cli
from nethealth.settings import load_settings
from nethealth.sources.base import Source

if TYPE_CHECKING:
    from nethealth.pipeline import BuildResult

app = typer.Typer(
    name="nethealth",
    help="Open Internet health observatory: fetch public data, build indicators, serve them.",
    no_args_is_help=True,
    add_completion=False,
)
err = console(stderr=True)
out = console()

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default ./data, or NETHEALTH_DATA_DIR)"),
]
LogLevel = Annotated[
    str | None,
    typer.Option(
        "--log-level",
        help="debug, info, warning (default) or error; NETHEALTH_LOG_LEVEL",
    ),
]
LogFormat = Annotated[
    str | None,
    typer.Option(
        "--log-format", help="text (default) or json (one object per line); NETHEALTH_LOG_FORMAT"
    ),
]
LogFile = Annotated[
    Path | None,
    typer.Option(
        "--log-file",
        help="Append log records to this file (warnings also on stderr); NETHEALTH_LOG_FILE",
    ),
]


@app.callback()
def _root(
    ctx: typer.Context,
    data_dir: DataDir = None,
    log_level: LogLevel = None,
    log_format: LogFormat = None,
    log_file: LogFile = None,
) -> None:
    from nethealth.common import logs

    settings = load_settings(data_dir=data_dir, log_level=log_level, log_format=log_format,
                             log_file=log_file)  # fmt: skip
    level, fmt = settings.log_level.lower(), settings.log_format.lower()
    if level not in logs.LEVELS:
        raise ConfigError(f"unknown log level {settings.log_level!r}",
                          hint=f"choose {', '.join(logs.LEVELS)}")  # fmt: skip
    if fmt not in logs.FORMATS:
        raise ConfigError(f"unknown log format {settings.log_format!r}", hint="text or json")
    logs.configure(level, fmt, settings.log_file)  # type: ignore[arg-type]
    ctx.obj = settings


MISSING_SHOWN = 50  # a day of 5-minute dumps of a dead collector is 288 lines


def _source(source_id: str) -> Source:
    """The source of a command-line argument: an unknown id is a usage error (exit 2)."""
    from nethealth.areas import get_source

    try:
        return get_source(source_id)
    except NotFoundError as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None


def _fetchable() -> str:
    from nethealth.areas import all_sources

    return ", ".join(s.id for s in all_sources() if s.fetch is not None)


@app.command()
def fetch(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Source id (`nethealth sources` lists them)")],
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Day YYYY-MM-DD: the snapshot day (rir, peeringdb archive, rpki archive, irr), "
            "the month's first day (caida-asrel, dbip-city) or the first day of a range (bgp-*, "
            "atlas, ihr-hegemony); default: the publisher's latest where it has one",
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="Last day of a range (bgp-*, atlas, ihr-hegemony; default --date)"
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Override the publisher URL (a mirror, or file:///path)"),
    ] = None,
    parts: Annotated[
        list[str] | None,
        typer.Option(
            "--part",
            help="Only these parts, repeatable: RIRs (rir), IRR databases (irr), WDI codes "
            "(worldbank)",
        ),
    ] = None,
    rir: Annotated[list[str] | None, typer.Option("--rir", hidden=True)] = None,  # old spelling
    objects: Annotated[
        list[str] | None,
        typer.Option(
            "--object",
            help="PeeringDB API object type, repeatable (default: the 7 the build reads)",
        ),
    ] = None,
    collectors: Annotated[
        list[str] | None,
        typer.Option("--collector", help="bgp-*: rrc00, route-views2, … (repeatable)"),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="bgp-*: rib (default) or updates")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Stop at the first file the publisher does not have (default: skip it, fetch "
            "the rest and list what was missing)",
        ),
    ] = False,
) -> None:
    """Download one source from its real publisher into data/raw, with provenance (every source
    with a publisher to fetch from; local files of any source: `nethealth load`)."""
    from nethealth.lake.raw import RawStore
    from nethealth.progress import progress_bar
    from nethealth.sources.base import FetchRequest

    chosen = _source(source)
    if chosen.fetch is None:
        raise ConfigError(f"{source} is not fetched: it comes with an installed package",
                          hint=f"fetchable sources: {_fetchable()}")  # fmt: skip
    settings = settings_of(ctx)
    request = FetchRequest(
        day=parse_day(day), to=parse_day(to, "--to"), base_url=base_url, strict=strict,
        collectors=tuple(collectors or ()), kind=kind, objects=tuple(objects or ()),
        parts=tuple([*(parts or ()), *(rir or ())]),
    )  # fmt: skip
    lock = data_lock(settings.data_dir, f"nethealth fetch {source}")
    with lock, progress_bar(err, bytes_mode=True) as bar:
        report = chosen.fetch(settings, RawStore(settings.raw_dir), request, bar)
    for f in report.stored:
        p = f.provenance
        how = "" if f.downloaded else " (stored already or unchanged upstream: not downloaded)"
        out.print(f"{p.source_id} {p.snapshot} {p.name} {p.size:,} bytes sha256 "
                  f"{p.sha256[:12]}…{how}")  # fmt: skip
    if report.missing:
        err.print(f"{len(report.missing)} file(s) not published, skipped (--strict stops at the "
                  "first instead):")  # fmt: skip
        for url in report.missing[:MISSING_SHOWN]:
            err.print(f"  missing: {url}")
        if len(report.missing) > MISSING_SHOWN:
            err.print(f"  … and {len(report.missing) - MISSING_SHOWN} more")
    err.print(f"stored {len(report.stored)} file(s); {len(report.missing)} missing")
    kept = sum(not f.downloaded for f in report.stored)
    if kept:
        err.print(f"  {kept} of them not downloaded: unchanged upstream, or stored already")


@app.command()
def load(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Source id, as `nethealth sources` lists them")],
    files: Annotated[
        list[Path], typer.Argument(help="Files, or directories to walk (any file names)")
    ],
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Snapshot day YYYY-MM-DD, for files that do not say their date (a date the "
            "content states wins)",
        ),
    ] = None,
    collector: Annotated[
        str | None,
        typer.Option(
            "--collector", help="bgp-*: the collector (default: from the path, e.g. rrc06)"
        ),
    ] = None,
    indicator: Annotated[
        str | None,
        typer.Option(
            "--indicator",
            help="worldbank: the indicator code of a wide CSV that does not name it",
        ),
    ] = None,
    lenient: Annotated[
        bool,
        typer.Option(
            "--lenient",
            help="bgp-*, atlas, access-now: store files with damaged records (counted and "
            "reported) instead of refusing them; rir: store a truncated file (its counts are "
            "then not measured)",
        ),
    ] = False,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            help="crux-country, country-toplist, cctld-domains, ntp-pool: the country the "
            "list belongs to (ISO 3166-1 alpha-2)",
        ),
    ] = None,
) -> None:
    """Put local files of any source into data/raw, with provenance, after parsing them."""
    from nethealth.progress import progress_bar
    from nethealth.sources.base import LoadOptions
    from nethealth.sources.load import load_files

    chosen = _source(source)
    settings = settings_of(ctx)
    opts = LoadOptions(day=parse_day(day), collector=collector, indicator=indicator,
                       lenient=lenient, country=country)  # fmt: skip
    with data_lock(settings.data_dir, f"nethealth load {source}"), progress_bar(err) as bar:
        report = load_files(settings, chosen, files, opts, progress=bar)
    for line in report.lines():
        out.print(line, highlight=False)


@app.command()
def build(
    ctx: typer.Context,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only this step (repeatable)")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild even if inputs are unchanged")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be built")] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse damaged or truncated raw files: the steps that read them fail and keep "
            "their previous outputs (default: use what can be read and report what was lost)",
        ),
    ] = False,
) -> None:
    """Parse raw files into the lake and compute the indicators (incremental)."""
    from nethealth import pipeline
    from nethealth.progress import progress_bar

    settings = settings_of(ctx)
    damaged: dict[str, tuple[Integrity, list[str]]] = {}

    def say(o: StepOutcome) -> None:
        secs = f" in {o.seconds:.1f}s" if o.seconds else ""
        used = f" — from {len(o.damaged)} damaged raw file(s)" if o.damaged else ""
        err.print(
            Text.assemble((o.step_id, "bold"), f": {o.status}{secs} {o.detail}{used}".rstrip())
        )
        for f in o.damaged:
            damaged.setdefault(f.key, (f, []))[1].append(o.step_id)

    try:
        with data_lock(settings.data_dir, "nethealth build"), progress_bar(err) as bar:
            result = pipeline.build_checked(
                settings, only=only or (), force=force, dry_run=dry_run, strict=strict,
                progress=bar, on_step=say,
            )  # fmt: skip
    finally:
        _say_damaged(damaged)
    if not dry_run:
        _say_notes(result)
        err.print(f"catalog: {settings.catalog_path}")


def _say_notes(result: BuildResult) -> None:
    """The informative notes of the steps just built (warnings, and the build's checks: stale
    sources, size jumps, inputs from different periods, come as log records on stderr)."""
    for o in result.outcomes:
        if o.status == "built":
            for n in o.notes:
                if n.level != "warning":
                    err.print(f"  {o.step_id}: {n.message}")
    if result.checks.warnings():
        err.print(f"{len(result.checks.warnings())} warning(s) about the inputs: see the log "
                  "above, the about page or GET /api/v1/status")  # fmt: skip


def _say_damaged(damaged: dict[str, tuple[Integrity, list[str]]]) -> None:
    """The build report's list of damaged raw files: which file, what was lost, who used it."""
    if not damaged:
        return
    err.print(
        Text.assemble(
            ("damaged raw files", "bold"),
            f" ({len(damaged)}; used as far as readable — `nethealth build --strict` refuses them):",
        )
    )
    for f, steps in damaged.values():
        err.print(f"  {f.label} (used by {', '.join(steps)}): {f.damage}")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes; each keeps its own in-memory cache, all share the disk cache",
        ),
    ] = 1,
) -> None:
    """Serve the dashboard and the API (http://127.0.0.1:8000 by default)."""
    import os

    import uvicorn

    from nethealth.server.app import SETTINGS_ENV, create_app
    from nethealth.server.http import NoDelayH11Protocol

    settings = settings_of(ctx)
    if host is not None or port is not None:
        settings = settings.model_copy(
            update={k: v for k, v in (("host", host), ("port", port)) if v is not None}
        )
    err.print(f"serving on http://{settings.host}:{settings.port}/ ({workers} worker(s))")
    if workers == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_level="info", http=NoDelayH11Protocol)  # fmt: skip
        return
    # Workers are new processes: they build the app from these exact settings (flags included).
    os.environ[SETTINGS_ENV] = settings.model_dump_json()
    uvicorn.run(
        "nethealth.server.app:app_from_env",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="info",
        http=NoDelayH11Protocol,
        timeout_worker_healthcheck=30,  # a worker's first import takes seconds on a busy machine
    )


@app.command()
def sim(
    out: Annotated[Path, typer.Option("--out", help="Output directory")],
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes")] = 1,
    scale: Annotated[str, typer.Option(help="tiny, small or full")] = "small",
    days: Annotated[int, typer.Option(help="Days of 5-minute BGP updates")] = 1,
    start: Annotated[str, typer.Option(help="First day YYYY-MM-DD")] = "2025-06-01",
    workers: Annotated[int, typer.Option(help="Processes for the output stage (same bytes)")] = 1,
) -> None:
    """Generate a simulated Internet in the publishers' real formats, with ground-truth labels."""
    from nethealth.progress import progress_bar
    from nethealth.sim import run as run_sim
    from nethealth.sim.config import SCALES, SimConfig

    if scale not in SCALES:
        raise ConfigError(f"unknown scale {scale!r}", hint=f"choose among {', '.join(SCALES)}")
    first = parse_day(start) or date(2025, 6, 1)
    config = SimConfig(
        out=out,
        seed=seed,
        scale=scale,
        days=days,
        start=first,
        workers=workers,  # type: ignore[arg-type]
    )
    with progress_bar(err) as bar:
        result = run_sim(config, lambda m, d, t: bar(f"sim {m}", d, t))
    out.mkdir(parents=True, exist_ok=True)
    err.print(f"wrote {len(result.files)} files under {out}; manifest {result.manifest}")


@app.command()
def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Seed of the simulated world")] = 7,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve when built")
    ] = True,
) -> None:
    """Build the offline demo (real npm registry data + a simulated world) and serve it."""
    from nethealth import demo as demo_mod
    from nethealth.progress import progress_bar

    settings = settings_of(ctx)
    with data_lock(settings.data_dir, "nethealth demo"), progress_bar(err) as bar:
        demo_mod.prepare(settings, seed=seed, progress=bar, log=lambda m: err.print(m))
    err.print(f"demo lake ready: {settings.catalog_path}")
    if serve_after:
        ctx.invoke(serve, ctx=ctx)


@app.command()
def indicators() -> None:
    """List every area's indicators with their units and method versions."""
    from nethealth.areas import all_indicators

    table = Table("id", "title", "unit", "version", "sources")
    for i in all_indicators():
        table.add_row(i.id, i.title, i.unit, i.version, ", ".join(i.sources))
    out.print(table)


@app.command()
def methodology() -> None:
    """Print the methodology of every indicator as Markdown (docs/methodology.md is this)."""
    from nethealth.areas import all_indicators, source_infos
    from nethealth.indicators.docs import methodology_markdown

    sys.stdout.write(methodology_markdown(all_indicators(), source_infos()))


@app.command()
def sources() -> None:
    """List the data sources of every area: publisher, licence, and how files get in."""
    from nethealth.areas import AREAS

    table = Table("id", "area", "title", "licence", "fetch", "load")
    for area in AREAS:
        for s in area.sources:
            how = "yes" if s.fetch else "package" if s.load is None else "no"
            table.add_row(s.id, area.id, s.info.title, s.info.licence, how,
                          "yes" if s.load else "no")  # fmt: skip
    out.print(table)


app.command()(ops_cli.update)
app.command()(ops_cli.prune)


def _mount_areas(root: typer.Typer) -> None:
    """Each area's sub-commands (`nethealth <area> …`), from the one list of areas."""
    from nethealth.areas import AREAS

    for area in AREAS:
        if area.cli is not None:
            root.add_typer(area.cli, name=area.id)
        for name, sub in area.cli_extra:
            root.add_typer(sub, name=name)


_mount_areas(app)  # defines the command tree; reads no settings and no files


def main() -> None:
    run(app)


if __name__ == "__main__":
    main()
