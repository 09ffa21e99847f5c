"""The open-standards area's build steps: the target lists, the scan store into the lake, and
the providers' concentration."""

from __future__ import annotations

from nethealth.standards import concentration, results, targets

STEPS = (targets.STEP, results.STEP, concentration.STEP)
