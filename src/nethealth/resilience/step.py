"""The resilience area's build steps: APNIC's IPv6 series, then the index itself."""

from __future__ import annotations

from nethealth.resilience.compute import STEP as INDEX
from nethealth.sources import apnic_ipv6

STEPS = (apnic_ipv6.STEP, INDEX)
