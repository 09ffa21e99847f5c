"""The bgp area's build step; its logic is `nethealth.bgp.derived`."""

from __future__ import annotations

from nethealth.bgp import derived
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
STEPS = (STEP,)
