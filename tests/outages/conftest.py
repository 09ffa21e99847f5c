from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

TINY_START = dt.date(2025, 6, 1)


@pytest.fixture(scope="session")
def tiny_sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny simulated world, 3 days, with ground-truth labels (generated once, ~3 s)."""
    from nethealth.sim import run
    from nethealth.sim.config import SimConfig

    out = tmp_path_factory.mktemp("eval") / "sim-1-tiny-3"  # the name `evaluate --keep` reuses
    run(SimConfig(out=out, seed=1, scale="tiny", days=3, start=TINY_START))
    return out
