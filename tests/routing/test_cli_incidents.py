"""`nethealth routing incidents`: files as a shell gives them (several after one option, quoted
globs, directories), RIBs and updates told apart by their first record, collectors named per
file; on real RIS and RouteViews update files, checked against bgpdump's reading of them."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from nethealth.bgp.ingest import guess_collector
from nethealth.errors import InputError
from nethealth.routing.cli import app
from nethealth.sim.config import SimConfig
from nethealth.sim.run import run

REAL = "bgp/libbgpstream"  # rrc06 (5 min) and route-views.jinx (15 min) updates, 2015-04-01
UPDATES = ("ris.rrc06.updates.1427846400.gz", "routeviews.route-views.jinx.updates.1427846400.bz2")


def _rows(path: Path) -> list[dict[str, object]]:
    return sorted(pq.read_table(path).to_pylist(), key=lambda r: str(r["id"]))


def test_incidents_cli_pairs_peers_with_collectors(tmp_path: Path) -> None:
    sim = tmp_path / "sim"
    run(SimConfig(out=sim, seed=5, scale="tiny", days=1))
    doc = json.loads((sim / "sim.json").read_text())
    day = doc["start"].replace("-", "")
    mirror = sim / "mirror"
    ribs = sorted(mirror.glob(f"ris/rrc*/*/bview.{day}.0000.gz")) + sorted(
        mirror.glob(f"routeviews/*/bgpdata/*/RIBS/rib.{day}.0000.*"))  # fmt: skip
    updates = sorted(mirror.glob(f"ris/rrc*/*/updates.{day}.*.gz")) + sorted(
        mirror.glob(f"routeviews/*/bgpdata/*/UPDATES/updates.{day}.*"))  # fmt: skip
    assert len(ribs) > 1 and len(updates) > 1
    window = [f"{doc['start']}T00:00:00+00:00", f"{doc['start']}T23:59:59+00:00"]
    # as a shell gives `--rib rrc*/…/bview… --updates rrc*/…/updates…`: one option, many files
    out = tmp_path / "incidents.parquet"
    args = ["incidents", "--from", window[0], "--to", window[1], "--out", str(out),
            "--rib", *map(str, ribs), "--updates", *map(str, updates)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # the archives' dumps of quiet intervals hold no record: counted, read as nothing
    empty = re.search(r"(\d+) empty dump\(s\)", result.stderr)
    quiet = int(empty[1]) if empty else 0
    assert f"{len(ribs)} RIB dump(s), {len(updates) - quiet} update dump(s)" in result.stderr
    rows = pq.read_table(out).to_pylist()
    labels = json.loads((sim / "labels/events.json").read_text())["events"]
    assert rows and any(e["type"].endswith("hijack") for e in labels)
    collectors = {guess_collector(r) for r in ribs}  # …/rrc00/2025.06/bview…, route-views2/…
    for r in rows:
        # every incident names its peers, each "collector|peer" from the archive layout
        assert r["peer_count"] > 0 and r["peers"], r
        assert {s["collector"] for s in r["sightings"]} <= collectors, r["sightings"]
        assert {s["path"] for s in r["sightings"]} <= set(r["paths"])
    # the old spellings (--start/--end, one file per option) give the same incidents
    old = tmp_path / "old.parquet"
    args = ["incidents", "--start", window[0], "--end", window[1], "--out", str(old)]
    for f in ribs:
        args += ["--rib", str(f)]
    for f in updates:
        args += ["--updates", str(f)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert _rows(old) == _rows(out)
    # a RIB given as --updates is read as a RIB (its first record says so), with a note
    mixed = tmp_path / "mixed.parquet"
    args = ["incidents", "--from", window[0], "--to", window[1], "--out", str(mixed),
            "--rib", str(ribs[0]), "--updates", str(ribs[1]), *map(str, updates)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"{ribs[1]} was given as --updates, but its first record is TABLE_DUMP_V2" in " ".join(
        result.stderr.split()
    )
    assert _rows(mixed) == _rows(out)


# IANA's special-purpose and reserved AS numbers (RFC 7607, 6793, 5398, 6996, 7300), written
# out here as the outside reference for the detector's table (nethealth.routing.bogons).
RESERVED = ((0, 0), (23456, 23456), (64496, 131071), (4200000000, 4294967295))


def _reserved(asn: int) -> bool:
    return any(lo <= asn <= hi for lo, hi in RESERVED)


def _bgpdump_bogon_asns(shared: Path) -> dict[int, tuple[set[str], datetime]]:
    """Per reserved AS number, the prefixes announced with it in the AS path (the first such AS
    from the collector side) and the first time, from bgpdump -m's reading of the files."""
    out: dict[int, tuple[set[str], datetime]] = {}
    for name in UPDATES:
        text = gzip.decompress((shared / REAL / "expected_bgpdump_m" /
                                f"{name}.bgpdump-m.txt.gz").read_bytes()).decode()  # fmt: skip
        for line in text.splitlines():
            x = line.split("|")
            if len(x) < 7 or x[2] != "A":
                continue
            path = [
                int(a) for a in x[6].replace("{", " ").replace("}", " ").replace(",", " ").split()
            ]
            bad = [a for a in path if _reserved(a)]
            if bad:
                when = datetime.fromtimestamp(int(x[1]), UTC)
                prefixes, first = out.get(bad[0], (set(), when))
                out[bad[0]] = (prefixes | {x[5]}, min(first, when))
    return out


def test_real_update_files_as_a_shell_gives_them(shared_data: Path, tmp_path: Path) -> None:
    real = shared_data / REAL
    files = [str(real / n) for n in UPDATES]
    runs = {
        # `--updates updates.*` expanded by the shell: the second file is an argument
        "expanded": ["--updates", *files],
        "glob": ["--updates", str(real / "*.updates.*")],  # quoted: nethealth expands it
        # the directory also holds CSV, JSON and bgpdump's outputs: skipped, said so
        "directory": [str(real)],
    }
    got = {}
    for name, given in runs.items():
        out = tmp_path / f"{name}.parquet"
        result = CliRunner().invoke(app, ["incidents", *given, "--out", str(out)])
        assert result.exit_code == 0, (name, result.output)
        assert "0 RIB dump(s), 2 update dump(s)" in result.stderr, name
        assert "no RIB" in result.stderr  # says what cannot be detected without one
        got[name] = _rows(out)
    assert got["glob"] == got["expanded"] == got["directory"]
    assert "skipped 4 file(s) of the directories that are not MRT dumps: csv_test.csv" in (
        result.stderr
    )  # and ris-live-stream.json, bgpdump's two outputs
    # without a RIB: bogons only (no prior state for hijacks, no relationships for leaks)
    rows = got["expanded"]
    assert {r["type"] for r in rows} == {"bogon_asn"}
    want = _bgpdump_bogon_asns(shared_data)
    assert {r["culprit_asn"]: set(r["prefixes"]) for r in rows} == {  # type: ignore[misc]
        a: p for a, (p, _t) in want.items()}  # fmt: skip
    for r in rows:
        assert r["start"] == want[r["culprit_asn"]][1]  # type: ignore[index]
    # the window: from the first record to one second after the last (bgpdump's times)
    assert "window 2015-04-01T00:00:01Z to 2015-04-01T00:14:31Z" in result.stderr


def test_a_file_that_is_not_mrt_is_an_input_error(shared_data: Path, tmp_path: Path) -> None:
    given = shared_data / REAL / "csv_test.csv"
    result = CliRunner().invoke(
        app, ["incidents", "--updates", str(given), "--out", str(tmp_path / "x.parquet")]
    )
    assert isinstance(result.exception, InputError) and result.exception.path == str(given)
    assert not (tmp_path / "x.parquet").exists()


def test_window_options_are_checked_before_reading(tmp_path: Path) -> None:
    out = str(tmp_path / "x.parquet")
    for args, message in (
        (["--from", "2015-04-01T00:10", "--to", "2015-04-01T00:05"], "--to is not after --from"),
        (["--from", "2015-04-01", "--start", "2015-04-01"], "--from and --start are the same"),
        (["--from", "yesterday"], "--from 'yesterday' is not a date or time"),
    ):
        result = CliRunner().invoke(app, ["incidents", "--out", out, *args, str(tmp_path)])
        assert result.exit_code != 0
        assert message in str(result.exception), (args, result.exception)


def test_help_names_the_flags_not_the_old_spellings() -> None:
    help_text = CliRunner().invoke(app, ["incidents", "--help"]).output
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", help_text).split())  # without rich's box
    assert "--from" in text and "--to" in text and "told apart by their first record" in text
    assert "--start" not in text and "--end" not in text
