"""Shared fixtures: one tiny simulated tree per seed, generated once per test session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nethealth.sim import SimConfig, SimResult, run

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
START = dt.date(2025, 6, 1)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    out = tmp_path_factory.mktemp("sim-tiny-a")
    return run(SimConfig(out=out, seed=7, scale="tiny", days=1, start=START))


@pytest.fixture(scope="session")
def tiny_again(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    out = tmp_path_factory.mktemp("sim-tiny-b")
    return run(SimConfig(out=out, seed=7, scale="tiny", days=1, start=START))


@pytest.fixture(scope="session")
def tiny_other_seed(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    out = tmp_path_factory.mktemp("sim-tiny-c")
    return run(SimConfig(out=out, seed=8, scale="tiny", days=1, start=START))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real reference data directory (../shared/data); tests skip when it is absent."""
    return SHARED


@pytest.fixture(scope="session")
def tiny_two_workers(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    out = tmp_path_factory.mktemp("sim-tiny-d")
    return run(SimConfig(out=out, seed=7, scale="tiny", days=1, start=START, workers=2))
