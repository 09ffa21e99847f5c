"""The cost model's scope on real STOP records (../shared/data): every "Full network" record that
names only satellite Internet, read by its description, against the event as Access Now
describes it; and Iran's 2025 Starlink ban costed as a satellite-only cut, by hand."""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

import pytest

from nethealth.common.json_types import Json
from nethealth.economics.cost_model import CostParameters, RecordContext, estimate
from nethealth.economics.scope import cost_scope, satellite_only_names
from nethealth.economics.worldbank import panel_from_files
from nethealth.formats.stop_sheet import read_stop_sheet
from nethealth.formats.wdi import GDP_PER_CAPITA, INTERNET, POPULATION
from nethealth.shutdowns.normalise import normalise_rows

STOP = "shutdowns/access_now_keepiton_stop_combined_2016-2025_snapshot_2026-05-20.csv.gz"
# Each record read by hand from its `event` text: was only the satellite service cut ("sat"),
# or the whole network with it ("full")? (country, start date) → reading.
MANIPUR_2023 = (
    "05-04", "05-07", "05-11", "05-16", "05-21", "05-26", "05-31", "06-05", "06-10",
    "06-15", "06-20", "06-25", "06-30", "07-05", "07-10", "07-15", "07-20",
)  # fmt: skip
BY_HAND = {
    # Manipur's 17 successive orders of 2023, VSATs named: "Mobile and broadband internet were
    # suspended for the state of Manipur from …".
    **{("IN", f"2023-{day}"): "full" for day in MANIPUR_2023},
    ("SD", "2024-07-04"): "sat",  # "confiscated Starlink devices … El Fasher"
    ("MM", "2024-09-30"): "sat",  # "Starlink internet was shut down for public use"
    ("MM", "2024-11-18"): "sat",  # "announced they would seize Starlink devices"
    ("TD", "2025-01-16"): "sat",  # "shut down Starlink internet for … refugee camps"
    ("SY", "2025-02-07"): "sat",  # "confiscated Starlink devices in the Damascus area"
    ("MM", "2025-03-03"): "sat",  # "Starlink internet cafes were ordered temporarily closed"
    ("YE", "2025-04-27"): "sat",  # "surrender any Starlink equipment"
    ("MM", "2025-05-01"): "sat",  # "Starlink was shut down by the District … Committee"
    ("IR", "2025-06-30"): "sat",  # "banned the use of Starlink"
    ("MM", "2025-07-24"): "sat",  # "Starlink and other WiFi devices were confiscated"
    ("MM", "2025-08-26"): "sat",  # "Starlink was shut down by the Arakan Army"
    ("MM", "2025-10-15"): "sat",  # "restricted the use of Starlink"
    ("TZ", "2025-10-29"): "full",  # "a full nationwide network shutdown, including Starlink"
    ("MM", "2025-11-23"): "sat",  # "ordered a shutdown of Starlink internet connections"
    ("MM", "2025-12-08"): "sat",  # "confiscated Starlink devices in Puta-O township"
    ("MM", "2025-12-18"): "sat",  # "suspended Starlink for the township"
}


@pytest.fixture
def records(shared_data: Path) -> list[dict[str, Json]]:
    path = shared_data / STOP
    return [
        {"event_id": n.event_id, **n.fields} for n in normalise_rows(read_stop_sheet(path).rows)
    ]


def test_satellite_records_read_as_a_person_reads_them(records: list[dict[str, Json]]) -> None:
    p = CostParameters()
    found = {}
    for r in records:
        if "shutdown" in (r["types"] or []) and satellite_only_names(r):
            key = (r["countries"][0], r["start_date"])
            kind = cost_scope(r, p).kind
            found[key] = "sat" if kind == "satellite-only" else "full" if kind == "full" else kind
    assert found == BY_HAND


def test_the_iran_starlink_ban_is_a_satellite_only_estimate(
    shared_data: Path, records: list[dict[str, Json]]
) -> None:
    country = shared_data / "country"
    panel = panel_from_files(
        [
            country / "worldbank-2018" / "SP.POP.TOTL.json.gz",
            (country / "wb_gdp_per_capita_2016-2024.csv", GDP_PER_CAPITA),
            (country / "wb_internet_users_pct_2016-2024.csv", INTERNET),
            country / "wb_gdp_population_internetpct_by_iso3_year_from_muhanad-husn.csv",
        ]
    )
    (ban,) = [r for r in records if r["countries"] == ["IR"] and r["start_date"] == "2025-06-30"]
    assert ban["type"] == "shutdown" and ban["scope"] == "national"  # as the sheet writes it
    est = estimate(ban, panel, as_of=date(2026, 5, 20), context=RecordContext())
    assert est.scope is not None and est.scope.kind == "satellite-only" and est.scoped
    assert est.cost is not None
    # By hand: the figures the panel holds for Iran, nearest 2025.
    gdp = panel.gdp("IRN", 2025)
    online = panel.get("IRN", INTERNET, 2025)
    pop = panel.get("IRN", POPULATION, 2025)
    assert gdp is not None and online is not None and pop is not None
    daily = gdp.value / (366 if calendar.isleap(gdp.year) else 365)
    base = daily * online.value / 100  # × area share 1 (national)
    days = (date(2025, 12, 31) - date(2025, 6, 30)).days  # ongoing: to the end of 2025
    assert est.cost.central == pytest.approx(base * 0.05 * 0.005 * (days + 0.5))
    assert est.cost.low == pytest.approx(base * 0.03 * 0.001 * days)
    assert est.cost.high == pytest.approx(base * 0.08 * 0.05 * (days + 1))
    # A national blackout of the same days would cost 200× the central estimate.
    blackout = estimate({**ban, "services": []}, panel, as_of=date(2026, 5, 20))
    assert blackout.cost is not None and blackout.cost.central == pytest.approx(
        est.cost.central / 0.005
    )
    assert est.cost.high < blackout.cost.low
    text = " ".join(est.notes)
    assert "satellite Internet" in text and "ongoing: counted to the end of its count year" in text
    part = est.parts[0]
    assert part.wdi_years and max(part.wdi_years) <= 2025
    assert f"{GDP_PER_CAPITA} {gdp.year}" in part.wdi_sources
