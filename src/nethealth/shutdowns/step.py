"""The shutdown tracker's build steps (their logic: nethealth.shutdowns.lake)."""

from __future__ import annotations

from nethealth.economics.cost_model import METHOD_VERSION
from nethealth.economics.worldbank import SOURCE_ID as WORLDBANK
from nethealth.lake.build import Step
from nethealth.shutdowns.events import GROUPING_VERSION
from nethealth.shutdowns.lake import build_costs, build_events, log_fingerprint

STEP = Step(
    id="shutdowns",
    version=f"2;{GROUPING_VERSION}",
    description="The shutdown tracker's current state (imports + curation): records into "
    "shutdowns, distinct events into shutdown_events",
    run=build_events,
    outputs=("shutdowns", "shutdown_events"),
    extra_fingerprint=log_fingerprint,
)
COST_STEP = Step(
    id="shutdown_costs",
    version=f"{METHOD_VERSION};{GROUPING_VERSION}",
    description="Economic cost estimates per shutdown record and country into shutdown_costs",
    run=build_costs,
    outputs=("shutdown_costs",),
    sources=(WORLDBANK,),
    depends=("shutdowns",),
)
STEPS = (STEP, COST_STEP)
