"""`nethealth bgp dump` / `ingest` / `fetch` / `live`, and the Parquet they write. Every file
input takes several paths, directories and glob patterns; `bgp fetch` is `nethealth fetch
bgp-ris|bgp-routeviews` under another name, with its old spellings still working."""

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
from nethealth.errors import ConfigError, FetchError, InputError
from nethealth.formats.mrt import read_table
from nethealth.formats.mrt_schema import SCHEMA

UPDATES = "bgp/ripe-bgpdump/test_data/updates.20160811.1600.gz"
RIB = "bgp/ripe-bgpdump/test_data/bview.ipv6_unicast_add_path.gz"
RIS = "bgp/libbgpstream/ris.rrc06.updates.1427846400.gz"
RV = "bgp/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2"
DAMAGED = "bgp/bgpkit-parser/tests/fixtures/ripe/rrc01/2000.11/updates.20001104.0124.gz"

SMALL = (  # (file, its bgpdump -m reference), small enough to dump twice in a test
    ("bgp/ripe-bgpdump/test_data/updates.20160811.1600.gz", "updates.20160811.1600.gz.bgp.gz"),
    ("bgp/ripe-bgpdump/test_data/bview.ipv6_unicast_add_path.gz",
     "bview.ipv6_unicast_add_path.gz.bgp.gz"),
    ("bgp/ripe-bgpdump/test_data/updates.long_withdrawal.gz", "updates.long_withdrawal.gz.bgp.gz"),
)  # fmt: skip

runner = CliRunner()


def _reference(shared: Path, name: str) -> bytes:
    return gzip.decompress((shared / "bgp/ripe-bgpdump/test_expect" / name).read_bytes())


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


@pytest.mark.shared
def test_dump_takes_several_files_a_directory_and_a_glob(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mrt"
    folder.mkdir()
    for i, (path, _) in enumerate(SMALL):  # names sort in SMALL's order
        shutil.copy(shared_data / path, folder / f"{i}-{Path(path).name}")
    (folder / ".partial.gz").write_bytes(b"not MRT")  # hidden: left out of a directory walk
    want = b"".join(_reference(shared_data, ref) for _, ref in SMALL)
    for args in (
        [str(shared_data / p) for p, _ in SMALL],
        [str(folder)],
        [str(folder / "*.gz")],  # quoted: the command expands it
        [str(folder / "0-*"), str(folder / "[12]-*")],
    ):
        result = runner.invoke(app, ["dump", *args])
        assert result.exit_code == 0, (args, result.output)
        assert result.stdout_bytes == want, args


def test_dump_names_what_is_missing(tmp_path: Path) -> None:
    none = runner.invoke(app, ["dump", str(tmp_path / "*.gz")])
    assert isinstance(none.exception, InputError) and "no file matches" in str(none.exception)
    absent = runner.invoke(app, ["dump", str(tmp_path / "absent.gz")])
    assert isinstance(absent.exception, InputError)
    assert "absent.gz" in str(absent.exception) and "no such file" in str(absent.exception)


@pytest.mark.shared
def test_ingest_takes_a_directory_and_prints_json_reports(
    shared_data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "rrc06" / "2015.04"  # an archive layout: the collector is in the path
    folder.mkdir(parents=True)
    for path, _ in SMALL:
        shutil.copy(shared_data / path, folder / Path(path).name)
    out = tmp_path / "pq"
    result = runner.invoke(app, ["ingest", str(tmp_path / "rrc06"), "--out", str(out),
                                 "--format", "json", "--workers", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(d["source"]).name for d in docs] == sorted(Path(p).name for p, _ in SMALL)
    for doc in docs:
        table = pq.read_table(doc["output"])
        ref = _reference(shared_data, Path(doc["source"]).name + ".bgp.gz")
        assert doc["report"]["elements"] == table.num_rows == len(ref.splitlines())
        assert doc["report"]["collector"] == "rrc06"
        assert set(table["collector"].to_pylist()) == {"rrc06"}
        assert doc["report"] == json.loads(Path(doc["output"] + ".report.json").read_text())


def _mirror(shared_data: Path, root: Path) -> None:
    """A RIS archive mirror holding two update dumps of rrc06 on 2015-04-01."""
    month = root / "rrc06" / "2015.04"
    month.mkdir(parents=True)
    shutil.copy(shared_data / RIS, month / "updates.20150401.0005.gz")
    shutil.copy(shared_data / UPDATES, month / "updates.20150401.0010.gz")


def _stored(data: Path) -> dict[str, bytes]:
    raw = data / "raw" / "bgp-ris"
    return {str(p.relative_to(raw)): p.read_bytes() for p in sorted(raw.rglob("*.gz"))}


@pytest.mark.shared
def test_bgp_fetch_is_nethealth_fetch(shared_data: Path, tmp_path: Path) -> None:
    from nethealth.cli import app as main
    from tests.mirror import serve_directory

    _mirror(shared_data, tmp_path / "mirror")
    with serve_directory(tmp_path / "mirror") as (base, _):
        common = ["--kind", "updates", "--date", "2015-04-01", "--base-url", base]
        generic = runner.invoke(main, ["--data-dir", str(tmp_path / "a"), "fetch", "bgp-ris",
                                       "--collector", "rrc06", *common])  # fmt: skip
        alias = runner.invoke(main, ["--data-dir", str(tmp_path / "b"), "bgp", "fetch", "ris",
                                     "-c", "rrc06", *common])  # fmt: skip
        by_id = runner.invoke(main, ["--data-dir", str(tmp_path / "c"), "bgp", "fetch",
                                     "bgp-ris", "-c", "rrc06", "--from", "2015-04-01",
                                     "--to", "2015-04-01", "--kind", "updates",
                                     "--base-url", base])  # fmt: skip
    for result in (generic, alias, by_id):
        assert result.exit_code == 0, result.output
    assert alias.stdout == generic.stdout == by_id.stdout
    assert alias.stderr == generic.stderr == by_id.stderr
    assert "stored 2 file(s); 286 missing" in alias.stderr  # 288 five-minute dumps a day
    stored = _stored(tmp_path / "a")
    assert stored == _stored(tmp_path / "b") == _stored(tmp_path / "c")
    assert stored == {
        "2015-04-01/rrc06.updates.20150401.0005.gz": (shared_data / RIS).read_bytes(),
        "2015-04-01/rrc06.updates.20150401.0010.gz": (shared_data / UPDATES).read_bytes(),
    }


@pytest.mark.shared
def test_bgp_fetch_old_spellings(shared_data: Path, tmp_path: Path) -> None:
    """--start/--end keep their meaning (a window to the minute, end exclusive) and
    --skip-missing is accepted (skipping is now the default); mixing spellings is refused."""
    from nethealth.cli import app as main
    from tests.mirror import serve_directory

    _mirror(shared_data, tmp_path / "mirror")
    data = tmp_path / "data"
    with serve_directory(tmp_path / "mirror") as (base, _):
        old = ["bgp", "fetch", "ris", "-c", "rrc06", "--kind", "updates", "--base-url", base]
        window = runner.invoke(main, ["--data-dir", str(data), *old, "--start",
                                      "2015-04-01T00:05", "--end", "2015-04-01T00:15",
                                      "--skip-missing"])  # fmt: skip
        assert window.exit_code == 0, window.output
        assert "stored 2 file(s); 0 missing" in window.stderr
        assert set(_stored(data)) == {"2015-04-01/rrc06.updates.20150401.0005.gz",
                                      "2015-04-01/rrc06.updates.20150401.0010.gz"}  # fmt: skip
        strict = runner.invoke(main, ["--data-dir", str(data), *old, "--start",
                                      "2015-04-01T00:05", "--end", "2015-04-01T00:20",
                                      "--strict"])  # fmt: skip
        assert isinstance(strict.exception, FetchError)  # 00:15 is not in the mirror
        assert "updates.20150401.0015.gz" in str(strict.exception)
    for extra, text in (
        (["--start", "2015-04-01", "--date", "2015-04-01"], "are the same option"),
        (["--start", "2015-04-01", "--to", "2015-04-02"], "do not mix"),
        (["--end", "2015-04-02"], "--end needs --start"),
        (["--start", "April"], "is not a date or time"),
    ):
        bad = runner.invoke(main, ["--data-dir", str(data), *old[:5], *extra])
        assert isinstance(bad.exception, ConfigError), (extra, bad.output)
        assert text in str(bad.exception), extra


def test_bgp_fetch_help_says_it_is_an_alias() -> None:
    result = runner.invoke(app, ["fetch", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "an alias of `nethealth fetch bgp-ris|bgp-routeviews`" in text
    assert "--date" in text and "--from" in text and "--to" in text
    for old in ("--start", "--end", "--skip-missing"):
        assert old not in text
