"""The about page with freshness, size jumps, inputs from different periods and step notes, in
headless Chromium: axe-core finds no WCAG 2.2 AA violation, in English, French and Spanish."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nethealth import pipeline
from nethealth.settings import Settings
from tests.ops.conftest import make_lake
from tests.web.conftest import LiveServer, axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def served(settings: Settings, shared_data: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """Real RIR files with a size jump and inputs from different periods (tests/ops/conftest)."""
    lake = make_lake(settings, shared_data, tmp_path)
    pipeline.build(lake)
    server = LiveServer(lake).start()
    yield server
    server.stop()


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_about_page_with_warnings_has_no_axe_violations(
    served: LiveServer,
    browser: Any,
    lang: str,
) -> None:
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        response = page.goto(f"{served.url}/about?lang={lang}")
        assert response is not None and response.status == 200
        for section in ("#fresh-title", "#notes-title", "#jumps-title", "#mixed-title"):
            assert page.locator(section).count() == 1, section
        assert [v["id"] for v in axe_violations(page)] == []
    finally:
        context.close()
