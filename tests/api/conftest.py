from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nethealth.server.app import create_app
from nethealth.settings import Settings
from tests.api.fixture_lake import build_fixture_lake, fixture_indicators, make_settings

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "node_modules"


def fixture_app(settings: Settings) -> FastAPI:
    return create_app(settings, indicators_provider=fixture_indicators)


@pytest.fixture(scope="session")
def lake_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_fixture_lake(make_settings(tmp_path_factory.mktemp("lake"), ASSETS))


@pytest.fixture(scope="session")
def client(lake_settings: Settings) -> Iterator[TestClient]:
    with TestClient(fixture_app(lake_settings)) as c:
        yield c


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[TestClient]:
    """A server whose data directory has no lake at all."""
    with TestClient(fixture_app(make_settings(tmp_path / "nolake", ASSETS))) as c:
        yield c
