"""`nethealth communities …`: the curated NRENs, NOGs, community networks and enabling
environments — list, show (with connectivity), add, edit, retract, the audit log, exports — and
the research networks PeeringDB lists. Curation from the command line is open to whoever can
write the data directory (as for the shutdown tracker); `--curator` names them in the log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nethealth.cli_common import cli_actor, console, field_pairs, parse_day, settings_of
from nethealth.errors import ConfigError
from nethealth.infrastructure import community_store as cs
from nethealth.infrastructure import query
from nethealth.infrastructure.community_model import KINDS, check_country, check_kind
from nethealth.lake.reader import LakeReader
from nethealth.lake.storage import atomic_path
from nethealth.shutdowns.store import describe_changes

app = typer.Typer(
    name="communities",
    help="NRENs, NOGs, community networks and their enabling environment: curate and export.",
    no_args_is_help=True,
    add_completion=False,
)
out = console()

Kind = Annotated[str, typer.Argument(help=", ".join(KINDS))]
RecordId = Annotated[str, typer.Argument(help="The record's id (e.g. surf, nanog, ke)")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="field=value (repeatable; lists `;`-separated, empty = unset)"),
]
Curator = Annotated[
    str | None, typer.Option("--curator", help="Who makes the change (default: your login)")
]
Reason = Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit log)")]
CountryOpt = Annotated[str | None, typer.Option("--country", help="ISO 3166-1 alpha-2")]


def _format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise ConfigError(f"unknown format {fmt!r}", hint=f"choose {', '.join(allowed)}")
    return fmt


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: Kind,
    country: CountryOpt = None,
    retracted: Annotated[bool, typer.Option(help="Include retracted records")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv")] = "table",
) -> None:
    """The records of one dataset (retracted ones left out unless asked)."""
    _format(fmt, ("table", "json", "csv"))
    recs = query.community_records(settings_of(ctx), check_kind(kind), check_country(country),
                                   retracted)  # fmt: skip
    if fmt == "json":
        typer.echo(cs.to_json(kind, recs), nl=False)
    elif fmt == "csv":
        typer.echo(cs.to_csv(kind, recs), nl=False)
    else:
        table = Table("id", "name", "country", "asns", "checked", "origin")
        for r in recs:
            f = r.fields
            name = f.get("name") or f.get("country")
            asns = " ".join(f"AS{a}" for a in f.get("asns") or [])  # type: ignore[union-attr]
            mark = " (retracted)" if r.retracted else ""
            table.add_row(r.id, f"{name}{mark}", str(f.get("country") or ""), asns,
                          f"{f.get('checked_on')} ({f.get('verification')})", r.origin)  # fmt: skip
        out.print(table)


@app.command()
def export(
    ctx: typer.Context,
    kind: Kind,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or json")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout)")
    ] = None,
) -> None:
    """Every record of a dataset, retracted ones included (the API's `format=csv` twin)."""
    _format(fmt, ("csv", "json"))
    recs = query.community_records(settings_of(ctx), check_kind(kind), retracted=True)
    text = cs.to_csv(kind, recs) if fmt == "csv" else cs.to_json(kind, recs)
    if output is None:
        typer.echo(text, nl=False)
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
    console(stderr=True).print(f"wrote {len(recs)} {kind} records to {output}")


@app.command()
def show(ctx: typer.Context, kind: Kind, record_id: RecordId) -> None:
    """One record as JSON, with its connectivity (when it has an ASN) and its history."""
    settings = settings_of(ctx)
    rec = query.community_record(settings, check_kind(kind), record_id)
    asns = [int(a) for a in rec.fields.get("asns") or []]  # type: ignore[union-attr]
    conn = query.connectivity(settings, LakeReader(settings), asns)
    doc = {"kind": kind, "record": rec.as_dict(),
           "connectivity": conn.model_dump(mode="json") if conn else None,
           "history": [json.loads(e.to_json()) for e in
                       query.community_log(settings, kind, record_id)]}  # fmt: skip
    typer.echo(json.dumps(doc, ensure_ascii=False, indent=1))


@app.command()
def add(
    ctx: typer.Context, kind: Kind, record_id: RecordId, set_: SetOpt = None,
    curator: Curator = None, reason: Reason = None,
) -> None:  # fmt: skip
    """Add a record: every required field with --set (checked before anything is written)."""
    store = cs.CommunityStore.for_settings(settings_of(ctx))
    rec = cs.add_record(store, check_kind(kind), record_id, dict(field_pairs(set_)),
                        actor=cli_actor(curator), reason=reason)  # fmt: skip
    out.print(f"added {kind} {rec.id}")


@app.command()
def edit(
    ctx: typer.Context, kind: Kind, record_id: RecordId, set_: SetOpt = None,
    curator: Curator = None, reason: Reason = None,
) -> None:  # fmt: skip
    """Change fields of a record (seed or curated); old and new values are logged."""
    store = cs.CommunityStore.for_settings(settings_of(ctx))
    rec, entry = cs.edit_record(store, check_kind(kind), record_id, dict(field_pairs(set_)),
                                actor=cli_actor(curator), reason=reason)  # fmt: skip
    if entry is None:
        out.print(f"{kind} {rec.id}: nothing changed (the values were already so)")
    else:
        out.print(f"{kind} {rec.id}: {describe_changes(entry.changes)}")


@app.command()
def retract(
    ctx: typer.Context, kind: Kind, record_id: RecordId,
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn (required)")],
    curator: Curator = None,
) -> None:  # fmt: skip
    """Withdraw a record. It is kept (retracted=true) with the reason; nothing is deleted."""
    store = cs.CommunityStore.for_settings(settings_of(ctx))
    rec = cs.retract_record(store, check_kind(kind), record_id, actor=cli_actor(curator),
                            reason=reason)  # fmt: skip
    out.print(f"retracted {kind} {rec.id}")


@app.command()
def log(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this dataset")] = None,
    record_id: Annotated[str | None, typer.Option("--id", help="Only this record")] = None,
    limit: Annotated[int, typer.Option(help="Newest N entries")] = 50,
) -> None:
    """The audit log, newest first: who changed what, when and why (JSON lines)."""
    entries = query.community_log(settings_of(ctx), kind and check_kind(kind), record_id)
    for e in list(reversed(entries))[:limit]:
        typer.echo(e.to_json())


@app.command()
def nrens(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="Snapshot on or before (default latest)")
    ] = None,
    country: CountryOpt = None,
) -> None:
    """PeeringDB networks of type Educational/Research in one stored snapshot (JSON)."""
    settings = settings_of(ctx)
    found = query.peeringdb_nrens(LakeReader(settings), parse_day(day))
    cc = check_country(country)
    if cc is not None:
        found = found.model_copy(update={"networks": [n for n in found.networks
                                                      if n.country == cc]})  # fmt: skip
    typer.echo(found.model_dump_json(indent=1))
