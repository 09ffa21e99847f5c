"""`nethealth shutdowns …`: import, curate and query the shutdown tracker; estimate costs.

Mounted as `nethealth shutdowns` (nethealth.areas); it reads the root's Settings from the click
context, or the NETHEALTH_* environment when run on its own. The project's common flags: a day
is `--date`, a range `--from/--to`, output `--format`; old spellings (`--snapshot`, `--url`,
`--indicator`, `--first-year`/`--last-year`, `--start`/`--end`, `--top10vpn`) are hidden aliases.
`fetch` and `fetch-worldbank` are aliases of `nethealth fetch access-now` and `nethealth fetch
worldbank`.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from nethealth.cli_common import (
    cli_actor,
    console,
    expand_paths,
    field_pairs,
    one_of,
    parse_day,
    settings_of,
)
from nethealth.errors import ConfigError, InputError
from nethealth.settings import Settings
from nethealth.sources.common import today_utc

app = typer.Typer(
    name="shutdowns",
    help="The shutdown tracker: import Access Now STOP sheets, curate events, query, costs.",
    no_args_is_help=True,
    add_completion=False,
)
err = console(stderr=True)
out = console()

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json or csv")]
Curator = Annotated[
    str | None,
    typer.Option("--curator", help="Who makes the change (default: your login name)"),
]
Reason = Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit log)")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="field=value (repeatable; lists comma-separated, empty = unset)"),
]
WdiOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--wdi",
        help="World Bank file (API JSON, bulk CSV/ZIP, long CSV), a directory or a quoted glob "
        "of them, or FILE=INDICATOR for a wide CSV without indicator code; repeatable, later "
        "files win. Default: the fetched or loaded raw files",
    ),
]


def _today() -> date:
    return date.fromisoformat(today_utc())


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise ConfigError(f"unknown format {fmt!r}", hint=f"choose {', '.join(allowed)}")
    return fmt


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="STOP sheets: CSV (.gz ok) or XLSX, any year; several files, directories or "
            "quoted globs, imported in the order given (each is a snapshot)"
        ),
    ],
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="XLSX sheet (default: the Combined one)")
    ] = None,
    lenient: Annotated[
        bool, typer.Option("--lenient", help="Skip bad rows (listed) instead of stopping")
    ] = False,
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Date of the data, YYYY-MM-DD (default: from the file name, else today); one "
            "file only",
        ),
    ] = None,
    snapshot: Annotated[str | None, typer.Option("--snapshot", hidden=True)] = None,
    curator: Curator = None,
) -> None:
    """Import STOP sheets. Re-importing the same content changes nothing (and says so)."""
    from nethealth.progress import progress_bar
    from nethealth.shutdowns.importer import import_file

    settings = settings_of(ctx)
    paths = expand_paths(files)
    given = parse_day(one_of(day, snapshot, "--date", "--snapshot"))
    if given is not None and len(paths) > 1:
        raise ConfigError(
            f"--date names the snapshot of one file; {len(paths)} files were given",
            hint="import them one at a time, or let each file's name say its date",
        )
    for path in paths:
        with progress_bar(err) as bar:
            report = import_file(
                settings,
                path,
                sheet=sheet,
                lenient=lenient,
                actor=cli_actor(curator),
                snapshot=given.isoformat() if given else None,
                progress=bar,
            )
        for line in report.lines():
            out.print(line, highlight=False)


def _print_stored(files: list[Any]) -> None:
    """What `nethealth fetch` prints for each stored file (the aliases print the same)."""
    for f in files:
        p = f.provenance
        out.print(f"{p.source_id} {p.snapshot} {p.name} {p.size:,} bytes sha256 {p.sha256[:12]}…")


@app.command()
def fetch(
    ctx: typer.Context,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="The sheet's CSV export URL (default NETHEALTH_SHUTDOWNS_STOP_URL)"
        ),
    ] = None,
    url: Annotated[str | None, typer.Option("--url", hidden=True)] = None,
    lenient: Annotated[
        bool, typer.Option("--lenient", help="Skip bad rows (listed) instead of stopping")
    ] = False,
) -> None:
    """Alias of `nethealth fetch access-now` (same --base-url), plus --lenient.

    Download the STOP sheet from the publisher's CSV export, keep it raw, import it, and print
    the import report."""
    from nethealth.progress import progress_bar
    from nethealth.shutdowns.fetch import fetch_and_import

    settings = settings_of(ctx)
    with progress_bar(err, bytes_mode=True) as bar:
        raw, report = fetch_and_import(
            settings, url=one_of(base_url, url, "--base-url", "--url"), lenient=lenient,
            progress=bar,
        )  # fmt: skip
    _print_stored([raw])
    for line in report.lines():
        out.print(line, highlight=False)


@app.command("events")
def events_(
    ctx: typer.Context,
    country: Annotated[str | None, typer.Option(help="ISO alpha-2 or a name")] = None,
    year: Annotated[
        int | None, typer.Option(help="Events with a record counted in this year")
    ] = None,
    status: Annotated[str | None, typer.Option(help="ongoing, ended or unknown")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many (newest first)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
) -> None:
    """Distinct events: the records grouped by the documented rule and curators' merges and
    splits, with each event's status (ongoing, ended, unknown since a year)."""
    from nethealth.shutdowns.events import Clock
    from nethealth.shutdowns.query import EventFilter, event_summary, matching_events, store_for

    _check_format(fmt, ("table", "json"))
    flt = EventFilter.parse(country=country, year=year)
    state = store_for(settings_of(ctx)).state()
    clock = Clock.of(state, _today())
    found = matching_events(state, flt, clock, status)
    shown = [event_summary(e, clock) for e in found[:limit]]
    if fmt == "json":
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=1))
        return
    records = sum(len(e.records) for e in found)
    table = Table(
        "event", "countries", "start", "status", "years", "records", "type", "area",
        title=f"{len(found):,} distinct events ({records:,} records)",
    )  # fmt: skip
    for e in shown:
        table.add_row(
            e["event_id"],
            ", ".join(e["countries"]),
            e["start_date"] or "",
            e["status_text"],
            f"{e['first_year']}–{e['last_year']}",
            str(e["records"]),
            e["type"] or "",
            e["area_name"] or "",
        )
    out.print(table)


RecordIds = Annotated[list[str], typer.Argument(help="Record ids (an-…, cu-…)")]


@app.command()
def merge(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="Record ids, or event ids (ev-…)")],
    reason: Annotated[str, typer.Option("--reason", help="Why they are one event (required)")],
    curator: Curator = None,
) -> None:
    """Join the events of these records into one event (logged on each record linked)."""
    from nethealth.shutdowns.curation import merge_records

    event, entries = merge_records(settings_of(ctx), ids, actor=cli_actor(curator), reason=reason)
    out.print(
        f"{event.event_id}: {len(event.records)} records ({len(entries)} log entries)",
        highlight=False,
    )


@app.command()
def split(
    ctx: typer.Context,
    ids: RecordIds,
    reason: Annotated[str, typer.Option("--reason", help="Why they are another event")],
    curator: Curator = None,
) -> None:
    """Take these records out of their event: they become an event of their own."""
    from nethealth.shutdowns.curation import split_records

    events, entries = split_records(settings_of(ctx), ids, actor=cli_actor(curator), reason=reason)
    for event in events:
        out.print(
            f"{event.event_id}: {', '.join(event.record_ids)}",
            highlight=False,
        )
    out.print(f"{len(entries)} log entries", highlight=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    country: Annotated[str | None, typer.Option(help="ISO alpha-2 or a name")] = None,
    year: Annotated[int | None, typer.Option(help="Count year")] = None,
    type: Annotated[
        str | None, typer.Option("--type", help="shutdown, throttling, service-blocking")
    ] = None,
    scope: Annotated[str | None, typer.Option(help="national, regional, local, unknown")] = None,
    source: Annotated[str | None, typer.Option(help="access-now or curated")] = None,
    retracted: Annotated[str, typer.Option(help="false (default), only or all")] = "false",
    limit: Annotated[int | None, typer.Option(help="At most this many (newest first)")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List records, newest first (a STOP event running over several years has one record per
    year: `nethealth shutdowns events` lists distinct events)."""
    from nethealth.shutdowns.events import Clock, event_index
    from nethealth.shutdowns.query import (
        TABLE_COLUMNS,
        EventFilter,
        events_of,
        flat,
        record_with_event,
        select,
        store_for,
        to_csv,
    )

    _check_format(fmt, ("table", "json", "csv"))
    flt = EventFilter.parse(
        country=country, year=year, type=type, scope=scope, source=source, retracted=retracted
    )
    state = store_for(settings_of(ctx)).state()
    events = select(state, flt)
    index, clock = event_index(state), Clock.of(state, _today())
    records = [record_with_event(ev, index, clock) for ev in events[:limit]]
    if fmt == "json":
        typer.echo(json.dumps(records, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        typer.echo(to_csv(records), nl=False)
    else:
        distinct = len(events_of(events, index))
        table = Table(
            *TABLE_COLUMNS, title=f"{len(events):,} records of {distinct:,} distinct events"
        )
        for rec in records:
            row = flat(rec)
            table.add_row(*(str(row.get(c) or "") for c in TABLE_COLUMNS))
        out.print(table)


@app.command()
def show(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="Event id (an-… or cu-…)")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """One record with its provenance, history and the distinct event it belongs to."""
    from nethealth.shutdowns.events import Clock, event_index
    from nethealth.shutdowns.query import event_summary, store_for
    from nethealth.shutdowns.store import describe_changes

    _check_format(fmt, ("text", "json"))
    store = store_for(settings_of(ctx))
    ev = store.get(event_id)
    state = store.state()
    event = event_index(state).by_record.get(ev.event_id)
    summary = event_summary(event, Clock.of(state, _today())) if event else None
    if fmt == "json":
        doc = {"record": ev.as_record(), "provenance": ev.provenance, "event": summary}
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    for name, value in ev.as_record().items():
        if value not in (None, [], ""):
            out.print(Text.assemble((name, "bold"), f": {value}"))
    if summary is not None:
        out.print(
            Text.assemble(
                ("event", "bold"),
                f": {summary['event_id']}, {summary['status_text']}, "
                f"{summary['records']} record(s) {', '.join(summary['record_ids'])}",
            )
        )
    else:
        out.print(Text.assemble(("event", "bold"), ": none (a retracted record)"))
    if ev.provenance:
        out.print(Text.assemble(("provenance", "bold"), f": {ev.provenance}"))
    for e in store.history(event_id):
        out.print(f"#{e.seq} {e.at} {e.actor} {e.op}: {e.reason or ''}", highlight=False)
        if e.op != "create":
            out.print(f"    {describe_changes(e.changes)}", highlight=False)


@app.command()
def add(
    ctx: typer.Context,
    country: Annotated[list[str], typer.Option(help="ISO alpha-2 or name (repeatable)")],
    type: Annotated[str, typer.Option("--type", help="shutdown, throttling, service-blocking")],
    scope: Annotated[str, typer.Option(help="national, regional, local")],
    source_link: Annotated[
        list[str], typer.Option("--source-link", help="Evidence URL (repeatable, at least one)")
    ],
    from_: Annotated[
        str | None, typer.Option("--from", help="Start date YYYY-MM-DD (required)")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="End date YYYY-MM-DD (omit if ongoing)")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", hidden=True)] = None,
    end: Annotated[str | None, typer.Option("--end", hidden=True)] = None,
    area: Annotated[str | None, typer.Option(help="Areas affected, as text")] = None,
    network: Annotated[
        list[str] | None, typer.Option(help="broadband, mobile (repeatable)")
    ] = None,
    service: Annotated[list[str] | None, typer.Option(help="Service blocked (repeatable)")] = None,
    cause: Annotated[str | None, typer.Option(help="Actual cause")] = None,
    justification: Annotated[str | None, typer.Option(help="Official justification")] = None,
    description: Annotated[str | None, typer.Option(help="What happened")] = None,
    artificially_induced: Annotated[
        bool, typer.Option("--artificially-induced", help="Criterion: ordered or done on purpose")
    ] = False,
    removes_access: Annotated[
        bool, typer.Option("--removes-access", help="Criterion: removed/throttled access")
    ] = False,
    affects_group: Annotated[
        bool, typer.Option("--affects-group", help="Criterion: affected a group of people")
    ] = False,
    criteria_basis: Annotated[
        str | None, typer.Option(help="Why it meets the criteria (recorded)")
    ] = None,
    set_: SetOpt = None,
    curator: Curator = None,
    reason: Reason = None,
) -> None:
    """Add a curated event. All three inclusion criteria must be confirmed."""
    from nethealth.shutdowns.curation import add_event

    first = one_of(from_, start, "--from", "--start")
    if first is None:
        raise ConfigError(
            "--from is required: the event's start date", hint="e.g. --from 2025-03-01"
        )
    fields: dict[str, Any] = {
        "countries": list(country),
        "start_date": first,
        "end_date": one_of(to, end, "--to", "--end"),
        "type": type,
        "scope": scope,
        "sources": list(source_link),
        "area_name": area,
        "networks": list(network or []),
        "services": list(service or []),
        "cause": cause,
        "justification": justification,
        "description": description,
        "artificially_induced": artificially_induced,
        "removes_access": removes_access,
        "affects_group": affects_group,
        "criteria_basis": criteria_basis,
    }
    fields.update(field_pairs(set_))
    ev = add_event(settings_of(ctx), fields, actor=cli_actor(curator), reason=reason)
    out.print(f"added {ev.event_id}", highlight=False)


@app.command()
def edit(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="Event id")],
    set_: SetOpt = None,
    curator: Curator = None,
    reason: Reason = None,
) -> None:
    """Change fields of an event (imported or curated); old and new values are logged."""
    from nethealth.shutdowns.curation import edit_event
    from nethealth.shutdowns.store import describe_changes

    ev, entry = edit_event(
        settings_of(ctx), event_id, field_pairs(set_), actor=cli_actor(curator), reason=reason
    )
    if entry is None:
        out.print(f"{ev.event_id}: nothing changed (the values were already so)")
    else:
        out.print(f"{ev.event_id}: {describe_changes(entry.changes)}", highlight=False)


@app.command()
def retract(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="Event id")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn (required)")],
    curator: Curator = None,
) -> None:
    """Withdraw an event. It is kept (retracted=true) with the reason; nothing is deleted."""
    from nethealth.shutdowns.curation import retract_event

    ev = retract_event(settings_of(ctx), event_id, actor=cli_actor(curator), reason=reason)
    out.print(f"retracted {ev.event_id}", highlight=False)


@app.command()
def log(
    ctx: typer.Context,
    event: Annotated[str | None, typer.Option("--event", help="Only this event")] = None,
    limit: Annotated[int, typer.Option(help="Newest N entries")] = 50,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
) -> None:
    """The audit log: who changed what and when, with old and new values."""
    from dataclasses import asdict

    from nethealth.shutdowns.query import store_for
    from nethealth.shutdowns.store import describe_changes

    _check_format(fmt, ("table", "json"))
    store = store_for(settings_of(ctx))
    if event is not None:
        store.get(event)
    entries = list(reversed(store.history(event)))[:limit]
    if fmt == "json":
        typer.echo(json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=1))
        return
    table = Table("seq", "at", "actor", "op", "event", "changes", "reason")
    for e in entries:
        what = f"{len(e.changes)} fields" if e.op == "create" else describe_changes(e.changes)
        table.add_row(str(e.seq), e.at, e.actor, e.op, e.event_id, what, e.reason or "")
    out.print(table)


@app.command("fetch-worldbank")
def fetch_worldbank(
    ctx: typer.Context,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Default NETHEALTH_WORLDBANK_BASE_URL")
    ] = None,
    parts: Annotated[
        list[str] | None,
        typer.Option("--part", help="WDI indicator code (repeatable; default the cost model's)"),
    ] = None,
    layout: Annotated[str, typer.Option(help="api (JSON) or bulk (CSV in ZIP)")] = "api",
    first: Annotated[int | None, typer.Option("--from", help="First year (default 2010)")] = None,
    last: Annotated[int | None, typer.Option("--to", help="Last year (default 2025)")] = None,
    indicator: Annotated[list[str] | None, typer.Option("--indicator", hidden=True)] = None,
    first_year: Annotated[int | None, typer.Option("--first-year", hidden=True)] = None,
    last_year: Annotated[int | None, typer.Option("--last-year", hidden=True)] = None,
) -> None:
    """Alias of `nethealth fetch worldbank` (same --base-url, --part), plus years and layout.

    GDP, population and Internet users (World Bank WDI) for the cost model, from the API (JSON)
    or the bulk download (CSV in ZIP), for the years --from … --to."""
    from nethealth.economics import worldbank
    from nethealth.formats.wdi import INDICATORS
    from nethealth.progress import progress_bar

    codes = one_of(parts, indicator, "--part", "--indicator") or list(INDICATORS)
    years = (
        one_of(first, first_year, "--from", "--first-year") or worldbank.FIRST_YEAR,
        one_of(last, last_year, "--to", "--last-year") or worldbank.LAST_YEAR,
    )
    settings = settings_of(ctx)
    with progress_bar(err, bytes_mode=True) as bar:
        files = worldbank.fetch(
            settings, indicators=codes, years=years, layout=layout, base_url=base_url,
            progress=bar,
        )  # fmt: skip
    _print_stored(files)


def _wdi_panel(settings: Settings, items: list[str] | None) -> Any:
    from nethealth.economics.worldbank import panel_from_files, panel_from_raw

    if not items:
        panel = panel_from_raw(settings)
        if not len(panel):
            raise ConfigError(
                "no World Bank data",
                hint="run `nethealth fetch worldbank` (or load files with `nethealth load "
                "worldbank`), or give files with --wdi",
            )
        return panel
    paths: list[Path | tuple[Path, str]] = []
    for item in items:
        m = re.fullmatch(r"(.+)=([A-Z0-9.]+)", item)
        if m:  # FILE=INDICATOR: a wide CSV (or several) holding one indicator
            paths += [(p, m[2]) for p in expand_paths([m[1]], option="--wdi")]
        else:
            paths += expand_paths([item], option="--wdi")
    return panel_from_files(paths)


@app.command()
def cost(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="Record id (an-…, cu-…) or event id (ev-…)")],
    wdi: WdiOpt = None,
) -> None:
    """The cost estimate of a record (or of a distinct event: the sum of its records, each
    counted once), with every input and assumption."""
    from nethealth.economics.cost_model import Range, estimate
    from nethealth.shutdowns.compare import usd
    from nethealth.shutdowns.costs import record_contexts
    from nethealth.shutdowns.events import EVENT_PREFIX, Clock, event_index
    from nethealth.shutdowns.query import distinct_event, store_for

    settings = settings_of(ctx)
    store = store_for(settings)
    state = store.state()
    as_of = state.as_of()
    snapshot = date.fromisoformat(as_of) if as_of else None
    index = event_index(state)
    if event_id.startswith(EVENT_PREFIX):
        records = distinct_event(state, event_id).records
    else:
        records = [store.get(event_id)]
    contexts = record_contexts(index, Clock(today=snapshot or _today(), snapshot=snapshot))
    panel = _wdi_panel(settings, wdi)
    total: Range | None = None
    for ev in records:
        est = estimate(ev.as_record(), panel, as_of=snapshot, context=contexts.get(ev.event_id))
        if est.cost is None:
            out.print(f"{ev.event_id}: no estimate ({'; '.join(est.notes)})", highlight=False)
            continue
        c = est.cost
        total = c if total is None else total + c
        wide = "" if est.scoped else " [not scoped: wide range]"
        far = " [a World Bank figure more than 2 years away]" if est.wdi_far else ""
        out.print(
            f"{ev.event_id} ({est.year}): {usd(c.central)} (range {usd(c.low)} – "
            f"{usd(c.high)}){wide}{far}",
            highlight=False,
        )
        if est.days and est.service:
            kind = est.scope.kind if est.scope else "?"
            out.print(
                f"  days (low / central / high) {est.days}; scope {kind}, share removed "
                f"{est.service}",
                highlight=False,
            )
        for part in est.parts:
            out.print(
                f"  {part.cc}: GDP {usd(part.gdp_usd)} ({part.gdp_year}), online "
                f"{part.internet_share:.0%} ({part.internet_year}), area share "
                f"{part.area_share}, World Bank {', '.join(part.wdi_sources)}, "
                f"cost {usd(part.cost.central)}",
                highlight=False,
            )
        for note in est.notes:
            out.print(f"  note: {note}", highlight=False)
    if len(records) > 1 and total is not None:
        out.print(
            f"{event_id}: {len(records)} records, {usd(total.central)} "
            f"(range {usd(total.low)} – {usd(total.high)}), each record counted once",
            highlight=False,
        )


BEGIN = "<!-- cost-compare:begin -->"
END = "<!-- cost-compare:end -->"


@app.command("cost-compare")
def cost_compare(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Top10VPN CSVs (country, cost_usd, duration_hours, users_affected, year): "
            "several files, directories or quoted globs",
            show_default=False,
        ),
    ] = None,
    wdi: WdiOpt = None,
    stop: Annotated[
        Path | None,
        typer.Option("--stop", help="Estimate the events of this STOP sheet (default: the store)"),
    ] = None,
    write_doc: Annotated[
        Path | None,
        typer.Option("--write-doc", help="Replace the figures between the cost-compare markers"),
    ] = None,
    top10vpn: Annotated[list[Path] | None, typer.Option("--top10vpn", hidden=True)] = None,
) -> None:
    """Compare our cost estimates with Top10VPN's per country and year; print Markdown."""
    from nethealth.progress import progress_bar
    from nethealth.shutdowns.compare import compare, render_markdown
    from nethealth.shutdowns.costs import estimate_all, record_contexts
    from nethealth.shutdowns.events import Clock
    from nethealth.shutdowns.top10vpn import read_top10vpn

    given = one_of(files or None, top10vpn or None, "FILES", "--top10vpn")
    if not given:
        raise ConfigError("no Top10VPN file", hint="give their CSVs, e.g. top10vpn_20??.csv")
    paths = expand_paths(given, option="FILES")
    settings = settings_of(ctx)
    with progress_bar(err) as bar:
        bar("cost-compare load", 0, 3)
        records, as_of, index = _records(settings, stop)
        bar("cost-compare load", 1, 3)
        panel = _wdi_panel(settings, wdi)
        bar("cost-compare load", 2, 3)
        theirs = read_top10vpn(paths)
        bar("cost-compare load", 3, 3)
        snapshot = date.fromisoformat(as_of) if as_of else None
        # Statuses as of the sheet's snapshot, not today: the published figures stay put.
        clock = Clock(today=snapshot or _today(), snapshot=snapshot)
        estimates = estimate_all(
            records, panel, as_of=snapshot, contexts=record_contexts(index, clock)
        )
    command = "nethealth shutdowns cost-compare " + " ".join(
        [str(p) for p in paths]
        + [f"--wdi {w}" for w in wdi or []]
        + ([f"--stop {stop}"] if stop else [])
    )
    text = render_markdown(compare(estimates, theirs, as_of=as_of), command=command)
    typer.echo(text, nl=False)
    if write_doc is not None:
        _replace_section(write_doc, text)
        err.print(f"updated {write_doc}")


def _records(settings: Settings, stop: Path | None) -> tuple[list[dict[str, Any]], str | None, Any]:
    """The records to estimate, their snapshot date and their grouping into distinct events."""
    from nethealth.shutdowns.events import group
    from nethealth.shutdowns.query import store_for
    from nethealth.shutdowns.store import EventState

    if stop is None:
        state = store_for(settings).state()
        if not state.events:
            raise ConfigError(
                "the tracker is empty", hint="import a STOP sheet first, or give --stop FILE"
            )
        current = [ev for ev in state.events.values() if not ev.retracted]
        return [ev.as_record() for ev in current], state.as_of(), group(current)
    from nethealth.formats.stop_sheet import read_stop_sheet
    from nethealth.shutdowns.importer import snapshot_of
    from nethealth.shutdowns.normalise import normalise_rows

    sheet = read_stop_sheet(stop)
    snapshot = snapshot_of(stop)
    normalised = normalise_rows(sheet.rows)
    # The same grouping as an import would make: records of one sheet, in sheet order.
    states = [
        EventState(n.event_id, "access-now", dict(n.fields), {}, "", "", "", "",
                   {"line": n.line, "snapshot": snapshot})
        for n in normalised
    ]  # fmt: skip
    records = [{"event_id": n.event_id, **n.fields} for n in normalised]
    return records, snapshot, group(states)


def _replace_section(path: Path, text: str) -> None:
    from nethealth.lake.storage import write_bytes_atomic

    doc = path.read_text(encoding="utf-8")
    if BEGIN not in doc or END not in doc:
        raise InputError(
            f"the document has no {BEGIN} … {END} section", path=path, hint="add the two markers"
        )
    head, rest = doc.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    write_bytes_atomic(path, f"{head}{BEGIN}\n{text}{END}{tail}".encode())
