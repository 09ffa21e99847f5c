"""Incremental, restartable build of the lake.

Each step declares a version, the raw sources it reads and the datasets of other steps it reads.
Its fingerprint hashes all of that; a step whose fingerprint and outputs are unchanged is skipped.
Outputs are written atomically one by one and the state file is rewritten after every step, so an
interrupted build leaves every dataset readable (old or new, never half) and a rerun finishes it.

A step that reads a raw file in full reports what it found (`StepContext.record_integrity`): a
damaged file (truncated, corrupt) is used as far as it can be read, named in the step's outcome,
its state and the lake's integrity record; a strict build (`strict=True`) refuses it instead:
the step fails and keeps its previous outputs, and a step built earlier from a damaged file is
not skipped.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from nethealth.common.logs import fields
from nethealth.errors import BuildError, InputError, NethealthError
from nethealth.lake.raw import Integrity, RawFile, RawStore, load_integrity, merge_integrity
from nethealth.lake.storage import (
    sha256_file,
    sha256_text,
    write_bytes_atomic,
    write_parquet_atomic,
)
from nethealth.settings import Settings

STATE_FILE = "_state.json"
log = logging.getLogger("nethealth.build")
NOTE_LEVELS = ("info", "warning")


@dataclass(frozen=True)
class Note:
    """Something a step wants its readers to know about what it built: a day skipped, the
    window it covered, a fallback it took. Kept in the step's state, logged, listed in the
    catalog (`_build_notes`), on the about page and in the run report of `nethealth update`."""

    step_id: str
    message: str
    level: str = "info"  # info | warning

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level, "message": self.message}


@dataclass
class StepContext:
    """What a running step may use: settings, raw inputs and the dataset reader/writer."""

    settings: Settings
    step_id: str
    raw: RawStore
    lake_dir: Path
    progress: Callable[[str, int, int], None]
    written: dict[str, str] = field(default_factory=dict)
    staged: dict[str, Path] = field(default_factory=dict)
    strict: bool = False  # refuse damaged raw files instead of using what can be read
    checked: dict[str, Integrity] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def note(self, message: str, *, level: str = "info") -> None:
        """A build note (see `Note`): `warning` when the outputs are weaker for it (an input
        missing, a fallback taken), `info` for what the outputs cover."""
        if level not in NOTE_LEVELS:
            raise ValueError(f"note level {level!r} is not one of {NOTE_LEVELS}")
        self.notes.append(Note(self.step_id, message, level))
        log.log(logging.WARNING if level == "warning" else logging.INFO, "%s: %s", self.step_id,
                message, extra=fields(event="build_note", step=self.step_id))  # fmt: skip

    def raw_files(self, source_id: str) -> list[RawFile]:
        return self.raw.files(source_id)

    def record_integrity(
        self, path: Path, damage: str | None, detail: Mapping[str, Any] | None = None
    ) -> None:
        """What reading a raw file in full found: `damage` says what was wrong and what was
        lost (None: read completely). A strict build refuses a damaged file (InputError)."""
        found = Integrity.of(path, damage, dict(detail or {}), self.step_id)
        self.checked[found.key] = found
        if damage is not None and self.strict:
            raise InputError(
                f"damaged raw file refused (--strict): {damage}",
                path=path,
                hint=f"the previous datasets of step {self.step_id!r} are unchanged; fetch the "
                "file again, or build without --strict to use what can be read of it",
            )

    def dataset_path(self, name: str) -> Path:
        return self.lake_dir / f"{name}.parquet"

    def write_dataset(self, name: str, table: pa.Table) -> None:
        """Stage a dataset; all staged outputs replace the old ones only when the step succeeds."""
        staged = self.lake_dir / f".{name}.parquet.staged"
        write_parquet_atomic(staged, table)
        self.staged[name] = staged
        self.written[name] = sha256_file(staged)

    def stage_file(self, name: str, path: Path) -> None:
        """Stage a dataset already written to `path` (a Parquet file on the lake's disk, moved,
        not copied: a dataset too big to hold in memory is written as it is computed)."""
        staged = self.lake_dir / f".{name}.parquet.staged"
        os.replace(path, staged)
        self.staged[name] = staged
        self.written[name] = sha256_file(staged)

    def commit(self) -> None:
        for name, staged in self.staged.items():
            staged.replace(self.dataset_path(name))
        self.staged.clear()

    def discard(self) -> None:
        for staged in self.staged.values():
            staged.unlink(missing_ok=True)
        self.staged.clear()


@dataclass(frozen=True)
class Step:
    id: str
    version: str
    description: str
    run: Callable[[StepContext], None]
    outputs: tuple[str, ...]
    sources: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    # Extra fingerprint input, e.g. the version of an npm package read directly from disk.
    extra_fingerprint: Callable[[Settings], str] | None = None


@dataclass(frozen=True)
class StepOutcome:
    step_id: str
    status: str  # "built", "skipped", "would-build", "failed"
    seconds: float = 0.0
    detail: str = ""
    damaged: tuple[Integrity, ...] = ()  # damaged raw files the outputs were built from
    notes: tuple[Note, ...] = ()  # the notes of the build the outputs come from
    built_at: str | None = None  # when the current outputs were built


_CURRENT: ContextVar[StepContext | None] = ContextVar("nethealth_build_step", default=None)


def current_step() -> StepContext | None:
    """The step running in this context, for readers of raw files that report what they
    found (`StepContext.record_integrity`); None outside a build."""
    return _CURRENT.get()


@contextmanager
def _running(ctx: StepContext) -> Iterator[None]:
    token = _CURRENT.set(ctx)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def _load_state(lake_dir: Path) -> dict[str, dict[str, object]]:
    path = lake_dir / STATE_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}  # a damaged state only costs a full rebuild
    return data if isinstance(data, dict) else {}


def _save_state(lake_dir: Path, state: dict[str, dict[str, object]]) -> None:
    write_bytes_atomic(lake_dir / STATE_FILE, json.dumps(state, indent=2, sort_keys=True).encode())


def fingerprint(
    step: Step, settings: Settings, raw: RawStore, state: dict[str, dict[str, object]]
) -> str:
    parts = [f"step={step.id}", f"version={step.version}"]
    for source in step.sources:
        for f in raw.files(source):
            parts.append(
                f"raw={source}/{f.provenance.snapshot}/{f.provenance.name}:{f.provenance.sha256}"
            )
    for dep in step.depends:
        outputs = state.get(dep, {}).get("outputs", {})
        parts.append(f"dep={dep}:{json.dumps(outputs, sort_keys=True)}")
    if step.extra_fingerprint is not None:
        parts.append(f"extra={step.extra_fingerprint(settings)}")
    return sha256_text("\n".join(parts))


def order_steps(steps: Sequence[Step]) -> list[Step]:
    """Topological order; raises on unknown or cyclic dependencies."""
    by_id = {s.id: s for s in steps}
    done: list[Step] = []
    seen: set[str] = set()

    def visit(step: Step, trail: tuple[str, ...]) -> None:
        if step.id in seen:
            return
        if step.id in trail:
            raise BuildError(f"build steps depend on each other in a cycle: {' -> '.join(trail)}")
        for dep in step.depends:
            if dep not in by_id:
                raise BuildError(f"step {step.id!r} depends on unknown step {dep!r}")
            visit(by_id[dep], (*trail, step.id))
        seen.add(step.id)
        done.append(step)

    for s in steps:
        visit(s, ())
    return done


def run_build(
    steps: Sequence[Step],
    settings: Settings,
    *,
    only: Sequence[str] = (),
    force: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    on_step: Callable[[StepOutcome], None] | None = None,
) -> list[StepOutcome]:
    """Run the steps in dependency order. `only` limits to those steps (their inputs must exist).
    `strict`: damaged raw files fail the steps that read them (see the module docstring)."""
    ordered = order_steps(steps)
    known = {s.id for s in ordered}
    unknown = [o for o in only if o not in known]
    if unknown:
        raise BuildError(
            f"unknown build step(s): {', '.join(unknown)}",
            hint=f"choose among: {', '.join(sorted(known))}",
        )
    lake_dir = settings.lake_dir
    lake_dir.mkdir(parents=True, exist_ok=True)
    raw = RawStore(settings.raw_dir)
    state = _load_state(lake_dir)
    report = progress or (lambda _m, _d, _t: None)
    outcomes: list[StepOutcome] = []
    pending: set[str] = set()  # steps a dry run would rebuild; their dependants would follow
    for step in ordered:
        if only and step.id not in only:
            continue
        fp = fingerprint(step, settings, raw, state)
        prev = state.get(step.id, {})
        outputs_ok = all((lake_dir / f"{o}.parquet").is_file() for o in step.outputs)
        upstream_pending = any(d in pending for d in step.depends)
        damaged = _damaged_inputs(lake_dir, prev)
        refused = strict and bool(damaged)  # built from damaged files: a strict build rechecks
        unchanged = prev.get("fingerprint") == fp and outputs_ok and not upstream_pending
        if not force and unchanged and not refused:
            outcome = StepOutcome(step.id, "skipped", detail="inputs unchanged", damaged=damaged,
                                  notes=_notes_of(step.id, prev),
                                  built_at=str(prev.get("built_at") or "") or None)  # fmt: skip
        elif dry_run:
            pending.add(step.id)
            why = "an input step would be rebuilt" if upstream_pending else "inputs changed"
            if unchanged and refused:
                why = "built from damaged raw files, which --strict refuses"
            outcome = StepOutcome(step.id, "would-build", detail=why, damaged=damaged)
        else:
            try:
                outcome = _run_step(step, settings, raw, lake_dir, state, fp, report, strict)
            except NethealthError as exc:
                log.error("step %s failed: %s", step.id, exc.message,
                          extra=fields(event="step", step=step.id, status="failed"))  # fmt: skip
                raise
        _log_outcome(outcome)
        outcomes.append(outcome)
        if on_step is not None:
            on_step(outcome)
    return outcomes


def _log_outcome(o: StepOutcome) -> None:
    log.info("step %s %s%s", o.step_id, o.status, f" in {o.seconds:.1f}s" if o.seconds else "",
             extra=fields(event="step", step=o.step_id, status=o.status,
                          seconds=round(o.seconds, 3), detail=o.detail,
                          damaged=[f.label for f in o.damaged]))  # fmt: skip


def _notes_of(step_id: str, prev: Mapping[str, object]) -> tuple[Note, ...]:
    got = prev.get("notes")
    if not isinstance(got, list):
        return ()
    return tuple(
        Note(step_id, str(n.get("message", "")), str(n.get("level", "info")))
        for n in got
        if isinstance(n, dict)
    )


def step_notes(state: Mapping[str, Mapping[str, object]]) -> list[Note]:
    """The notes of every step's current outputs, from the build state."""
    return [n for step_id, prev in sorted(state.items()) for n in _notes_of(step_id, prev)]


def _run_step(
    step: Step,
    settings: Settings,
    raw: RawStore,
    lake_dir: Path,
    state: dict[str, dict[str, object]],
    fp: str,
    report: Callable[[str, int, int], None],
    strict: bool = False,
) -> StepOutcome:
    ctx = StepContext(settings, step.id, raw, lake_dir, report, strict=strict)
    start = time.monotonic()
    try:
        with _running(ctx):
            step.run(ctx)
        missing = [o for o in step.outputs if o not in ctx.written]
        if missing:
            raise BuildError(f"build step {step.id!r} did not write {', '.join(missing)}")
    except NethealthError:
        ctx.discard()
        raise
    except Exception as exc:  # an unexpected failure still names the step
        ctx.discard()
        raise BuildError(
            f"build step {step.id!r} failed: {type(exc).__name__}: {exc}",
            hint="the previous datasets of this step are unchanged; fix the cause and rerun",
        ) from exc
    finally:  # what the step found is kept even when it failed (a strict refusal)
        if ctx.checked:
            merge_integrity(lake_dir, ctx.checked.values())
    ctx.commit()
    damaged = tuple(f for f in ctx.checked.values() if f.damaged)
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    state[step.id] = {
        "fingerprint": fp,
        "version": step.version,
        "outputs": ctx.written,
        "built_at": built_at,
        "damaged_inputs": sorted(f.key for f in damaged),
        "notes": [n.to_dict() for n in ctx.notes],
    }
    _save_state(lake_dir, state)
    return StepOutcome(step.id, "built", time.monotonic() - start, damaged=damaged,
                       notes=tuple(ctx.notes), built_at=built_at)  # fmt: skip


def _damaged_inputs(lake_dir: Path, prev: Mapping[str, object]) -> tuple[Integrity, ...]:
    """The damaged raw files a step's current outputs were built from (its state says)."""
    keys = prev.get("damaged_inputs")
    if not isinstance(keys, list) or not keys:
        return ()
    record = load_integrity(lake_dir)
    return tuple(record[k] for k in keys if k in record and record[k].damaged)


def load_state(settings: Settings) -> dict[str, dict[str, object]]:
    return _load_state(settings.lake_dir)
