"""`nethealth rpki …`: validate routes against VRPs, fetch a VRP export, summarise VRP files.

Mounted by the main CLI as a sub-app (`app.add_typer(rpki_app, name="rpki")`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.table import Table

from nethealth.cli_common import console, parse_day, run, settings_of

app = typer.Typer(
    name="rpki",
    help="RPKI: route origin validation (RFC 6811) against VRP exports, with SLURM (RFC 8416).",
    no_args_is_help=True,
    add_completion=False,
)
err = console(stderr=True)

VrpsOpt = Annotated[
    Path,
    typer.Option("--vrps", help="VRP export: rpki-client JSON, routinator json/jsonext/csv/csvext"),
]
SlurmOpt = Annotated[
    list[Path] | None,
    typer.Option("--slurm", help="SLURM file (RFC 8416) to apply to the VRPs (repeatable)"),
]
FormatOpt = Annotated[str, typer.Option("--format", help="VRP file format: auto, json or csv")]


@app.command()
def validate(
    vrps: VrpsOpt,
    routes: Annotated[
        Path, typer.Option("--routes", help="Routes as CSV prefix,origin_asn (header optional)")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Result CSV prefix,origin_asn,state,reason (default: stdout)"),
    ] = None,
    slurm: SlurmOpt = None,
    fmt: FormatOpt = "auto",
) -> None:
    """Validate routes against VRPs (RFC 6811): valid, invalid or not-found, with the reason."""
    from nethealth.progress import progress_bar
    from nethealth.rpki.routes_csv import read_routes, result_table, write_results
    from nethealth.rpki.rov import VrpIndex

    with progress_bar(err) as bar:
        bar("loading VRPs", 0, 3)
        table = _load_vrps(vrps, slurm or [], fmt)
        bar("loading VRPs", 1, 3)
        index = VrpIndex.from_table(table)
        bar("loading routes", 2, 3)
        route_list = read_routes(routes)
        bar("loading routes", 3, 3)
        start = time.perf_counter()
        result = index.validate(
            route_list.prefixes.af,
            route_list.prefixes.hi,
            route_list.prefixes.lo,
            route_list.prefixes.length,
            route_list.origin,
            progress=bar,
        )
        seconds = time.perf_counter() - start
        rows = result_table(route_list, result, table)
        bar("writing", 0, 1)
        write_results(rows, out if out is not None else sys.stdout.buffer)
        bar("writing", 1, 1)
    counts = result.counts()
    err.print(
        f"{len(route_list):,} routes against {table.num_rows:,} VRPs in {seconds:.2f}s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + (f"; {route_list.host_bits:,} had host bits (masked)" if route_list.host_bits else "")
    )


def _load_vrps(path: Path, slurms: list[Path], fmt: str) -> pa.Table:
    from nethealth.formats.slurm import apply_slurm, read_slurm
    from nethealth.formats.vrp import read_vrps

    doc = read_vrps(path, fmt)
    if not slurms:
        return doc.vrps
    outcome = apply_slurm(doc.vrps, [read_slurm(p) for p in slurms], doc.router_keys)
    err.print(f"SLURM: {outcome.vrps_filtered:,} VRPs filtered, {outcome.vrps_added:,} asserted")
    return outcome.vrps


@app.command()
def summary(vrps: VrpsOpt, slurm: SlurmOpt = None, fmt: FormatOpt = "auto") -> None:
    """Describe a VRP export: format, generation time, VRPs per family and trust anchor."""
    from nethealth.formats.slurm import apply_slurm, read_slurm
    from nethealth.formats.vrp import read_vrps

    doc = read_vrps(vrps, fmt)
    table = doc.vrps
    if slurm:
        outcome = apply_slurm(table, [read_slurm(p) for p in slurm], doc.router_keys)
        table = outcome.vrps
        err.print(f"SLURM: {outcome.vrps_filtered:,} filtered, {outcome.vrps_added:,} asserted")
    out = console()
    out.print(f"format {doc.format}; generated {doc.generated or 'not stated'}")
    grid = Table("trust anchor", "IPv4 VRPs", "IPv6 VRPs", "AS0 VRPs")
    by_ta: dict[str, list[int]] = {}
    for ta, af, asn in zip(
        table["ta"].to_pylist(), table["af"].to_pylist(), table["asn"].to_pylist(), strict=True
    ):
        row = by_ta.setdefault(ta or "(local exception)", [0, 0, 0])
        row[0 if af == 4 else 1] += 1
        row[2] += asn == 0
    for ta, (v4, v6, as0) in sorted(by_ta.items()):
        grid.add_row(ta, f"{v4:,}", f"{v6:,}", f"{as0:,}")
    out.print(grid)
    out.print(f"router keys {doc.router_keys.num_rows:,}; ASPA objects {doc.aspas:,} (not used)")


@app.command()
def fetch(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Export URL (default NETHEALTH_RPKI_VRP_URL or rpki-client's)"),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date", help="YYYY-MM-DD: fetch that day's export from NETHEALTH_RPKI_VRP_ARCHIVE_URL"
        ),
    ] = None,
) -> None:
    """Download a validator's VRP export into data/raw/rpki, with provenance."""
    from nethealth.lake.raw import RawStore
    from nethealth.progress import progress_bar
    from nethealth.rpki.config import rpki_config
    from nethealth.rpki.source import fetch as fetch_export

    settings = settings_of(ctx)
    config = rpki_config(settings, vrp_url=url)
    when = parse_day(day)
    with progress_bar(err, bytes_mode=True) as bar:
        got = fetch_export(settings, RawStore(settings.raw_dir), config, day=when, progress=bar)
    p = got.provenance
    console().print(f"{p.source_id} {p.snapshot} {p.name} {p.size:,} bytes sha256 {p.sha256[:12]}…")


def main() -> None:
    """Run the sub-app on its own (the main CLI mounts it as `nethealth rpki`)."""
    run(app)


if __name__ == "__main__":
    main()
