"""ip-location-db: the installed npm packages, served in the npm CDN layout."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from nethealth import pipeline
from nethealth.errors import InputError
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.sources import ipdb
from tests.mirror import serve_directory

LINES = 3000


def _mirror(assets: Path, root: Path, *, lines: int = LINES) -> Path:
    """The first `lines` ranges of each real file, plus each package's real package.json."""
    for name, (package, _af, _kind) in ipdb.FILES.items():
        src = assets / "@ip-location-db" / package
        dest = root / "@ip-location-db" / package
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "package.json").write_bytes((src / "package.json").read_bytes())
        with open(src / name, "rb") as fh:
            (dest / name).write_bytes(b"".join(fh.readline() for _ in range(lines)))
    return root


def test_fetch_build_and_indicators_match_brute_force(
    assets: Path, settings: Settings, tmp_path: Path
) -> None:
    mirror = _mirror(assets, tmp_path / "npm")
    with serve_directory(mirror) as (base, requests):
        files = ipdb.fetch(settings, RawStore(settings.raw_dir), base_url=base)
    assert "/@ip-location-db/asn/package.json" in requests
    version = json.loads((mirror / "@ip-location-db/asn/package.json").read_text())["version"]
    snap = ipdb.snapshot_of_version(version, "x")
    assert {f.provenance.snapshot for f in files} == {snap}
    pipeline.build(settings)
    # Reference: a quadratic brute force over the same lines, independent of the lake code.
    countries: list[tuple[int, int, str]] = []
    asn_ranges: list[tuple[int, int, int]] = []
    space: dict[str, float] = defaultdict(float)
    for af in (4, 6):
        shift = 0 if af == 4 else 64
        for line in (
            (mirror / f"@ip-location-db/asn-country/asn-country-ipv{af}-num.csv")
            .read_text()
            .splitlines()
        ):
            s, e, cc = line.split(",")
            countries.append((int(s) >> shift, int(e) >> shift, cc))
            if af == 4:
                space[cc] += (int(e) - int(s) + 1) / 256
        for line in (mirror / f"@ip-location-db/asn/asn-ipv{af}-num.csv").read_text().splitlines():
            s, e, asn = line.split(",")[:3]
            asn_ranges.append((int(s) >> shift, int(e) >> shift, int(asn)))
    expected_asns: dict[str, set[int]] = defaultdict(set)
    for cs, ce, cc in countries:
        for as_, ae, asn in asn_ranges:
            if as_ <= ce and ae >= cs and ((cs < 2**32) == (as_ < 2**32)):
                expected_asns[cc].add(asn)
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    got_asns = dict(con.execute(
        "SELECT country, value FROM indicator_values WHERE indicator_id = 'asns_with_space' AND value > 0"
    ).fetchall())  # fmt: skip
    got_space = dict(con.execute(
        "SELECT country, value FROM indicator_values WHERE indicator_id = 'ipv4_space_s24' AND value > 0"
    ).fetchall())  # fmt: skip
    assert got_space == pytest.approx(dict(space))
    assert got_asns == {cc: float(len(v)) for cc, v in expected_asns.items()}


def test_missing_column_names_file_and_line(
    assets: Path, settings: Settings, tmp_path: Path
) -> None:
    mirror = _mirror(assets, tmp_path / "npm", lines=50)
    bad = mirror / "@ip-location-db/asn-country/asn-country-ipv4-num.csv"
    lines = bad.read_text().splitlines()
    lines[6] = ",".join(lines[6].split(",")[:2])  # drop the country column on line 7
    bad.write_text("\n".join(lines) + "\n")
    with serve_directory(mirror) as (base, _):
        ipdb.fetch(settings, RawStore(settings.raw_dir), base_url=base)
    with pytest.raises(InputError) as info:
        pipeline.build(settings)
    assert info.value.line == 7 and "asn-country-ipv4-num.csv" in str(info.value.path)
    assert "expected 3 columns" in str(info.value)
    assert not (settings.lake_dir / "ipdb_country.parquet").exists()


def test_interrupted_download_resumes_with_range(
    assets: Path, settings: Settings, tmp_path: Path
) -> None:
    mirror = _mirror(assets, tmp_path / "npm", lines=400)
    name = "asn-ipv4-num.csv"
    full = (mirror / "@ip-location-db/asn" / name).read_bytes()
    with serve_directory(mirror) as (base, log):
        url = f"{base}/@ip-location-db/asn/{name}"
        part_dir = settings.raw_dir / ".incoming" / "ipdb"
        part_dir.mkdir(parents=True)
        (part_dir / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".part")).write_bytes(
            full[:1000]
        )
        files = ipdb.fetch(settings, RawStore(settings.raw_dir), base_url=base)
    assert log.ranges == ["bytes=1000-"]  # only the missing tail was asked for
    got = next(f for f in files if f.provenance.name == name)
    assert got.path.read_bytes() == full
    assert got.provenance.sha256 == hashlib.sha256(full).hexdigest()
