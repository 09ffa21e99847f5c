"""The infrastructure area's build steps: each publisher's raw files parsed into datasets."""

from __future__ import annotations

from nethealth.infrastructure import asrel, ixp
from nethealth.sources import (
    asnames,
    atlas_anchors,
    countries,
    hegemony,
    ipdb,
    manrs_ixps,
    peeringdb,
    rir,
    tranco,
)

STEPS = (countries.STEP, ipdb.STEP, rir.STEP, peeringdb.STEP, tranco.STEP, asnames.STEP,
         hegemony.STEP, atlas_anchors.STEP, manrs_ixps.STEP, ixp.STEP, asrel.STEP)  # fmt: skip
