"""The bgp area's build steps; their logic is in `nethealth.bgp.derived` and
`nethealth.bgp.hegemony_step`."""

from __future__ import annotations

from nethealth.bgp import derived, hegemony_step
from nethealth.lake.build import Step

STEP = Step(
    id="bgp",
    version="2",
    description="Decode RIB dumps into peers, prefix-origin visibility, AS links and routed "
    "resources per country",
    run=derived.build,
    outputs=derived.OUTPUTS,
    sources=derived.SOURCES,
    depends=("ipdb", "rir"),
)
HEGEMONY = Step(
    id="bgp_hegemony",
    version="1",
    description="AS hegemony (IHR method) per RIB date: global and per origin AS; transit "
    "dependency per country (ip-location-db in force)",
    run=hegemony_step.build,
    outputs=hegemony_step.OUTPUTS,
    sources=hegemony_step.SOURCES,
    depends=("ipdb",),
)
STEPS = (STEP, HEGEMONY)
