"""An app over a small lake with every area in it, built the way the other tests build theirs:
the fixture lake with the shutdown tracker (tests/web/shutdown_fixture), the routing datasets
of a tiny simulated world (tests/web/routing_fixture), outages detected in another
(tests/web/outage_fixture), AS hegemony with country dependency of a hand-made RIB
(tests/bgp/test_hegemony_lake), the IXP tracker's datasets (tests/infrastructure/ixp_fixture) and
a small scan_results (tests/web/tech_fixture) with the concentration datasets of a hand-made
scan set (tests/standards/scanset)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from tests.api.conftest import fixture_app
from tests.bgp.test_hegemony_lake import write_hegemony_datasets
from tests.infrastructure.ixp_fixture import add_ixps
from tests.standards.scanset import add_concentration
from tests.web.outage_fixture import OutageFixture, build_outages
from tests.web.routing_fixture import RoutingFixture, build_routing
from tests.web.shutdown_fixture import ShutdownFixture, build_shutdown_lake
from tests.web.tech_fixture import write_scan_results


@dataclass(frozen=True)
class FullWorld:
    app: FastAPI
    shutdowns: ShutdownFixture
    routing: RoutingFixture
    outages: OutageFixture


def build_full_world(work: Path) -> FullWorld:
    lake = build_shutdown_lake(work / "shutdowns")
    write_scan_results(lake.settings)  # the adoption series and the technology pages
    add_concentration(lake.settings)  # the concentration pages and API (FR's list)
    routing = build_routing(work / "routing", lake.settings.lake_dir)
    outages = build_outages(work / "outages", lake.settings)
    write_hegemony_datasets(lake.settings.lake_dir, work / "hegemony")
    add_ixps(work / "ixps", lake.settings)
    return FullWorld(fixture_app(lake.settings), lake, routing, outages)
