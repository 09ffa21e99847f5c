"""`nethealth update`: the daily routine in one command.

1. **Fetch what is due**, per source, from its cadence (`nethealth.common.cadence`): a
   publisher's `latest` file when it was last asked `check_days` ago or more; each `day` (or
   `month`) from the last `NETHEALTH_UPDATE_BACKFILL_DAYS` up to the day minus the publication
   lag that is not done yet. Downloads are conditional (ETag / If-Modified-Since: a file the
   publisher has not changed is not downloaded) and resumable (HTTP Range). A day is *done*
   once fetched with nothing missing, so an interrupted run, run again, completes what is not.
2. **Apply retention** (`nethealth.ops.prune`).
3. **Build** incrementally (only what changed), with the build's checks: stale sources,
   implausible size jumps, inputs from different periods.

A source that fails does not stop the others; the build uses what is there. The run report
(`nethealth.ops.report`) says what happened; the exit status is that of the first failure
(4 fetch, 5 build, …), else 0. The command line holds the data directory's lock
(`nethealth.lake.lock`) for the whole run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from nethealth import pipeline
from nethealth.areas import all_sources, get_source
from nethealth.common.logs import fields
from nethealth.errors import ConfigError, NethealthError, NotFoundError
from nethealth.lake.build import StepOutcome
from nethealth.lake.raw import RawStore
from nethealth.lake.storage import write_bytes_atomic
from nethealth.ops import prune as prune_mod
from nethealth.ops.report import (
    BuildRun,
    Checks,
    ErrorInfo,
    FileResult,
    PruneRun,
    RunReport,
    SourceRun,
    StepRun,
    new_run_id,
    write_report,
)
from nethealth.settings import Settings
from nethealth.sources.base import FetchRequest, Source
from nethealth.sources.download import FetchReport

log = logging.getLogger("nethealth.update")
Progress = Callable[[str, int, int], None]
Say = Callable[[str], None]
STATE_FILE = "sources.json"
DONE_KEPT = 400  # done days (or months) remembered per source
BGP_KINDS = ("rib", "updates")


@dataclass(frozen=True)
class Planned:
    """What update asks of one source, and why (empty `requests`: nothing is due)."""

    source: Source
    requests: tuple[FetchRequest, ...]
    keys: tuple[str, ...]  # per request: the day or month it completes ("" for latest)
    why: str
    configured: bool = True


# State ---------------------------------------------------------------------------------------


def state_path(settings: Settings) -> Path:
    return settings.runs_dir / STATE_FILE


def load_state(settings: Settings) -> dict[str, dict[str, Any]]:
    """Per source: when update last asked it (`checked_at`), its outcome, the days done."""
    try:
        data = json.loads(state_path(settings).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(settings: Settings, state: dict[str, dict[str, Any]]) -> None:
    write_bytes_atomic(state_path(settings), json.dumps(state, indent=2, sort_keys=True).encode())


# Planning ------------------------------------------------------------------------------------


def selected_sources(settings: Settings, names: Sequence[str] = ()) -> list[Source]:
    """The sources this run updates: those named (here, else NETHEALTH_UPDATE_SOURCES), else
    the routine ones plus the BGP archives whose collectors are set."""
    wanted = list(names) or [n.strip() for n in settings.update_sources.split(",") if n.strip()]
    if wanted:
        out = []
        for name in dict.fromkeys(wanted):
            try:
                source = get_source(name)
            except NotFoundError as exc:
                raise ConfigError(exc.message, hint=exc.hint) from None
            if source.fetch is None or source.cadence.fetch_by is None:
                raise ConfigError(f"{name} is not fetched: it comes with an installed package",
                                  hint="leave it out of the update's sources")  # fmt: skip
            out.append(source)
        return out
    return [
        s
        for s in all_sources()
        if s.fetch is not None
        and s.cadence.fetch_by is not None
        and (s.cadence.routine or bool(settings.update_collectors.get(s.id)))
    ]


def _base(settings: Settings, source: Source) -> str | None:
    return settings.update_base_urls.get(source.id)


def _checked(entry: dict[str, Any]) -> date | None:
    """The day (as of which) update last asked the source successfully."""
    try:
        return date.fromisoformat(str(entry["checked_for"]))
    except (KeyError, ValueError):
        return None


def plan(
    settings: Settings,
    sources: Iterable[Source],
    today: date,
    state: dict[str, dict[str, Any]],
    *,
    recheck: bool = False,
) -> list[Planned]:
    return [plan_source(settings, s, today, state.get(s.id, {}), recheck=recheck) for s in sources]


def plan_source(
    settings: Settings, source: Source, today: date, entry: dict[str, Any], *, recheck: bool
) -> Planned:
    cad = source.cadence
    base = _base(settings, source)
    if cad.fetch_by == "latest":
        last = _checked(entry)
        if not recheck and last is not None and 0 <= (today - last).days < cad.check_days:
            every = "every day" if cad.check_days == 1 else f"every {cad.check_days} days"
            return Planned(source, (), (), f"asked for {last}; asked {every}")
        return Planned(source, (FetchRequest(base_url=base),), ("",), "the publisher's latest")
    done = set(entry.get("done", []))
    back = settings.update_backfill_days
    newest = today - timedelta(days=cad.lag_days)
    if cad.fetch_by == "month":
        months: list[date] = []
        m = newest.replace(day=1)
        for _ in range(back):
            months.append(m)
            m = (m - timedelta(days=1)).replace(day=1)
        due = [d for d in sorted(months) if recheck or d.isoformat() not in done]
        reqs = tuple(FetchRequest(day=d, base_url=base) for d in due)
        why = f"months {', '.join(d.strftime('%Y-%m') for d in due)}" if due else "months done"
        return Planned(source, reqs, tuple(d.isoformat() for d in due), why)
    days = [newest - timedelta(days=i) for i in range(back - 1, -1, -1)]
    due = [d for d in days if recheck or d.isoformat() not in done]
    span = f"{due[0]}" if len(due) == 1 else f"{due[0]} to {due[-1]}" if due else ""
    if source.id.startswith("bgp-"):
        collectors = tuple(settings.update_collectors.get(source.id, ()))
        if not collectors:
            return Planned(source, (), (), "no collectors set (NETHEALTH_UPDATE_COLLECTORS)",
                           configured=False)  # fmt: skip
        kinds = [k for k in settings.update_bgp_kinds if k in BGP_KINDS]
        if not kinds:
            raise ConfigError(f"NETHEALTH_UPDATE_BGP_KINDS {settings.update_bgp_kinds} names no "
                              "kind of dump", hint="rib, updates or both")  # fmt: skip
        reqs_b = [(FetchRequest(day=d, collectors=collectors, kind=k, base_url=base), d.isoformat())
                  for d in due for k in kinds]  # fmt: skip
        why = f"{', '.join(kinds)} of {', '.join(collectors)}, {span}" if due else "days done"
        return Planned(source, tuple(r for r, _ in reqs_b), tuple(k for _, k in reqs_b), why)
    reqs = tuple(FetchRequest(day=d, base_url=base) for d in due)
    return Planned(source, reqs, tuple(d.isoformat() for d in due), span or "days done")


# Running -------------------------------------------------------------------------------------


def _describe(req: FetchRequest) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("day", "to", "base_url", "kind"):
        value = getattr(req, name)
        if value is not None:
            out[name] = value.isoformat() if isinstance(value, date) else value
    for name in ("collectors", "objects", "parts"):
        if getattr(req, name):
            out[name] = list(getattr(req, name))
    return out


def fetch_source(
    settings: Settings,
    planned: Planned,
    state: dict[str, dict[str, Any]],
    *,
    today: date,
    strict: bool,
    progress: Progress,
) -> SourceRun:
    """Run one source's requests into a SourceRun; record what is done in `state`."""
    source = planned.source
    run = SourceRun(source.id, "not due", planned.why)
    if not planned.configured:
        run.status = "not configured"
        run.warnings.append(f"not fetched: {planned.why}")
        return run
    if not planned.requests:
        return run
    assert source.fetch is not None
    store = RawStore(settings.raw_dir)
    entry = state.setdefault(source.id, {})
    done = list(entry.get("done", []))
    start = time.monotonic()
    seen: set[tuple[str, str]] = set()
    try:
        for req, key in zip(planned.requests, planned.keys, strict=True):
            request = dataclasses.replace(req, strict=strict)
            run.requests.append(_describe(request))
            report: FetchReport = source.fetch(settings, store, request, progress)
            for f in report.stored:
                p = f.provenance
                if (p.snapshot, p.name) in seen:
                    continue
                seen.add((p.snapshot, p.name))
                run.files.append(FileResult(p.snapshot, p.name, p.size, p.sha256, p.url,
                                            "downloaded" if f.downloaded else "unchanged"))  # fmt: skip
            run.missing += report.missing
            if key and not report.missing and key not in done:
                done.append(key)
    except NethealthError as exc:
        run.error = ErrorInfo.of(exc)
        log.error("%s: %s", source.id, exc.message,
                  extra=fields(event="fetch_failed", source=source.id, hint=exc.hint))  # fmt: skip
    except Exception as exc:  # a bug: reported, and the other sources still run
        run.error = ErrorInfo.of(exc)
        log.exception("%s: unexpected %s", source.id, type(exc).__name__,
                      extra=fields(event="fetch_failed", source=source.id))  # fmt: skip
    run.seconds = round(time.monotonic() - start, 3)
    if run.missing:
        run.warnings.append(f"{len(run.missing)} file(s) not published (yet), skipped; asked "
                            "again by the next run")  # fmt: skip
        for url in run.missing:
            log.warning("%s: not published: %s", source.id, url,
                        extra=fields(event="missing", source=source.id, url=url))  # fmt: skip
    if run.error is not None:
        run.status = "failed"
    elif run.missing:
        run.status = "partial"
    else:
        run.status = "fetched" if run.downloaded else "unchanged"
    entry["done"] = sorted(done)[-DONE_KEPT:]
    if run.error is None:
        entry["checked_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        entry["checked_for"] = today.isoformat()
    entry["status"] = run.status
    entry["last_run_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    for got in run.downloaded:
        log.info("%s: downloaded %s/%s (%d bytes)", source.id, got.snapshot, got.name, got.size,
                 extra=fields(event="downloaded", source=source.id, snapshot=got.snapshot,
                              name=got.name, size=got.size))  # fmt: skip
    unchanged = len(run.files) - len(run.downloaded)
    log.info("%s: %s (%d downloaded, %d unchanged, %d missing) in %.1fs", source.id, run.status,
             len(run.downloaded), unchanged, len(run.missing), run.seconds,
             extra=fields(event="source", source=source.id, status=run.status,
                          downloaded=len(run.downloaded), unchanged=unchanged,
                          missing=len(run.missing), bytes=run.bytes_downloaded,
                          seconds=run.seconds))  # fmt: skip
    return run


def _step_run(o: StepOutcome) -> StepRun:
    return StepRun(
        step_id=o.step_id,
        status=o.status,
        seconds=round(o.seconds, 3),
        detail=o.detail,
        built_at=o.built_at,
        notes=[n.to_dict() for n in o.notes],
        damaged=[f"{f.label}: {f.damage}" for f in o.damaged],
    )


def run_update(
    settings: Settings,
    *,
    today: date | None = None,
    sources: Sequence[str] = (),
    build: bool = True,
    prune: bool = True,
    recheck: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    say: Say | None = None,
) -> RunReport:
    """The routine (module docstring). Always returns the report, also written to the data
    directory's `runs/` (even when interrupted: status `interrupted`)."""
    started = datetime.now(UTC)
    day = today or started.date()
    bar = progress or (lambda _m, _d, _t: None)
    tell = say or (lambda _m: None)
    report = RunReport(run_id=new_run_id(started), command="update",
                       started_at=started.isoformat(timespec="seconds"), as_of=day.isoformat(),
                       data_dir=str(settings.data_dir))  # fmt: skip
    clock = time.monotonic()
    failures: list[int] = []
    log.info("update started for %s", day, extra=fields(event="update_started",
             run_id=report.run_id, as_of=day.isoformat()))  # fmt: skip
    try:
        chosen = selected_sources(settings, sources)
        state = load_state(settings)
        for planned in plan(settings, chosen, day, state, recheck=recheck):
            run = fetch_source(settings, planned, state, today=day, strict=strict, progress=bar)
            report.sources.append(run)
            save_state(settings, state)  # what is done survives an interruption
            tell(_source_line(run))
            if run.error is not None:
                failures.append(run.error.exit_code)
        if prune:
            report.prune = _prune(settings, day, bar)
            if report.prune.error is not None:
                failures.append(report.prune.error.exit_code)
            tell(f"prune: {len(report.prune.removed)} raw file(s) removed, "
                 f"{report.prune.freed_bytes:,} bytes freed")  # fmt: skip
        if build:
            report.build, checks = _build(settings, day, bar, tell)
            report.checks = checks
            if report.build.error is not None:
                failures.append(report.build.error.exit_code)
        report.status = "failed" if failures else "ok"
    except BaseException as exc:
        if isinstance(exc, NethealthError):
            failures.append(exc.exit_code)
            report.status = "failed"
            report.warnings.append(f"{type(exc).__name__}: {exc.message}")
        elif isinstance(exc, KeyboardInterrupt | SystemExit):
            report.status = "interrupted"
            code = exc.code if isinstance(exc, SystemExit) else 130
            failures.append(code if isinstance(code, int) and code else 130)
            report.warnings.append(f"interrupted ({type(exc).__name__}): rerun to complete")
        else:
            report.status = "failed"
            failures.append(1)
            report.warnings.append(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        _finish(settings, report, started, clock, failures)
    return report


def _finish(settings: Settings, report: RunReport, started: datetime, clock: float,
            failures: list[int]) -> None:  # fmt: skip
    report.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    report.seconds = round(time.monotonic() - clock, 3)
    report.exit_code = failures[0] if failures else 0
    report.warnings += [w for s in report.sources for w in
                        (f"{s.source_id}: {x}" for x in s.warnings)]  # fmt: skip
    report.warnings += [f"stale: {x['source_id']}: {x['reason']}" for x in report.checks.stale]
    report.warnings += [f"size jump: {x['sentence']}" for x in report.checks.size_jumps]
    report.warnings += [f"mixed periods: {x['sentence']}" for x in report.checks.mixed_periods
                        if x["rows_at_latest"]]  # fmt: skip
    if report.status == "ok" and report.warnings:
        report.status = "warnings"
    path = write_report(settings.runs_dir, report)
    level = logging.INFO if report.status in ("ok", "warnings") else logging.ERROR
    log.log(level, "update %s in %.1fs: report %s", report.status, report.seconds, path,
            extra=fields(event="update_finished", run_id=report.run_id, status=report.status,
                         exit_code=report.exit_code, report=str(path),
                         started_at=started.isoformat(timespec="seconds")))  # fmt: skip


def _source_line(run: SourceRun) -> str:
    parts = [f"{run.source_id}: {run.status}"]
    if run.status in ("not due", "not configured"):
        return f"{parts[0]} ({run.why})"
    got = run.downloaded
    unchanged = len(run.files) - len(got)
    parts.append(f"{len(got)} downloaded ({run.bytes_downloaded:,} bytes)")
    if unchanged:
        parts.append(f"{unchanged} unchanged upstream or already stored, not downloaded")
    if run.missing:
        parts.append(f"{len(run.missing)} not published")
    if run.error is not None:
        parts.append(f"error: {run.error.message}")
    return "; ".join(parts) + f" [{run.why}]"


def _prune(settings: Settings, day: date, bar: Progress) -> PruneRun:
    try:
        result = prune_mod.prune(settings, all_sources(), today=day, progress=bar)
    except NethealthError as exc:
        log.error("prune failed: %s", exc.message, extra=fields(event="prune_failed"))
        return PruneRun("failed", error=ErrorInfo.of(exc))
    return result.run()


def _build(settings: Settings, day: date, bar: Progress, tell: Say) -> tuple[BuildRun, Checks]:
    start = time.monotonic()
    steps: list[StepRun] = []

    def on_step(o: StepOutcome) -> None:
        steps.append(_step_run(o))
        if o.status == "built":
            tell(f"build {o.step_id}: built in {o.seconds:.1f}s")

    try:
        result = pipeline.build_checked(settings, progress=bar, on_step=on_step, today=day)
    except NethealthError as exc:
        return BuildRun("failed", round(time.monotonic() - start, 3), steps,
                        ErrorInfo.of(exc)), Checks()  # fmt: skip
    c = result.checks
    checks = Checks(
        stale=[{"source_id": f.source_id, "newest": f.newest.isoformat() if f.newest else None,
                "age_days": f.age_days, "stale_after_days": f.stale_after_days,
                "reason": f.reason} for f in c.stale],
        size_jumps=[{"source_id": j.source_id, "series": j.series, "name": j.name,
                     "snapshot": j.snapshot.isoformat(), "size": j.size,
                     "previous_name": j.previous_name,
                     "previous_snapshot": j.previous_snapshot.isoformat(),
                     "previous_size": j.previous_size, "ratio": round(j.ratio, 4),
                     "sentence": j.sentence()} for j in c.size_jumps],
        mixed_periods=[{"dataset": m.dataset, "column": m.column, "rows": m.rows,
                        "latest": m.latest, "rows_at_latest": m.rows_at_latest,
                        "reasons": [{"reason": r, "rows": n} for r, n in m.reasons],
                        "sentence": m.sentence()} for m in c.mixed],
    )  # fmt: skip
    built = sum(s.status == "built" for s in steps)
    tell(f"build: {built} step(s) built, {len(steps) - built} unchanged")
    return BuildRun("done", round(time.monotonic() - start, 3), steps), checks
