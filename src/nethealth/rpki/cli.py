"""`nethealth rpki …`: validate routes against VRPs, fetch a VRP export, summarise VRP files.

Mounted by the main CLI from the area's manifest (`rpki.area.AREA.cli`). The flags are the
project's: a day is `--date`, the output `--format`, a mirror `--base-url`; SLURM files may be
several paths, glob patterns or directories. Old spellings still work, hidden: `--url` (now
`--base-url`) and `--format auto|json|csv` for the VRP file (now `--vrps-format`).
"""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.table import Table

from nethealth.cli_common import console, expand_paths, one_of, parse_day, run, settings_of
from nethealth.errors import ConfigError

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
    typer.Option(
        "--slurm",
        help="SLURM files (RFC 8416) to apply to the VRPs: paths, glob patterns or directories",
    ),
]
MoreSlurm = Annotated[
    list[Path] | None,
    typer.Argument(help="More SLURM files (what a shell's glob after --slurm expands to)"),
]
VrpsFormatOpt = Annotated[
    str | None,
    typer.Option("--vrps-format", help="VRP file format: auto (default, from the content), json "
                 "or csv"),
]  # fmt: skip
VRP_FORMATS = ("auto", "json", "csv")


class ResultFormat(StrEnum):
    csv = "csv"
    json = "json"


class SummaryFormat(StrEnum):
    table = "table"
    json = "json"


def _vrps_format(given: str | None, old: str | None) -> str:
    """The VRP file's format: `--vrps-format`, or `--format auto|json|csv` of old scripts where
    the command's output format cannot be meant (`auto`)."""
    fmt = one_of(given, old, "--vrps-format", "--format") or "auto"
    if fmt not in VRP_FORMATS:
        raise ConfigError(f"--vrps-format {fmt!r} is not a VRP file format",
                          hint="give auto, json or csv")  # fmt: skip
    return fmt


def _slurms(slurm: list[Path] | None, more: list[Path] | None) -> list[Path]:
    return expand_paths([*(slurm or []), *(more or [])], option="--slurm")


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
    more_slurm: MoreSlurm = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="output: csv (default) or json")
    ] = None,
    vrps_format: VrpsFormatOpt = None,
) -> None:
    """Validate routes against VRPs (RFC 6811): valid, invalid or not-found, with the reason."""
    from nethealth.progress import progress_bar
    from nethealth.rpki.routes_csv import read_routes, result_table, write_results
    from nethealth.rpki.rov import VrpIndex

    old_vrps_format = fmt if fmt == "auto" else None  # `--format auto`: the old VRP option
    output = ResultFormat(_choice(None if old_vrps_format else fmt, ResultFormat, "csv"))
    table_format = _vrps_format(vrps_format, old_vrps_format)
    with progress_bar(err) as bar:
        bar("loading VRPs", 0, 3)
        table = _load_vrps(vrps, _slurms(slurm, more_slurm), table_format)
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
        write_results(rows, out if out is not None else sys.stdout.buffer, output.value)
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


def _choice(given: str | None, choices: type[StrEnum], default: str) -> str:
    if given is None:
        return default
    if given not in {c.value for c in choices}:
        raise ConfigError(f"--format {given!r} is not an output format of this command",
                          hint=" or ".join(c.value for c in choices)
                          + "; the VRP file's format is --vrps-format")  # fmt: skip
    return given


@app.command()
def summary(
    vrps: VrpsOpt,
    slurm: SlurmOpt = None,
    more_slurm: MoreSlurm = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="output: table (default) or json")
    ] = None,
    vrps_format: VrpsFormatOpt = None,
) -> None:
    """Describe a VRP export: format, generation time, VRPs per family and trust anchor."""
    from nethealth.formats.slurm import apply_slurm, read_slurm
    from nethealth.formats.vrp import read_vrps

    old_vrps_format = fmt if fmt in ("auto", "csv") else None  # the old VRP file option
    output = SummaryFormat(_choice(None if old_vrps_format else fmt, SummaryFormat, "table"))
    doc = read_vrps(vrps, _vrps_format(vrps_format, old_vrps_format))
    table = doc.vrps
    slurms = _slurms(slurm, more_slurm)
    if slurms:
        outcome = apply_slurm(table, [read_slurm(p) for p in slurms], doc.router_keys)
        table = outcome.vrps
        err.print(f"SLURM: {outcome.vrps_filtered:,} filtered, {outcome.vrps_added:,} asserted")
    by_ta: dict[str, list[int]] = {}
    for ta, af, asn in zip(
        table["ta"].to_pylist(), table["af"].to_pylist(), table["asn"].to_pylist(), strict=True
    ):
        row = by_ta.setdefault(ta or "(local exception)", [0, 0, 0])
        row[0 if af == 4 else 1] += 1
        row[2] += asn == 0
    out = console()
    if output is SummaryFormat.json:
        doc_json = {
            "format": doc.format,
            "generated": doc.generated.isoformat() if doc.generated else None,
            "trust_anchors": [{"ta": ta, "ipv4": v4, "ipv6": v6, "as0": as0}
                              for ta, (v4, v6, as0) in sorted(by_ta.items())],
            "vrps": table.num_rows, "router_keys": doc.router_keys.num_rows, "aspas": doc.aspas,
        }  # fmt: skip
        out.print(json.dumps(doc_json))
        return
    out.print(f"format {doc.format}; generated {doc.generated or 'not stated'}")
    grid = Table("trust anchor", "IPv4 VRPs", "IPv6 VRPs", "AS0 VRPs")
    for ta, (v4, v6, as0) in sorted(by_ta.items()):
        grid.add_row(ta, f"{v4:,}", f"{v6:,}", f"{as0:,}")
    out.print(grid)
    out.print(f"router keys {doc.router_keys.num_rows:,}; ASPA objects {doc.aspas:,} (not used)")


@app.command()
def fetch(
    ctx: typer.Context,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="Export URL (default NETHEALTH_RPKI_VRP_URL or rpki-client's)"
        ),
    ] = None,
    url: Annotated[str | None, typer.Option("--url", hidden=True)] = None,  # old spelling
    day: Annotated[
        str | None,
        typer.Option(
            "--date", help="YYYY-MM-DD: fetch that day's export from NETHEALTH_RPKI_VRP_ARCHIVE_URL"
        ),
    ] = None,
) -> None:
    """Alias of `nethealth fetch rpki`: download a validator's VRP export into data/raw/rpki,
    with provenance."""
    from nethealth.lake.raw import RawStore
    from nethealth.progress import progress_bar
    from nethealth.rpki.source import fetch_request
    from nethealth.sources.base import FetchRequest

    settings = settings_of(ctx)
    request = FetchRequest(
        day=parse_day(day), base_url=one_of(base_url, url, "--base-url", "--url")
    )
    with progress_bar(err, bytes_mode=True) as bar:
        report = fetch_request(settings, RawStore(settings.raw_dir), request, bar)
    for got in report.stored:
        p = got.provenance
        console().print(
            f"{p.source_id} {p.snapshot} {p.name} {p.size:,} bytes sha256 {p.sha256[:12]}…"
        )


def main() -> None:
    """Run the sub-app on its own (the main CLI mounts it as `nethealth rpki`)."""
    run(app)


if __name__ == "__main__":
    main()
