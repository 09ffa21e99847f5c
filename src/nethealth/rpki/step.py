"""The RPKI area's build step, declared here; what it does is in `rpki.build`."""

from __future__ import annotations

from nethealth.lake.build import Step
from nethealth.rpki import build
from nethealth.rpki.source import SOURCE_ID

RPKI = Step(
    id="rpki",
    version="1",
    description="Parse fetched VRP exports (SLURM applied) into rpki_vrps",
    run=build.build,
    outputs=(build.DATASET,),
    sources=(SOURCE_ID,),
    extra_fingerprint=build.fingerprint,
)

STEPS = (RPKI,)
