"""The `bgp_hegemony` build step, its read model and its API routes, over the hand-computed
example of test_hegemony.py written as a real MRT RIB (same pinned numbers)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from nethealth.bgp import query
from nethealth.bgp.step import HEGEMONY
from nethealth.errors import DatasetNotBuiltError, InputError, NotFoundError
from nethealth.formats import mrt_encode as e
from nethealth.lake.build import StepContext
from nethealth.lake.raw import RawStore
from nethealth.server.app import create_app
from nethealth.settings import Settings
from tests.bgp.test_hegemony import EXAMPLE

TS = int(datetime(2024, 5, 1, tzinfo=UTC).timestamp())
DAY = date(2024, 5, 1)
GEO = date(2024, 4, 1)


def _attrs(path: list[int], has_set: bool) -> bytes:
    segs: list[tuple[int, tuple[int, ...]]] = [(2, tuple(path[:-1]))]
    segs.append((1, (path[-1],)) if has_set else (2, (path[-1],)))
    return e.Attrs(path=segs).encode()


def _rib(path: Path) -> None:
    """EXAMPLE as one collector's TABLE_DUMP_V2 RIB (its peers' sessions in one table)."""
    peers = sorted({(ip, asn) for _c, ip, asn, *_ in EXAMPLE})
    index = {ip: i for i, (ip, _a) in enumerate(peers)}
    w = e.RibWriter(TS, [e.Peer(ip, asn) for ip, asn in peers])
    by_prefix: dict[str, list[e.RibEntry]] = {}
    for _c, ip, _asn, prefix, as_path, has_set in EXAMPLE:
        by_prefix.setdefault(prefix, []).append(e.RibEntry(index[ip], _attrs(as_path, has_set)))
    for prefix, entries in by_prefix.items():
        w.add(prefix, entries)
    path.write_bytes(bytes(w))


def _build(settings: Settings, tmp_path: Path, geo: bool = True) -> Path:
    store = RawStore(settings.raw_dir)
    src = tmp_path / "rrc99.mrt"
    _rib(src)
    store.store_file("bgp-ris", DAY.isoformat(), "rrc99.bview.20240501.0000.gz", src,
                     url="file:///rrc99.bview.20240501.0000.gz", licence="test",
                     upstream_modified=None)  # fmt: skip
    lake_dir = settings.lake_dir
    lake_dir.mkdir(parents=True, exist_ok=True)
    if geo:  # AA: 10.0.0.0/24 and 20.0.0.0/24; BB: 10.0.1.0/25
        pq.write_table(pa.table({
            "snapshot": pa.array([GEO] * 3, pa.date32()), "af": pa.array([4] * 3, pa.int8()),
            "start": pa.array([0x0A000000, 0x0A000100, 0x14000000], pa.uint64()),
            "end": pa.array([0x0A0000FF, 0x0A00017F, 0x140000FF], pa.uint64()),
            "cc": ["AA", "BB", "AA"], "simulated": [False] * 3,
        }), lake_dir / "ipdb_country.parquet")  # fmt: skip
    ctx = StepContext(settings=settings, step_id=HEGEMONY.id, raw=store, lake_dir=lake_dir,
                      progress=lambda *_: None)  # fmt: skip
    HEGEMONY.run(ctx)
    assert set(ctx.staged) == set(HEGEMONY.outputs)
    ctx.commit()
    return lake_dir


def _scores(rows: list[dict[str, object]]) -> dict[object, float]:
    return {r["asn"]: r["hegemony"] for r in rows}  # type: ignore[misc]


def _pinned(got: dict[object, float], want: dict[int, Fraction]) -> None:
    assert set(got) == set(want)
    for asn, value in want.items():
        assert got[asn] == pytest.approx(float(value), abs=1e-12)


def test_step_and_read_model(settings: Settings, tmp_path: Path) -> None:
    lake = query.BgpLake(_build(settings, tmp_path))
    f = Fraction
    glob = query.hegemony(lake)
    assert glob["date"] == DAY and glob["scope"] == "global" and glob["peers"] == 4
    assert glob["collectors"] == ["rrc99"] and glob["peer_sessions"] == 5
    assert glob["skipped_routes"]["as_set"] == 1
    _pinned(_scores(glob["hegemony"]), {10: f(13, 24), 20: f(7, 48), 30: f(3, 16), 1: f(1, 4)})
    assert [r["asn"] for r in glob["hegemony"]] == [10, 1, 30, 20]  # highest first
    local = query.hegemony(lake, query.check_scope("AS200"))
    _pinned(_scores(local["hegemony"]), {10: f(5, 6), 20: f(1, 3), 1: f(1, 3)})
    assert local["peers"] == 3
    # an origin's diversity as a country's: 3 ASes at or above 5 %; 5/6, 1/3, 1/3 are the shares
    # 5/9, 2/9, 2/9 of their sum
    assert local["upstream_diversity"]["count"] == 3
    assert local["route_diversity"]["hhi"] == pytest.approx((500 / 9) ** 2 + 2 * (200 / 9) ** 2)
    assert "route_diversity" not in glob
    lone = query.hegemony(lake, 400)  # seen by AS2 only
    assert lone["hegemony"] == [] and lone["peers"] is None and "fewer than 2" in lone["reason"]
    bb = query.country_dependency(lake, "bb")
    assert (bb["cc"], bb["status"], bb["geo_snapshot"]) == ("BB", "measured", GEO)
    _pinned(_scores(bb["dependencies"]), {10: f(7, 8), 20: f(1, 4), 1: f(1, 4)})
    # upstream diversity: 3 ASes at or above 5 %; HHI over shares 7/11, 2/11, 2/11 of their sum
    assert bb["upstream_diversity"]["count"] == 3
    want_hhi = sum((100 * x / f(11, 8)) ** 2 for x in (f(7, 8), f(1, 4), f(1, 4)))
    assert bb["route_diversity"]["hhi"] == pytest.approx(float(want_hhi))
    aa = query.country_dependency(lake, "AA")
    _pinned(_scores(aa["dependencies"]), {10: f(7, 16), 30: f(5, 16), 20: f(1, 8), 1: f(1, 4)})
    none = query.country_dependency(lake, "CC")  # no address space located there
    assert none["status"] == "not measured" and none["dependencies"] == []
    assert none["route_diversity"]["hhi"] is None and none["upstream_diversity"]["count"] is None
    with pytest.raises(NotFoundError) as v6:
        query.hegemony(lake, af=6)  # an IPv4-only RIB
    assert "IPv6" in str(v6.value)
    with pytest.raises(NotFoundError):
        query.hegemony(lake, day=date(2024, 4, 30))  # before the first RIB date
    assert query.hegemony(lake, day=date(2030, 1, 1))["date"] == DAY  # as of: latest before
    for bad in ("AS-1", "x", "4294967296"):
        with pytest.raises(InputError):
            query.check_scope(bad)


def test_without_geolocation_country_is_not_measured(settings: Settings, tmp_path: Path) -> None:
    lake = query.BgpLake(_build(settings, tmp_path, geo=False))
    bb = query.country_dependency(lake, "BB")
    assert bb["status"] == "not measured" and bb["geo_snapshot"] is None
    assert "ip-location-db" in bb["reason"] and bb["dependencies"] == []
    assert query.hegemony(lake)["hegemony"]  # hegemony itself needs no geolocation


def test_api_json_and_csv(settings: Settings, tmp_path: Path) -> None:
    _build(settings, tmp_path)
    with TestClient(create_app(settings)) as c:
        r = c.get("/api/v1/hegemony", params={"scope": "200"})
        assert r.status_code == 200
        body = r.json()
        assert body["date"] == "2024-05-01" and body["scope"] == 200
        assert _scores(body["hegemony"])[10] == pytest.approx(5 / 6)
        r = c.get("/api/v1/hegemony", params={"format": "csv", "date": "2024-05-02"})
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert r.headers["content-type"].startswith("text/csv")
        assert next((x["asn"], x["scope"], x["date"]) for x in rows) == (
            "10",
            "global",
            "2024-05-01",
        )
        assert float(rows[0]["hegemony"]) == pytest.approx(13 / 24)
        d = c.get("/api/v1/countries/BB/dependency").json()
        assert d["geo_snapshot"] == "2024-04-01" and d["inputs"]["ribs"] == ["rrc99"]
        assert d["route_diversity"]["scale"] == "0-10000"
        dc = c.get("/api/v1/countries/BB/dependency", headers={"accept": "text/csv"})
        assert dc.text.splitlines()[0] == "cc,date,af,asn,hegemony,peers,geo_snapshot,simulated"
        assert c.get("/api/v1/hegemony", params={"scope": "nope"}).status_code == 400
        assert c.get("/api/v1/hegemony", params={"af": "5"}).status_code == 400
        assert c.get("/api/v1/countries/B1/dependency").status_code == 400
        assert c.get("/api/v1/hegemony", params={"date": "2020-01-01"}).status_code == 404


def test_api_before_any_build(settings: Settings) -> None:
    with TestClient(create_app(settings)) as c:
        r = c.get("/api/v1/hegemony")
        error = r.json()["error"]
        assert r.status_code == 503 and "bgp_hegemony" in f"{error['message']} {error['hint']}"
    with pytest.raises(DatasetNotBuiltError):
        query.hegemony(query.BgpLake(settings.lake_dir))


def write_hegemony_datasets(
    lake_dir: Path, work: Path, codes: tuple[str, str] = ("AA", "BB"), simulated: bool = False
) -> None:
    """The three `bgp_hegemony` datasets of the example (its two countries AA and BB under
    `codes`), written into an existing lake without touching its other datasets
    (tests/api/full_world, the page tests)."""
    from nethealth.bgp.hegemony_step import SCHEMAS, day_tables
    from nethealth.bgp.ingest import ingest_file
    from nethealth.common.asof import pick

    work.mkdir(parents=True, exist_ok=True)
    rib = work / "rrc99.bview.20240501.0000.mrt"
    _rib(rib)
    decoded = Path(ingest_file(rib, work / "decoded", collector="rrc99").output)
    geo = work / "ipdb_country.parquet"
    pq.write_table(pa.table({
        "snapshot": pa.array([GEO] * 3, pa.date32()), "af": pa.array([4] * 3, pa.int8()),
        "start": pa.array([0x0A000000, 0x0A000100, 0x14000000], pa.uint64()),
        "end": pa.array([0x0A0000FF, 0x0A00017F, 0x140000FF], pa.uint64()),
        "cc": [codes[0], codes[1], codes[0]], "simulated": [False] * 3,
    }), geo)  # fmt: skip
    tables = day_tables([decoded], ["rrc99"], DAY, simulated, geo, pick("ipdb", DAY, [GEO]), [])
    for name, parts in tables.items():
        schema = SCHEMAS[name]
        pq.write_table(pa.concat_tables([t.cast(schema) for t in parts]),
                       lake_dir / f"{name}.parquet")  # fmt: skip


def test_fixture_datasets_answer_as_the_step(tmp_path: Path) -> None:
    lake_dir = tmp_path / "lake"
    lake_dir.mkdir()
    write_hegemony_datasets(lake_dir, tmp_path / "work")
    bb = query.country_dependency(query.BgpLake(lake_dir), "BB")
    assert _scores(bb["dependencies"])[10] == pytest.approx(7 / 8)


def test_country_page_section_and_twin(tmp_path: Path) -> None:
    from tests.api.conftest import ASSETS, fixture_app
    from tests.api.fixture_lake import build_fixture_lake, make_settings

    settings = build_fixture_lake(make_settings(tmp_path / "data", ASSETS))
    write_hegemony_datasets(settings.lake_dir, tmp_path / "work", codes=("NL", "KE"))
    with TestClient(fixture_app(settings)) as c:
        twin = c.get("/country/NL.json").json()["transit"]
        assert (twin["status"], twin["date"], twin["geo_snapshot"]) == (
            "measured",
            "2024-05-01",
            "2024-04-01",
        )
        assert [d["asn"] for d in twin["dependencies"]] == [10, 30, 1, 20]  # 7/16, 5/16, 1/4, 1/8
        assert twin["upstream_count"] == 4 and twin["api"].startswith("/api/v1/countries/NL/")
        html = c.get("/country/NL").text
        assert 'id="transit"' in html and 'href="/asn/10"' in html and "43.8 %" in html
        assert "Dépendance au transit" in c.get("/country/NL?lang=fr").text
        assert "Dependencia del tránsito" in c.get("/country/NL?lang=es").text
        # no address space located in the country: not measured, with the reason, no table
        other = c.get("/country/US.json").json()["transit"]
        assert other["status"] == "not measured" and other["dependencies"] == []
        assert 'id="transit-caption"' not in c.get("/country/US").text
