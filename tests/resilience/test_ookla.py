"""Ookla open performance data: the parser on hand-made files in Ookla's exact Parquet layout,
quadkeys to tile centres against the Bing Maps tile system, country assignment from Natural
Earth polygons, the per-country step, the loader and the fetcher against a loopback mirror laid
out like Ookla's bucket."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.errors import ConfigError, InputError
from nethealth.formats.ookla import quarter_of_name, read_tiles, tile_centres
from nethealth.lake.build import StepContext
from nethealth.lake.raw import RawStore
from nethealth.resilience.geo import load_countries, locate
from nethealth.resilience.ookla import STEP, polygons_path
from nethealth.settings import Settings
from nethealth.sources import ookla
from nethealth.sources.base import LoadOptions
from tests.mirror import serve_directory
from tests.resilience.ookla_files import PLACES, quadkey, write_tiles

NAME = "2025-01-01_performance_fixed_tiles.parquet"


def test_quarter_from_the_publishers_name() -> None:
    q = quarter_of_name(NAME)
    assert q is not None and (q.first_day, q.last_day, q.kind) == (
        date(2025, 1, 1),
        date(2025, 3, 31),
        "fixed",
    )
    assert quarter_of_name("2025-02-01_performance_fixed_tiles.parquet") is None
    assert ookla.path_of(q) == f"parquet/performance/type=fixed/year=2025/quarter=1/{NAME}"


def test_tile_centres_of_the_bing_tile_system() -> None:
    # zoom 1: "0" is the north-west quarter (centre −90°, 66.51°), "3" the south-east one;
    # the Bing Maps documentation's example: tile (3, 5) at zoom 3 is quadkey "213"
    lon, lat = tile_centres(["0", "3", "213"])
    assert lon[:2].tolist() == [-90.0, 90.0]
    assert lat[0] == pytest.approx(66.51326, abs=1e-5) and lat[1] == pytest.approx(
        -66.51326, abs=1e-5
    )
    assert lon[2] == pytest.approx((3 + 0.5) / 8 * 360 - 180)
    # a zoom-16 tile made from a point holds that point (tile ≈ 600 m)
    qk = quadkey(36.82, -1.29)
    lon, lat = tile_centres([qk])
    assert abs(lon[0] - 36.82) < 0.006 and abs(lat[0] + 1.29) < 0.006


def test_countries_from_natural_earth(assets: Path, settings: Settings) -> None:
    countries = load_countries(polygons_path(settings))
    points = {**PLACES, "SG": (103.82, 1.35), "MY": (103.76, 1.49), "LS": (27.48, -29.31)}
    lon = np.array([p[0] for p in points.values()])
    lat = np.array([p[1] for p in points.values()])
    assert locate(countries, lon, lat) == list(points)
    assert locate(countries, np.array([-30.0]), np.array([0.0])) == [None]  # the Atlantic


def test_recorded_format_and_bad_files(tmp_path: Path) -> None:
    path = write_tiles(tmp_path / NAME, [(quadkey(4.9, 52.37), 120000, 30000, 12, 40, 11)])
    table = read_tiles(path.read_bytes(), path)
    assert table.column_names == ["quadkey", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests",
                                  "devices"]  # fmt: skip
    bad = write_tiles(tmp_path / "bad.parquet", [("0123x", 1, 1, 1, 1, 1)])
    with pytest.raises(InputError) as info:
        read_tiles(bad.read_bytes(), bad)
    assert info.value.field == "quadkey" and info.value.record == "0"
    neg = write_tiles(tmp_path / "neg.parquet", [("0123", 1, 1, 1, 1, 1), ("0123", 1, 1, 1, -2, 1)])
    with pytest.raises(InputError) as info:
        read_tiles(neg.read_bytes(), neg)
    assert info.value.field == "tests" and info.value.record == "1"
    pq.write_table(pa.table({"quadkey": ["0"]}), tmp_path / "short.parquet")
    with pytest.raises(InputError, match="not an Ookla tiles Parquet file"):
        read_tiles((tmp_path / "short.parquet").read_bytes(), "short.parquet")
    with pytest.raises(InputError):
        read_tiles(b"PAR1 not really", "x")


def test_step_test_weighted_means_per_country(assets: Path, settings: Settings,
                                              tmp_path: Path) -> None:  # fmt: skip
    ke = quadkey(*PLACES["KE"])
    ke2 = quadkey(36.90, -1.25)
    rows = [
        (ke, 10_000, 5_000, 40, 300, 100),  # Kenya: 300 tests at 10 Mbit/s,
        (ke2, 30_000, 9_000, 20, 100, 50),  #   100 at 30: weighted (3000 + 3000) / 400 = 15
        (quadkey(*PLACES["FR"]), 200_000, 50_000, 10, 99, 40),  # France: 99 tests < 100
        (quadkey(-30.0, 0.0), 50_000, 1, 1, 500, 5),  # the Atlantic: no country
    ]
    files = tmp_path / "in"
    files.mkdir()
    write_tiles(files / NAME, rows)
    (prep,) = ookla.load([files / NAME], LoadOptions())
    assert prep.name == NAME and prep.snapshot == "2025-01-01"
    result = CliRunner().invoke(app, ["--data-dir", str(settings.data_dir), "load", "ookla",
                                      str(files / NAME)])  # fmt: skip
    assert result.exit_code == 0, result.output
    store = RawStore(settings.raw_dir)
    settings.lake_dir.mkdir(parents=True, exist_ok=True)
    ctx = StepContext(settings=settings, step_id=STEP.id, raw=store, lake_dir=settings.lake_dir,
                      progress=lambda *_: None)  # fmt: skip
    STEP.run(ctx)
    ctx.commit()
    out = pq.read_table(settings.lake_dir / "ookla_country.parquet").to_pylist()
    assert [r["cc"] for r in out] == ["KE"]
    (k,) = out
    assert (k["date"], k["kind"], k["tiles"], k["tests"], k["devices"]) == (
        date(2025, 3, 31),
        "fixed",
        2,
        400,
        150,
    )
    assert k["d_mbps"] == pytest.approx(15.0)
    assert k["u_mbps"] == pytest.approx((5_000 * 300 + 9_000 * 100) / 400 / 1000)
    assert k["lat_ms"] == pytest.approx((40 * 300 + 20 * 100) / 400)
    notes = " ".join(n.message for n in ctx.notes)
    assert "1 in no country" in notes and "1 countries with fewer than 100 tests" in notes


def test_load_refuses_a_renamed_file(tmp_path: Path) -> None:
    path = write_tiles(tmp_path / "tiles.parquet", [(quadkey(4.9, 52.37), 1, 1, 1, 1, 1)])
    with pytest.raises(InputError, match="quarter"):
        ookla.load([path], LoadOptions())


def test_fetch_against_a_mirror(settings: Settings, tmp_path: Path) -> None:
    q = quarter_of_name(NAME)
    assert q is not None
    site = tmp_path / "site"
    (site / ookla.path_of(q)).parent.mkdir(parents=True)
    write_tiles(site / ookla.path_of(q), [(quadkey(4.9, 52.37), 1, 1, 1, 1, 1)])
    store = RawStore(settings.raw_dir)
    with serve_directory(site) as (base, requests):
        report = ookla.fetch(settings, store, day=date(2025, 2, 14), base_url=base)
        with pytest.raises(ConfigError):
            ookla.fetch(settings, store, day=date(2025, 2, 14), kinds=["satellite"], base_url=base)
    assert requests == [f"/{ookla.path_of(q)}",
                        "/parquet/performance/type=mobile/year=2025/quarter=1/"
                        "2025-01-01_performance_mobile_tiles.parquet"]  # fmt: skip
    assert len(report.missing) == 1 and "mobile" in report.missing[0]
    (raw,) = report.stored
    assert (raw.provenance.snapshot, raw.provenance.name) == ("2025-01-01", NAME)
    assert raw.provenance.licence == ookla.LICENCE
    shutil.rmtree(site)
