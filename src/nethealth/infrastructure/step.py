"""The infrastructure area's build steps: each publisher's raw files parsed into datasets."""

from __future__ import annotations

from nethealth.sources import asnames, countries, hegemony, ipdb, peeringdb, rir, tranco

STEPS = (countries.STEP, ipdb.STEP, rir.STEP, peeringdb.STEP, tranco.STEP, asnames.STEP,
         hegemony.STEP)  # fmt: skip
