"""The real-data trial (issue 10's acceptance): a new user's real files, loaded through the
documented commands (`nethealth load`, `nethealth build`), served, and read back from the JSON
twins and the API as a journalist would read them.

The files (../shared/data, none simulated): the Access Now STOP sheet (snapshot 2026-05-20), the
2020-09 PeeringDB per-object dumps, the 2010 RIS rrc06 table, RIS and RouteViews update files of
2015-04-01, the 2023 stayrtr VRPs, World Bank CSVs, and the installed ip-location-db (2026-06).
They are years apart on purpose: nothing may be combined across them without saying so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.server.app import create_app
from nethealth.settings import load_settings
from scripts.snapshot_responses import urls
from tests.conftest import ASSETS, SHARED
from tests.shutdowns.test_real_sheet import INDIA_EVENTS, IRAN_ONGOING

pytestmark = [pytest.mark.shared, pytest.mark.slow]

STOP = "shutdowns/access_now_keepiton_stop_combined_2016-2025_snapshot_2026-05-20.csv.gz"
PDB = "peeringdb/real-2020-09"
WDI = "country"


def _run(data: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--data-dir", str(data), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent: real reference data lives there, not in the repo")
    if not (ASSETS / "@ip-location-db" / "asn-country").is_dir():
        pytest.skip("node_modules is absent: run `make setup` (npm ci) first")
    data = tmp_path_factory.mktemp("trial") / "data"
    s = SHARED
    _run(data, "load", "access-now", str(s / STOP))
    _run(data, "load", "peeringdb", *(str(s / PDB / f"{o}.json") for o in ("ix", "ixlan", "ixpfx")),
         "--date", "2020-09-10")  # fmt: skip
    _run(data, "load", "bgp-ris", str(s / "bgp/derived/rrc06-full-20100701.tdv2.mrt.gz"),
         "--collector", "rrc06")  # fmt: skip
    _run(data, "load", "bgp-ris", str(s / "bgp/libbgpstream/ris.rrc06.updates.1427846400.gz"),
         "--collector", "rrc06")  # fmt: skip
    _run(data, "load", "bgp-routeviews",
         str(s / "bgp/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2"),
         "--collector", "route-views.jinx")  # fmt: skip
    _run(data, "load", "rpki", str(s / "rpki/stayrtr/test.rpki.json"))
    _run(data, "load", "worldbank", str(s / WDI / "wb_gdp_per_capita_2016-2024.csv"),
         "--indicator", "NY.GDP.PCAP.CD", "--date", "2026-05-20")  # fmt: skip
    _run(data, "load", "worldbank", str(s / WDI / "wb_internet_users_pct_2016-2024.csv"),
         "--indicator", "IT.NET.USER.ZS", "--date", "2026-05-20")  # fmt: skip
    _run(data, "load", "worldbank",
         str(s / WDI / "wb_gdp_population_internetpct_by_iso3_year_from_muhanad-husn.csv"),
         "--date", "2026-05-20")  # fmt: skip
    ipdb = ASSETS / "@ip-location-db"
    _run(data, "load", "ipdb", *(str(p) for p in sorted(ipdb.glob("*/*-num.csv"))),
         "--date", "2026-06-17")  # fmt: skip
    _run(data, "build")
    with TestClient(create_app(load_settings(data_dir=data, assets_dir=ASSETS))) as client:
        yield client


def _get(client: TestClient, url: str) -> Any:
    r = client.get(url)
    assert r.status_code == 200, (url, r.text[:300])
    return r.json()


def _indicator(twin: dict[str, Any], indicator: str) -> dict[str, Any]:
    return next(i for i in twin["indicators"] if i["id"] == indicator)


def test_india_records_and_distinct_events(served: TestClient) -> None:
    section = _get(served, "/country/IN.json")["shutdowns"]
    assert (section["records"], section["count"]) == (920, INDIA_EVENTS)
    listed = _get(served, "/shutdowns.json?country=IN")
    assert (listed["total_records"], listed["total_events"]) == (920, INDIA_EVENTS)


def test_iran_ongoing_events_are_the_hand_count(served: TestClient) -> None:
    section = _get(served, "/country/IR.json")["shutdowns"]
    assert (section["records"], section["ongoing"]) == (99, len(IRAN_ONGOING))
    ongoing = _get(served, "/api/v1/shutdowns/events?country=IR&status=ongoing")
    assert {e["start_date"]: e["records"] for e in ongoing["events"]} == IRAN_ONGOING


def test_ixp_counts_of_the_2020_dump(served: TestClient) -> None:
    for cc, count in (("IN", 25), ("US", 141)):
        latest = _indicator(_get(served, f"/country/{cc}.json"), "ixps")["latest"]
        assert (latest["value"], latest["date"], latest["status"]) == (count, "2020-09-10",
                                                                       "measured")  # fmt: skip


def test_no_value_is_zero_where_its_input_is_missing(served: TestClient) -> None:
    """Every value of every country twin: a number only when measured (or a measured zero);
    otherwise null with the reason. The inputs here make routed space, RPKI coverage and the
    scorecards of the 2010 table not comparable (no RIR file or ip-location-db of 2010), IPv6
    routed not measured (an IPv4-only table), and the map's "countries with data" counts only
    measured values."""
    for cc in ("IN", "IR", "US", "NL", "BR", "ZA"):
        for ind in _get(served, f"/country/{cc}.json?series=all")["indicators"]:
            for v in ind["series"]:
                if v["status"] in ("measured", "zero measured"):
                    assert v["value"] is not None, (cc, ind["id"], v)
                else:
                    assert v["value"] is None and v["reason"], (cc, ind["id"], v)
    us = _get(served, "/country/US.json")
    for ind, status in (("ipv4_routed_s24", "not comparable"), ("ipv6_routed_s48", "not measured"),
                        ("asns_routed", "not measured"), ("rpki_valid_route_share", "not measured"),
                        ("roa_prefix_coverage_v4", "not measured")):  # fmt: skip
        latest = _indicator(us, ind)["latest"]
        assert latest["value"] is None and latest["status"] == status, (ind, latest)
    assert "2010-07-01" in _indicator(us, "ipv4_routed_s24")["latest"]["reason"]
    assert us["glance_mixed"] is True  # the panel shows values of 2010, 2020 and 2026
    home = _get(served, "/index.json?indicator=ipv4_routed_s24")
    assert home["countries_with_data"] == 0 and home["median"] is None
    assert home["rows"] == [] and home["countries_not_comparable"] == home["countries_total"]


def test_stale_routes_are_not_the_state_of_the_2015_updates(served: TestClient) -> None:
    """The 2015 update files come with a 2010 table only: no outage series is drawn over them
    (the RIB is 4 years older than the window) and no outage is reported."""
    events = _get(served, "/api/v1/events")
    assert events["count"] == 0 and events["events"] == []


def test_nothing_is_flagged_simulated(served: TestClient) -> None:
    """No answer of any page twin or API route says `simulated: true` (all inputs are real)."""

    def flagged(x: Any, where: str) -> Iterator[str]:
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "simulated" and v is True:
                    yield where
                yield from flagged(v, f"{where}.{k}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                yield from flagged(v, f"{where}[{i}]")

    checked = 0
    for url in urls(served):
        r = served.get(url)
        if r.status_code != 200 or "json" not in r.headers.get("content-type", ""):
            continue
        checked += 1
        assert not list(flagged(r.json(), url)), url
        assert '"simulated":true' not in json.dumps(r.json(), separators=(",", ":")), url
    assert checked > 50
