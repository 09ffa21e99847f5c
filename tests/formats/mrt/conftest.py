from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: runs the MRT decoder fuzzer for FUZZ_SECONDS (default 10)"
    )
