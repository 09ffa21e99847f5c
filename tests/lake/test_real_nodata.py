"""Issue 10 (items 3, 4): a build on real inputs of different years shows no zero where an input
is missing, and every missing value says why, naming the dates.

Real files only, each stored with its real date: the 2010 RIS rrc06 RIB, the 2019 RIR delegated
files (dated by their headers), the 2020 PeeringDB dumps (dated by their newest record), the
2023 rpki-client VRPs (dated by their metadata) and the installed 2026 ip-location-db packages
(dated by their version). Fetchers read them through file:// URLs as they would a publisher.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from nethealth.areas import all_steps, raw_source_ids
from nethealth.bgp import step as bgp_step
from nethealth.infrastructure import asrel, ixp
from nethealth.lake.build import load_state, run_build
from nethealth.lake.catalog import write_catalog
from nethealth.lake.raw import RawStore
from nethealth.routing import step as routing_step
from nethealth.rpki import source as rpki_source
from nethealth.rpki import step as rpki_step
from nethealth.rpki.config import rpki_config
from nethealth.server.app import create_app
from nethealth.settings import Settings, load_settings
from nethealth.sources import atlas_anchors, countries, ipdb, manrs_ixps, peeringdb, rir
from nethealth.standards import concentration
from nethealth.standards import results as scan_results
from tests.conftest import ASSETS, SHARED

pytestmark = pytest.mark.shared

RIB = "bgp/derived/rrc06-full-20100701.tdv2.mrt.gz"
RIRS = ("afrinic", "apnic", "arin", "lacnic", "ripencc")
INDICATORS = next(s for s in all_steps() if s.id == "indicators")
STEPS = [
    countries.STEP, ipdb.STEP, rir.STEP, peeringdb.STEP, rpki_step.RPKI, bgp_step.STEP,
    routing_step.ROUTING, routing_step.INCIDENTS, routing_step.SCORECARDS, scan_results.STEP,
    concentration.STEP,
    atlas_anchors.STEP, manrs_ixps.STEP, ixp.STEP, asrel.STEP, INDICATORS,
]  # fmt: skip


def _store(settings: Settings, source: str, snapshot: str, name: str, src: Path) -> None:
    tmp = settings.data_dir / f".in-{name}"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, tmp)
    RawStore(settings.raw_dir).store_file(
        source, snapshot, name, tmp, url=src.as_uri(), licence="test", upstream_modified=None
    )


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent: real reference data lives there, not in the repo")
    if not (ASSETS / "@ip-location-db" / "asn-country").is_dir():
        pytest.skip("node_modules is absent: run `make setup` (npm ci) first")
    root = tmp_path_factory.mktemp("real")
    # the RIR files laid out as each registry publishes its latest file
    mirror = root / "rir-mirror"
    for name in RIRS:
        (mirror / name).mkdir(parents=True)
        shutil.copy(SHARED / "rir/delegated-extended-truncated" / name,
                    mirror / name / f"delegated-{name}-extended-latest")  # fmt: skip
    settings = load_settings(data_dir=root / "data", assets_dir=ASSETS).model_copy(
        update={"rir_base_urls": {n: (mirror / n).as_uri() for n in RIRS}}
    )
    store = RawStore(settings.raw_dir)
    rir.fetch(settings, store)
    ipdb.fetch(settings, store, base_url=ASSETS.as_uri())
    vrps = SHARED / "rpki/stayrtr/test.rpki.json"
    rpki_source.fetch(settings, store, rpki_config(settings, vrp_url=vrps.as_uri()))
    for obj in ("ix", "ixlan", "ixpfx"):  # the dump's newest record was updated 2020-09-09
        _store(settings, "peeringdb", "2020-09-09", f"{obj}.json",
               SHARED / f"peeringdb/real-2020-09/{obj}.json")  # fmt: skip
    _store(settings, "bgp-ris", "2010-07-01", "rrc06.bview.20100701.0000.gz", SHARED / RIB)
    outcomes = run_build(STEPS, settings)
    assert [o.status for o in outcomes] == ["built"] * len(STEPS)
    write_catalog(settings, store.all_provenance(raw_source_ids()), load_state(settings))
    return settings


def _values(settings: Settings, indicator: str) -> list[dict[str, object]]:
    con = duckdb.connect()
    path = str(settings.lake_dir / "indicator_values.parquet")
    rows = con.sql(
        "SELECT * FROM read_parquet(?) WHERE indicator_id = ? ORDER BY country, date",
        params=[path, indicator],
    ).to_arrow_table()
    return rows.to_pylist()


def test_inputs_are_stored_with_their_real_dates(lake: Settings) -> None:
    snaps = {
        (p.source_id, p.snapshot)
        for p in RawStore(lake.raw_dir).all_provenance(("rir", "rpki", "ipdb", "bgp-ris"))
    }
    assert ("rpki", "2023-07-27") in snaps and ("bgp-ris", "2010-07-01") in snaps
    assert {s for src, s in snaps if src == "rir"} <= {"2019-09-06", "2019-09-08", "2019-09-09"}
    assert {s for src, s in snaps if src == "ipdb"} and all(
        s.startswith("2026-") for src, s in snaps if src == "ipdb"
    )


def test_routed_resources_of_a_2010_rib_are_not_zero_but_not_comparable(lake: Settings) -> None:
    for indicator in ("asns_routed", "ipv4_routed_s24"):
        rows = _values(lake, indicator)
        assert len(rows) == 249  # every country, one date: the RIB's
        assert {r["date"] for r in rows} == {date(2010, 7, 1)}
        assert {r["value"] for r in rows} == {None}
        assert {r["status"] for r in rows} == {"not comparable"}
    asns = _values(lake, "asns_routed")[0]["reason"]
    # the reason names the RIB date and the RIR files' dates, 9 years later
    assert "on or before 2010-07-01" in str(asns) and "2019-09-0" in str(asns)
    assert "9 years newer" in str(asns)
    v4 = str(_values(lake, "ipv4_routed_s24")[0]["reason"])
    assert "ip-location-db snapshot on or before 2010-07-01" in v4 and "years newer" in v4


def test_ipv6_routed_from_an_ipv4_only_rib_is_not_measured(lake: Settings) -> None:
    rows = _values(lake, "ipv6_routed_s48")
    assert {(r["value"], r["status"], r["reason"]) for r in rows} == {
        (None, "not measured", "RIB is IPv4-only (2010-07-01)")
    }


def test_rpki_coverage_from_2023_vrps_on_a_2010_rib_is_not_comparable(lake: Settings) -> None:
    rows = _values(lake, "roa_prefix_coverage_v4")
    assert rows and {r["value"] for r in rows} == {None}
    assert {r["status"] for r in rows} == {"not comparable"}
    # the RIR files come first in the reason (no ASN→country map), then the VRPs
    inputs = duckdb.sql(
        "SELECT input, status, reason FROM read_parquet(?) ORDER BY input",
        params=[str(lake.lake_dir / "routing_inputs.parquet")],
    ).fetchall()
    assert inputs[1][:2] == ("rpki", "not comparable")
    assert inputs[1][2] == (
        "no VRP snapshot on or before 2010-07-01; the earliest, 2023-07-27, is 13 years newer"
    )
    assert inputs[0][:2] == ("rir", "not comparable")


def test_scorecards_without_incident_detection_say_not_measured(lake: Settings) -> None:
    cards = duckdb.sql(
        "SELECT filtering, filtering_status, filtering_reason, rpki, rpki_status "
        "FROM read_parquet(?)",
        params=[str(lake.lake_dir / "routing_scorecards.parquet")],
    ).fetchall()
    assert len(cards) > 30_000  # every originating AS of the 2010 table
    assert {c[0] for c in cards} == {None}  # never 100 % (0 incidents)
    assert {c[1:3] for c in cards} == {
        (
            "not measured",
            "no incident detection ran in 2010-07 (no RIB and update dumps of one day)",
        )
    }
    assert {c[3] for c in cards} == {None} and {c[4] for c in cards} == {"not comparable"}
    filtering = _values(lake, "manrs_filtering_ready_share")
    assert {r["value"] for r in filtering} == {None}
    assert {r["status"] for r in filtering} <= {"not measured", "not comparable"}


def test_counts_from_complete_inputs_are_measured_zeros(lake: Settings) -> None:
    """PeeringDB's dump is complete: a country without an IXP has a measured zero, dated."""
    ixps = {r["country"]: r for r in _values(lake, "ixps")}
    assert (ixps["US"]["status"], ixps["US"]["date"]) == ("measured", date(2020, 9, 9))
    assert ixps["US"]["value"] > 50
    zeros = [r for r in ixps.values() if r["status"] == "zero measured"]
    assert zeros and all(r["value"] == 0.0 for r in zeros)
    assert ixps["AQ"]["reason"] == "PeeringDB snapshot 2020-09-09"


def test_pages_and_api_count_measured_values_only(lake: Settings) -> None:
    with TestClient(create_app(lake)) as client:
        home = client.get("/index.json", params={"indicator": "asns_routed"}).json()
        assert home["countries_with_data"] == 0 and home["median"] is None
        assert home["countries_not_comparable"] == home["countries_total"] == 249
        assert home["rows"] == []
        html = client.get("/", params={"indicator": "asns_routed"}).text
        assert "0 not measured, 249 not comparable" in html
        assert "249 countries without a value, and why" in html
        v6 = client.get("/index.json", params={"indicator": "ipv6_routed_s48"}).json()
        assert v6["countries_with_data"] == 0 and v6["countries_not_measured"] == 249
        ixps = client.get("/index.json", params={"indicator": "ixps"}).json()
        assert ixps["countries_with_data"] == 249  # a measured zero is data
        api = client.get("/api/v1/indicators/asns_routed", params={"country": "NL"}).json()
        (nl,) = api["values"]
        assert nl["value"] is None and nl["status"] == "not comparable"
        assert "2010-07-01" in nl["reason"] and "2019-09-0" in nl["reason"]
        csv = client.get(
            "/api/v1/indicators/ipv6_routed_s48", params={"country": "NL", "format": "csv"}
        ).text.splitlines()
        assert csv[0].endswith(",status,reason")
        assert csv[1].endswith(",,false,2,not measured,RIB is IPv4-only (2010-07-01)")
        page = client.get("/country/NL.json").json()
        glance = {p["id"]: p for p in page["indicators"]}
        assert glance["asns_routed"]["status"] == "not comparable"
        # values of 2019 (RIR), 2020 (PeeringDB) and 2026 (ip-location-db) side by side: flagged
        assert page["glance_mixed"] is True
        assert page["glance_first"] <= "2019-09-09" and page["glance_last"] >= "2026-01-01"
        country_html = client.get("/country/NL").text
        assert "These values are of different dates" in country_html


def test_ixp_indicators_without_memberships_are_not_measured(lake: Settings) -> None:
    """The 2020-09 dumps have no netixlan: active IXPs and domestic membership have no value
    (not zero), and the reasons say why."""
    active = _values(lake, "ixps_active")
    assert active and {r["value"] for r in active} == {None}
    assert {r["status"] for r in active} == {"not measured"}
    assert "no memberships (netixlan)" in str(active[0]["reason"])
    for indicator in ("ixp_domestic_membership", "ixp_domestic_membership_cone"):
        domestic = _values(lake, indicator)
        assert domestic and {r["value"] for r in domestic} == {None}
        assert {r["status"] for r in domestic} <= {"not measured", "not comparable"}
