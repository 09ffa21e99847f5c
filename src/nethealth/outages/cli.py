"""`nethealth outages …` (detect, evaluate, load signals, fetch inputs) and `nethealth events …`.

Mounted by the lead as `app.add_typer(outages.cli.app, name="outages")` and
`app.add_typer(outages.cli.events_app, name="events")`; both read the root's Settings from the
click context, or the NETHEALTH_* environment when run on their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from nethealth.cli_common import console, settings_of
from nethealth.errors import ConfigError, InputError
from nethealth.settings import Settings

app = typer.Typer(
    name="outages",
    help="Outage detection: BGP visibility, RIPE Atlas and loaded signals; IODA baseline and "
    "nethealth detector; evaluation on simulated ground truth and on real-route replays.",
    no_args_is_help=True,
    add_completion=False,
)
events_app = typer.Typer(
    name="events",
    help="Detected outage events: list them, show one with its evidence.",
    no_args_is_help=True,
    add_completion=False,
)
err = console(stderr=True)
out = console()

FromOpt = Annotated[str | None, typer.Option("--from", help="Start, YYYY-MM-DD or ISO 8601 (UTC)")]
ToOpt = Annotated[str | None, typer.Option("--to", help="End (exclusive), YYYY-MM-DD or ISO 8601")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json or csv")]


def _iso(ts: int | None) -> str:
    return "—" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%MZ")


def _with(settings: Settings, given: Mapping[str, object]) -> Settings:
    """The root's settings with the flags given here (None = not given), validated again."""
    changed = {k: v for k, v in given.items() if v is not None}
    return Settings(**{**settings.model_dump(), **changed}) if changed else settings


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a date", field=name, hint="use YYYY-MM-DD") from None


@app.command()
def detect(
    ctx: typer.Context,
    start: FromOpt = None,
    end: ToOpt = None,
    detector: Annotated[str, typer.Option(help="nethealth (default) or ioda")] = "nethealth",
    bgp: Annotated[
        list[Path] | None,
        typer.Option("--bgp", help="Also read MRT files (or directories) from here; repeatable"),
    ] = None,
    atlas: Annotated[
        list[Path] | None,
        typer.Option("--atlas", help="Also read RIPE Atlas dumps / probe archives from here"),
    ] = None,
    history_hours: Annotated[
        int | None, typer.Option(help="Hours of signal history computed before --from")
    ] = None,
    geo: Annotated[str | None, typer.Option(help="Country map: auto, rir or ipdb")] = None,
    lenient: Annotated[
        bool, typer.Option("--lenient", help="Skip damaged records and files' bad lines")
    ] = False,
) -> None:
    """Detect outages in the lake's BGP and Atlas data; write outage_events and outage_signals."""
    from nethealth.outages import lake
    from nethealth.progress import progress_bar

    given = {"outages_history_hours": history_hours, "outages_geo": geo}
    settings = _with(settings_of(ctx), given)
    with progress_bar(err) as bar:
        result = lake.detect(
            settings,
            start=lake.check_window(start, "from"),
            end=lake.check_window(end, "to"),
            detector=detector,
            extra_bgp=bgp or [],
            extra_atlas=atlas or [],
            progress=bar,
            strict=not lenient,
        )
    events_path, signals_path = lake.write(settings, result)
    ongoing = sum(s == "ongoing" for s in result.events["status"].to_pylist())
    err.print(
        f"{result.events.num_rows} events ({ongoing} ongoing) from {result.series} series, "
        f"{_iso(result.start)} to {_iso(result.end)}; country map: {result.geo_source}"
        + (" [SIMULATED DATA]" if result.simulated else ""),
        highlight=False,
    )
    for note in result.notes:
        err.print(f"note: {note}", highlight=False)
    err.print(f"wrote {events_path} and {signals_path}", highlight=False)


@app.command()
def evaluate(
    seed: Annotated[int, typer.Option(help="Seed of the simulated world")] = 1,
    scale: Annotated[str, typer.Option(help="tiny or small")] = "small",
    days: Annotated[int, typer.Option(help="Days of simulated data (>= 2 gives history)")] = 3,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep", help="Simulate into (or reuse) this directory instead of a temporary one"
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or json")] = "markdown",
    workers: Annotated[int, typer.Option(help="Processes for parsing Atlas dumps")] = 2,
    noise: Annotated[
        bool,
        typer.Option(
            "--noise/--no-noise",
            help="Simulate measurement noise and routine BGP churn (default) or a clean world",
        ),
    ] = True,
) -> None:
    """Score the IODA baseline (warning and critical-only levels) and the nethealth detector
    on a simulated world in one run: precision, recall, F1, onset delay, false alarms/week."""
    from nethealth.outages.simeval import evaluate_sim
    from nethealth.progress import progress_bar

    if scale not in ("tiny", "small"):
        raise ConfigError(f"unknown scale {scale!r}", hint="choose tiny or small")
    if not 1 <= days <= 14:
        raise ConfigError(f"--days {days} is out of range", hint="give 1 to 14 days")
    if fmt not in ("markdown", "json"):
        raise ConfigError(f"unknown format {fmt!r}", hint="choose markdown or json")
    with progress_bar(err) as bar:
        ev = evaluate_sim(
            seed, scale, days, workdir=keep, progress=bar, workers=max(1, workers), noise=noise
        )
    if fmt == "json":
        typer.echo(json.dumps(_score_doc(ev), indent=2))
    else:
        typer.echo(ev.markdown())
    err.print(
        "timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in ev.seconds.items()), highlight=False
    )


def _score_doc(ev: Any) -> dict[str, Any]:
    from nethealth.outages.seeds import kind_of

    return {
        "seed": ev.seed, "seed_kind": kind_of(ev.seed) if ev.seed is not None else None,
        "scale": ev.scale, "days": ev.days, "notes": ev.conditions[0].notes,
        "conditions": [{"condition": c.name, "scores": [{
            "detector": s.detector, "precision": s.precision, "recall": s.recall, "f1": s.f1,
            "onset_delay_median_s": s.delay(50), "onset_delay_p90_s": s.delay(90),
            "false_alarms_per_week": s.false_per_week, "true_alarms": s.true_alarms,
            "false_alarms": s.false_alarms, "explained": s.explained,
            "by_type": {t: {"events": r.events, "detected": r.detected, "recall": r.recall,
                            "onset_delay_median_s": r.delay(50)}
                        for t, r in s.by_type.items()},
        } for s in c.scores]} for c in ev.conditions],
    }  # fmt: skip


def _outage_spec(text: str) -> Any:
    """KIND[:MIN-MAX[:SHARE]] → scenario.OutageSpec (durations in minutes)."""
    from nethealth.outages.replay.scenario import DEFAULT_OUTAGES, KINDS, OutageSpec

    kind, _, rest = text.partition(":")
    if kind not in KINDS:
        raise ConfigError(f"unknown outage kind {kind!r}", hint=f"choose {', '.join(KINDS)}")
    default = next(o for o in DEFAULT_OUTAGES if o.kind == kind)
    lo, hi, share = default.min_minutes, default.max_minutes, default.share
    span, _, share_text = rest.partition(":")
    try:
        if span:
            a, _, b = span.partition("-")
            lo, hi = int(a), int(b or a)
        if share_text:
            share = float(share_text)
    except ValueError:
        raise ConfigError(
            f"--outage {text!r} is not KIND[:MIN-MAX[:SHARE]]", hint="e.g. partial:60-120:0.45"
        ) from None
    return OutageSpec(kind, lo, hi, share).check()


@app.command()
def replay(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the replay into")],
    rib: Annotated[
        Path | None,
        typer.Option(
            "--rib",
            help="The real RIB: a TABLE_DUMP_V2 file or its `bgpdump -m` text (e.g. "
            "../shared/data/bgp/derived/rrc06-full-20100701.tdv2.mrt.gz); not needed with --reuse",
        ),
    ] = None,
    peers: Annotated[
        int, typer.Option(help="Full-feed peers, 1-200 (each gets its own address)")
    ] = 10,
    peers_per_collector: Annotated[
        int, typer.Option(help="Peers per collector (rrc00, rrc01, …)")
    ] = 10,
    days: Annotated[int, typer.Option(help="Days of update files (1-14)")] = 2,
    seed: Annotated[
        int, typer.Option(help="Scenario seed (tuning and evaluation seeds: outages.seeds)")
    ] = 1,
    start: Annotated[
        str | None, typer.Option("--start", help="First day, YYYY-MM-DD (default: the RIB's day)")
    ] = None,
    flaps_per_hour: Annotated[
        float,
        typer.Option(
            help="Single-prefix flaps (withdrawn, re-announced) per peer and hour, on "
            "the 2010 table's 323,486 prefixes (scaled to the table's size)"
        ),
    ] = 240.0,
    flap_median_seconds: Annotated[
        float, typer.Option(help="Median flap length (log-normal, σ 1, at most an hour)")
    ] = 120.0,
    duplicates_per_hour: Annotated[
        float, typer.Option(help="Duplicate announcements per peer and hour (the same)")
    ] = 1200.0,
    bursts_per_day: Annotated[
        float,
        typer.Option(
            help="Withdrawal bursts at one peer (0.06-0.6 % of the table: 200-2000 "
            "prefixes of the 2010 table) per peer and day"
        ),
    ] = 4.0,
    resets_per_day: Annotated[
        float, typer.Option(help="Peer session resets per day, over all peers")
    ] = 2.0,
    gaps_per_day: Annotated[
        float, typer.Option(help="Collector gaps (10-40 min without update files) per day")
    ] = 1.0,
    missing_share: Annotated[
        float, typer.Option(help="Share of the table each peer lacks (full feeds differ)")
    ] = 0.002,
    outage: Annotated[
        list[str] | None,
        typer.Option(
            "--outage",
            help="An injected outage, KIND[:MIN-MAX[:SHARE]] (minutes), repeatable; KIND: "
            "national, partial (SHARE of the country's prefixes), regional (networks holding "
            "up to SHARE of its space), network, short, throttling (not an outage: paths "
            "change, nothing is withdrawn). Default: national:120-360 partial:60-180:0.45 "
            "regional:60-180:0.3 network:60-180 short:10-25 throttling:120-240",
        ),
    ] = None,
    no_outages: Annotated[
        bool, typer.Option("--no-outages", help="Inject nothing (churn and artefacts only)")
    ] = False,
    country: Annotated[
        list[str] | None,
        typer.Option(
            "--country",
            help="Keep only the table's prefixes located in this country "
            "(small, fast replays); repeatable",
        ),
    ] = None,
    score_it: Annotated[
        bool, typer.Option("--score/--no-score", help="Score both detectors on it (default)")
    ] = True,
    reuse: Annotated[
        bool, typer.Option("--reuse", help="Score the replay already in --out, do not write one")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or json")] = "markdown",
) -> None:
    """Replay a real routing table as RIS-style files — N full-feed peers, routine churn
    (flaps, duplicates, bursts), collector artefacts (session resets, gaps) and injected
    outages, the truth in labels/ — and score the IODA baseline and nethealth's detector on it,
    per event and per detection."""
    from nethealth.outages.replay.run import generate
    from nethealth.outages.replay.scenario import (
        DEFAULT_OUTAGES,
        FULL_TABLE,
        ChurnConfig,
        ReplayConfig,
    )
    from nethealth.outages.replay.score import evaluate_replay
    from nethealth.progress import progress_bar

    if fmt not in ("markdown", "json"):
        raise ConfigError(f"unknown format {fmt!r}", hint="choose markdown or json")
    settings = settings_of(ctx)
    if not reuse:
        if rib is None:
            raise ConfigError("--rib is required", hint="give the real RIB to replay")
        first = _day(start, "start") if start else None
        config = ReplayConfig(
            peers=peers, peers_per_collector=peers_per_collector, days=days, seed=seed,
            start=int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
            if first else None,
            churn=ChurnConfig(
                flaps_per_prefix_day=flaps_per_hour * 24 / FULL_TABLE,
                flap_median_seconds=flap_median_seconds,
                duplicates_per_prefix_day=duplicates_per_hour * 24 / FULL_TABLE,
                bursts_per_peer_day=bursts_per_day,
                resets_per_day=resets_per_day, gaps_per_day=gaps_per_day,
                missing_share=missing_share,
            ),
            outages=() if no_outages else tuple(_outage_spec(o) for o in outage)
            if outage else DEFAULT_OUTAGES,
        ).check()  # fmt: skip
        with progress_bar(err) as bar:
            manifest = generate(rib, out, config, assets_dir=settings.assets_dir,
                                countries=country or (), progress=bar)  # fmt: skip
        err.print(
            f"wrote {out}: {manifest['files']['updates']} update files, "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(manifest["counts"].items()))
            + f" (seed {seed}: {manifest['seed_kind']} seed)",
            highlight=False,
        )
    if not score_it:
        return
    with progress_bar(err) as bar:
        ev = evaluate_replay(out, settings.assets_dir, progress=bar)
    typer.echo(json.dumps(ev.doc(), indent=2) if fmt == "json" else ev.markdown())


@app.command("load-signal")
def load_signal(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV with a header: time, value", exists=True, dir_okay=False)
    ],
    name: Annotated[str, typer.Option("--name", help="Signal name, e.g. traffic")],
    entity: Annotated[str, typer.Option("--entity", help="country:XX, asn:NNN or region:XX-YYY")],
    time_column: Annotated[str | None, typer.Option(help="Time column (default: first)")] = None,
    value_column: Annotated[str | None, typer.Option(help="Value column (default: second)")] = None,
    step: Annotated[
        int | None, typer.Option(help="Bin length in seconds (default: the usual interval)")
    ] = None,
) -> None:
    """Load a time series (e.g. traffic) as signal `user:NAME` of one entity."""
    import numpy as np

    from nethealth.outages.lake import load_user_series
    from nethealth.outages.signals.user import series_from_csv

    settings = settings_of(ctx)
    series = series_from_csv(
        file,
        name=name,
        entity=entity,
        time_column=time_column,
        value_column=value_column,
        step=step,
    )
    rows = load_user_series(settings, series)
    n = int((~np.isnan(series.values)).sum())
    err.print(
        f"{series.signal} for {series.entity}: {n} values every {series.step} s, "
        f"{_iso(series.start)} to {_iso(series.end)}; {rows} rows of loaded signals "
        "in the lake",
        highlight=False,
    )


@app.command()
def fetch(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")],
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: --from)")] = None,
    collector: Annotated[
        list[str] | None,
        typer.Option("--collector", help="rrcNN or route-views*; repeatable (default rrc00)"),
    ] = None,
    atlas: Annotated[
        bool, typer.Option("--atlas/--no-atlas", help="Also fetch Atlas dumps")
    ] = True,
    ris_base_url: Annotated[str | None, typer.Option(help="RIS archive (or mirror) URL")] = None,
    routeviews_base_url: Annotated[str | None, typer.Option(help="RouteViews archive URL")] = None,
    atlas_dumps_base_url: Annotated[str | None, typer.Option(help="Atlas daily dumps URL")] = None,
    atlas_probes_base_url: Annotated[
        str | None, typer.Option(help="Atlas probe archive URL")
    ] = None,
) -> None:
    """Download the RIB at --from and every update dump of the days (raw sources bgp-ris /
    bgp-routeviews, as `nethealth bgp fetch` stores them) and the Atlas dumps (`atlas`)."""
    from nethealth.lake.raw import RawStore
    from nethealth.outages.fetch import fetch_inputs
    from nethealth.progress import progress_bar

    settings = _with(settings_of(ctx), {
        "ris_base_url": ris_base_url, "routeviews_base_url": routeviews_base_url,
        "atlas_dumps_base_url": atlas_dumps_base_url,
        "atlas_probes_base_url": atlas_probes_base_url,
    })  # fmt: skip
    first = _day(start, "from")
    last = _day(end, "to") if end else first
    with progress_bar(err) as bar:
        report = fetch_inputs(
            settings,
            RawStore(settings.raw_dir),
            collectors=collector or ["rrc00"],
            first=first,
            last=last,
            with_atlas=atlas,
            progress=bar,
        )
    stored, missing = len(report.stored), report.missing
    err.print(f"stored {stored} files; {len(missing)} not published", highlight=False)
    for u in missing[:10]:
        err.print(f"  missing: {u}", highlight=False)


@events_app.command("list")
def list_events(
    ctx: typer.Context,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 code")] = None,
    scope: Annotated[str | None, typer.Option(help="country, region or asn")] = None,
    asn: Annotated[int | None, typer.Option(help="Events involving this ASN")] = None,
    status: Annotated[
        str | None, typer.Option(help="ongoing (data fresh), stale (data old) or ended")
    ] = None,
    start: FromOpt = None,
    end: ToOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many (newest first)")] = 100,
    fmt: FormatOpt = "table",
) -> None:
    """List detected outage events, newest first."""
    from nethealth.outages.lake import check_window
    from nethealth.outages.query import EventFilter, list_events, to_csv

    if fmt not in ("table", "json", "csv"):
        raise ConfigError(f"unknown format {fmt!r}", hint="choose table, json or csv")
    settings = settings_of(ctx)
    lo, hi = check_window(start, "from"), check_window(end, "to")
    flt = EventFilter(
        country=country.upper() if country else None, scope=scope, asn=asn, status=status,
        start=datetime.fromtimestamp(lo, UTC) if lo is not None else None,
        end=datetime.fromtimestamp(hi, UTC) if hi is not None else None, limit=limit,
    ).check()  # fmt: skip
    rows = list_events(settings, flt)
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
    elif fmt == "csv":
        typer.echo(to_csv(rows), nl=False)
    else:
        table = Table(
            "id", "start", "end", "scope", "where", "severity", "signals", "confidence",
            "review", "curated",
        )  # fmt: skip
        for r in rows:
            where = r["region"] or (f"AS{r['asn']}" if r["asn"] is not None else "") or ""
            where = f"{r['country'] or '?'} {where}".strip()
            table.add_row(
                r["event_id"],
                r["start"],
                r["end"] or r["status"],
                r["scope"],
                where,
                r["severity"],
                ", ".join(r["signals"] or []),
                f"{r['confidence']:.2f} ({r.get('confidence_class') or '?'})",
                str((r.get("review") or {}).get("status", "unreviewed")),
                ", ".join(r["shutdown_ids"] or []),
            )
        out.print(table)
        if rows and rows[0].get("simulated"):
            err.print("these events were detected in SIMULATED data", highlight=False)


@events_app.command("show")
def show_event(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="Event id (out-…)")],
    series: Annotated[
        bool, typer.Option("--series/--no-series", help="Include the evidence series")
    ] = False,
) -> None:
    """One event as JSON, with its evidence (and, with --series, the binned signals)."""
    from nethealth.outages.query import evidence_series, get_event

    settings = settings_of(ctx)
    event = get_event(settings, event_id)
    if series:
        event["series"] = evidence_series(settings, event)
    typer.echo(json.dumps(event, indent=2))


@app.command("fetch-geo")
def fetch_geo(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="Month of the file, YYYY-MM")],
    base_url: Annotated[
        str | None, typer.Option(help="DB-IP download base URL (or a mirror, file://)")
    ] = None,
) -> None:
    """Download DB-IP's IP to City Lite file of --month (raw source `dbip-city`, CC BY 4.0,
    "IP Geolocation by DB-IP"): with it, detection adds region (ISO 3166-2) series."""
    from nethealth.lake.raw import RawStore
    from nethealth.progress import progress_bar
    from nethealth.sources import dbip

    settings = _with(settings_of(ctx), {"dbip_base_url": base_url})
    first = dbip.month_of(month, "month")
    with progress_bar(err) as bar:
        raw = dbip.fetch(settings, RawStore(settings.raw_dir), month=first, progress=bar)
    _table, report = dbip.read_regions(raw.path, strict=False)
    err.print(
        f"stored {raw.path}: {report.rows} ranges, {report.unmapped_rows} in "
        f"{len(report.unmapped)} subdivision names without an ISO 3166-2 code, "
        f"{len(report.skipped)} bad lines skipped",
        highlight=False,
    )
    for (cc, name), n in report.unmapped.most_common(10):
        err.print(f"  unmapped: {cc} {name!r} ({n} ranges)", highlight=False)
