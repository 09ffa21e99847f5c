"""The open-standards area's build steps: the target lists, and the scan store into the lake."""

from __future__ import annotations

from nethealth.standards import results, targets

STEPS = (targets.STEP, results.STEP)
