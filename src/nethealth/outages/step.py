"""The outage area's build step, declared here; what it does is in `outages.lake` (the
detection over what the raw store holds, and the datasets it writes)."""

from __future__ import annotations

from nethealth.economics.worldbank import SOURCE_ID as WORLDBANK
from nethealth.lake.build import Step
from nethealth.outages import lake, robust
from nethealth.outages.artefacts import ARTEFACTS
from nethealth.sources.atlas import SOURCE_ID as ATLAS_SOURCE

OUTAGES = Step(
    id="outages",
    version=f"4;{robust.METHOD_VERSION}",
    description="Detect outages in the BGP and Atlas data (outage_events, outage_signals, "
    "outage_artefacts)",
    run=lake.build,
    outputs=(lake.EVENTS, lake.SIGNALS, ARTEFACTS),
    sources=(*lake.BGP_SOURCES, ATLAS_SOURCE, WORLDBANK, "dbip-city"),
    # ipdb, rir: the country map; shutdowns: linking; shutdown_costs: the curated costs
    depends=("ipdb", "rir", "shutdowns", "shutdown_costs"),
)

STEPS = (OUTAGES,)
