"""`nethealth routing …`: ROV coverage, incidents, AS relationships and their evaluation.

Mounted by the main CLI with `app.add_typer(nethealth.routing.cli.app, name="routing")`.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer

from nethealth.bgp.ingest import guess_collector
from nethealth.cli_common import console, settings_of
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
Files = Annotated[list[Path], typer.Argument(help="MRT RIB files", exists=True, dir_okay=False)]
Vrps = Annotated[
    Path,
    typer.Option(
        "--vrps", help="VRP export (rpki-client JSON or CSV)", exists=True, dir_okay=False
    ),
]


def _named(files: list[Path]) -> list[tuple[Path, str | None]]:
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
    ribs: Files,
    vrps: Vrps,
    out: Annotated[Path, typer.Option("--out", help="directory for routing_*.parquet")],
    snapshot: Annotated[
        str | None, typer.Option(help="snapshot date YYYY-MM-DD (default: RIB time)")
    ] = None,
    asn_country: Annotated[
        Path | None, typer.Option(help="CSV asn,cc for the country roll-up")
    ] = None,
) -> None:
    """ROA coverage and valid/invalid/not-found shares per ASN and country, invalid routes
    propagated per transit AS and the ROV-filtering estimate per collector peer."""
    from nethealth.routing import snapshot as snap
    from nethealth.routing.routes import read_routes

    with progress_bar(err) as progress:
        parts = []
        for i, rib in enumerate(ribs):
            progress("reading RIBs", i, len(ribs))
            parts.append(read_routes([(rib, None)], date(1970, 1, 1)))
        progress("reading RIBs", len(ribs), len(ribs))
    routes = pa.concat_tables(parts)
    day = date.fromisoformat(snapshot) if snapshot else routes["timestamp"][0].as_py().date()
    tables = snap.compute(routes, read_vrps(vrps).vrps, day, _asn_country(asn_country))
    snap.write(out, tables)
    asn = tables["routing_rov_asn"]
    err.print(f"{routes.num_rows:,} RIB entries, {tables['routing_route_states'].num_rows:,} "
              f"routes, {asn.num_rows:,} (ASN, family) rows -> {out}")  # fmt: skip
    st = tables["routing_route_states"]["state"].value_counts().to_pylist()
    typer.echo(" ".join(f"{x['values']}={x['counts']}" for x in st))


@app.command()
def incidents(
    ribs: Annotated[
        list[Path],
        typer.Option("--rib", help="RIB at the window start (one per collector)", exists=True),
    ],
    updates: Annotated[
        list[Path], typer.Option("--updates", help="update files of the window", exists=True)
    ],
    start: Annotated[str, typer.Option(help="window start, ISO 8601 UTC")],
    end: Annotated[str, typer.Option(help="window end, ISO 8601 UTC")],
    out: Annotated[Path, typer.Option("--out", help="Parquet file for the incidents")],
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
    from nethealth.routing.detect import Window, detect_all, intervals_of

    t0 = datetime.fromisoformat(start).astimezone(UTC)
    t1 = datetime.fromisoformat(end).astimezone(UTC)
    with progress_bar(err) as progress:
        iv = intervals_of(Window(_named(ribs), _named(updates), t0, t1), progress)
    found, _ = detect_all(
        iv,
        read_vrps(vrps).vrps if vrps else None,
        rel.read_caida(relationships) if relationships else None,
        method=method,
        basis=relationships.name if relationships else None,
    )
    write_parquet_atomic(out, found)
    for r in found.to_pylist():
        typer.echo(f"{r['type']}\t{r['prefix']}\tAS{r['culprit_asn']}\t{r['start']}\t{r['end']}\t"
                   f"{r['peer_count']} peers\t{r['confidence']}")  # fmt: skip


@app.command("relationships")
def relationships_cmd(
    ribs: Files,
    out: Annotated[Path, typer.Option("--out", help="serial-1 output file")],
    truth: Annotated[Path | None, typer.Option(help="CAIDA as-rel file to score against")] = None,
) -> None:
    """Infer AS relationships from RIB paths (Gao 2001); optionally score against a CAIDA file."""
    from nethealth.routing import relationships as rel
    from nethealth.routing.routes import read_routes

    routes = read_routes([(r, None) for r in ribs], date(1970, 1, 1))
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
    month: Annotated[str, typer.Option("--month", help="month of CAIDA's file, YYYY-MM")],
    base_url: Annotated[
        str | None,
        typer.Option(help="serial-2 directory (default: the caida_asrel_base_url setting)"),
    ] = None,
) -> None:
    """Download CAIDA's AS relationships (serial-2) of one month into the raw store; the
    `routing` and `routing_incidents` steps then use it instead of inferring."""
    from nethealth.lake.raw import RawStore
    from nethealth.routing import caida
    from nethealth.settings import load_settings

    settings = load_settings()
    with progress_bar(err) as progress:
        raw = caida.fetch(settings, RawStore(settings.raw_dir), month=caida.parse_month(month),
                          base_url=base_url, progress=progress)  # fmt: skip
    typer.echo(f"{raw.path} ({raw.provenance.size:,} bytes, sha256 {raw.provenance.sha256})")


@app.command()
def scorecard(
    ctx: typer.Context,
    asn: Annotated[int, typer.Option("--asn", help="AS number", min=0, max=2**32 - 1)],
    month: Annotated[str, typer.Option("--month", help="month, YYYY-MM")],
    lake: Annotated[
        Path | None, typer.Option(help="lake directory (default: the configured one)")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """MANRS-style readiness (Filtering, RPKI, IRR, Coordination) of one AS for one month."""
    import json

    from nethealth.routing import scorecard as sc

    lake_dir = lake if lake is not None else settings_of(ctx).lake_dir
    inputs, _cc = sc.load_inputs(lake_dir, month, asn)
    rows = sc.scorecards(inputs, month).to_pylist()
    if not rows:
        err.print(f"AS{asn} originates no route in the {month} data")
        raise typer.Exit(1)
    card = rows[0]
    if json_out:
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
    snapshot: Annotated[
        str | None, typer.Option("--date", help="RIB snapshot date (default: the latest)")
    ] = None,
    lake: Annotated[
        Path | None, typer.Option(help="lake directory (default: the configured one)")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Compare the ROV-filtering estimate of the collector peers with a published list of ASes
    known to filter RPKI-invalid routes (e.g. isbgpsafeyet, the TMA 2021 list)."""
    import json

    import duckdb

    from nethealth.routing.rov_labels import compare, read_labels

    lake_dir = lake if lake is not None else settings_of(ctx).lake_dir
    path = lake_dir / "routing_peer_filtering.parquet"
    if not path.is_file():
        err.print(f"{path} does not exist: run `nethealth build` with RIB dumps first")
        raise typer.Exit(1)
    con = duckdb.connect()
    try:
        latest = con.sql("SELECT max(snapshot)::VARCHAR FROM read_parquet(?)", params=[str(path)])
        day = snapshot or str(latest.fetchall()[0][0])
        peers = con.sql(
            "SELECT * FROM read_parquet(?) WHERE snapshot = ?::DATE", params=[str(path), day]
        ).to_arrow_table()
    finally:
        con.close()
    result = compare(peers, read_labels(labels))
    if json_out:
        doc = {"snapshot": day, "listed": result.listed, "compared": result.compared,
               "agree": result.agree, "agreement": result.agreement,
               "rows": result.rows.to_pylist()}  # fmt: skip
        typer.echo(json.dumps(doc, default=str))
        return
    for r in result.rows.to_pylist():
        mark = "agrees" if r["agrees"] else "DISAGREES"
        typer.echo(f"AS{r['asn']}\tlisted {r['label']}\testimate {r['verdict']}\t{mark}")
    share = "n/a" if result.agreement is None else f"{result.agreement:.1%}"
    typer.echo(f"{day}: {result.compared} of {result.listed} listed ASes are full-feed "
               f"collector peers; agreement {share}")  # fmt: skip
