"""Retention: `nethealth prune` removes old raw snapshots by each source's policy, and the derived
files that only served them.

A policy (`nethealth.common.cadence.Retention`) keeps every file of a source's newest `daily`
snapshot days, then the first snapshot of each earlier month (for `monthly` months, or all), and
removes the rest. Whatever the policy, the newest file of every series of a source (each RIR's
delegation file, each collector's RIBs, each PeeringDB object, …) is kept: it is the one the as-of
rule gives the lake's current values, so no current value loses its input. Defaults come from
the source's cadence; `NETHEALTH_RETENTION` (JSON, by source id, `"*"` for every other source)
or the command's options override them.

Derived files cleaned at the same time: decoded caches under `<lake>/.work/` named by the SHA-256
of a raw file no longer stored, entries of the raw store's indexes (`raw/.index/*.json`) and of
the lake's integrity record for such files, partial downloads untouched for a week, and run
reports older than `NETHEALTH_RUN_REPORTS_DAYS`.

Removing raw files changes what the lake is built from: the next build (which `nethealth prune`
runs unless told not to, and `nethealth update` runs after pruning) recomputes the steps that
read them, so the catalog never lists a file that is gone.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nethealth.common.cadence import Retention, series_of
from nethealth.common.logs import fields
from nethealth.errors import ConfigError
from nethealth.lake.raw import INTEGRITY_FILE, RawFile, RawStore
from nethealth.lake.storage import write_bytes_atomic
from nethealth.ops.report import PrunedFile, PruneRun, old_reports
from nethealth.settings import Settings
from nethealth.sources.base import Source

log = logging.getLogger("nethealth.prune")
SHA = re.compile(r"^[0-9a-f]{64}")
WORK_DIR = ".work"  # decoded caches inside the lake, named by the raw file's SHA-256
PART_DAYS = 7  # a partial download untouched this long is abandoned


@dataclass(frozen=True)
class Decision:
    raw: RawFile
    keep: bool
    why: str


@dataclass
class PruneResult:
    decisions: list[Decision] = field(default_factory=list)
    derived: list[tuple[Path, int]] = field(default_factory=list)  # removed (or would be)
    dry_run: bool = False
    freed: int = 0  # bytes the removals free (see `count_freed`)

    @property
    def removed(self) -> list[Decision]:
        return [d for d in self.decisions if not d.keep]

    @property
    def kept(self) -> list[Decision]:
        return [d for d in self.decisions if d.keep]

    def freed_bytes(self) -> int:
        return self.freed

    def run(self) -> PruneRun:
        return PruneRun(
            status="done",
            removed=[
                PrunedFile(p.source_id, p.snapshot, p.name, p.size)
                for p in (d.raw.provenance for d in self.removed)
            ],
            kept_files=len(self.kept),
            freed_bytes=self.freed_bytes(),
            derived_removed=len(self.derived),
            derived_freed_bytes=sum(n for _p, n in self.derived),
        )


def _inode(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, id(path))
    return (st.st_dev, st.st_ino)


def count_freed(decisions: Sequence[Decision]) -> int:
    """Bytes removing a source's files frees, counted before removing them: bytes hard-linked
    from a kept snapshot (an unchanged file recorded for a later day) free nothing, and bytes
    linked from several removed snapshots count once."""
    kept = {_inode(d.raw.path) for d in decisions if d.keep}
    gone: dict[tuple[int, int], int] = {}
    for d in decisions:
        node = _inode(d.raw.path)
        if not d.keep and node not in kept:
            gone[node] = d.raw.provenance.size
    return sum(gone.values())


def retention_of(settings: Settings, source: Source) -> Retention:
    """The source's policy: NETHEALTH_RETENTION's entry for it, else its `"*"` entry, else the
    default its cadence declares."""
    given = settings.retention.get(source.id, settings.retention.get("*"))
    if given is None:
        return source.cadence.retention
    unknown = set(given) - {"daily", "monthly"}
    if unknown:
        raise ConfigError(f"NETHEALTH_RETENTION for {source.id}: unknown key(s) {sorted(unknown)}",
                          hint='e.g. {"bgp-ris": {"daily": 7, "monthly": 12}}')  # fmt: skip
    try:
        return Retention(
            daily=int(given.get("daily") or source.cadence.retention.daily),
            monthly=given.get("monthly", source.cadence.retention.monthly),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"NETHEALTH_RETENTION for {source.id}: {exc}",
                          hint="daily is a number >= 1; monthly a number >= 0 or null") from None  # fmt: skip


def decide(files: Sequence[RawFile], policy: Retention) -> list[Decision]:
    """Which files of one source the policy keeps, and why (see the module docstring)."""
    days = sorted({f.provenance.snapshot for f in files}, reverse=True)
    daily = set(days[: policy.daily])
    firsts: dict[str, str] = {}  # month → its first snapshot day, among the older days
    for day in sorted(days[policy.daily :]):
        firsts.setdefault(day[:7], day)
    months = sorted(firsts, reverse=True)
    if policy.monthly is not None:
        months = months[: policy.monthly]
    monthly = {firsts[m] for m in months}
    newest: dict[str, RawFile] = {}
    for f in sorted(files, key=lambda f: (f.provenance.snapshot, f.provenance.name)):
        newest[series_of(f.provenance.name)] = f
    pinned = {id(f) for f in newest.values()}
    out = []
    for f in files:
        snap = f.provenance.snapshot
        if snap in daily:
            out.append(Decision(f, True, f"one of the newest {policy.daily} snapshot days"))
        elif snap in monthly:
            out.append(Decision(f, True, f"the first snapshot of {snap[:7]}"))
        elif id(f) in pinned:
            out.append(Decision(f, True, "the newest of its series: the lake's current input"))
        else:
            out.append(Decision(f, False, policy.describe() + " are kept"))
    return out


def prune(
    settings: Settings,
    sources: Iterable[Source],
    *,
    override: Retention | None = None,
    dry_run: bool = False,
    today: date | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> PruneResult:
    """Apply each source's retention to the raw store, then clean the derived files."""
    store = RawStore(settings.raw_dir)
    result = PruneResult(dry_run=dry_run)
    chosen = [s for s in sources if s.fetch is not None or s.load is not None]
    for i, source in enumerate(chosen):
        if progress is not None:
            progress(f"prune {source.id}", i, len(chosen))
        policy = override or retention_of(settings, source)
        decisions = decide(store.files(source.id), policy)
        result.decisions += decisions
        result.freed += count_freed(decisions)
        for d in decisions:
            if d.keep:
                continue
            p = d.raw.provenance
            log.info("%s %s/%s/%s", "would remove" if dry_run else "removed", p.source_id,
                     p.snapshot, p.name, extra=fields(event="prune", source=p.source_id,
                     snapshot=p.snapshot, name=p.name, size=p.size, dry_run=dry_run))  # fmt: skip
            if not dry_run:
                store.remove(d.raw)
    if progress is not None:
        progress(f"prune {len(chosen)} sources", len(chosen), len(chosen))
    stored = {f.provenance.sha256 for s in chosen for f in store.files(s.id)}
    if dry_run:
        stored -= {d.raw.provenance.sha256 for d in result.removed}
        stored |= {d.raw.provenance.sha256 for d in result.kept}
    result.derived = clean_derived(settings, stored, dry_run=dry_run, today=today)
    return result


def clean_derived(
    settings: Settings, stored: set[str], *, dry_run: bool = False, today: date | None = None
) -> list[tuple[Path, int]]:
    """Remove what only served raw files no longer stored (see the module docstring); the
    (path, bytes) removed. Index and record entries count as their file, with 0 bytes."""
    out: list[tuple[Path, int]] = []
    work = settings.lake_dir / WORK_DIR
    for p in sorted(work.rglob("*")) if work.is_dir() else ():
        if p.is_file() and SHA.match(p.name) and p.name[:64] not in stored:
            out.append((p, p.stat().st_size))
            if not dry_run:
                p.unlink(missing_ok=True)
    for index in sorted((settings.raw_dir / ".index").glob("*.json")):
        out += _drop_keys(index, stored, dry_run)
    out += _drop_keys(settings.lake_dir / INTEGRITY_FILE, stored, dry_run)
    old = time.time() - PART_DAYS * 86400
    incoming = settings.raw_dir / ".incoming"
    for p in sorted(incoming.rglob("*")) if incoming.is_dir() else ():
        if p.is_file() and p.stat().st_mtime < old:
            out.append((p, p.stat().st_size))
            if not dry_run:
                p.unlink(missing_ok=True)
    if today is not None:
        for p in old_reports(settings.runs_dir, settings.run_reports_days, today):
            out.append((p, p.stat().st_size))
            if not dry_run:
                p.unlink(missing_ok=True)
    if out:
        log.info("%s %d derived file(s) or entries", "would clean" if dry_run else "cleaned",
                 len(out), extra=fields(event="prune_derived", count=len(out),
                                        bytes=sum(n for _p, n in out)))  # fmt: skip
    return out


def _drop_keys(path: Path, stored: set[str], dry_run: bool) -> list[tuple[Path, int]]:
    """Entries of a JSON object keyed by SHA-256 whose file is no longer stored."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    gone = [k for k in data if SHA.fullmatch(k) and k not in stored]
    if gone and not dry_run:
        for k in gone:
            del data[k]
        write_bytes_atomic(path, json.dumps(data, indent=2, sort_keys=True).encode())
    return [(path / k, 0) for k in gone]


def summary(result: PruneResult) -> Mapping[str, tuple[int, int]]:
    """Per source: (files removed, bytes freed)."""
    out: dict[str, tuple[int, int]] = {}
    for d in result.removed:
        n, b = out.get(d.raw.provenance.source_id, (0, 0))
        out[d.raw.provenance.source_id] = (n + 1, b + d.raw.provenance.size)
    return out
