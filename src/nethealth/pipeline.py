"""The build graph: sources → datasets → indicators → catalog."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nethealth.bgp import derived as bgp_derived
from nethealth.indicators.build import STEP as INDICATORS
from nethealth.lake.build import Step, StepOutcome, load_state, run_build
from nethealth.lake.catalog import write_catalog
from nethealth.lake.raw import RawStore
from nethealth.outages import lake as outages
from nethealth.routing import incidents_step as routing_incidents
from nethealth.routing import scorecard as routing_scorecard
from nethealth.routing import step as routing_step
from nethealth.rpki import build as rpki
from nethealth.settings import Settings
from nethealth.shutdowns import lake as shutdowns
from nethealth.sources import asnames, countries, hegemony, ipdb, peeringdb, rir, tranco

RAW_SOURCES = (
    "ipdb", "rir", "peeringdb", "rpki", "access-now", "worldbank", "bgp-ris", "bgp-routeviews", "irr",
    "atlas", "caida-asrel", "dbip-city", tranco.SOURCE_ID, asnames.SOURCE_ID, hegemony.SOURCE_ID,
)  # fmt: skip


def steps() -> list[Step]:
    return [
        countries.STEP, ipdb.STEP, rir.STEP, peeringdb.STEP, rpki.STEP, *shutdowns.STEPS,
        tranco.STEP, asnames.STEP, hegemony.STEP,
        bgp_derived.STEP, routing_step.STEP, routing_incidents.STEP, routing_scorecard.STEP,
        outages.STEP,
        INDICATORS,
    ]  # fmt: skip


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
        prov = RawStore(settings.raw_dir).all_provenance(RAW_SOURCES)
        write_catalog(settings, prov, load_state(settings))
    return outcomes
