"""The real combined STOP sheet (../shared/data) imported with the documented command
(`nethealth shutdowns import FILE`), built with the real build steps, and served: the API, the
JSON twins and the home map count records and distinct events as hand counts of the sheet say,
and Iran's 2025 Starlink ban is costed as the satellite-only cut it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nethealth.economics.worldbank import SOURCE_ID as WORLDBANK
from nethealth.lake.build import run_build
from nethealth.lake.raw import RawStore
from nethealth.settings import Settings
from nethealth.shutdowns.cli import app as cli
from nethealth.shutdowns.step import STEPS
from nethealth.sources.download import fetch_to_store
from tests.api.conftest import ASSETS, fixture_app
from tests.api.fixture_lake import build_fixture_lake, make_settings
from tests.shutdowns.conftest import STOP_NAME

# The 12-month map's day: the snapshot (2026-05-20) is inside its window.
MAP_DAY = date(2026, 6, 1)
LONG_WDI = "country/wb_gdp_population_internetpct_by_iso3_year_from_muhanad-husn.csv"

# Iran's ongoing events, counted by hand in the sheet (country "Iran (Islamic Republic of)",
# shutdown_status "Ongoing" in 36 rows). Each row of a later count year repeats an event that
# began earlier, with the same start date, national scope and type: 6 events, every one listed
# again in 2025 (the newest count year of the 2026-05-20 snapshot), so every one is recent.
#   start       what is blocked (service-based unless said)        count years     rows ongoing
#   2009-05-24  Facebook, Twitter                                  2016–2025 (10)   10
#   2017-05-12  Grindr                                             2017–2025 (9)     9
#   2018-05-01  Telegram                                           2018–2025 (8)     8
#   2021-01-25  Signal (its 2021 row says "Unknown", then Ongoing) 2021–2025 (5)     4
#   2022-09-21  WhatsApp, Instagram, Skype, Viber, LinkedIn        2022–2025 (4)     4
#   2025-06-30  Starlink (full network × Starlink: the ban)        2025 (1)          1
#                                                                                 = 36
IRAN_ONGOING = {
    "2009-05-24": 10,
    "2017-05-12": 9,
    "2018-05-01": 8,
    "2021-01-25": 5,
    "2022-09-21": 4,
    "2025-06-30": 1,
}
# India: 920 rows. Six events are listed in more than one count year (2019-08-03 Kashmir Valley
# 2019–2020, 2019-08-05 J&K throttling 2020–2021, 2020-06-29 Chinese apps 2020–2025,
# 2021-12-31 Srinagar 2021–2022, 2023-05-01 J&K apps 2024–2025, 2023-12-18 Manipur 2023–2024):
# 16 rows for 6 events, so 920 − 16 + 6 = 910 distinct events.
INDIA_EVENTS = 910


def _wdi_into_raw(settings: Settings, shared: Path) -> None:
    """World Bank figures as raw files, as `fetch-worldbank` leaves them (provenance and all)."""
    raw = RawStore(settings.raw_dir)
    for name in (LONG_WDI, "country/worldbank-2018/SP.POP.TOTL.json.gz"):
        path = shared / name
        fetch_to_store(
            raw,
            source_id=WORLDBANK,
            snapshot="2026-05-20",
            name=path.name,
            url=path.resolve().as_uri(),
            licence="CC BY 4.0",
            settings=settings,
        )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    sheet = shared / "shutdowns" / STOP_NAME
    if not sheet.is_file() or not (shared / LONG_WDI).is_file():
        pytest.skip("../shared/data is absent: real reference data lives there, not in the repo")
    settings = make_settings(tmp_path_factory.mktemp("real") / "data", ASSETS)
    result = CliRunner().invoke(cli, ["import", str(sheet)], obj=settings, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "the tracker holds 2,102 current records: 1,879 distinct events" in result.stdout
    _wdi_into_raw(settings, shared)
    run_build(STEPS, settings)
    build_fixture_lake(settings)  # countries and the catalog over every dataset
    with TestClient(fixture_app(settings)) as client:
        yield client


def _get(client: TestClient, url: str) -> Any:
    resp = client.get(url)
    assert resp.status_code == 200, resp.text[:300]
    return resp.json()


def test_india_records_and_events(served: TestClient) -> None:
    records = _get(served, "/api/v1/shutdowns?country=IN&limit=1")
    assert (records["unit"], records["total"]) == ("record", 920)
    assert records["distinct_events"] == INDIA_EVENTS
    events = _get(served, "/api/v1/shutdowns/events?country=IN&limit=1")
    assert (events["total"], events["records"]) == (INDIA_EVENTS, 920)
    page = _get(served, "/shutdowns.json?country=IN&per_page=1")
    assert (page["total_events"], page["total_records"]) == (INDIA_EVENTS, 920)
    country = _get(served, "/country/IN.json")["shutdowns"]
    assert (country["count"], country["records"]) == (INDIA_EVENTS, 920)
    assert country["ongoing"] == 2  # the Chinese apps (2020–) and J&K apps (2023–) blocks


def test_iran_ongoing_events_are_the_hand_count(served: TestClient) -> None:
    ongoing = _get(served, "/api/v1/shutdowns/events?country=IR&status=ongoing")
    assert {e["start_date"]: e["records"] for e in ongoing["events"]} == IRAN_ONGOING
    assert all(
        e["last_year"] == 2025 and e["known_until"] == "2026-05-20" for e in ongoing["events"]
    )
    country = _get(served, "/country/IR.json")["shutdowns"]
    assert country["records"] == 99 and country["ongoing"] == len(IRAN_ONGOING) == 6
    assert country["count"] == _get(served, "/api/v1/shutdowns/events?country=IR")["total"]
    assert "6 events ongoing." in country["summary"]
    # The 2009 block is one event of ten records, not ten ongoing events.
    block = next(e for e in ongoing["events"] if e["start_date"] == "2009-05-24")
    view = _get(served, f"/shutdowns/events/{block['event_id']}.json")
    assert [r["year"] for r in view["event"]["records"]] == list(range(2016, 2026))
    assert view["status_text"] == "ongoing as of 2026-05-20"


def test_uae_is_one_event_of_ten_records(served: TestClient) -> None:
    country = _get(served, "/country/AE.json")["shutdowns"]
    assert (country["count"], country["records"], country["ongoing"]) == (1, 10, 1)
    (event,) = _get(served, "/api/v1/shutdowns/events?country=AE")["events"]
    assert (event["start_date"], event["first_year"], event["last_year"]) == (
        "2016-10-28",
        2016,
        2025,
    )


def test_old_open_records_are_status_unknown_not_ongoing(served: TestClient) -> None:
    """A row last listed as ongoing before 2025 is not ongoing in the 2026-05-20 snapshot."""
    unknown = _get(served, "/api/v1/shutdowns/events?status=unknown&limit=5000")["events"]
    stale = [e for e in unknown if "last listed as ongoing" in e["status_text"]]
    assert stale and all(e["last_year"] < 2025 for e in stale)
    assert all(e["status_since"] == e["last_year"] for e in stale)
    everything = _get(served, "/api/v1/shutdowns/events?limit=1")
    ongoing = _get(served, "/api/v1/shutdowns/events?status=ongoing&limit=5000")
    assert ongoing["total"] == everything["ongoing"] == 74
    assert all(e["last_year"] == 2025 for e in ongoing["events"])


def test_the_12_month_map_counts_distinct_events(
    served: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nethealth.web.pages as pages

    monkeypatch.setattr(pages, "today_utc", lambda: MAP_DAY)
    view = _get(served, "/index.json?indicator=shutdowns-12m")
    window = view["window"]
    first = MAP_DAY - timedelta(days=364)
    events = _get(served, "/api/v1/shutdowns/events?limit=5000")["events"]
    overlapping = [
        e
        for e in events
        if date.fromisoformat(e["start_date"]) <= MAP_DAY
        and date.fromisoformat(e["known_until"]) >= first
    ]
    assert window["events"] == len(overlapping)
    assert window["ongoing"] == sum(e["ongoing"] for e in overlapping) == 74
    iran = next(r for r in view["rows"] if r["cc"] == "IR")
    iran_events = [e for e in overlapping if "IR" in e["countries"]]
    assert (int(iran["value"]), iran["ongoing"]) == (len(iran_events), 6)
    # The records behind them are more: a long event has one per year.
    records = sum(e["records"] for e in overlapping)
    assert records > window["events"]
    uae = next(r for r in view["rows"] if r["cc"] == "AE")
    assert (int(uae["value"]), uae["ongoing"]) == (1, 1)


def test_the_starlink_ban_is_a_satellite_only_estimate(served: TestClient) -> None:
    (ban,) = [
        e
        for e in _get(served, "/api/v1/shutdowns/events?country=IR&limit=5000")["events"]
        if e["start_date"] == "2025-06-30"
    ]
    cost = _get(served, f"/api/v1/shutdowns/{ban['latest_record']}")["cost"]
    assert cost["status"] == "estimated" and cost["scoped"] is True
    (part,) = cost["parts"]
    assert (part["scope_kind"], part["area_share"]) == ("satellite-only", 1.0)
    assert part["service_factor"] == pytest.approx(0.005)  # the documented central share
    assert part["days_central"] == pytest.approx(184.5)  # 2025-06-30 … the end of 2025
    assert part["wdi_sources"] and not part["wdi_far"]
    assert any("only satellite Internet users lost access" in n for n in cost["notes"])
    # Iran's full-network shutdowns of June 2025 are costed as such.
    full = [
        e
        for e in _get(served, "/api/v1/shutdowns/events?country=IR&year=2025&limit=5000")["events"]
        if e["type"] == "shutdown" and e["start_date"] in ("2025-06-16", "2025-06-18")
    ]
    assert len(full) == 2
    for e in full:
        parts = _get(served, f"/api/v1/shutdowns/{e['latest_record']}")["cost"]["parts"]
        assert [p["scope_kind"] for p in parts] == ["full"]


def test_unscoped_records_carry_a_wide_range(served: TestClient) -> None:
    """A record whose networks are not recorded: its range spans mobile-only to all networks,
    wider than a scoped record's, and it says so."""
    records = _get(served, "/api/v1/shutdowns?limit=5000")["events"]
    unknown_networks = [
        r for r in records if r["type"] == "shutdown" and not r["networks"] and r["year"] >= 2019
    ]
    assert unknown_networks
    checked = 0
    for r in unknown_networks:
        cost = _get(served, f"/api/v1/shutdowns/{r['event_id']}")["cost"]
        if cost["status"] != "estimated":
            continue
        checked += 1
        assert cost["scoped"] is False
        assert {p["scope_kind"] for p in cost["parts"]} == {"unscoped"}
        assert any(n.startswith("not scoped") for n in cost["notes"])
        assert any("networks were cut" in n for n in cost["notes"])
    assert checked
