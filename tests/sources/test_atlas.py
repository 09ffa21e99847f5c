"""RIPE Atlas fetcher against a loopback mirror in the publisher's layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nethealth.errors import ConfigError
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import atlas
from tests.mirror import serve_directory

D = dt.date(2025, 6, 1)


def test_layout_of_one_day() -> None:
    paths = atlas.dump_paths(D, D)
    assert paths[:2] == [
        "2025-06-01/ping-2025-06-01T0000.bz2",
        "2025-06-01/traceroute-2025-06-01T0000.bz2",
    ]
    assert paths[-1] == "2025-06-01/traceroute-2025-06-01T2300.bz2" and len(paths) == 48
    assert atlas.probe_path(D) == "2025/06/20250601.json.bz2"


def test_fetch_stores_with_provenance_and_reports_gaps(settings: Settings, tmp_path: Path) -> None:
    dumps = tmp_path / "dumps" / "2025-06-01"
    dumps.mkdir(parents=True)
    (dumps / "ping-2025-06-01T0300.bz2").write_bytes(b"ping")
    probes = tmp_path / "probes" / "2025" / "06"
    probes.mkdir(parents=True)
    (probes / "20250601.json.bz2").write_bytes(b"probes")
    with serve_directory(tmp_path) as (base, _):
        local = settings.model_copy(update={
            "atlas_dumps_base_url": f"{base}/dumps",
            "atlas_probes_base_url": f"{base}/probes",
        })  # fmt: skip
        report = atlas.fetch(local, RawStore(settings.raw_dir), first=D, last=D)
        with pytest.raises(ConfigError):
            atlas.fetch(local, RawStore(settings.raw_dir), first=D, last=D, kinds=("dns",))
    assert len(report.missing) == 47
    got = {f.provenance.name: f for f in report.stored}
    assert set(got) == {"ping-2025-06-01T0300.bz2", "probes-20250601.json.bz2"}
    prov = got["probes-20250601.json.bz2"].provenance
    assert prov.source_id == "atlas" and prov.snapshot == "2025-06-01"
    assert prov.url == f"{base}/probes/2025/06/20250601.json.bz2"
    assert got["probes-20250601.json.bz2"].path.read_bytes() == b"probes"
