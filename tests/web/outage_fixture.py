"""Detected outages in the served fixture lake, made the real way: a tiny simulated world (its
MRT and Atlas files) through `nethealth.outages.lake.detect`, with the country map built from
the world's RIR files and linking against the fixture's own `shutdowns` dataset.

The world starts on the day of the fixture's simulated Ethiopian shutdown record, so the
world's national shutdown (in ET) overlaps it and links to it. Detection stops halfway
through that shutdown, so its event is still ongoing at the end of the data.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from nethealth.lake.build import run_build
from nethealth.lake.raw import RawStore
from nethealth.outages import lake
from nethealth.settings import Settings, load_settings
from nethealth.sim import SimConfig, run
from nethealth.sources import rir
from tests.web.shutdown_fixture import RECENT_ET, ShutdownFixture

BIN = 300


@dataclass(frozen=True)
class OutageFixture:
    events: list[dict[str, object]]  # the rows written, as pyarrow gives them
    ongoing: str  # the national shutdown's event, cut by the end of the data
    ended: str  # an ended event
    asn_event: str | None  # an event of scope asn, if the world has one
    cc: str  # the ongoing event's country


def _label(sim: Path) -> dict[str, object]:
    doc = json.loads((sim / "labels" / "events.json").read_text())
    return next(e for e in doc["events"] if e["type"] == "national_shutdown")


def _ts(text: object) -> int:
    return int(datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp())


def build_outages(tmp: Path, served: Settings) -> OutageFixture:
    sim = tmp / "sim"
    run(SimConfig(out=sim, seed=1, scale="tiny", days=2, start=RECENT_ET))
    mirror = sim / "mirror"
    work = load_settings(data_dir=tmp / "data")
    local = work.model_copy(
        update={"rir_base_urls": {r: (mirror / "rir" / r).as_uri() for r in rir.RIRS}}
    )
    # every day's RIR files: the country map of a window is the one in force then (as-of rule)
    for snap in json.loads((sim / "sim.json").read_text())["snapshots"]:
        rir.fetch(local, RawStore(work.raw_dir), day=date.fromisoformat(snap))
    run_build([rir.STEP], work)
    shutil.copy(served.lake_dir / "shutdowns.parquet", work.lake_dir / "shutdowns.parquet")
    national = _label(sim)
    start, stop = _ts(national["start"]), _ts(national["end"])
    cut = (start + (stop - start) // 2) // BIN * BIN
    result = lake.detect(
        work,
        end=cut,
        detector="nethealth",
        extra_bgp=[mirror / "ris", mirror / "routeviews"],
        extra_atlas=[mirror / "atlas"],
    )
    lake.write(served, result)
    events = result.events.to_pylist()
    ongoing = next(e for e in events if e["status"] == "ongoing" and e["scope"] == "country")
    ended = next(e for e in events if e["status"] == "ended")
    asn = next((e for e in events if e["scope"] == "asn"), None)
    return OutageFixture(
        events=events,
        ongoing=str(ongoing["event_id"]),
        ended=str(ended["event_id"]),
        asn_event=str(asn["event_id"]) if asn else None,
        cc=str(ongoing["country"]),
    )


@pytest.fixture(scope="session")
def outage_world(
    shutdown_lake: ShutdownFixture, tmp_path_factory: pytest.TempPathFactory
) -> OutageFixture:
    """Detected outages in the served fixture lake (the pages' and the API's directory)."""
    return build_outages(tmp_path_factory.mktemp("outagesim"), shutdown_lake.settings)
