"""The `nethealth` command line. Every command has --help; long steps show progress."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from nethealth.cli_common import console, parse_day, run, settings_of
from nethealth.errors import ConfigError
from nethealth.lake.build import StepOutcome
from nethealth.lake.raw import Integrity
from nethealth.settings import load_settings

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


@app.callback()
def _root(ctx: typer.Context, data_dir: DataDir = None) -> None:
    ctx.obj = load_settings(data_dir=data_dir)


FETCHABLE = (
    "ipdb", "rir", "peeringdb", "bgp-ris", "bgp-routeviews", "atlas", "irr", "tranco", "as-names",
    "ihr-hegemony",
)  # fmt: skip
MISSING_SHOWN = 50  # a day of 5-minute dumps of a dead collector is 288 lines
ELSEWHERE = {
    "rpki": "nethealth rpki fetch", "caida-asrel": "nethealth routing fetch-asrel", "access-now": "nethealth shutdowns fetch",
    "worldbank": "nethealth shutdowns fetch-worldbank", "dbip-city": "nethealth outages fetch-geo",
}  # fmt: skip


@app.command()
def fetch(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help=", ".join(FETCHABLE))],
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Day YYYY-MM-DD: rir and the peeringdb archive (default: latest / today's "
            "API state); the snapshot day for irr and the first day for bgp-ris, "
            "bgp-routeviews, atlas and ihr-hegemony (required); tranco and as-names: today's",
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Last day (bgp-*, atlas, ihr-hegemony; default: --date)"),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Override the publisher URL (a mirror, or file:///path)"),
    ] = None,
    rir: Annotated[
        list[str] | None, typer.Option("--rir", help="Only these RIRs (repeatable)")
    ] = None,
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
    kind: Annotated[str, typer.Option("--kind", help="bgp-*: rib or updates")] = "rib",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Stop at the first file the publisher does not have (default: skip it, fetch "
            "the rest and list what was missing)",
        ),
    ] = False,
) -> None:
    """Download one source from its real publisher into data/raw, with provenance."""
    from nethealth.formats.peeringdb import OBJECTS
    from nethealth.lake.raw import RawStore
    from nethealth.progress import progress_bar
    from nethealth.sources import asnames, atlas, hegemony, ipdb, peeringdb, tranco
    from nethealth.sources import mrt as mrt_source
    from nethealth.sources import rir as rir_source
    from nethealth.sources.download import FetchReport

    if source not in FETCHABLE:
        from nethealth.sources.catalog import all_sources

        choose = f"choose {', '.join(FETCHABLE)}; local files of any source: `nethealth load`"
        if source not in {s.id for s in all_sources()}:
            raise ConfigError(f"unknown source {source!r}", hint=choose)
        hint = f"fetch {source} with `{ELSEWHERE[source]}`" if source in ELSEWHERE else choose
        raise ConfigError(f"`nethealth fetch` does not fetch {source!r}", hint=hint)
    settings = settings_of(ctx)
    store = RawStore(settings.raw_dir)
    when = parse_day(day)
    last = parse_day(to, "--to")
    report = FetchReport()
    with progress_bar(err, bytes_mode=True) as bar:
        if source == "ipdb":
            report.stored = ipdb.fetch(settings, store, base_url=base_url, progress=bar)
        elif source in ("tranco", "as-names"):
            module = tranco if source == "tranco" else asnames
            report.stored = [module.fetch(settings, store, base_url=base_url, progress=bar)]
        elif source == "rir":
            if base_url is not None:
                settings = settings.model_copy(
                    update={
                        "rir_base_urls": {r: f"{base_url.rstrip('/')}/{r}" for r in rir_source.RIRS}
                    }
                )
            report = rir_source.fetch_report(settings, store, day=when, rirs=rir or rir_source.RIRS,
                                             progress=bar, strict=strict)  # fmt: skip
        elif source == "peeringdb":
            if base_url is not None:
                key = "peeringdb_archive_base_url" if when else "peeringdb_base_url"
                settings = settings.model_copy(update={key: base_url})
            if when is not None and objects:
                raise ConfigError("--object is for the live API; an archive day holds every object",
                                  hint="leave out --date or --object")  # fmt: skip
            report = peeringdb.fetch_report(settings, store, day=when, progress=bar, strict=strict,
                                            objects=objects or OBJECTS)  # fmt: skip
        else:
            if when is None:
                raise ConfigError(f"{source} needs --date", hint="e.g. --date 2025-06-01")
            if source == "ihr-hegemony":
                report = hegemony.fetch(settings, store, first=when, last=last or when,
                                        base_url=base_url, strict=strict, progress=bar)  # fmt: skip
            elif source == "irr":
                from nethealth.routing import irr

                bases = {db: base_url for db in irr.DATABASES} if base_url else None
                report.stored = irr.fetch(settings, store, day=when, base_urls=bases, progress=bar)
            elif source == "atlas":
                if base_url is not None:
                    settings = settings.model_copy(update={"atlas_dumps_base_url": base_url})
                report = atlas.fetch(settings, store, first=when, last=last or when,
                                     progress=bar, strict=strict)  # fmt: skip
            else:
                if not collectors:
                    raise ConfigError(f"{source} needs --collector", hint="e.g. --collector rrc00")
                if kind not in ("rib", "updates"):
                    raise ConfigError(f"unknown --kind {kind!r}", hint="choose rib or updates")
                report = mrt_source.fetch_days(
                    settings, store, source_id=source, collectors=collectors, kind=kind,  # type: ignore[arg-type]
                    first=when, last=last or when, base_url=base_url, strict=strict, progress=bar,
                )  # fmt: skip
    for f in report.stored:
        p = f.provenance
        out.print(f"{p.source_id} {p.snapshot} {p.name} {p.size:,} bytes sha256 {p.sha256[:12]}…",
                  highlight=False)  # fmt: skip
    if report.missing:
        err.print(f"{len(report.missing)} file(s) not published, skipped (--strict stops at the "
                  "first instead):", highlight=False)  # fmt: skip
        for url in report.missing[:MISSING_SHOWN]:
            err.print(f"  missing: {url}", highlight=False)
        if len(report.missing) > MISSING_SHOWN:
            err.print(f"  … and {len(report.missing) - MISSING_SHOWN} more", highlight=False)
    err.print(f"stored {len(report.stored)} file(s); {len(report.missing)} missing",
              highlight=False)  # fmt: skip


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
) -> None:
    """Put local files of any source into data/raw, with provenance, after parsing them."""
    from nethealth.progress import progress_bar
    from nethealth.sources.load import LoadOptions, load_files

    settings = settings_of(ctx)
    opts = LoadOptions(day=parse_day(day), collector=collector, indicator=indicator,
                       lenient=lenient)  # fmt: skip
    with progress_bar(err) as bar:
        report = load_files(settings, source, files, opts, progress=bar)
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
        with progress_bar(err) as bar:
            pipeline.build(
                settings, only=only or (), force=force, dry_run=dry_run, strict=strict,
                progress=bar, on_step=say,
            )  # fmt: skip
    finally:
        _say_damaged(damaged)
    if not dry_run:
        err.print(f"catalog: {settings.catalog_path}")


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
) -> None:
    """Serve the dashboard and the API (http://127.0.0.1:8000 by default)."""
    import uvicorn

    from nethealth.server.app import create_app

    settings = settings_of(ctx)
    if host is not None or port is not None:
        settings = settings.model_copy(
            update={k: v for k, v in (("host", host), ("port", port)) if v is not None}
        )
    err.print(f"serving on http://{settings.host}:{settings.port}/")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


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
    with progress_bar(err) as bar:
        demo_mod.prepare(settings, seed=seed, progress=bar, log=lambda m: err.print(m))
    err.print(f"demo lake ready: {settings.catalog_path}")
    if serve_after:
        ctx.invoke(serve, ctx=ctx)


@app.command()
def indicators() -> None:
    """List the registered indicators with their units and method versions."""
    from nethealth.indicators.registry import all_indicators

    table = Table("id", "title", "unit", "version", "sources")
    for i in all_indicators():
        table.add_row(i.id, i.title, i.unit, i.version, ", ".join(i.sources))
    out.print(table)


@app.command()
def methodology() -> None:
    """Print the methodology of every indicator as Markdown (docs/methodology.md is this)."""
    from nethealth.indicators.docs import methodology_markdown

    sys.stdout.write(methodology_markdown())


@app.command()
def sources() -> None:
    """List the data sources with publisher and licence."""
    from nethealth.sources.catalog import all_sources

    table = Table("id", "title", "licence", "fetch")
    for s in all_sources():
        table.add_row(s.id, s.title, s.licence, "yes" if s.fetchable else "package")
    out.print(table)


def _mount_areas() -> None:
    """Each area brings its own sub-commands; importing them has no side effects."""
    from nethealth.bgp.cli import app as bgp_app
    from nethealth.outages.cli import app as outages_app
    from nethealth.outages.cli import events_app
    from nethealth.routing.cli import app as routing_app
    from nethealth.rpki.cli import app as rpki_app
    from nethealth.shutdowns.cli import app as shutdowns_app

    app.add_typer(bgp_app, name="bgp")
    app.add_typer(rpki_app, name="rpki")
    app.add_typer(routing_app, name="routing")
    app.add_typer(shutdowns_app, name="shutdowns")
    app.add_typer(outages_app, name="outages")
    app.add_typer(events_app, name="events")


_mount_areas()


def main() -> None:
    run(app)


if __name__ == "__main__":
    main()
