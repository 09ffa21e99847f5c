"""`nethealth routing …`: ROV coverage, incidents, AS relationships and their evaluation.

Mounted by the main CLI from the area's manifest (`routing.area.AREA.cli`). The flags are the
project's common ones (`nethealth.cli_common`): a day or month is `--date`, a time range
`--from/--to`, the printed output `--format`; every file input takes several paths, glob
patterns and directories. Old spellings (`--month`, `--snapshot`, `--start`, `--end`, `--json`)
still work, hidden.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import UTC, date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.compute as pc
import typer

from nethealth.bgp.ingest import guess_collector
from nethealth.cli_common import (
    console,
    expand_paths,
    one_of,
    parse_day,
    parse_instant,
    parse_month_of,
    settings_of,
)
from nethealth.errors import ConfigError, InputError
from nethealth.formats.compression import open_binary
from nethealth.formats.mrt_head import read_head
from nethealth.formats.vrp import read_vrps
from nethealth.lake.storage import write_parquet_atomic
from nethealth.progress import progress_bar

app = typer.Typer(
    name="routing",
    help="Routing security: RPKI ROV coverage, incidents (hijacks, leaks, bogons), AS "
    "relationships, and the detectors' evaluation on simulated data.",
    no_args_is_help=True,
    add_completion=False,
)
err = console(stderr=True)
Ribs = Annotated[
    list[Path], typer.Argument(help="MRT RIB dumps: files, glob patterns or directories")
]
Vrps = Annotated[
    Path,
    typer.Option(
        "--vrps", help="VRP export (rpki-client JSON or CSV)", exists=True, dir_okay=False
    ),
]
Lake = Annotated[Path | None, typer.Option(help="lake directory (default: the configured one)")]


class Output(StrEnum):
    table = "table"
    json = "json"


FormatOpt = Annotated[
    Output | None, typer.Option("--format", help="output: table (default) or json")
]
OldJson = Annotated[bool, typer.Option("--json", hidden=True)]  # old spelling of --format json


def _output(fmt: Output | None, old_json: bool) -> Output:
    chosen = one_of(fmt, Output.json if old_json else None, "--format", "--json")
    return chosen or Output.table


def _named(files: Sequence[Path]) -> list[tuple[Path, str | None]]:
    """Files with their collector (archive layout or file name), so incidents name the peers
    that saw them; "unknown" when neither says it."""
    return [(f, guess_collector(f) or "unknown") for f in files]


def _asn_country(path: Path | None) -> pa.Table | None:
    if path is None:
        return None
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return pa.table(
        {"asn": pa.array([int(r["asn"]) for r in rows], pa.uint32()), "cc": [r["cc"] for r in rows]}
    )  # a CSV of a few thousand ASNs, read once


@app.command()
def coverage(
    ribs: Ribs,
    vrps: Vrps,
    out: Annotated[Path, typer.Option("--out", help="directory for routing_*.parquet")],
    day: Annotated[
        str | None, typer.Option("--date", help="snapshot date YYYY-MM-DD (default: RIB time)")
    ] = None,
    snapshot: Annotated[str | None, typer.Option("--snapshot", hidden=True)] = None,  # old
    asn_country: Annotated[
        Path | None, typer.Option(help="CSV asn,cc for the country roll-up")
    ] = None,
) -> None:
    """ROA coverage and valid/invalid/not-found shares per ASN and country, invalid routes
    propagated per transit AS and the ROV-filtering estimate per collector peer."""
    from nethealth.routing import snapshot as snap
    from nethealth.routing.routes import read_routes

    when = parse_day(one_of(day, snapshot, "--date", "--snapshot"))
    files = expand_paths(ribs, option="RIBS")
    with progress_bar(err) as progress:
        parts = []
        for i, rib in enumerate(files):
            progress("reading RIBs", i, len(files))
            parts.append(read_routes([(rib, None)], date(1970, 1, 1)))
        progress("reading RIBs", len(files), len(files))
    routes = pa.concat_tables(parts)
    if routes.num_rows == 0:
        raise InputError("no route in the RIB dumps", hint="give MRT RIB dumps (TABLE_DUMP_V2)")
    when = when or routes["timestamp"][0].as_py().date()
    tables = snap.compute(routes, read_vrps(vrps).vrps, when, _asn_country(asn_country))
    snap.write(out, tables)
    asn = tables["routing_rov_asn"]
    err.print(f"{routes.num_rows:,} RIB entries, {tables['routing_route_states'].num_rows:,} "
              f"routes, {asn.num_rows:,} (ASN, family) rows -> {out}")  # fmt: skip
    st = tables["routing_route_states"]["state"].value_counts().to_pylist()
    typer.echo(" ".join(f"{x['values']}={x['counts']}" for x in st))


Given = tuple[Path, bool]  # a file, and whether it was found by walking a directory


def _given(values: Sequence[Path] | None, option: str) -> list[Given]:
    """The files of an input (`cli_common.expand_paths`), each marked when a directory walk
    found it: such a file that is not MRT is skipped, while a file named or matched is read."""
    out: list[Given] = []
    for value in values or []:
        walked = Path(value).is_dir()
        out += [(p, walked) for p in expand_paths([value], option=option)]
    return out


def _empty(path: Path) -> bool:
    try:
        with open_binary(path) as fh:
            return fh.read(1) == b""
    except (OSError, EOFError, ValueError):  # damaged: read_head says how
        return False


def _dumps(
    files: Sequence[Given], ribs: Sequence[Given], updates: Sequence[Given]
) -> tuple[list[Path], list[Path]]:
    """(RIB dumps, update dumps) of every file given, each once, told apart by its first MRT
    record (a RIB starts with a TABLE_DUMP record): a shell's glob after `--rib` or `--updates`
    puts files beyond the first among the arguments, and a directory may hold both kinds."""
    said = {p.resolve(): "rib" for p, _ in ribs} | {p.resolve(): "updates" for p, _ in updates}
    out: dict[str, list[Path]] = {"rib": [], "updates": []}
    seen: set[Path] = set()
    skipped: list[str] = []
    empty = 0
    for path, walked in [*ribs, *updates, *files]:
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        if _empty(path):  # an archive's dump of a quiet interval: no record, nothing to read
            empty += 1
            continue
        try:
            head = read_head(path)
        except InputError:  # not MRT: an error for a file given, skipped in a directory
            if not walked:
                raise
            skipped.append(path.name)
            continue
        if said.get(key, head.kind) != head.kind:
            option = "--rib" if said[key] == "rib" else "--updates"
            err.print(f"note: {path} was given as {option}, but its first record is "
                      f"{head.type_name} (a {head.kind} dump): read as one")  # fmt: skip
        out[head.kind].append(path)
    if empty:
        err.print(f"{empty} empty dump(s) (no MRT record) read as nothing")
    if skipped:
        err.print(f"skipped {len(skipped)} file(s) of the directories that are not MRT dumps: "
                  + ", ".join(skipped[:10]) + (" …" if len(skipped) > 10 else ""))  # fmt: skip
    return out["rib"], out["updates"]


@app.command()
def incidents(
    out: Annotated[Path, typer.Option("--out", help="Parquet file for the incidents")],
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="More MRT dumps (files, glob patterns, directories): RIBs and updates are told "
            "apart by their first record, so `--updates updates.*.gz` works as the shell "
            "expands it"
        ),
    ] = None,
    ribs: Annotated[
        list[Path] | None,
        typer.Option("--rib", help="RIB dumps at the window start (one per collector)"),
    ] = None,
    updates: Annotated[
        list[Path] | None, typer.Option("--updates", help="update dumps of the window")
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="window start: YYYY-MM-DD or ISO 8601, no offset = UTC (default: the first "
            "record of the RIBs, else of the updates)",
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="window end, same forms (default: one second after the last record)"
        ),
    ] = None,
    start: Annotated[str | None, typer.Option("--start", hidden=True)] = None,  # old spelling
    end: Annotated[str | None, typer.Option("--end", hidden=True)] = None,  # old spelling
    vrps: Annotated[
        Path | None, typer.Option("--vrps", help="VRPs: suppress RPKI-valid origins")
    ] = None,
    relationships: Annotated[
        Path | None,
        typer.Option(
            help="CAIDA as-rel file, serial-1 or serial-2 (default: infer from the RIBs' "
            "paths with --method)"
        ),
    ] = None,
    method: Annotated[
        str, typer.Option(help="inference method without --relationships: gao or asrank")
    ] = "gao",
) -> None:
    """Bogons, MOAS, sub-prefix hijacks and route leaks with start, end, peers and paths."""
    from nethealth.routing import relationships as rel
    from nethealth.routing.detect import detect_all, window_routes
    from nethealth.routing.timeline import route_intervals

    t0 = parse_instant(one_of(from_, start, "--from", "--start"), "--from")
    t1 = parse_instant(one_of(to, end, "--to", "--end"), "--to")
    if t0 is not None and t1 is not None and t1 <= t0:
        raise ConfigError("--to is not after --from", hint="give a later --to")
    rib_files, update_files = _dumps(
        _given(files, "FILES"), _given(ribs, "--rib"), _given(updates, "--updates")
    )
    if not rib_files and not update_files:
        raise ConfigError("no MRT file given", hint="give --rib RIB and --updates FILES…")
    err.print(f"{len(rib_files)} RIB dump(s), {len(update_files)} update dump(s)")
    if not rib_files:
        err.print("note: no RIB: the routes held at the window start are unknown, so hijacks "
                  "(a new origin or a more-specific of a route held before) cannot be told; "
                  "bogons are detected, route leaks only with --relationships")  # fmt: skip
    if t0 is None:
        t0 = min(read_head(f).when for f in (rib_files or update_files))
    with progress_bar(err) as progress:
        routes = window_routes(_named([*rib_files, *update_files]), t0.date(), progress)
    if t1 is None:
        last = pc.max(routes["timestamp"]).as_py() if routes.num_rows else None
        t1 = (last or t0) + timedelta(seconds=1)
    if t1 <= t0:
        raise ConfigError("--to is not after --from", hint="give a later --to")
    err.print(f"window {t0:%Y-%m-%dT%H:%M:%SZ} to {t1.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}")
    found, _ = detect_all(
        route_intervals(routes, t0, t1),
        read_vrps(vrps).vrps if vrps else None,
        rel.read_caida(relationships) if relationships else None,
        method=method,
        basis=relationships.name if relationships else None,
    )
    write_parquet_atomic(out, found)
    err.print(f"{found.num_rows:,} incident(s) -> {out}")
    for r in found.to_pylist():
        typer.echo(f"{r['type']}\t{r['prefix']}\tAS{r['culprit_asn']}\t{r['start']}\t{r['end']}\t"
                   f"{r['peer_count']} peers\t{r['confidence']}")  # fmt: skip


@app.command("relationships")
def relationships_cmd(
    ribs: Ribs,
    out: Annotated[Path, typer.Option("--out", help="serial-1 output file")],
    truth: Annotated[Path | None, typer.Option(help="CAIDA as-rel file to score against")] = None,
) -> None:
    """Infer AS relationships from RIB paths (Gao 2001); optionally score against a CAIDA file."""
    from nethealth.routing import relationships as rel
    from nethealth.routing.routes import read_routes

    files = expand_paths(ribs, option="RIBS")
    routes = read_routes([(r, None) for r in files], date(1970, 1, 1))
    inferred = rel.infer_gao(routes["as_path"].combine_chunks())
    rel.write_caida(inferred, out)
    typer.echo(f"{inferred.num_rows:,} relationships -> {out}")
    if truth is not None:
        for k, v in rel.score(inferred, rel.read_caida(truth)).items():
            typer.echo(f"{k}\t{v:.4f}")


@app.command()
def evaluate(
    seed: Annotated[int, typer.Option(help="first simulator seed")] = 1,
    runs: Annotated[
        int, typer.Option(help="simulated worlds (seeds seed..seed+runs-1)", min=1, max=100)
    ] = 10,
    days: Annotated[int, typer.Option(help="days per world", min=1, max=30)] = 2,
    method: Annotated[
        list[str] | None,
        typer.Option(help="inference method(s) to score: gao, asrank (default: both)"),
    ] = None,
) -> None:
    """Precision and recall of each incident detector against the simulator's labels, with
    the leak detector's relationships from the simulator's CAIDA-like file, nethealth's own
    inference and the simulator's truth; then every missed leak label and why."""
    from nethealth.routing.evaluate import INFERENCE_METHODS
    from nethealth.routing.evaluate import evaluate as run_eval

    with progress_bar(err) as progress:
        ev = run_eval(seed, runs, days, progress=progress, methods=method or INFERENCE_METHODS)
    typer.echo(ev.table())
    typer.echo(f"\nmissed observable leak labels: {len(ev.misses)}")
    for line in ev.misses:
        typer.echo(f"- {line}")


@app.command("fetch-asrel")
def fetch_asrel(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="month of CAIDA's file: YYYY-MM or a day of it")
    ] = None,
    month: Annotated[str | None, typer.Option("--month", hidden=True)] = None,  # old spelling
    base_url: Annotated[
        str | None,
        typer.Option(help="serial-2 directory (default: the caida_asrel_base_url setting)"),
    ] = None,
) -> None:
    """Alias of `nethealth fetch caida-asrel --date YYYY-MM-01`: CAIDA's AS relationships
    (serial-2) of one month into the raw store; the `routing` and `routing_incidents` steps
    then use it instead of inferring."""
    from nethealth.lake.raw import RawStore
    from nethealth.routing.source import fetch_asrel as fetch_source
    from nethealth.sources.base import FetchRequest

    wanted = parse_month_of(one_of(day, month, "--date", "--month"))
    if wanted is None:
        raise ConfigError("--date is required", hint="the month of CAIDA's file, e.g. 2026-06")
    settings = settings_of(ctx)
    request = FetchRequest(day=date.fromisoformat(f"{wanted}-01"), base_url=base_url)
    with progress_bar(err, bytes_mode=True) as progress:
        report = fetch_source(settings, RawStore(settings.raw_dir), request, progress)
    for raw in report.stored:
        typer.echo(f"{raw.path} ({raw.provenance.size:,} bytes, sha256 {raw.provenance.sha256})")


@app.command()
def scorecard(
    ctx: typer.Context,
    asn: Annotated[int, typer.Option("--asn", help="AS number", min=0, max=2**32 - 1)],
    day: Annotated[str | None, typer.Option("--date", help="month: YYYY-MM or a day of it")] = None,
    month: Annotated[str | None, typer.Option("--month", hidden=True)] = None,  # old spelling
    lake: Lake = None,
    fmt: FormatOpt = None,
    old_json: OldJson = False,
) -> None:
    """MANRS-style readiness (Filtering, RPKI, IRR, Coordination) of one AS for one month,
    computed from the lake's routing datasets (or a directory the CLI wrote)."""
    from nethealth.routing import scorecard as sc

    output = _output(fmt, old_json)
    wanted = parse_month_of(one_of(day, month, "--date", "--month"))
    if wanted is None:
        raise ConfigError("--date is required", hint="the month to score, e.g. 2025-06")
    lake_dir = lake if lake is not None else settings_of(ctx).lake_dir
    inputs, _cc = sc.load_inputs(lake_dir, wanted, asn)
    rows = sc.scorecards(inputs, wanted).to_pylist()
    if not rows:
        err.print(f"AS{asn} originates no route in the {wanted} data")
        raise typer.Exit(1)
    card = rows[0]
    if output is Output.json:
        typer.echo(json.dumps(card, default=str))
        return
    for action in sc.ACTIONS:
        value = card[action]
        typer.echo(f"{action}\t{'no data' if value is None else f'{value:.1f} %'}")
    typer.echo(f"routes\t{card['routes']}\tincidents\t{card['filtering_incidents']}")


@app.command("rov-labels")
def rov_labels_cmd(
    ctx: typer.Context,
    labels: Annotated[
        Path,
        typer.Option("--labels", exists=True, help="list asn,filtering,confidence,source (CSV)"),
    ],
    day: Annotated[
        str | None, typer.Option("--date", help="RIB snapshot date (default: the latest)")
    ] = None,
    lake: Lake = None,
    fmt: FormatOpt = None,
    old_json: OldJson = False,
) -> None:
    """Compare the ROV-filtering estimate of the collector peers with a published list of ASes
    known to filter RPKI-invalid routes (e.g. isbgpsafeyet, the TMA 2021 list)."""
    import duckdb

    from nethealth.routing.rov_labels import compare, read_labels

    output = _output(fmt, old_json)
    wanted = parse_day(day)
    lake_dir = lake if lake is not None else settings_of(ctx).lake_dir
    path = lake_dir / "routing_peer_filtering.parquet"
    if not path.is_file():
        err.print(f"{path} does not exist: run `nethealth build` with RIB dumps first")
        raise typer.Exit(1)
    con = duckdb.connect()
    try:
        latest = con.sql("SELECT max(snapshot) FROM read_parquet(?)", params=[str(path)])
        snap = wanted or latest.fetchall()[0][0]
        peers = con.sql(
            "SELECT * FROM read_parquet(?) WHERE snapshot = ?", params=[str(path), snap]
        ).to_arrow_table()
    finally:
        con.close()
    result = compare(peers, read_labels(labels))
    if output is Output.json:
        doc = {"snapshot": str(snap), "listed": result.listed, "compared": result.compared,
               "agree": result.agree, "agreement": result.agreement,
               "rows": result.rows.to_pylist()}  # fmt: skip
        typer.echo(json.dumps(doc, default=str))
        return
    for r in result.rows.to_pylist():
        mark = "agrees" if r["agrees"] else "DISAGREES"
        typer.echo(f"AS{r['asn']}\tlisted {r['label']}\testimate {r['verdict']}\t{mark}")
    share = "n/a" if result.agreement is None else f"{result.agreement:.1%}"
    typer.echo(f"{snap}: {result.compared} of {result.listed} listed ASes are full-feed "
               f"collector peers; agreement {share}")  # fmt: skip
