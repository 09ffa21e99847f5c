from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standards.lab import Lab


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """Every lab domain's servers on loopback, for the whole session."""
    with Lab() as running:
        yield running
