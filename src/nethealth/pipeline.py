"""The build: every area's steps (nethealth.areas) → datasets → indicators → catalog."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nethealth.areas import all_steps, raw_source_ids
from nethealth.lake.build import Step, StepOutcome, load_state, run_build
from nethealth.lake.catalog import write_catalog
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings


def steps() -> list[Step]:
    """Every area's steps (nethealth.areas), then the indicators."""
    return all_steps()


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
    outcomes = run_build(
        steps(), settings, only=only, force=force, dry_run=dry_run, strict=strict,
        progress=progress, on_step=on_step,
    )  # fmt: skip
    if not dry_run:
        prov = RawStore(settings.raw_dir).all_provenance(raw_source_ids())
        write_catalog(settings, prov, load_state(settings))
    return outcomes
