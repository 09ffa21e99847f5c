"""DB-IP city lite: fetched from a loopback mirror in DB-IP's download layout."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nethealth.errors import InputError
from nethealth.lake.raw import RawStore
from nethealth.outages import geo
from nethealth.outages.cli import app
from nethealth.settings import Settings
from nethealth.sources import dbip
from tests.mirror import serve_directory

ROWS = (
    b"1.0.0.0,1.0.0.255,OC,AU,Queensland,Brisbane,-27.4,153.0\n"
    b"1.0.1.0,1.0.1.255,OC,AU,Victoria,Melbourne,-37.8,144.9\n"
    b"2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,EU,DE,Bavaria,Munich,48.1,11.5\n"
    b"1.0.2.0,1.0.2.255,OC,AU,Atlantis,Nowhere,0,0\n"
)


def _mirror(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "dbip-city-lite-2026-05.csv.gz").write_bytes(gzip.compress(ROWS))
    return root


def test_fetch_stores_month_and_regions_are_looked_up(settings: Settings, tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "free")
    store = RawStore(settings.raw_dir)
    with serve_directory(mirror) as (base, requests):
        raw = dbip.fetch(settings, store, month=date(2026, 5, 17), base_url=base)
    assert "/dbip-city-lite-2026-05.csv.gz" in requests
    assert raw.provenance.snapshot == "2026-05-01" and raw.provenance.source_id == "dbip-city"
    assert raw.provenance.licence == "CC BY 4.0"
    assert dbip.stored_file(store, date(2026, 6, 1)) == raw
    regions = geo.region_ranges_from_file(raw.path)
    assert regions.num_rows == 3  # the unmapped name is left out
    got = geo.lookup(regions, 4, np.array([0x01000001, 0x01000101, 0x01000201]), "region")
    assert got.tolist() == ["AU-QLD", "AU-VIC", None]


def test_cli_fetch_geo_reports_unmapped_names(settings: Settings, tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "free")
    runner = CliRunner()
    args = ["fetch-geo", "--month", "2026-05", "--base-url", mirror.as_uri()]
    res = runner.invoke(app, args, env={"NETHEALTH_DATA_DIR": str(settings.data_dir)})
    assert res.exit_code == 0, res.output
    assert "4 ranges, 1 in 1 subdivision names without" in res.output
    assert "'Atlantis'" in res.output
    assert dbip.stored_file(RawStore(settings.raw_dir)) is not None


def test_damaged_download_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "dbip-city-lite-2026-05.csv.gz"
    bad.write_bytes(gzip.compress(ROWS)[:30])
    with pytest.raises(InputError) as exc:
        dbip.read_regions(bad)
    assert exc.value.path == str(bad)


def test_month_text_is_checked() -> None:
    assert dbip.month_of("2026-05") == date(2026, 5, 1)
    with pytest.raises(InputError):
        dbip.month_of("2026-13")
