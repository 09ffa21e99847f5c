"""`nethealth fetch` against a loopback mirror with holes: files the publisher does not have are
skipped and listed (the rest is fetched), or stop the fetch with --strict; live PeeringDB takes
--object."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner, Result

from nethealth.cli import app
from nethealth.errors import NethealthError
from nethealth.lake.raw import RawStore
from tests.mirror import serve_directory

UPDATES = "bgp/libbgpstream/ris.rrc06.updates.1427846400.gz"
HEGEMONY = "bgp/hegemony/AS_hegemony_20230801.csv.gz"
RIRS = ("afrinic", "apnic", "arin", "lacnic", "ripencc")


class Done:
    """A CLI run: its exit status as `nethealth` reports it (a NethealthError's exit code), its
    output and the error message."""

    def __init__(self, result: Result) -> None:
        exc = result.exception
        self.exit_code = exc.exit_code if isinstance(exc, NethealthError) else result.exit_code
        self.output = result.output
        self.error = str(exc) if exc is not None else ""
        if isinstance(exc, NethealthError) and exc.hint:  # printed on the next line
            self.error += f"\n  hint: {exc.hint}"


def cli(data: Path, *args: str, env: dict[str, str] | None = None) -> Done:
    return Done(CliRunner().invoke(app, ["--data-dir", str(data), *args], env=env))


@pytest.fixture
def mirror(tmp_path: Path, shared_data: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "mirror"
    dump = shared_data / UPDATES
    ris = root / "ris/rrc06/2015.04"
    ris.mkdir(parents=True)
    for hhmm in ("0000", "1600"):  # the 08:00 RIB is missing (a collector outage)
        shutil.copyfile(dump, ris / f"bview.20150401.{hhmm}.gz")
    rv = root / "rv/bgpdata/2015.04/RIBS"  # route-views2 sits at the archive root
    rv.mkdir(parents=True)
    shutil.copyfile(dump, rv / "rib.20150401.0200.bz2")
    atlas = root / "atlas/2025-06-01"
    atlas.mkdir(parents=True)
    (atlas / "ping-2025-06-01T0300.bz2").write_bytes(b"ping")
    for r in RIRS[:4]:  # no ripencc file that day
        d = root / "rir" / r
        d.mkdir(parents=True)
        (d / f"delegated-{r}-extended-latest").write_bytes(
            (shared_data / "rir/delegated-extended-truncated" / r).read_bytes()
        )
    api = root / "pdb/api"
    api.mkdir(parents=True)
    for obj in ("ix", "ixlan"):
        shutil.copyfile(shared_data / f"peeringdb/real-2020-09/{obj}.json", api / obj)
    with serve_directory(root) as (base, _requests):
        yield base, tmp_path / "data"


@pytest.mark.shared
def test_bgp_dumps_missing_are_listed_strict_stops(mirror: tuple[str, Path]) -> None:
    base, data = mirror
    args = ("fetch", "bgp-ris", "--collector", "rrc06", "--date", "2015-04-01")
    done = cli(data, *args, "--base-url", f"{base}/ris")
    assert done.exit_code == 0, done.output
    assert f"missing: {base}/ris/rrc06/2015.04/bview.20150401.0800.gz" in done.output
    assert "stored 2 file(s); 1 missing" in done.output
    names = sorted(f.provenance.name for f in RawStore(data / "raw").files("bgp-ris"))
    assert names == ["rrc06.bview.20150401.0000.gz", "rrc06.bview.20150401.1600.gz"]
    strict = cli(data, *args, "--base-url", f"{base}/ris", "--strict")
    assert strict.exit_code == 4
    assert "bview.20150401.0800.gz" in strict.error
    rv = cli(data, "fetch", "bgp-routeviews", "--collector", "route-views2", "--date",
             "2015-04-01", "--base-url", f"{base}/rv")  # fmt: skip
    assert rv.exit_code == 0, rv.output
    assert "stored 1 file(s); 11 missing" in rv.output  # RouteViews: a RIB every 2 hours


def test_bgp_needs_date_and_collector(tmp_path: Path) -> None:
    assert cli(tmp_path, "fetch", "bgp-ris", "--collector", "rrc00").exit_code == 2
    assert cli(tmp_path, "fetch", "bgp-ris", "--date", "2025-06-01").exit_code == 2
    wrong = cli(tmp_path, "fetch", "bgp-ris", "--date", "2025-06-01", "--collector", "route-views2")
    assert wrong.exit_code == 2 and "not a collector of bgp-ris" in wrong.error


@pytest.mark.shared
def test_atlas_hours_missing_are_listed_strict_stops(mirror: tuple[str, Path]) -> None:
    base, data = mirror
    env = {"NETHEALTH_ATLAS_PROBES_BASE_URL": f"{base}/probes"}
    done = cli(data, "fetch", "atlas", "--date", "2025-06-01", "--base-url", f"{base}/atlas",
               env=env)  # fmt: skip
    assert done.exit_code == 0, done.output
    # 24 hours x (ping, traceroute) + the probe archive, of which one ping hour exists
    assert "stored 1 file(s); 48 missing" in done.output
    assert f"missing: {base}/probes/2025/06/20250601.json.bz2" in done.output
    strict = cli(data, "fetch", "atlas", "--date", "2025-06-01", "--base-url", f"{base}/atlas",
                 "--strict", env=env)  # fmt: skip
    assert strict.exit_code == 4 and "ping-2025-06-01T0000.bz2" in strict.error


@pytest.mark.shared
def test_rir_file_missing_is_listed_strict_stops(mirror: tuple[str, Path]) -> None:
    base, data = mirror
    done = cli(data, "fetch", "rir", "--base-url", f"{base}/rir")
    assert done.exit_code == 0, done.output
    assert f"missing: {base}/rir/ripencc/delegated-ripencc-extended-latest" in done.output
    got = {f.provenance.name for f in RawStore(data / "raw").files("rir")}
    assert got == {f"delegated-{r}-extended" for r in RIRS[:4]}
    strict = cli(data, "fetch", "rir", "--base-url", f"{base}/rir", "--strict")
    assert strict.exit_code == 4 and "ripencc" in strict.error


@pytest.mark.shared
def test_peeringdb_live_objects(mirror: tuple[str, Path]) -> None:
    base, data = mirror
    done = cli(data, "fetch", "peeringdb", "--object", "ix", "--object", "ixlan",
               "--base-url", f"{base}/pdb")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "stored 2 file(s); 0 missing" in done.output
    assert {f.provenance.name for f in RawStore(data / "raw").files("peeringdb")} == {
        "ix.json", "ixlan.json"}  # fmt: skip
    # the default, every object the build reads: those the server lacks are listed
    all7 = cli(data, "fetch", "peeringdb", "--base-url", f"{base}/pdb")
    assert all7.exit_code == 0 and "stored 2 file(s); 5 missing" in all7.output
    assert f"missing: {base}/pdb/api/netixlan" in all7.output
    strict = cli(data, "fetch", "peeringdb", "--object", "net", "--base-url", f"{base}/pdb",
                 "--strict")  # fmt: skip
    assert strict.exit_code == 4
    bogus = cli(data, "fetch", "peeringdb", "--object", "nope", "--base-url", f"{base}/pdb")
    assert bogus.exit_code == 2 and "unknown PeeringDB object" in bogus.error


def test_every_source_is_fetched_by_nethealth_fetch(tmp_path: Path) -> None:
    """`nethealth fetch SOURCE` takes every source with a publisher (area commands stay as
    aliases); packaged ones and unknown ids are usage errors naming what is fetchable."""
    vrps = tmp_path / "export.json"
    vrps.write_text('{"metadata": {"generated": 1690416000}, "roas": []}')
    done = cli(tmp_path / "data", "fetch", "rpki", "--base-url", vrps.as_uri())
    assert done.exit_code == 0, done.output
    assert "stored 1 file(s)" in done.output
    packaged = cli(tmp_path / "data", "fetch", "countries")
    assert packaged.exit_code == 2 and "installed package" in packaged.error
    assert "bgp-ris" in packaged.error and "caida-asrel" in packaged.error
    unknown = cli(tmp_path / "data", "fetch", "nosuch")
    assert unknown.exit_code == 2 and "unknown source 'nosuch'" in unknown.error
    wrong = cli(tmp_path / "data", "fetch", "tranco", "--date", "2025-06-01")
    assert wrong.exit_code == 2 and "tranco does not take --date" in wrong.error


@pytest.mark.shared
def test_ihr_archive_lz4_tranco_and_as_names(tmp_path: Path, shared_data: Path) -> None:
    """IHR's archive layout (LZ4-compressed daily CSV; the IPv6 file of the day missing), the
    Tranco daily ZIP and RIPE's asn.txt: fetched, built, in the datasets."""
    lz4_tool = shutil.which("lz4")
    if lz4_tool is None:
        pytest.skip("the lz4 tool (Debian package lz4) is absent")
    root = tmp_path / "mirror"
    rows = gzip.decompress((shared_data / HEGEMONY).read_bytes()).decode().splitlines()[1:]
    csv_text = "timebin,originasn,asn,hege,af\n" + "".join(
        f"2023-08-01 00:00:00+00,0,{r},4\n" for r in rows
    )
    day = root / "ihr/ihr/hegemony/ipv4/global/2023/08/01"
    day.mkdir(parents=True)
    packed = subprocess.run([lz4_tool, "-q", "-c"], input=csv_text.encode(), capture_output=True,
                            check=True).stdout  # fmt: skip
    (day / "ihr_hegemony_ipv4_global_2023-08-01.csv.lz4").write_bytes(packed)
    (root / "tranco").mkdir()
    with zipfile.ZipFile(root / "tranco/top-1m.csv.zip", "w") as z:
        z.writestr("top-1m.csv", "1,google.com\n2,facebook.com\n")
    (root / "ripe").mkdir()
    (root / "ripe/asn.txt").write_text("3333 RIPE-NCC-AS Reseaux IP Europeens, NL\n")
    data = tmp_path / "data"
    with serve_directory(root) as (base, _):
        ihr = cli(
            data, "fetch", "ihr-hegemony", "--date", "2023-08-01", "--base-url", f"{base}/ihr"
        )
        assert ihr.exit_code == 0, ihr.output
        assert "stored 1 file(s); 1 missing" in ihr.output and "ipv6" in ihr.output
        assert cli(data, "fetch", "tranco", "--base-url", f"{base}/tranco").exit_code == 0
        assert cli(data, "fetch", "as-names", "--base-url", f"{base}/ripe").exit_code == 0
    built = cli(data, "build", "--only", "ihr-hegemony", "--only", "tranco", "--only", "as-names")
    assert built.exit_code == 0, built.output
    con = duckdb.connect(str(data / "catalog.duckdb"), read_only=True)
    got = con.execute("SELECT snapshot, count(*), max(hegemony), any_value(af) FROM as_hegemony "
                      "GROUP BY ALL").fetchall()  # fmt: skip
    assert got == [(date(2023, 8, 1), len(rows), 0.200173705538715, 4)]
    assert con.execute("SELECT rank, domain FROM tranco_ranks").fetchall() == [
        (1, "google.com"), (2, "facebook.com")]  # fmt: skip
    assert con.execute("SELECT asn, cc FROM as_names").fetchall() == [(3333, "NL")]
