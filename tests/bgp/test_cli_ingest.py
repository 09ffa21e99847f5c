"""`nethealth bgp dump` / `ingest`, and the Parquet they write."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nethealth.bgp.cli import app
from nethealth.bgp.ingest import guess_collector, ingest_files
from nethealth.formats.mrt import read_table
from nethealth.formats.mrt_schema import SCHEMA

UPDATES = "bgp/ripe-bgpdump/test_data/updates.20160811.1600.gz"
RIB = "bgp/ripe-bgpdump/test_data/bview.ipv6_unicast_add_path.gz"
RIS = "bgp/libbgpstream/ris.rrc06.updates.1427846400.gz"
RV = "bgp/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2"
DAMAGED = "bgp/bgpkit-parser/tests/fixtures/ripe/rrc01/2000.11/updates.20001104.0124.gz"

runner = CliRunner()


@pytest.mark.shared
def test_dump_prints_the_reference_lines(shared_data: Path) -> None:
    result = runner.invoke(app, ["dump", str(shared_data / UPDATES)])
    assert result.exit_code == 0, result.output
    ref = shared_data / "bgp/ripe-bgpdump/test_expect/updates.20160811.1600.gz.bgp.gz"
    assert result.stdout_bytes == gzip.decompress(ref.read_bytes())


@pytest.mark.shared
@pytest.mark.skipif(shutil.which("bgpdump") is None, reason="Debian bgpdump is not installed")
def test_dump_equals_live_bgpdump(shared_data: Path) -> None:
    path = shared_data / RV
    live = subprocess.run(["bgpdump", "-m", str(path)], capture_output=True, check=True).stdout
    result = runner.invoke(app, ["dump", str(path)])
    assert result.stdout_bytes == live


@pytest.mark.shared
def test_dump_strict_and_lenient_on_damaged_file(shared_data: Path) -> None:
    strict = runner.invoke(app, ["dump", str(shared_data / DAMAGED)])
    assert strict.exit_code != 0
    assert "byte offset 1893" in str(strict.exception)
    lenient = runner.invoke(app, ["dump", "--lenient", str(shared_data / DAMAGED)])
    assert lenient.exit_code == 0
    assert len(lenient.stdout_bytes.splitlines()) == 841
    assert "skipped 63 records and 1,785 bytes" in lenient.stderr


@pytest.mark.shared
def test_ingest_writes_parquet_with_report(shared_data: Path, tmp_path: Path) -> None:
    files = [shared_data / p for p in (UPDATES, RIB, RIS, RV)]
    out = tmp_path / "pq"
    result = runner.invoke(app, ["ingest", *map(str, files), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for f in files:
        name = f.name.rsplit(".", 1)[0] + ".parquet"
        table = pq.read_table(out / name)
        assert table.schema.remove_metadata() == SCHEMA.remove_metadata()
        assert table.num_rows == read_table(f).num_rows
        meta = json.loads(pq.read_metadata(out / name).metadata[b"nethealth.decode_report"])
        sidecar = json.loads((out / (name + ".report.json")).read_text())
        assert meta == sidecar and meta["elements"] == table.num_rows
    assert not list(out.glob(".*"))  # no temp files left
    con = duckdb.connect()
    rows = con.execute(
        "select collector, count(*) from read_parquet(?) group by 1 order by 1",
        [str(out / "*updates.1427846400.parquet")],
    ).fetchall()
    assert rows == [("route-views.jinx", 8611), ("rrc06", 1561)]


@pytest.mark.shared
def test_ingest_in_parallel_equals_sequential(shared_data: Path, tmp_path: Path) -> None:
    files = [shared_data / p for p in (UPDATES, RIS, RV)]
    seq = ingest_files(files, tmp_path / "a", workers=1)
    par = ingest_files(files, tmp_path / "b", workers=2)
    assert [r.source for r in par] == [str(f) for f in files]
    for a, b in zip(seq, par, strict=True):
        assert pq.read_table(a.output).equals(pq.read_table(b.output))


@pytest.mark.shared
def test_failed_strict_ingest_leaves_nothing(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "pq"
    result = runner.invoke(app, ["ingest", str(shared_data / DAMAGED), "--out", str(out)])
    assert result.exit_code != 0
    assert list(out.iterdir()) == []


def test_guess_collector() -> None:
    assert guess_collector(Path("/x/rrc06/2015.04/updates.20150401.0000.gz")) == "rrc06"
    assert guess_collector(Path("/x/route-views.jinx/bgpdata/2015.04/UPDATES/u.bz2")) == (
        "route-views.jinx"
    )
    assert guess_collector(Path("ris.rrc06.updates.1427846400.gz")) == "rrc06"
    assert guess_collector(Path("routeviews.route-views.jinx.updates.1.bz2")) == (
        "route-views.jinx"
    )
    assert guess_collector(Path("/tmp/some.mrt")) is None


@pytest.mark.shared
def test_fetch_and_live_commands(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.mirror import serve_directory

    monkeypatch.setenv("NETHEALTH_DATA_DIR", str(tmp_path / "data"))
    month = tmp_path / "mirror" / "rrc06" / "2015.04"
    month.mkdir(parents=True)
    shutil.copy(shared_data / RIS, month / "updates.20150401.0005.gz")
    (tmp_path / "mirror" / "live.json").write_bytes(
        (shared_data / "bgp/libbgpstream/ris-live-stream.json").read_bytes()
    )
    with serve_directory(tmp_path / "mirror") as (base, _):
        args = [
            "fetch",
            "ris",
            "-c",
            "rrc06",
            "--kind",
            "updates",
            "--start",
            "2015-04-01T00:05",
            "--end",
            "2015-04-01T00:06",
            "--base-url",
            base,
        ]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        stored = tmp_path / "data/raw/bgp-ris/2015-04-01/rrc06.updates.20150401.0005.gz"
        assert stored.read_bytes() == (shared_data / RIS).read_bytes()
        live = runner.invoke(app, ["live", "--url", f"{base}/live.json", "--max-messages", "7"])
    assert live.exit_code == 0, live.output
    assert live.stdout_bytes.decode().splitlines() == [
        "BGP4MP_ET|1553627987.890000|A|72.22.223.9|11708|45.161.192.0/23|11708 32097 1299 52320 "
        "263009 263009 263009 263009 263009 52993 268481 268481|IGP|72.22.223.9|0|0||NAG||",
        "BGP4MP_ET|1553625081.880000|STATE|195.66.224.59|24931|0|1",
    ]
    assert "7 messages, 1 updates, 1 state changes, 2 skipped" in live.stderr


@pytest.mark.shared
def test_dump_of_a_truncated_download(shared_data: Path, tmp_path: Path) -> None:
    """The case of the issue: a cut gzip bview gave 0 lines and a clean report."""
    src = (shared_data / "bgp/ripe-bgpdump/test_data/bview.20020722.2337.gz").read_bytes()
    cut = tmp_path / "bview.20020722.2337.gz"
    cut.write_bytes(src[:50_000])
    strict = runner.invoke(app, ["dump", str(cut)])
    assert strict.exit_code != 0
    assert "truncated gzip stream after 50,000 bytes" in str(strict.exception)
    lenient = runner.invoke(app, ["dump", "--lenient", str(cut)])
    assert lenient.exit_code == 0
    lines = lenient.stdout_bytes.splitlines()
    if shutil.which("bgpdump"):
        ref = subprocess.run(["bgpdump", "-m", "-q", str(cut)], capture_output=True, check=False)
        assert lines[: len(ref.stdout.splitlines())] == ref.stdout.splitlines()
        assert len(lines) >= len(ref.stdout.splitlines()) > 5000
    err = " ".join(lenient.stderr.split())
    assert "damaged: truncated gzip stream after 50,000 bytes" in err
    assert f"kept {len(lines):,} complete records ({len(lines):,} elements)" in err
