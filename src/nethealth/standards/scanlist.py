"""`nethealth scan-list LIST`: scan every target of a stored list, resumably and politely.

Targets come from the lake dataset `target_lists` (the list's latest date on or before
`--date`), streamed in rank order, `chunk` at a time, each with the checks that have a result
in the scan store younger than `--max-age` (same target, check and check version, any status,
whichever date of the list it was scanned under; one DuckDB query joins the list with the
store at the start of the run); only the missing target × check pairs are scanned. Scans run `concurrency`
targets at a time over one network, so the scanner's limits hold for the whole run: the global
connection limit (`standards_max_connections`), the per-host limit and the opt-out list
(`standards_opt_out`, a refused target is stored as a `refused_by_policy` error).

Results go to the scan store, `<data>/scans/<list>/<country or global>/<scan day>/`, as Parquet
batches of at most `batch` targets, each written atomically (temporary file + rename): an
interrupted run loses at most the targets in flight, and the next run resumes from what was
stored. The build step `scan_results` gathers the batches into the lake dataset `scan_results`
(one row per list × target × check × scan day, the latest of the day).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from nethealth.errors import ConfigError, DatasetNotBuiltError, NotFoundError
from nethealth.lake.storage import write_parquet_atomic
from nethealth.settings import Settings
from nethealth.standards.model import Check
from nethealth.standards.scan import Report, network_for, scan
from nethealth.standards.source import NTP_POOL
from nethealth.standards.targets import DATASET as TARGETS

RESULT_SCHEMA = pa.schema([
    ("list_id", pa.string()), ("list_date", pa.date32()), ("country", pa.string()),
    ("rank", pa.int32()), ("bucketed", pa.bool_()), ("target", pa.string()),
    ("check_id", pa.string()), ("check_version", pa.int32()), ("status", pa.string()),
    ("reason", pa.string()), ("detail", pa.string()),
    ("scanned_at", pa.timestamp("us", tz="UTC")), ("lab", pa.bool_()), ("simulated", pa.bool_()),
])  # fmt: skip
GLOBAL = "global"  # the store's directory of a list without a country
ScanFn = Callable[..., Awaitable[Report]]
Progress = Callable[[str, int, int], None]


def store_root(settings: Settings) -> Path:
    return settings.data_dir / "scans"


@dataclass(frozen=True)
class ListChoice:
    list_id: str
    country: str | None
    date: dt.date
    targets: int

    @property
    def label(self) -> str:
        return f"{self.list_id} {self.country or 'global'} {self.date}"

    def directory(self, settings: Settings) -> Path:
        return store_root(settings) / self.list_id / (self.country or GLOBAL)


@dataclass(frozen=True)
class Target:
    rank: int | None
    bucketed: bool
    name: str


@dataclass
class RunSummary:
    targets: int = 0  # considered (the list, or its first --limit)
    scanned: int = 0  # scanned now, for at least one check
    skipped: int = 0  # every selected check fresh in the store
    results: int = 0  # rows written
    errors: int = 0  # of them, status error
    batches: list[Path] = field(default_factory=list)


def _targets_path(settings: Settings) -> Path:
    path = settings.lake_dir / f"{TARGETS}.parquet"
    if not path.is_file():
        raise DatasetNotBuiltError(
            f"dataset {TARGETS} has not been built",
            hint="load a list (`nethealth load tranco FILE --date D`, or a country list with "
            "--country) and run `nethealth build`",
        )
    return path


def choose_list(
    settings: Settings, list_id: str, country: str | None, day: dt.date | None = None
) -> ListChoice:
    """The list's latest date on or before `day` (default: the latest), NotFoundError if none."""
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT date, count(*) FROM read_parquet(?) WHERE list_id = ? "
            "AND country IS NOT DISTINCT FROM ? AND (? IS NULL OR date <= ?) "
            "GROUP BY date ORDER BY date DESC LIMIT 1",
            [str(_targets_path(settings)), list_id, country, day, day],
        ).fetchall()
        if not rows:
            known = con.execute(
                "SELECT DISTINCT list_id, coalesce(country, '-') FROM read_parquet(?) ORDER BY ALL",
                [str(_targets_path(settings))],
            ).fetchall()
    finally:
        con.close()
    if not rows:
        listed = ", ".join(f"{i} {c}" for i, c in known) or "none"
        raise NotFoundError(
            f"no list {list_id!r} for {country or 'the world (no --country)'}"
            + (f" on or before {day}" if day else ""),
            hint=f"lists in target_lists (list country): {listed}",
        )
    return ListChoice(list_id, country, rows[0][0], int(rows[0][1]))


def _store_files(settings: Settings, choice: ListChoice, since: dt.datetime) -> list[str]:
    """The list's batches of the scan days from `since` on (older days cannot be fresh)."""
    root = choice.directory(settings)
    if not root.is_dir():
        return []
    return [
        str(p)
        for day_dir in sorted(root.iterdir())
        if day_dir.is_dir() and day_dir.name >= since.date().isoformat()
        for p in sorted(day_dir.glob("batch-*.parquet"))
    ]


_WORK = """
WITH t AS (
  SELECT rank, bucketed, target FROM read_parquet(?) WHERE list_id = ?
     AND country IS NOT DISTINCT FROM ? AND date = ?
  ORDER BY rank NULLS LAST, target LIMIT ?),
f AS ({fresh})
SELECT t.rank, t.bucketed, t.target, list(f.check_id) FILTER (WHERE f.check_id IS NOT NULL)
FROM t LEFT JOIN f ON f.target = t.target
GROUP BY ALL ORDER BY t.rank NULLS LAST, t.target
"""
_FRESH = (
    "SELECT DISTINCT target, check_id FROM read_parquet(?) "
    "WHERE list_contains(?, check_id || ':' || check_version) AND scanned_at >= ?"
)
_NONE = "SELECT NULL::VARCHAR AS target, NULL::VARCHAR AS check_id WHERE false"


def iter_work(
    settings: Settings,
    choice: ListChoice,
    checks: Sequence[Check],
    since: dt.datetime | None,
    limit: int | None,
    chunk: int,
) -> Iterator[list[tuple[Target, frozenset[str]]]]:
    """The list's targets in rank order (unranked ones by name), each with the ids of the
    checks whose current version has a stored result at or after `since` (None: nothing is
    fresh), `chunk` at a time. One query joins the list with the scan store, under any date
    of the list (a new month's list rescans only its new and stale targets)."""
    files = _store_files(settings, choice, since) if since is not None else []
    params: list[Any] = [str(_targets_path(settings)), choice.list_id, choice.country,
                         choice.date, limit if limit is not None else choice.targets]  # fmt: skip
    if files:
        assert since is not None
        params += [files, [f"{c.id}:{c.version}" for c in checks], since]
    con = duckdb.connect()
    try:
        cur = con.execute(_WORK.format(fresh=_FRESH if files else _NONE), params)
        while rows := cur.fetchmany(chunk):
            yield [(Target(r, bool(b), t), frozenset(fresh or ())) for r, b, t, fresh in rows]
    finally:
        con.close()


def _rows(choice: ListChoice, target: Target, report: Report) -> list[dict[str, Any]]:
    return [
        {"list_id": choice.list_id, "list_date": choice.date, "country": choice.country,
         "rank": target.rank, "bucketed": target.bucketed, "target": target.name,
         "check_id": r.check.id, "check_version": r.check.version, "status": r.attempt.status,
         "reason": r.attempt.reason, "detail": r.attempt.detail, "scanned_at": report.started,
         "lab": report.lab, "simulated": False}
        for r in report.results
    ]  # fmt: skip


def write_batch(settings: Settings, choice: ListChoice, rows: list[dict[str, Any]]) -> Path:
    """One batch of results into the scan store, atomically (a reader never sees half)."""
    now = dt.datetime.now(dt.UTC)
    dest = (
        choice.directory(settings)
        / now.date().isoformat()
        / f"batch-{now:%H%M%S}-{uuid.uuid4().hex[:12]}.parquet"
    )
    write_parquet_atomic(dest, pa.Table.from_pylist(rows, schema=RESULT_SCHEMA))
    return dest


async def run_list(
    settings: Settings,
    choice: ListChoice,
    checks: Sequence[Check],
    *,
    max_age: dt.timedelta,
    limit: int | None = None,
    concurrency: int = 4,
    batch: int = 50,
    chunk: int = 500,
    lab: bool = False,
    scan_fn: ScanFn = scan,
    progress: Progress | None = None,
) -> RunSummary:
    """Scan the list's targets whose results are missing or older than `max_age`."""
    if choice.list_id == NTP_POOL:
        raise ConfigError(
            "no check of the registry tests time servers: the NTS checks are not built",
            hint="ntp-pool lists are stored for them; scan a web list (tranco, crux-country, "
            "country-toplist, cctld-domains)",
        )
    if concurrency < 1 or batch < 1:
        raise ConfigError("--concurrency and the batch size are at least 1")
    total = min(limit, choice.targets) if limit is not None else choice.targets
    summary = RunSummary(targets=total)
    since = dt.datetime.now(dt.UTC) - max_age
    network = network_for(settings, lab=lab,
                          limit=asyncio.Semaphore(settings.standards_max_connections))  # fmt: skip
    pending: list[dict[str, Any]] = []
    done_targets = 0  # finished targets whose rows are in `pending`

    def flush() -> None:
        nonlocal done_targets
        if pending:
            summary.batches.append(write_batch(settings, choice, pending))
            summary.results += len(pending)
            summary.errors += sum(1 for r in pending if r["status"] == "error")
            pending.clear()
        done_targets = 0

    def tick() -> None:
        if progress is not None:
            progress(f"scan-list {choice.label}", summary.scanned + summary.skipped, total)

    async def one(target: Target, todo: tuple[Check, ...]) -> tuple[Target, Report]:
        return target, await scan_fn(target.name, settings, lab=lab, checks=todo, network=network)

    running: set[asyncio.Task[tuple[Target, Report]]] = set()

    async def collect() -> None:
        """Store the targets that finished (at least one), a batch once `batch` are done."""
        nonlocal done_targets
        finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        for task in finished:
            running.discard(task)
            target, report = task.result()
            pending.extend(_rows(choice, target, report))
            summary.scanned += 1
            done_targets += 1
            tick()
        if done_targets >= batch:
            flush()

    tick()
    try:
        fresh_since = since if max_age > dt.timedelta(0) else None
        for work in iter_work(settings, choice, checks, fresh_since, limit, chunk):
            for target, fresh in work:
                todo = tuple(c for c in checks if c.id not in fresh)
                if not todo:
                    summary.skipped += 1
                    tick()
                    continue
                while len(running) >= concurrency:
                    await collect()
                running.add(asyncio.ensure_future(one(target, todo)))
        while running:
            await collect()
    finally:
        # Interrupted or failed: keep what finished; what was in flight is scanned next time.
        for task in running:
            task.cancel()
        for task in running:
            if task.done() and not task.cancelled() and task.exception() is None:
                target, report = task.result()
                pending.extend(_rows(choice, target, report))
        flush()
    return summary
