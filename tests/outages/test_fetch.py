"""Publisher layouts of the detection inputs (RIS, RouteViews, RIPE Atlas)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nethealth.errors import ConfigError
from nethealth.lake.raw import RawStore
from nethealth.outages.config import load_outage_settings
from nethealth.outages.fetch import atlas_paths, fetch_mrt, ris_paths, routeviews_paths
from nethealth.settings import Settings

D = dt.date(2025, 6, 1)


def test_layouts_of_one_day() -> None:
    ris = ris_paths("rrc00", D, D)
    assert ris[0] == "rrc00/2025.06/bview.20250601.0000.gz" and len(ris) == 1 + 288
    assert ris[-1] == "rrc00/2025.06/updates.20250601.2355.gz"
    rv = routeviews_paths("route-views.jinx", D, D)
    assert rv[0] == "route-views.jinx/bgpdata/2025.06/RIBS/rib.20250601.0000.bz2"
    assert rv[-1].endswith("UPDATES/updates.20250601.2345.bz2") and len(rv) == 1 + 96
    assert routeviews_paths("route-views2", D, D, legacy_root=True)[0].startswith("bgpdata/")
    at = atlas_paths(D, D)
    assert (
        at[:2]
        == ["2025-06-01/ping-2025-06-01T0000.bz2", "2025-06-01/traceroute-2025-06-01T0000.bz2"]
        and len(at) == 48
    )


def test_gaps_in_an_archive_are_reported_not_fatal(settings: Settings, tmp_path: Path) -> None:
    mirror = tmp_path / "ris" / "rrc00" / "2025.06"
    mirror.mkdir(parents=True)
    (mirror / "bview.20250601.0000.gz").write_bytes(b"x")
    cfg = load_outage_settings(ris_base_url=(tmp_path / "ris").as_uri())
    report = fetch_mrt(
        settings, RawStore(settings.raw_dir), cfg, collectors=["rrc00"], first=D, last=D
    )
    assert len(report.stored) == 1 and len(report.missing) == 288
    assert report.stored[0].path.name == "rrc00.bview.20250601.0000.gz"
    with pytest.raises(ConfigError):
        fetch_mrt(
            settings, RawStore(settings.raw_dir), cfg, collectors=["nowhere"], first=D, last=D
        )
