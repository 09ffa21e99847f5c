"""The `routing` lake step and its indicators on a tiny simulated world, against an independent
computation: bgpdump's text of the same RIBs, the simulator's VRP JSON and its RIR delegation
files, validated with the standard library's ipaddress (no nethealth code on the oracle side)."""

from __future__ import annotations

import bz2
import gzip
import ipaddress
import json
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nethealth.areas import get_indicator
from nethealth.lake.build import run_build
from nethealth.lake.raw import RawStore
from nethealth.routing import caida, irr, scorecard
from nethealth.routing import indicators as routing_indicators
from nethealth.routing import step as routing_step
from nethealth.routing.api import router
from nethealth.routing.cli import app
from nethealth.rpki import source as rpki_source
from nethealth.rpki import step as rpki_step
from nethealth.rpki.config import rpki_config
from nethealth.settings import Settings, load_settings
from nethealth.sim import SimConfig
from nethealth.sim import run as run_sim
from nethealth.sources import countries, peeringdb, rir
from nethealth.sources.collectors import Collector, fetch_dumps
from tests.apps import router_app
from tests.conftest import ASSETS

DAY = date(2025, 6, 1)
Net = ipaddress.IPv4Network | ipaddress.IPv6Network


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    run_sim(SimConfig(out=out, seed=1, scale="tiny", days=1, start=DAY))
    return out


def _fill_raw_store(settings: Settings, mirror: Path) -> None:
    """Fetch everything from the simulator's mirror with the project's own fetchers."""
    store = RawStore(settings.raw_dir)
    local = settings.model_copy(update={
        "rir_base_urls": {r: (mirror / "rir" / r).as_uri() for r in rir.RIRS},
        "peeringdb_archive_base_url": (mirror / "peeringdb").as_uri(),
    })  # fmt: skip
    rir.fetch(local, store, day=DAY)
    peeringdb.fetch(local, store, day=DAY)
    cfg = rpki_config(settings, vrp_archive_url=mirror.as_uri() + "/rpki/{ymd}/vrps.json")
    rpki_source.fetch(settings, store, cfg, day=DAY)
    t0 = datetime(2025, 6, 1, tzinfo=UTC)
    t1 = datetime(2025, 6, 2, tzinfo=UTC)
    # the simulator files route-views2 under its own directory; the real archive has it at root
    rv = (mirror / "routeviews" / "route-views2").as_uri()
    fetch_dumps(settings, store, [Collector("routeviews", "route-views2")], "rib", t0, t1,
                base_url=rv)  # fmt: skip
    fetch_dumps(settings, store, [Collector("ris", "rrc00")], "rib", t0, t1,
                base_url=(mirror / "ris").as_uri())  # fmt: skip


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    elif data[:3] == b"BZh":
        data = bz2.decompress(data)
    return data.decode()


def _bgpdump_routes(mirror: Path) -> set[tuple[Net, int]]:
    """(prefix, origin) of the day's first RIBs, from bgpdump's one-line output."""
    routes: set[tuple[Net, int]] = set()
    for rib in (mirror / "routeviews/route-views2/bgpdata/2025.06/RIBS/rib.20250601.0000.bz2",
                mirror / "ris/rrc00/2025.06/bview.20250601.0000.gz"):  # fmt: skip
        text = subprocess.run(["bgpdump", "-m", str(rib)], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
        for line in text.splitlines():
            f = line.split("|")
            last = f[6].split()[-1]
            if last.isdigit():
                routes.add((ipaddress.ip_network(f[5], strict=False), int(last)))
    return routes


def _oracle(mirror: Path) -> dict[str, dict[str, float]]:
    """Per country: the five indicators computed from bgpdump, the VRP JSON and the RIR files."""
    routes = _bgpdump_routes(mirror)
    vrps = []
    for r in json.loads((mirror / "rpki/20250601/vrps.json").read_text())["roas"]:
        asn = int(str(r["asn"]).removeprefix("AS"))
        vrps.append((ipaddress.ip_network(r["prefix"]), int(r["maxLength"]), asn))
    cc_of: dict[int, str] = {}
    for path in sorted(mirror.glob("rir/*/delegated-*-extended-latest")):
        for line in _read_text(path).splitlines():
            f = line.split("|")
            if len(f) > 6 and f[2] == "asn" and f[6] in ("allocated", "assigned") and f[1]:
                for n_asn in range(int(f[3]), int(f[3]) + int(f[4])):
                    cc_of[n_asn] = f[1].upper()
    acc: dict[str, dict[Any, Any]] = {}
    for net, origin in routes:
        cc = cc_of.get(origin)
        if cc is None:
            continue
        cover = [v for v in vrps if v[0].version == net.version and net.subnet_of(v[0])]  # type: ignore[arg-type]
        valid = any(v_asn == origin and net.prefixlen <= ml for _n, ml, v_asn in cover)
        a = acc.setdefault(cc, {"routes": 0, "valid": 0, "invalid": 0, 4: {}, 6: {}})
        a["routes"] += 1
        a["valid"] += valid
        a["invalid"] += bool(cover) and not valid
        a[net.version][net] = a[net.version].get(net, False) or bool(cover)
    out: dict[str, dict[str, float]] = {}
    for cc, a in acc.items():
        o = {"rpki_valid_route_share": 100 * a["valid"] / a["routes"],
             "rpki_invalid_route_share": 100 * a["invalid"] / a["routes"]}  # fmt: skip
        for fam in (4, 6):
            if a[fam]:
                o[f"roa_prefix_coverage_v{fam}"] = 100 * sum(a[fam].values()) / len(a[fam])
        if a[4]:
            o["roa_space_coverage_v4"] = (
                100 * _space([n for n in a[4] if a[4][n]]) / _space(list(a[4]))
            )
        out[cc] = o
    return out


def _space(nets: list[Net]) -> int:
    return sum(n.num_addresses for n in ipaddress.collapse_addresses(nets))  # type: ignore[type-var,misc]


def _top_asn(mirror: Path) -> tuple[int, list[Net]]:
    by_asn: dict[int, list[Net]] = {}
    for net, origin in _bgpdump_routes(mirror):
        by_asn.setdefault(origin, []).append(net)
    asn = max(by_asn, key=lambda a: (len(by_asn[a]), a))
    return asn, sorted(by_asn[asn], key=lambda n: (n.version, n))


def _store_irr_dump(settings: Settings, world: Path) -> None:
    """An RPSL dump with route objects for the first 3 prefixes of the busiest origin AS (one
    of them registered for a wrong origin), fetched like the RIPE split dump."""
    asn, nets = _top_asn(world / "mirror")
    objs = [(nets[0], asn), (nets[1], asn), (nets[2], asn + 1)]
    text = "\n".join(f"route{'' if n.version == 4 else '6'}: {n}\norigin: AS{a}\nsource: TEST\n"
                     for n, a in objs)  # fmt: skip
    split = world / "irr"
    split.mkdir(exist_ok=True)
    (split / "ripe.db.route.gz").write_bytes(gzip.compress(text.encode()))
    (split / "ripe.db.route6.gz").write_bytes(gzip.compress(b""))
    irr.fetch(settings, RawStore(settings.raw_dir), day=DAY, base_urls={"ripe": split.as_uri()})


STEPS = [countries.STEP, rir.STEP, peeringdb.STEP, rpki_step.RPKI, routing_step.ROUTING]


@pytest.fixture(scope="module")
def built(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("data"), assets_dir=ASSETS)
    _fill_raw_store(settings, world / "mirror")
    _store_irr_dump(settings, world)
    outcomes = run_build(STEPS, settings)
    assert [o.status for o in outcomes] == ["built"] * len(STEPS)
    return settings


def test_routing_step_and_indicators_match_independent_computation(
    world: Path, built: Settings
) -> None:
    mirror = world / "mirror"
    settings = built
    lake = settings.lake_dir
    asn_cc = pq.read_table(lake / "routing_asn_country.parquet")
    assert asn_cc.num_rows > 0 and set(asn_cc["snapshot"].to_pylist()) == {DAY}

    con = duckdb.connect()
    for name in ("routing_rov_country", "routing_inputs", "countries"):
        con.read_parquet(str(lake / f"{name}.parquet")).create_view(name)
    expected = _oracle(mirror)
    assert len(expected) >= 3
    ids = [i for i in expected[next(iter(expected))]] + ["roa_prefix_coverage_v6"]
    assert routing_indicators.COUNTRY_SQL  # the module registered its definitions on import
    discriminating = 0
    for ind_id in set(ids):
        ind = get_indicator(ind_id)
        assert ind.area == "routing"
        rows = ind.compute(con).to_pylist()
        got = {r["country"]: r for r in rows if r["status"] == "measured"}
        want = {cc: v[ind_id] for cc, v in expected.items() if ind_id in v}
        assert set(got) == set(want), ind_id
        # every other country has a row without a number, saying why (never a zero coverage)
        others = [r for r in rows if r["country"] not in want]
        assert others and all(r["value"] is None and r["status"] == "not measured" for r in others)
        assert all("originate no" in r["reason"] for r in others)
        for cc, value in want.items():
            assert got[cc]["date"] == DAY
            assert got[cc]["value"] == pytest.approx(value), (ind_id, cc)
            discriminating += 0 < value < 100
    assert discriminating >= 3  # not all 0 % or 100 %: the comparison can tell methods apart

    # a rerun with unchanged inputs does nothing
    assert [o.status for o in run_build(STEPS, settings)] == ["skipped"] * len(STEPS)


def test_scorecard_cli_and_api_on_the_built_lake(world: Path, built: Settings) -> None:
    mirror = world / "mirror"
    asn, nets = _top_asn(mirror)
    lake = built.lake_dir
    # one 2-hour incident caused by the AS (weight 1 -> Filtering 90 %)
    t0 = datetime(2025, 6, 1, 12, tzinfo=UTC)
    pq.write_table(pa.table({"culprit_asn": pa.array([asn], pa.uint32()),
                             "start": pa.array([t0], pa.timestamp("us", tz="UTC")),
                             "end": pa.array([t0 + timedelta(hours=2)],
                                             pa.timestamp("us", tz="UTC"))}),
                   lake / "routing_incidents.parquet")  # fmt: skip
    # without a record that detection ran in June, Filtering is not measured (not 100 %)
    days = lake / "routing_incident_days.parquet"
    days.unlink(missing_ok=True)
    blank = CliRunner().invoke(app, ["scorecard", "--asn", str(asn), "--month", "2025-06",
                                     "--lake", str(lake), "--json"])  # fmt: skip
    assert blank.exit_code == 0, blank.output
    assert json.loads(blank.output)["filtering"] is None
    pq.write_table(pa.table({"day": pa.array([t0.date()], pa.date32())}), days)
    dump = json.loads(next(mirror.glob("peeringdb/2025/06/*.json")).read_text())
    rec = [n for n in dump["net"]["data"] if n["asn"] == asn]
    coord = (
        0.0
        if not rec
        else 100.0
        if (rec[0].get("website") or rec[0].get("policy_general"))
        else 50.0
    )

    result = CliRunner().invoke(app, ["scorecard", "--asn", str(asn), "--date", "2025-06",
                                      "--lake", str(lake), "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    card = json.loads(result.output)
    # the old spellings (--month, --json) and a day of the month give the same card
    for old in (["--month", "2025-06", "--json"], ["--date", "2025-06-17", "--json"]):
        again = CliRunner().invoke(app, ["scorecard", "--asn", str(asn), "--lake", str(lake),
                                         *old])  # fmt: skip
        assert again.exit_code == 0 and json.loads(again.output) == card, (old, again.output)
    assert card["routes"] == len(nets)
    # an object covers a route of its origin AS when it equals or contains the route's prefix;
    # the third object names another origin and matches nothing
    mine = nets[:2]
    matched = [n for n in nets if any(n.version == o.version and n.subnet_of(o) for o in mine)]  # type: ignore[arg-type]
    assert len(matched) > 2  # the first prefix is an aggregate covering more-specifics
    assert card["irr"] == pytest.approx(100 * len(matched) / len(nets))
    assert card["filtering"] == 90.0 and card["filtering_incidents"] == 1
    assert card["coordination"] == coord

    # The API serves the `routing_scorecards` dataset (these steps did not build it: 503, never
    # a figure computed per request), then as the step writes it from this lake.
    client = TestClient(router_app(router, settings=built))
    missing = client.get(f"/api/v1/routing/asns/{asn}/scorecard", params={"month": "2025-06"})
    assert missing.status_code == 503 and missing.json()["error"]["code"] == "not_built"
    cards, rollup, inputs = scorecard.month_tables(lake, "2025-06", True)
    for name, table in ((scorecard.SCORECARDS, cards), (scorecard.COUNTRY_ROLLUPS, rollup),
                        (scorecard.INPUTS, inputs)):  # fmt: skip
        pq.write_table(table, lake / f"{name}.parquet")
    got = client.get(f"/api/v1/routing/asns/{asn}/scorecard", params={"month": "2025-06"})
    assert got.status_code == 200
    assert {k: got.json()[k] for k in ("irr", "filtering", "rpki")} == {
        k: card[k] for k in ("irr", "filtering", "rpki")}  # fmt: skip
    assert client.get(f"/api/v1/routing/asns/{asn}/scorecard?month=2025-13").status_code == 400
    assert client.get(f"/api/v1/routing/asns/{asn}/scorecard?month=2025-07").status_code == 404
    assert client.get("/api/v1/routing/asns/1/scorecard?month=2025-06").status_code == 404


def test_relationships_come_from_caida_once_a_file_is_stored(world: Path, built: Settings) -> None:
    # runs last: it changes the lake the other tests of this module read
    lake = built.lake_dir
    before = pq.read_table(lake / "routing_relationships.parquet")
    assert set(before["method"].to_pylist()) == {"gao"} and before.num_rows > 50
    serial2 = world / "mirror/caida/as-relationships/serial-2"
    caida.fetch(built.model_copy(update={"caida_asrel_base_url": serial2.as_uri()}),
                RawStore(built.raw_dir), month=DAY)  # fmt: skip
    outcomes = {o.step_id: o.status for o in run_build(STEPS, built)}
    assert outcomes["routing"] == "built"  # a new CAIDA file is a new input
    after = pq.read_table(lake / "routing_relationships.parquet").to_pylist()
    assert {r["method"] for r in after} == {"caida-asrel:2025-06-01"}
    # the rows are the file's own, read here with bz2 and str.split
    text = bz2.decompress((serial2 / "20250601.as-rel2.txt.bz2").read_bytes()).decode()
    want = {tuple(int(x) for x in line.split("|")[:3]) for line in text.splitlines()
            if not line.startswith("#")}  # fmt: skip
    assert {(r["asn1"], r["asn2"], r["rel"]) for r in after} == want
    assert all(r["snapshot"] == DAY and r["simulated"] for r in after)
