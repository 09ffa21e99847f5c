from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from nethealth.standards import jobs
from nethealth.standards.scan import Report, scan
from tests.standards.lab import Lab


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """Every lab domain's servers on loopback, for the whole session."""
    with Lab() as running:
        yield running


class Gate:
    """Holds every scan at its start until opened; counts the scans started."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.started = 0

    async def scan(self, *args: Any, **kwargs: Any) -> Report:
        self.started += 1
        await asyncio.to_thread(self.open.wait, 120)
        return await scan(*args, **kwargs)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    g = Gate()
    monkeypatch.setattr(jobs, "scan", g.scan)
    yield g
    g.open.set()  # never leave a job waiting
