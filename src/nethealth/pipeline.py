"""The build: every area's steps (nethealth.areas) → datasets → indicators → checks → catalog."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from nethealth.areas import all_sources, all_steps, raw_source_ids
from nethealth.common.cadence import Cadence
from nethealth.common.logs import fields
from nethealth.lake.build import Step, StepOutcome, load_state, run_build, step_notes
from nethealth.lake.catalog import BuildNoteRow, write_catalog
from nethealth.lake.checks import BuildChecks, run_checks
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings

log = logging.getLogger("nethealth.build")


def steps() -> list[Step]:
    """Every area's steps (nethealth.areas), then the indicators."""
    return all_steps()


def cadences() -> dict[str, Cadence]:
    """Every source's cadence, by source id (nethealth.areas)."""
    return {s.id: s.cadence for s in all_sources()}


@dataclass
class BuildResult:
    outcomes: list[StepOutcome] = field(default_factory=list)
    checks: BuildChecks = field(default_factory=BuildChecks)


def build(
    settings: Settings,
    *,
    only: Sequence[str] = (),
    force: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    on_step: Callable[[StepOutcome], None] | None = None,
) -> list[StepOutcome]:
    """Run the build, then rewrite the catalog so readers see the new datasets. `strict`:
    damaged raw files fail the steps that read them instead of being used as far as readable."""
    return build_checked(
        settings, only=only, force=force, dry_run=dry_run, strict=strict, progress=progress,
        on_step=on_step,
    ).outcomes  # fmt: skip


def build_checked(
    settings: Settings,
    *,
    only: Sequence[str] = (),
    force: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    on_step: Callable[[StepOutcome], None] | None = None,
    today: date | None = None,
) -> BuildResult:
    """As `build`, and the checks of `nethealth.lake.checks` (stale sources, size jumps, inputs
    from different periods), logged as warnings and kept in the catalog's `_build_notes`."""
    outcomes = run_build(
        steps(), settings, only=only, force=force, dry_run=dry_run, strict=strict,
        progress=progress, on_step=on_step,
    )  # fmt: skip
    if dry_run:
        return BuildResult(outcomes)
    day = today or datetime.now(UTC).date()
    checks = run_checks(settings.raw_dir, settings.lake_dir, cadences(), day)
    for kind, subject, sentence in checks.warnings():
        log.warning("%s", sentence, extra=fields(event=kind, subject=subject))
    state = load_state(settings)
    prov = RawStore(settings.raw_dir).all_provenance(raw_source_ids())
    write_catalog(settings, prov, state, catalog_notes(state, checks))
    return BuildResult(outcomes, checks)


def catalog_notes(
    state: Mapping[str, Mapping[str, object]], checks: BuildChecks
) -> list[BuildNoteRow]:
    """The rows of `_build_notes`: every step's notes, the size jumps and the mixed periods."""
    rows = [
        BuildNoteRow(
            "note",
            n.level,
            n.step_id,
            n.message,
            n.step_id,
            str(state.get(n.step_id, {}).get("built_at") or "") or None,
        )
        for n in step_notes(state)
    ]
    rows += [
        BuildNoteRow("size_jump", "warning", j.source_id, j.sentence()) for j in checks.size_jumps
    ]
    rows += [
        BuildNoteRow(
            "mixed_periods", "warning" if m.rows_at_latest else "info", m.dataset, m.sentence()
        )
        for m in checks.mixed
    ]
    return rows
