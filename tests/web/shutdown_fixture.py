"""A data directory with a small shutdown tracker behind the fixture lake, built the way a real
one is: STOP sheets imported and events curated through nethealth.shutdowns' own functions,
World Bank figures fetched from a loopback mirror, then the real build steps (shutdowns,
shutdown_costs) and the catalog over every dataset.

Dates are relative to today (UTC) so the home map's "last 12 months" has something to count.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from nethealth.economics import worldbank
from nethealth.formats.wdi import GDP, INTERNET, POPULATION
from nethealth.lake.build import run_build
from nethealth.settings import Settings
from nethealth.shutdowns.curation import add_event, edit_event, retract_event
from nethealth.shutdowns.events import event_index
from nethealth.shutdowns.importer import import_file
from nethealth.shutdowns.step import STEPS
from nethealth.shutdowns.store import ShutdownStore
from nethealth.sim.shutdowns import COLUMNS
from nethealth.sources.download import SIM_MARKER
from tests.api.conftest import ASSETS
from tests.api.fixture_lake import build_fixture_lake, make_settings
from tests.mirror import serve_directory

TODAY = datetime.now(UTC).date()
NATIONWIDE = "It affected locations in more than one state, province, or region"
CITY = "It only affected one city, county, or village"
REGIONAL = "It affected more than one city in the same state, province, or region"
CRITERIA = {"artificially_induced": True, "removes_access": True, "affects_group": True}

# World Bank figures (publisher's API layout) for the countries with published events.
WB_YEARS = range(2016, TODAY.year)
WB = {
    GDP: {"IND": 2.8e12, "IRQ": 2.2e11},
    POPULATION: {"IND": 1.36e9, "IRQ": 3.9e7},
    INTERNET: {"IND": 20.0, "IRQ": 49.0},
}
ISO2 = {"IND": "IN", "IRQ": "IQ"}


def _row(**values: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(start_date_type="Actual", shutdown_type="Shutdown", shutdown_extent="Full network",
               info_source="News media article", shutdown_status="Ended", gov_ack="Yes",
               election="No", violence="Unknown")  # fmt: skip
    row.update(values)
    return row


def _days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


BLOCK_YEAR = TODAY.year - 1  # an Iraqi block listed in two count years, still ongoing
RECENT_IN = _days_ago(40)  # published, local, in the last 12 months
RECENT_ET = _days_ago(100)  # simulated, national, in the last 12 months
ONGOING_KE = _days_ago(10)  # curated, still running

PUBLISHED = [
    _row(start_date="2019-08-05", end_date="2019-08-09", country="India", geo_scope=NATIONWIDE,
         area_name="Nationwide", affected_network="Broadband, Mobile",
         ordered_by="Executive government", actual_cause="Protests",
         gov_justification="Precautionary measure", info_source_link="https://news.example/in/1",
         duration="4", region="APAC", count_year="2019"),
    _row(start_date=RECENT_IN.isoformat(), end_date=(RECENT_IN + timedelta(days=2)).isoformat(),
         country="India", geo_scope=CITY, area_name="Srinagar", affected_network="Mobile",
         ordered_by="State government", actual_cause="Communal violence",
         info_source_link="https://news.example/in/2", region="APAC",
         count_year=str(RECENT_IN.year)),
    _row(start_date="2018-06-18", end_date="2018-06-19", country="Iraq", geo_scope=REGIONAL,
         area_name="Baghdad", affected_network="Mobile", ordered_by="Executive government",
         actual_cause="Exam cheating", info_source_link="https://news.example/iq/1",
         region="MENA", count_year="2018"),
    # One event, two records: a national Facebook block listed in both years it ran.
    *(
        _row(start_date=f"{BLOCK_YEAR}-03-01", country="Iraq", geo_scope=NATIONWIDE,
             area_name="Nationwide", affected_network="Broadband, Mobile",
             shutdown_extent="Service-based", facebook_affected="Yes", shutdown_status="Ongoing",
             ordered_by="Executive government", info_source_link="https://news.example/iq/2",
             region="MENA", count_year=str(year))
        for year in (BLOCK_YEAR, BLOCK_YEAR + 1)
    ),
    # One event, two records, last listed as ongoing in 2017: its status is unknown since.
    *(
        _row(start_date="2016-06-12", country="Pakistan", geo_scope=CITY, area_name="Wana",
             affected_network="Mobile", shutdown_status="Ongoing", ordered_by="Local government",
             info_source_link="https://news.example/pk/1", region="APAC", count_year=str(year))
        for year in (2016, 2017)
    ),
]  # fmt: skip
SIMULATED = [
    _row(start_date=RECENT_ET.isoformat(), end_date=(RECENT_ET + timedelta(days=5)).isoformat(),
         country="Ethiopia", geo_scope=NATIONWIDE, area_name="Nationwide",
         affected_network="Broadband, Mobile", ordered_by="Executive government",
         actual_cause="Conflict", info_source_link="https://news.example/et/1",
         event="Simulated shutdown (test).", region="Africa", count_year=str(RECENT_ET.year)),
]  # fmt: skip


@dataclass(frozen=True)
class ShutdownFixture:
    settings: Settings
    ongoing: str  # Kenya, curated, national, no end date
    edited: str  # Iraq and Syria, service blocking, end date corrected by a curator
    retracted: str  # Kenya 2020, withdrawn
    national_in: str  # India 2019, published, with a cost estimate
    simulated_et: str  # Ethiopia, from a simulator's sheet
    block_iq: tuple[str, str]  # Iraq's block: its records of BLOCK_YEAR and the year after
    stale_pk: tuple[str, str]  # Pakistan's Wana shutdown: its records of 2016 and 2017
    block_event: str  # the distinct event of Iraq's block
    stale_event: str  # the distinct event of Wana's shutdown


def _write_sheet(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _wb_answer(indicator: str) -> bytes:
    records = [
        {"indicator": {"id": indicator, "value": indicator}, "country": {"id": ISO2[iso3]},
         "countryiso3code": iso3, "date": str(year), "value": value}
        for iso3, value in WB[indicator].items()
        for year in WB_YEARS
    ]  # fmt: skip
    page = {"page": 1, "pages": 1, "per_page": 20000, "total": len(records)}
    return json.dumps([page, records]).encode()


def _fetch_world_bank(settings: Settings, work: Path) -> None:
    site = work / "worldbank-site"
    api = site / "v2" / "country" / "all" / "indicator"
    api.mkdir(parents=True)
    for indicator in WB:
        (api / indicator).write_bytes(_wb_answer(indicator))
    with serve_directory(site) as (base, _requests):
        worldbank.fetch(settings, indicators=list(WB), years=(2016, TODAY.year), base_url=base)


def _curate(settings: Settings) -> tuple[str, str, str]:
    actor = "cli:tester"
    ongoing = add_event(
        settings,
        {"countries": ["KE"], "start_date": ONGOING_KE.isoformat(), "type": "shutdown",
         "scope": "national", "area_name": "Nationwide", "networks": ["mobile"],
         "cause": "Elections", "justification": "Public safety", "ordered_by": "Communications Authority",
         "sources": ["https://observatory.example/ke/1", "https://news.example/ke/1"],
         "criteria_basis": "Measured drop in national traffic; the regulator's order.", **CRITERIA},
        actor=actor, reason="reported by two sources",
    )  # fmt: skip
    edited = add_event(
        settings,
        {"countries": ["IQ", "SY"], "start_date": "2021-03-01", "end_date": "2021-03-02",
         "type": "service-blocking", "scope": "national", "services": ["whatsapp", "facebook"],
         "sources": ["https://news.example/iq-sy/1"], **CRITERIA},
        actor=actor,
    )  # fmt: skip
    edit_event(settings, edited.event_id, {"end_date": "2021-03-03"}, actor="api:alice",
               reason="the block was lifted a day later")  # fmt: skip
    dropped = add_event(
        settings,
        {"countries": ["KE"], "start_date": "2020-05-01", "end_date": "2020-05-01",
         "type": "throttling", "scope": "local", "sources": ["https://news.example/ke/0"],
         **CRITERIA},
        actor=actor,
    )  # fmt: skip
    retract_event(settings, dropped.event_id, actor="api:alice", reason="duplicate record")
    return ongoing.event_id, edited.event_id, dropped.event_id


def build_shutdown_lake(work: Path) -> ShutdownFixture:
    settings = make_settings(work / "data", ASSETS)
    snapshot = TODAY.isoformat()
    import_file(settings, _write_sheet(work / "sheets" / f"stop_{snapshot}.csv", PUBLISHED))
    sim_dir = work / "sim"
    _write_sheet(sim_dir / "accessnow" / f"stop_{snapshot}.csv", SIMULATED)
    (sim_dir / SIM_MARKER).write_text(json.dumps({"generator": "nethealth.sim"}))
    import_file(settings, sim_dir / "accessnow" / f"stop_{snapshot}.csv")
    ongoing, edited, retracted = _curate(settings)
    _fetch_world_bank(settings, work)
    run_build(STEPS, settings)
    build_fixture_lake(settings)  # countries, indicator values and the catalog over everything
    state = ShutdownStore.for_settings(settings).state()
    events = state.events.values()
    by_start = {str(ev.fields.get("start_date")): ev.event_id for ev in events}

    def by_year(start: str) -> tuple[str, str]:
        found = sorted(
            (ev.fields["year"], ev.event_id)
            for ev in events
            if ev.fields.get("start_date") == start
        )
        return found[0][1], found[1][1]

    block, stale = by_year(f"{BLOCK_YEAR}-03-01"), by_year("2016-06-12")
    index = event_index(state)
    return ShutdownFixture(
        settings=settings,
        ongoing=ongoing,
        edited=edited,
        retracted=retracted,
        national_in=by_start["2019-08-05"],
        simulated_et=by_start[RECENT_ET.isoformat()],
        block_iq=block,
        stale_pk=stale,
        block_event=index.by_record[block[0]].event_id,
        stale_event=index.by_record[stale[0]].event_id,
    )
