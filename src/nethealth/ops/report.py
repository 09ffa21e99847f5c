"""The run report of `nethealth update`: one JSON document per run, in `<data>/runs/`.

What was asked of each source and why, what it fetched (downloaded, or unchanged upstream and
not downloaded), what the publisher did not have, how long it took and what went wrong; each
build step's outcome, time and notes; what retention removed; and the build's warnings (stale
sources, implausible size jumps, inputs from different periods). `latest.json` is a copy of the
newest report, for monitoring. The schema is documented in docs/operations.md.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from nethealth.errors import NethealthError
from nethealth.lake.storage import write_bytes_atomic

REPORT_VERSION = 1
LATEST = "latest.json"


@dataclass
class FileResult:
    snapshot: str
    name: str
    size: int
    sha256: str
    url: str
    status: str  # downloaded | unchanged (not downloaded: the stored copy is current)


@dataclass
class ErrorInfo:
    type: str
    message: str
    hint: str | None
    exit_code: int

    @classmethod
    def of(cls, exc: BaseException) -> ErrorInfo:
        if isinstance(exc, NethealthError):
            return cls(type(exc).__name__, exc.message, exc.hint, exc.exit_code)
        return cls(type(exc).__name__, str(exc), "a bug in nethealth: please report it", 1)


@dataclass
class SourceRun:
    source_id: str
    status: str  # fetched | unchanged | partial | failed | not due | not configured
    why: str  # why it was (not) asked
    requests: list[dict[str, Any]] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # URLs the publisher does not have
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: ErrorInfo | None = None

    @property
    def downloaded(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "downloaded"]

    @property
    def bytes_downloaded(self) -> int:
        return sum(f.size for f in self.downloaded)


@dataclass
class StepRun:
    step_id: str
    status: str  # built | skipped | failed
    seconds: float
    detail: str = ""
    built_at: str | None = None
    notes: list[dict[str, str]] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)


@dataclass
class BuildRun:
    status: str  # done | failed | not run
    seconds: float = 0.0
    steps: list[StepRun] = field(default_factory=list)
    error: ErrorInfo | None = None


@dataclass
class PrunedFile:
    source_id: str
    snapshot: str
    name: str
    size: int


@dataclass
class PruneRun:
    status: str  # done | failed | not run
    removed: list[PrunedFile] = field(default_factory=list)
    kept_files: int = 0
    freed_bytes: int = 0  # raw files (hard links to bytes kept elsewhere free nothing)
    derived_removed: int = 0  # decoded caches, index entries, stale partial downloads
    derived_freed_bytes: int = 0
    error: ErrorInfo | None = None


@dataclass
class Checks:
    stale: list[dict[str, Any]] = field(default_factory=list)
    size_jumps: list[dict[str, Any]] = field(default_factory=list)
    mixed_periods: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunReport:
    run_id: str
    command: str
    started_at: str
    as_of: str  # the day the routine ran for
    data_dir: str
    finished_at: str | None = None
    seconds: float = 0.0
    status: str = "running"  # ok | warnings | failed | interrupted
    exit_code: int = 0
    sources: list[SourceRun] = field(default_factory=list)
    build: BuildRun = field(default_factory=lambda: BuildRun("not run"))
    prune: PruneRun = field(default_factory=lambda: PruneRun("not run"))
    checks: Checks = field(default_factory=Checks)
    warnings: list[str] = field(default_factory=list)
    version: int = REPORT_VERSION

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        for s, src in zip(data["sources"], self.sources, strict=True):
            s["bytes_downloaded"] = src.bytes_downloaded
            s["files_downloaded"] = len(src.downloaded)
        return json.dumps(data, indent=2, default=str)


def new_run_id(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def report_path(runs_dir: Path, report: RunReport) -> Path:
    return runs_dir / f"{report.command}-{report.run_id}.json"


def write_report(runs_dir: Path, report: RunReport) -> Path:
    """Write the report and refresh `latest.json` (both atomically)."""
    path = report_path(runs_dir, report)
    data = report.to_json().encode()
    write_bytes_atomic(path, data)
    write_bytes_atomic(runs_dir / LATEST, data)
    return path


def read_latest(runs_dir: Path) -> dict[str, Any] | None:
    """The newest run report as JSON, or None (no run yet, or unreadable)."""
    try:
        data = json.loads((runs_dir / LATEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def old_reports(runs_dir: Path, keep_days: int, today: date) -> list[Path]:
    """Run reports older than `keep_days` (by the date in their name); never `latest.json`."""
    if not runs_dir.is_dir():
        return []
    limit = today - timedelta(days=keep_days)
    out = []
    for p in runs_dir.glob("*-*.json"):
        stamp = p.stem.rsplit("-", 1)[-1][:8]
        try:
            day = datetime.strptime(stamp, "%Y%m%d").date()
        except ValueError:
            continue
        if day < limit:
            out.append(p)
    return sorted(out)
