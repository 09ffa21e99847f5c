"""The cost model against figures worked out by hand from the documented formula:
cost = GDP/days-in-year × intensity × Internet share × area share × scope share × days;
the scope read from real STOP records (Iran's Starlink ban, Tanzania's blackout); the World Bank
years every estimate states and flags."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from nethealth.economics.cost_model import (
    CostParameters,
    Range,
    RecordContext,
    duration_days,
    estimate,
)
from nethealth.economics.scope import cost_scope
from nethealth.economics.wdi import WdiPanel
from nethealth.formats.wdi import GDP, GDP_PER_CAPITA, INTERNET, POPULATION, Observation

# 2020 has 366 days: a GDP of 3.66e12 is 1e10 a day.
PANEL = WdiPanel(
    [
        Observation("IND", GDP, 2020, 3.66e12),
        Observation("IND", INTERNET, 2020, 50.0),
        Observation("IND", POPULATION, 2020, 1e9),
        Observation("PAK", GDP, 2020, 3.66e11),
        Observation("PAK", INTERNET, 2020, 20.0),
        Observation("PAK", POPULATION, 2020, 2e8),
    ]
)
BASE: dict[str, Any] = {
    "event_id": "t",
    "countries": ["IN"],
    "start_date": "2020-03-01",
    "end_date": "2020-03-03",
    "status": "ended",
    "year": 2020,
    "scope": "national",
    "type": "shutdown",
    "types": ["shutdown"],
    "networks": ["broadband", "mobile"],
    "services": [],
}


def cost(**change: Any) -> Range:
    est = estimate({**BASE, **change}, PANEL, as_of=date(2020, 3, 10))
    assert est.cost is not None, est.notes
    return est.cost


def close(got: Range, low: float, central: float, high: float) -> None:
    assert got.low == pytest.approx(low) and got.central == pytest.approx(central)
    assert got.high == pytest.approx(high)


def test_national_full_shutdown() -> None:
    # 1e10/day × intensity (0.03, 0.05, 0.08) × 0.5 online × days (2, 2.5, 3)
    close(cost(), 1e10 * 0.03 * 0.5 * 2, 1e10 * 0.05 * 0.5 * 2.5, 1e10 * 0.08 * 0.5 * 3)
    est = estimate(BASE, PANEL)
    assert est.users_affected == pytest.approx(5e8)


def test_network_and_service_factors() -> None:
    full = cost()
    close(cost(networks=["mobile"]), full.low * 0.5, full.central * 0.7, full.high * 0.9)
    close(cost(networks=["broadband"]), full.low * 0.1, full.central * 0.3, full.high * 0.5)
    blocked = cost(
        type="service-blocking",
        types=["service-blocking"],
        services=["facebook", "whatsapp", "Grindr"],
    )
    c = 0.05 + 0.05 + 0.005
    close(blocked, full.low * c * 0.5, full.central * c, full.high * c * 2)
    unnamed = cost(type="service-blocking", types=["service-blocking"])
    close(unnamed, full.low * 0.02, full.central * 0.05, full.high * 0.15)
    throttled = cost(type="throttling", types=["throttling"])
    close(throttled, full.low * 0.25, full.central * 0.5, full.high * 0.75)
    # Blocked and throttled: the block counts (a throttled blocked service adds nothing).
    both = cost(
        type="service-blocking", types=["service-blocking", "throttling"], services=["facebook"]
    )
    close(both, full.low * 0.025, full.central * 0.05, full.high * 0.1)
    slowed = cost(type="throttling", types=["throttling"], services=["twitter"])
    close(slowed, full.low * 0.25 * 0.005, full.central * 0.5 * 0.01, full.high * 0.75 * 0.02)


def test_area_shares() -> None:
    full = cost()
    # Local default: (50k, 250k, 1M) people of 1e9.
    close(cost(scope="local"), full.low * 5e-5, full.central * 2.5e-4, full.high * 1e-3)
    # A known region (Manipur: 0.236% of India), ±20%.
    close(
        cost(scope="regional", area_name="Manipur"),
        full.low * 0.00236 * 0.8,
        full.central * 0.00236,
        full.high * 0.00236 * 1.2,
    )
    # A district list is not the whole region: regional default (0.5M, 2M, 5M people).
    close(
        cost(scope="regional", area_name="Imphal East, Manipur"),
        full.low * 5e-4,
        full.central * 2e-3,
        full.high * 5e-3,
    )
    # Caps: a small country cannot lose more people than the cap allows.
    small = WdiPanel(
        [
            Observation("MCO", GDP, 2020, 7.32e9),
            Observation("MCO", INTERNET, 2020, 100.0),
            Observation("MCO", POPULATION, 2020, 4e4),
        ]
    )
    est = estimate({**BASE, "countries": ["MC"], "scope": "local"}, small)
    assert est.parts[0].area_share == Range(0.1, 0.1, 0.1)


def test_several_countries_add_up() -> None:
    both = cost(countries=["IN", "PK"])
    pk = 3.66e11 / 366 * 0.2
    india = 1e10 * 0.5
    close(both, (india + pk) * 0.03 * 2, (india + pk) * 0.05 * 2.5, (india + pk) * 0.08 * 3)


@pytest.mark.parametrize(
    ("change", "days"),
    [
        ({}, (2, 2.5, 3)),
        ({"end_date": "2020-03-01"}, (0.125, 0.5, 1)),
        ({"start_date": "2019-12-30", "end_date": "2020-01-02"}, (1, 1.5, 2)),
        ({"start_date": "2009-01-01", "end_date": "2021-06-01"}, (366, 366, 366)),  # all 2020
        ({"end_date": None, "status": "ongoing"}, (9, 9.5, 10)),  # until the snapshot
        ({"end_date": None, "status": "unknown"}, (0.125, 1, 3)),
        ({"end_date": "2020-02-01"}, (0.125, 1, 3)),  # end before start: unknown
    ],
)
def test_duration(change: dict[str, Any], days: tuple[float, float, float]) -> None:
    got, _notes = duration_days({**BASE, **change}, CostParameters(), date(2020, 3, 10))
    assert got is not None
    close(got, *days)


def test_no_estimate_without_a_country_or_figures() -> None:
    est = estimate({**BASE, "countries": [], "unmapped_countries": ["Somaliland"]}, PANEL)
    assert est.cost is None and any("no ISO country" in n for n in est.notes)
    est = estimate({**BASE, "countries": ["BD"]}, PANEL)
    assert est.cost is None and any("no World Bank GDP" in n for n in est.notes)
    old = estimate({**BASE, "year": 2026, "start_date": "2026-01-01", "end_date": None}, PANEL)
    assert old.cost is None  # 2020 figures are too far from 2026


def test_a_record_listed_again_next_year_ran_to_the_end_of_its_year() -> None:
    record = {**BASE, "end_date": None, "status": "unknown"}
    got, notes = duration_days(record, CostParameters(), None, RecordContext(continues=True))
    assert got is not None
    close(got, 305, 305.5, 306)  # 2020-03-01 … 2020-12-31
    assert "listed again for 2021" in notes[0]


P = CostParameters()


@pytest.mark.parametrize(
    ("change", "kind", "factor", "scoped"),
    [
        ({}, "full", Range.point(1.0), True),
        ({"networks": ["mobile"]}, "mobile-only", P.mobile_only, True),
        ({"networks": ["broadband"]}, "broadband-only", P.broadband_only, True),
        # Networks not recorded: from mobile-only to all networks, and said so.
        ({"networks": []}, "unscoped", Range(0.5, 0.85, 1.0), False),
        # Service-based with nothing named: the typical-block range, not scoped.
        ({"types": ["service-blocking"]}, "unscoped", P.services_unspecified, False),
        # Only satellite services named in a service-based record.
        ({"types": ["service-blocking"], "services": ["VSATs"]}, "satellite-only",
         P.satellite_only, True),
        # A curator's choice wins over the fields.
        ({"cost_scope": "mobile-only"}, "mobile-only", P.mobile_only, True),
    ],
)  # fmt: skip
def test_scope_kinds(change: dict[str, Any], kind: str, factor: Range, scoped: bool) -> None:
    scope = cost_scope({**BASE, **change}, P)
    assert (scope.kind, scope.factor, scope.scoped) == (kind, factor, scoped)


def test_an_unscoped_record_gets_a_wide_range_and_says_so() -> None:
    est = estimate({**BASE, "networks": []}, PANEL)
    full = cost()
    assert est.cost is not None and not est.scoped
    close(est.cost, full.low * 0.5, full.central * 0.85, full.high)
    assert any(n.startswith("not scoped") for n in est.notes)
    where = estimate({**BASE, "scope": "unknown"}, PANEL)
    assert where.cost is not None and not where.scoped
    # From one town (50,000 of 1e9 people) to the whole country.
    close(where.cost, full.low * 5e-5, full.central * 2e-3, full.high)


def test_every_estimate_states_its_world_bank_years_and_flags_far_ones() -> None:
    est = estimate(BASE, PANEL)
    (part,) = est.parts
    assert part.wdi_sources == (f"{GDP} 2020", f"{INTERNET} 2020", f"{POPULATION} 2020")
    assert part.wdi_gap == 0 and not est.wdi_far
    assert "IN: World Bank figures used for 2020: " in " ".join(est.notes)
    # 2023 from 2020 figures: 3 years, within reach for GDP but flagged.
    later = estimate({**BASE, "year": 2023, "start_date": "2023-03-01", "end_date": "2023-03-03"},
                     PANEL)  # fmt: skip
    assert later.cost is not None and later.wdi_far and later.parts[0].wdi_gap == 3
    assert any("3 years from 2023" in n for n in later.notes)
    # GDP per capita × population of different years: both years are stated.
    mixed = WdiPanel(
        [
            Observation("IND", GDP_PER_CAPITA, 2020, 3660.0),
            Observation("IND", POPULATION, 2019, 1e9),
            Observation("IND", INTERNET, 2020, 50.0),
        ]
    )
    part = estimate(BASE, mixed).parts[0]
    assert part.wdi_sources == (f"{GDP_PER_CAPITA} 2020", f"{POPULATION} 2019", f"{INTERNET} 2020")
    assert part.wdi_years == (2019, 2020)
