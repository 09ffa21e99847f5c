"""`nethealth bgp …`: decode MRT files (dump as bgpdump -m text, ingest into Parquet), fetch
archive dumps (an alias of `nethealth fetch bgp-ris|bgp-routeviews`), print RIS Live.

Mounted as `nethealth bgp` from the area's manifest (`nethealth.bgp.area`). The flags are the
project's common ones: a day `--date` (`--from` for the first day of a range), the last day
`--to`, output `--format`; every file input takes several paths, glob patterns and directories.
Old spellings (`bgp fetch --start/--end/--skip-missing`) are hidden options that still work.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from nethealth.cli_common import console, expand_paths, one_of, parse_day, settings_of
from nethealth.errors import ConfigError

app = typer.Typer(
    name="bgp",
    help="BGP data plane: decode MRT (RIBs and updates) into bgpdump text or Parquet; fetch "
    "archive dumps; print RIS Live.",
    no_args_is_help=True,
    add_completion=False,
)
err = console(stderr=True)
out = console()
MISSING_SHOWN = 50  # as `nethealth fetch`: a day of 5-minute dumps of a dead collector is 288

Files = Annotated[
    list[Path],
    typer.Argument(
        help="MRT files (gz, bz2, xz or plain), directories (walked) or quoted glob patterns",
        show_default=False,
    ),
]
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
        "from the stored name or the path, e.g. rrc06 or route-views.jinx)",
    ),
]


class ReportFormat(StrEnum):
    table = "table"
    json = "json"


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
def dump(files: Files, lenient: Lenient = False) -> None:
    """Print MRT files as bgpdump -m lines, file after file.

    One line per element (RIB entry, announce, withdraw, state change), as bgpdump 1.6.2
    prints them."""
    from nethealth.formats.bgpdump import dump as write_dump
    from nethealth.formats.mrt import MRTReader

    stdout = sys.stdout.buffer
    for path in expand_paths(files):
        reader = MRTReader(path, strict=not lenient)
        try:
            write_dump(reader, stdout)
            stdout.flush()
        except BrokenPipeError:  # e.g. `| head`
            sys.stderr.close()
            return
        if lenient and not reader.report.clean:
            _say_report(reader.report.as_dict())


@app.command()
def ingest(
    files: Files,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output directory for the Parquet files")
    ] = Path("bgp-parquet"),
    collector: Collector = None,
    lenient: Lenient = False,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Parallel processes (default: one per core)")
    ] = None,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            help="How to print the decode reports: table (a line per file on stderr) or json "
            "(one JSON object per file on stdout: source, output, report)",
        ),
    ] = ReportFormat.table,
) -> None:
    """Decode MRT files into Parquet (one file each, with a JSON decode report beside it)."""
    from nethealth.bgp.ingest import ingest_files
    from nethealth.progress import progress_bar

    paths = expand_paths(files)
    with progress_bar(err, bytes_mode=True) as bar:
        results = ingest_files(
            paths, out_dir, collector=collector, strict=not lenient, workers=workers, progress=bar
        )
    for r in results:
        if fmt is ReportFormat.json:
            doc = {"source": r.source, "output": r.output, "report": r.report}
            out.print(json.dumps(doc, sort_keys=True), highlight=False)
            continue
        _say_report(r.report)
        err.print(f"  -> {r.output}", highlight=False)


_PROJECTS = {
    "ris": "bgp-ris",
    "bgp-ris": "bgp-ris",
    "routeviews": "bgp-routeviews",
    "bgp-routeviews": "bgp-routeviews",
}


def _when(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not a date or time",
                          hint="give YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)") from None  # fmt: skip
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@app.command(
    epilog="An alias: `nethealth bgp fetch ris …` is `nethealth fetch bgp-ris …` and "
    "`nethealth bgp fetch routeviews …` is `nethealth fetch bgp-routeviews …` (same options, "
    "same files, same report)."
)
def fetch(
    ctx: typer.Context,
    project: Annotated[
        str, typer.Argument(help="ris or routeviews (or the source id, bgp-ris / bgp-routeviews)")
    ],
    collectors: Annotated[
        list[str],
        typer.Option("--collector", "-c", help="rrc00, route-views.linx, ... (repeatable)"),
    ],
    day: Annotated[
        str | None,
        typer.Option("--date", "--from", help="Day YYYY-MM-DD (UTC), or the first of a range"),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Last day of the range (default: --date)")
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="rib (default) or updates")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Archive mirror (http(s) or file://)")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Stop at the first dump the archive does not have (default: skip it, fetch the "
            "rest and list what was missing)",
        ),
    ] = False,
    start: Annotated[str | None, typer.Option("--start", hidden=True)] = None,  # old spelling
    end: Annotated[str | None, typer.Option("--end", hidden=True)] = None,  # old spelling
    skip_missing: Annotated[  # old spelling of what is now the default
        bool, typer.Option("--skip-missing", hidden=True)
    ] = False,
) -> None:
    """Download RIS or RouteViews dumps: an alias of `nethealth fetch bgp-ris|bgp-routeviews`.

    Every RIB (or update) dump of whole UTC days into data/raw, resumable, with provenance."""
    from nethealth.bgp.source import SOURCES
    from nethealth.lake.raw import RawStore
    from nethealth.progress import progress_bar
    from nethealth.sources.base import FetchRequest
    from nethealth.sources.mrt import fetch_window

    source_id = _PROJECTS.get(project)
    if source_id is None:
        raise ConfigError(f"unknown archive {project!r}", hint="choose ris or routeviews")
    if strict and skip_missing:
        raise ConfigError("--strict and --skip-missing contradict each other",
                          hint="give --strict to stop at a missing dump; skipping is the default")  # fmt: skip
    one_of(day, start, "--date", "--start")
    one_of(to, end, "--to", "--end")
    old = start is not None or end is not None
    if old and (day is not None or to is not None):
        raise ConfigError("--start/--end (old spellings) and --date/--to do not mix",
                          hint="give --date D [--to D] only")  # fmt: skip
    settings = settings_of(ctx)
    store = RawStore(settings.raw_dir)
    with progress_bar(err, bytes_mode=True) as bar:
        if not old:
            request = FetchRequest(
                day=parse_day(day), to=parse_day(to, "--to"), base_url=base_url, strict=strict,
                collectors=tuple(collectors), kind=kind,
            )  # fmt: skip
            chosen = next(s for s in SOURCES if s.id == source_id)
            assert chosen.fetch is not None
            report = chosen.fetch(settings, store, request, bar)
        else:  # the old spellings: the dumps due in [--start, --end), to the minute
            if start is None:
                raise ConfigError("--end needs --start", hint="better: --date D [--to D]")
            if kind not in (None, "rib", "updates"):
                raise ConfigError(f"unknown --kind {kind!r}", hint="choose rib or updates")
            first = _when(start, "--start")
            last = _when(end, "--end") if end else first + timedelta(days=1)
            report = fetch_window(
                settings, store, source_id=source_id, collectors=collectors,
                kind="updates" if kind == "updates" else "rib", start=first, end=last,
                base_url=base_url, strict=strict, progress=bar,
            )  # fmt: skip
    for f in report.stored:
        p = f.provenance
        out.print(f"{p.source_id} {p.snapshot} {p.name} {p.size:,} bytes sha256 {p.sha256[:12]}…")
    if report.missing:
        err.print(f"{len(report.missing)} file(s) not published, skipped (--strict stops at the "
                  "first instead):")  # fmt: skip
        for url in report.missing[:MISSING_SHOWN]:
            err.print(f"  missing: {url}")
        if len(report.missing) > MISSING_SHOWN:
            err.print(f"  … and {len(report.missing) - MISSING_SHOWN} more")
    err.print(f"stored {len(report.stored)} file(s); {len(report.missing)} missing")


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

    settings = settings_of(ctx)
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


# `nethealth hegemony RIB…`: one command, mounted as a top-level group (Area.cli_extra)
hegemony_app = typer.Typer(
    help="AS hegemony (the IHR method) straight from MRT RIB files: the global graph, or the "
    "paths towards one origin AS with --scope (docs/methodology/hegemony.md)",
    context_settings={"allow_interspersed_args": True},
    subcommand_metavar="",
    add_completion=False,
)


class HegemonyFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@hegemony_app.callback(invoke_without_command=True)
def hegemony_command(
    files: Files,
    scope: Annotated[
        int | None,
        typer.Option("--scope", help="Origin AS: hegemony over the paths towards its prefixes "
                     "only (default: the global graph)", min=1, max=2**32 - 1),
    ] = None,
    fmt: Annotated[
        HegemonyFormat,
        typer.Option("--format", help="table (default), csv (asn,hegemony rows) or json"),
    ] = HegemonyFormat.table,
    min_peers: Annotated[
        int,
        typer.Option("--min-peers", min=1, help="Score nothing when fewer peer ASes see the "
                     "scope (default 2, as IHR)"),
    ] = 2,
    af: Annotated[int, typer.Option("--af", help="Address family: 4 (default) or 6")] = 4,
    collector: Collector = None,
    lenient: Lenient = False,
) -> None:  # fmt: skip
    """Hegemony of every transit AS over the RIBs' full-feed peers, highest first."""
    import pyarrow as pa

    from nethealth.bgp import hegemony as heg
    from nethealth.bgp.ingest import guess_collector
    from nethealth.errors import InputError
    from nethealth.formats.mrt import MRTReader
    from nethealth.formats.mrt_schema import SCHEMA
    from nethealth.progress import progress_bar

    if af not in (4, 6):
        raise ConfigError(f"--af {af} is not 4 or 6", hint="give --af 4 or --af 6")
    paths = expand_paths(files)
    if not paths:
        raise InputError("no RIB file given", field="RIB", hint="give MRT RIB files or directories")
    batches: list[pa.RecordBatch] = []
    with progress_bar(err, bytes_mode=True) as bar:
        for path in paths:
            name = path.name

            def tick(done: int, total: int, name: str = name) -> None:
                bar(name, done, total)

            reader = MRTReader(path, collector=collector or guess_collector(path),
                               strict=not lenient, progress=tick)  # fmt: skip
            batches += [b.select(list(heg.COLUMNS)) for b in reader]
            if lenient and not reader.report.clean:
                _say_report(reader.report.as_dict())
    table = pa.Table.from_batches(batches, schema=pa.schema([SCHEMA.field(c) for c in heg.COLUMNS]))
    with progress_bar(err) as bar:
        done = heg.compute([lambda: table], af, local=scope is not None,
                           origins=None if scope is None else [scope], min_peers=min_peers,
                           progress=bar)  # fmt: skip
    if done.routes == 0:
        raise InputError(
            f"no IPv{af} RIB entry of a full-feed peer in the {len(paths)} file(s)",
            field="RIB",
            hint="give RIB dumps (bview.*, rib.*), not update files; --af 6 for IPv6 tables",
        )
    result = done.global_scores if done.local_scores is None else done.local_scores
    rows = heg.table_of(result).to_pylist()
    peers = result.peers_of(heg.GLOBAL if scope is None else scope)
    skipped = done.skipped.as_dict()
    err.print(
        f"{done.routes:,} routes of {done.sessions:,} full-feed peer sessions "
        f"({done.peer_ases:,} peer ASes); "
        f"skipped {', '.join(f'{v:,} {k}' for k, v in skipped.items() if v) or 'none'}",
        highlight=False,
    )
    if not rows:
        err.print(f"no AS scored: the scope is seen by fewer than {min_peers} peer AS(es) "
                  "(--min-peers), or its paths cross no transit AS", highlight=False)  # fmt: skip
    if fmt is HegemonyFormat.csv:
        sys.stdout.write("asn,hegemony\r\n")
        sys.stdout.write("".join(f"{r['asn']},{r['hegemony']:.6g}\r\n" for r in rows))
    elif fmt is HegemonyFormat.json:
        doc = {
            "scope": scope if scope is not None else "global", "af": af, "peers": peers,
            "files": [str(p) for p in paths], "routes": done.routes, "skipped": skipped,
            "hegemony": [{"asn": r["asn"], "hegemony": r["hegemony"]} for r in rows],
        }  # fmt: skip
        out.print(json.dumps(doc, indent=2), highlight=False)
    else:
        from rich.table import Table

        title = f"AS hegemony, {'global' if scope is None else f'towards AS{scope}'}, IPv{af}, "
        table = Table(title=f"{title}{peers} peer AS(es)")
        for column in ("asn", "hegemony"):
            table.add_column(column, justify="right")
        for r in rows:
            table.add_row(str(r["asn"]), f"{r['hegemony']:.4f}")
        out.print(table)
