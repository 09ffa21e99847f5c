"""The resilience area's build steps: APNIC's IPv6 series, Ookla's tiles per country, then the
index itself."""

from __future__ import annotations

from nethealth.resilience.compute import STEP as INDEX
from nethealth.resilience.ookla import STEP as OOKLA
from nethealth.sources import apnic_ipv6

STEPS = (apnic_ipv6.STEP, OOKLA, INDEX)
