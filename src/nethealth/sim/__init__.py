"""nethealth.sim — a deterministic simulated Internet written in the publishers' real formats.

Public API: :class:`SimConfig`, :class:`SimResult`, :func:`run`. See docs/simulator.md.
"""

from nethealth.sim.config import SCALES, SimConfig, SimResult, WrittenFile
from nethealth.sim.run import run

__all__ = ["SCALES", "SimConfig", "SimResult", "WrittenFile", "run"]
