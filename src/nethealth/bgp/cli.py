"""`nethealth bgp …`: decode MRT files (dump as bgpdump -m text, ingest into Parquet).

Mounted by the main CLI with `app.add_typer(nethealth.bgp.cli.app, name="bgp")`.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from nethealth.cli_common import console

app = typer.Typer(
    name="bgp",
    help="BGP data plane: decode MRT (RIBs and updates) into bgpdump text or Parquet.",
    no_args_is_help=True,
    add_completion=False,
)
err = console(stderr=True)

Lenient = Annotated[
    bool,
    typer.Option(
        "--lenient",
        help="Skip damaged records (resynchronising on the next plausible header) and report "
        "how many records and bytes were skipped, instead of stopping at the first one",
    ),
]
Collector = Annotated[
    str | None,
    typer.Option(
        "--collector",
        help="Collector name for the collector column (default: "
        "guessed from the path, e.g. rrc06 or route-views.jinx)",
    ),
]


def _say_report(report: dict[str, object]) -> None:
    skipped = report.get("skipped_records", 0) or report.get("skipped_bytes", 0)
    line = f"{report['path']}: {report['records']:,} records, {report['elements']:,} elements"
    if skipped or report.get("partial_records"):
        line += (
            f"; skipped {report['skipped_records']:,} records and "
            f"{report['skipped_bytes']:,} bytes ({report['partial_records']:,} records "
            f"partly read, {report['resyncs']:,} resynchronisations)"
        )
    err.print(line, highlight=False)
    if report.get("damage"):  # truncated or corrupt: where, what was kept, what was lost
        err.print(f"  damaged: {report['damage']}", highlight=False)


@app.command()
def dump(
    file: Annotated[
        Path, typer.Argument(help="MRT file (gz, bz2, xz or plain)", exists=True, dir_okay=False)
    ],
    lenient: Lenient = False,
) -> None:
    """Print one bgpdump -m compatible line per element (RIB entry, announce, withdraw, state)."""
    from nethealth.formats.bgpdump import dump as write_dump
    from nethealth.formats.mrt import MRTReader

    reader = MRTReader(file, strict=not lenient)
    out = sys.stdout.buffer
    try:
        write_dump(reader, out)
    except BrokenPipeError:  # e.g. `| head`
        sys.stderr.close()
        return
    out.flush()
    if lenient and not reader.report.clean:
        _say_report(reader.report.as_dict())


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="MRT files", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", help="Output directory for the Parquet files")] = (
        Path("bgp-parquet")
    ),
    collector: Collector = None,
    lenient: Lenient = False,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Parallel processes (default: one per core)")
    ] = None,
) -> None:
    """Decode MRT files into Parquet (one file each, with a JSON decode report beside it)."""
    from nethealth.bgp.ingest import ingest_files
    from nethealth.progress import progress_bar

    with progress_bar(err, bytes_mode=True) as bar:
        results = ingest_files(
            files, out, collector=collector, strict=not lenient, workers=workers, progress=bar
        )
    for r in results:
        _say_report(r.report)
        err.print(f"  -> {r.output}", highlight=False)


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date or time (YYYY-MM-DD[THH:MM])") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@app.command()
def fetch(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="ris or routeviews")],
    collectors: Annotated[
        list[str],
        typer.Option("--collector", "-c", help="rrc00, route-views.linx, ... (repeatable)"),
    ],
    start: Annotated[
        str, typer.Option("--start", help="First dump time, UTC (YYYY-MM-DD[THH:MM])")
    ],
    end: Annotated[
        str | None, typer.Option("--end", help="End (exclusive); default: start + 1 day")
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="rib or updates")] = "rib",
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Archive mirror (http(s) or file://)")
    ] = None,
    skip_missing: Annotated[
        bool, typer.Option("--skip-missing", help="Skip dumps the archive does not have")
    ] = False,
) -> None:
    """Download RIB or UPDATES dumps from RIPE RIS or RouteViews into data/raw (resumable)."""
    from nethealth.lake.raw import RawStore
    from nethealth.progress import progress_bar
    from nethealth.settings import Settings, load_settings
    from nethealth.sources.collectors import Collector, fetch_dumps

    if project not in ("ris", "routeviews"):
        raise typer.BadParameter("choose ris or routeviews", param_hint="PROJECT")
    if kind not in ("rib", "updates"):
        raise typer.BadParameter("choose rib or updates", param_hint="--kind")
    settings = ctx.obj if isinstance(ctx.obj, Settings) else load_settings()
    first = _when(start)
    last = _when(end) if end else first + timedelta(days=1)
    cols = [Collector(project, c) for c in collectors]  # type: ignore[arg-type]
    with progress_bar(err, bytes_mode=True) as bar:
        files = fetch_dumps(
            settings,
            RawStore(settings.raw_dir),
            cols,
            kind,  # type: ignore[arg-type]
            first,
            last,
            base_url=base_url,
            progress=bar,
            skip_missing=skip_missing,
        )
    for f in files:
        p = f.provenance
        err.print(
            f"{p.source_id} {p.snapshot} {p.name} {p.size:,} bytes sha256 {p.sha256[:12]}…",
            highlight=False,
        )


@app.command()
def live(
    ctx: typer.Context,
    max_messages: Annotated[int, typer.Option("--max-messages", help="Stop after N messages")] = (
        1000
    ),
    url: Annotated[str | None, typer.Option("--url", help="RIS Live stream URL")] = None,
) -> None:
    """Print RIS Live messages as bgpdump -m lines (the stream's BGP elements)."""
    from nethealth.bgp.rislive import STREAM_URL, LiveReport, stream
    from nethealth.formats.bgpdump import write_lines
    from nethealth.settings import Settings, load_settings

    settings = ctx.obj if isinstance(ctx.obj, Settings) else load_settings()
    report = LiveReport()
    write_lines(
        stream(settings, url=url or STREAM_URL, max_messages=max_messages, report=report),
        sys.stdout.buffer,
    )
    sys.stdout.flush()
    err.print(
        f"{report.messages} messages, {report.updates} updates, {report.state_changes} "
        f"state changes, {report.skipped} skipped",
        highlight=False,
    )
