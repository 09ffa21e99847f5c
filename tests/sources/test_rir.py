"""RIR delegated-extended statistics: real (truncated) files of all five RIRs, served in each
RIR's own archive layout, compressed as each RIR compresses them."""

from __future__ import annotations

import bz2
import gzip
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from nethealth import pipeline
from nethealth.cli import app
from nethealth.errors import InputError
from nethealth.lake.raw import RawStore
from nethealth.lake.storage import sha256_file
from nethealth.settings import Settings
from nethealth.sources import rir
from tests.mirror import serve_directory

DAY = date(2019, 9, 9)


def _mirror(shared: Path, root: Path, *, bad_line: int | None = None) -> Path:
    for name in rir.RIRS:
        text = (shared / "rir" / "delegated-extended-truncated" / name).read_bytes()
        if bad_line is not None:
            lines = text.split(b"\n")
            lines[bad_line - 1] = lines[bad_line - 1].replace(b"|", b";", 2)
            text = b"\n".join(lines)
        for rel in (rir.file_path(name, DAY), rir.file_path(name, None)):
            dest = root / name / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if rel.endswith(".gz"):
                text_out = gzip.compress(text)
            elif rel.endswith(".bz2"):
                text_out = bz2.compress(text)
            else:
                text_out = text
            dest.write_bytes(text_out)
    return root


def _with_bases(settings: Settings, base: str) -> Settings:
    return settings.model_copy(update={"rir_base_urls": {r: f"{base}/{r}" for r in rir.RIRS}})


def _independent_counts(shared: Path) -> tuple[int, Counter[str]]:
    """Count records and JP/NL ASNs with plain string handling, as an outside reference."""
    records, asns = 0, Counter[str]()
    for name in rir.RIRS:
        lines = (shared / "rir" / "delegated-extended-truncated" / name).read_text().splitlines()
        for line in lines[1:]:
            f = line.split("|")
            if line.startswith("#") or f[-1] == "summary" or len(f) < 7:
                continue
            records += 1
            if f[2] == "asn" and f[6] in ("allocated", "assigned"):
                asns[f[1]] += int(f[4])
    return records, asns


@pytest.mark.shared
def test_fetch_all_rirs_by_date_and_build(
    shared_data: Path, settings: Settings, tmp_path: Path, assets: Path
) -> None:
    with serve_directory(_mirror(shared_data, tmp_path / "m")) as (base, requests):
        rir.fetch(_with_bases(settings, base), RawStore(settings.raw_dir), day=DAY)
    assert "/apnic/2019/delegated-apnic-extended-20190909.gz" in requests
    assert "/ripencc/2019/delegated-ripencc-extended-20190909.bz2" in requests
    assert "/arin/delegated-arin-extended-20190909" in requests
    pipeline.build(settings)
    records, asns = _independent_counts(shared_data)
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    assert con.execute("SELECT count(*) FROM rir_delegations").fetchall()[0][0] == records
    got = dict(
        con.execute(
            "SELECT country, value FROM indicator_values "
            "WHERE indicator_id = 'asns_registered' AND date = ?",
            [DAY],
        ).fetchall()
    )
    for cc in ("JP", "US", "BR", "ZA", "NL"):
        assert got[cc] == asns[cc], cc
    assert sum(got.values()) == sum(v for k, v in asns.items() if k in got)


@pytest.mark.shared
def test_latest_files_take_their_date_from_the_header(
    shared_data: Path, settings: Settings, tmp_path: Path
) -> None:
    with serve_directory(_mirror(shared_data, tmp_path / "m")) as (base, requests):
        files = rir.fetch(
            _with_bases(settings, base), RawStore(settings.raw_dir), rirs=("apnic", "arin")
        )
    assert requests == [
        "/apnic/delegated-apnic-extended-latest",
        "/arin/delegated-arin-extended-latest",
    ]
    assert [f.provenance.snapshot for f in files] == ["2019-09-06", "2019-09-08"]


@pytest.mark.shared
def test_bad_line_names_file_and_line_exit_code_and_lake_unchanged(
    shared_data: Path, settings: Settings, tmp_path: Path, assets: Path
) -> None:
    with serve_directory(_mirror(shared_data, tmp_path / "good")) as (base, _):
        rir.fetch(_with_bases(settings, base), RawStore(settings.raw_dir), day=DAY, rirs=("arin",))
    pipeline.build(settings)
    before = sha256_file(settings.lake_dir / "rir_delegations.parquet")
    state_before = (settings.lake_dir / "_state.json").read_text()
    with serve_directory(_mirror(shared_data, tmp_path / "bad", bad_line=10)) as (base, _):
        rir.fetch(_with_bases(settings, base), RawStore(settings.raw_dir), day=DAY, rirs=("arin",))
    with pytest.raises(InputError) as info:
        pipeline.build(settings)
    assert info.value.line == 10
    assert info.value.path is not None and info.value.path.endswith("delegated-arin-extended")
    result = CliRunner().invoke(app, ["--data-dir", str(settings.data_dir), "build"])
    assert result.exit_code != 0
    assert sha256_file(settings.lake_dir / "rir_delegations.parquet") == before
    assert (settings.lake_dir / "_state.json").read_text() == state_before


def test_parser_rejects_unknown_type_and_bad_value() -> None:
    from nethealth.formats.delegated import parse_delegated

    head = "2.3|ripencc|20240101|2|19830705|20240101|+0100\n"
    with pytest.raises(InputError, match=r"x:2, field 'type': unknown resource type 'ipv5'"):
        parse_delegated(
            (head + "ripencc|NL|ipv5|1.2.3.0|256|20010101|allocated\n").splitlines(), "x"
        )
    with pytest.raises(InputError, match=r"x:2, field 'start': invalid ipv4"):
        parse_delegated(
            (head + "ripencc|NL|ipv4|1.2.3.999|256|20010101|allocated\n").splitlines(), "x"
        )
    with pytest.raises(InputError, match="no header"):
        parse_delegated(["# only a comment"], "x")
    ok = parse_delegated((head + "ripencc|nl|asn|3333|2|20010101|ASSIGNED|abc").splitlines(), "x")
    assert (
        ok.records[0].cc == "NL" and ok.records[0].value == 2 and ok.records[0].status == "assigned"
    )


@pytest.mark.shared
def test_a_cut_file_in_force_makes_the_counts_not_measured(
    tmp_path: Path, shared_data: Path
) -> None:
    """ARIN's file cut short (its header still announces 300 records): the rir step records
    why in `rir_files`, and the country counts of the dates it is in force are not measured
    (a zero or a small count would be wrong), naming the file; the other dates stay measured."""
    from nethealth.areas import get_source
    from nethealth.infrastructure.indicators import ASNS_REGISTERED
    from nethealth.lake.build import run_build
    from nethealth.settings import load_settings
    from nethealth.sources import countries
    from nethealth.sources.base import LoadOptions
    from nethealth.sources.load import load_files

    settings = load_settings(data_dir=tmp_path / "data")
    root = shared_data / "rir" / "delegated-extended-truncated"
    load_files(
        settings, get_source("rir"), [root / r for r in rir.RIRS]
    )  # complete: 2019-09-06..09
    lines = (root / "arin").read_text().splitlines()
    cut = tmp_path / "arin-cut"
    cut.write_text("\n".join(lines[:-40]).replace("|20190908|-0400", "|20190920|-0400") + "\n")
    load_files(
        settings, get_source("rir"), [cut], LoadOptions(lenient=True)
    )  # a later, cut download
    assert [o.status for o in run_build([countries.STEP, rir.STEP], settings)] == ["built"] * 2
    con = duckdb.connect()
    for name in ("countries", "rir_delegations", "rir_files"):
        path = str(settings.lake_dir / f"{name}.parquet")
        con.read_parquet(path).create_view(name)
    problems = con.sql(
        "SELECT registry, snapshot, problem FROM rir_files WHERE problem IS NOT NULL"
    )
    assert problems.fetchall() == [(
        "arin", date(2019, 9, 20),
        "the arin file is incomplete: its header announces 300 records, 260 are present",
    )]  # fmt: skip
    t = ASNS_REGISTERED.compute(con).to_pylist()
    us = {r["date"]: r for r in t if r["country"] == "US"}
    assert us[date(2019, 9, 9)]["status"] == "measured" and us[date(2019, 9, 9)]["value"] > 0
    cut_day = us[date(2019, 9, 20)]
    assert cut_day["value"] is None and cut_day["status"] == "not measured"
    assert (
        "RIR delegation file of arin 2019-09-20: the arin file is incomplete" in cut_day["reason"]
    )
