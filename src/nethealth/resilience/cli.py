"""`nethealth resilience`: the built index from the command line (the same read model as the API
and pages). `ranking` lists every country of one index date; `country CC` drills down to its
inputs with their dates. `--format csv` or `json` for machines."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from typing import Annotated

import typer

from nethealth.cli_common import parse_day, settings_of
from nethealth.lake.reader import LakeReader
from nethealth.resilience import query

app = typer.Typer(
    name="resilience",
    help="The resilience index: ranking and per-country drill-down (docs/methodology/resilience.md).",
    no_args_is_help=True,
    add_completion=False,
)


class Output(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


DateOpt = Annotated[
    str | None, typer.Option("--date", help="the latest index date on or before this day")
]
FormatOpt = Annotated[Output, typer.Option("--format", help="table (default), csv or json")]


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


@app.command()
def ranking(ctx: typer.Context, day: DateOpt = None, fmt: FormatOpt = Output.table) -> None:
    """Every country's index, rank, rank interval and coverage on one index date."""
    data = query.ranking(LakeReader(settings_of(ctx)), parse_day(day))
    if fmt is Output.json:
        typer.echo(data.model_dump_json())
        return
    rows = [(c.cc, c.name, c.score, c.rank, c.rank_low, c.rank_high, c.coverage, c.status)
            for c in data.countries]  # fmt: skip
    if fmt is Output.csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(("cc", "name", "score", "rank", "rank_low", "rank_high", "coverage",
                      "status"))  # fmt: skip
        out.writerows(rows)
        return
    typer.echo(f"resilience index of {data.date} (config {data.config_version}): "
               f"{data.ranked} countries ranked")  # fmt: skip
    for cc, name, score, rank, lo, hi, cov, status in rows:
        where = f"{rank} ({lo}–{hi})" if rank is not None else status
        typer.echo(f"{cc}\t{_num(score)}\t{where}\t{cov:.0%}\t{name}")


@app.command()
def country(
    ctx: typer.Context,
    cc: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code")],
    day: DateOpt = None,
    fmt: FormatOpt = Output.table,
) -> None:
    """One country: index, pillars, dimensions and every input with its date and source."""
    data = query.country(LakeReader(settings_of(ctx)), cc, parse_day(day))
    if fmt is Output.json:
        typer.echo(data.model_dump_json())
        return
    inputs = [(p.id, d.id, i) for p in data.pillars for d in p.dimensions for i in d.inputs]
    if fmt is Output.csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(("pillar", "dimension", "input", "reference_date", "value", "score",
                      "effective_weight", "status", "reason"))  # fmt: skip
        out.writerows((p, d, i.id, i.reference_date, i.value, i.score, i.effective_weight,
                       i.status, i.reason) for p, d, i in inputs)  # fmt: skip
        return
    rank = f"rank {data.rank} of {data.ranked} ({data.rank_low}–{data.rank_high})"
    typer.echo(f"{data.name} on {data.date}: {_num(data.score)} / 100, "
               f"{rank if data.rank is not None else data.reason}, coverage {data.coverage:.0%}")  # fmt: skip
    for p in data.pillars:
        typer.echo(f"{p.title}: {_num(p.score)}")
        for d in p.dimensions:
            for i in d.inputs:
                when = i.reference_date.isoformat() if i.reference_date else "—"
                typer.echo(f"  {d.id}\t{i.id}\t{_num(i.value, 2)}\t{when}\t{_num(i.score)}\t"
                           f"{i.status}")  # fmt: skip
