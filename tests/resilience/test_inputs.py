"""The input readers and the reference-date rule, on tiny hand-made datasets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nethealth.common.status import Status
from nethealth.resilience.config import CONFIG, Kind
from nethealth.resilience.inputs import (
    READERS,
    Lake,
    Obs,
    at,
    from_route_diversity,
    from_upstreams,
)

D = date(2025, 6, 1)


def _dependency(tmp_path: Path) -> Lake:
    # KE: 0.6, 0.3, 0.005 (below 1 %); TZ: only 0.004 (nothing above 1 %)
    rows = [("KE", 100, 0.6), ("KE", 200, 0.3), ("KE", 300, 0.005), ("TZ", 400, 0.004)]
    pq.write_table(pa.table({
        "date": pa.array([D] * 4, pa.date32()), "af": pa.array([4] * 4, pa.int8()),
        "cc": [r[0] for r in rows], "asn": [r[1] for r in rows], "hegemony": [r[2] for r in rows],
        "peers": [10] * 4, "geo_snapshot": pa.array([D] * 4, pa.date32()), "simulated": [False] * 4,
    }), tmp_path / "bgp_country_dependency.parquet")  # fmt: skip
    return Lake({"bgp_country_dependency": tmp_path / "bgp_country_dependency.parquet"})


def test_route_diversity_is_pulses_hhi(tmp_path: Path) -> None:
    _p, _d, inp = CONFIG.input("route_diversity_hhi")
    got = {o.cc: o for o in from_route_diversity(_dependency(tmp_path), inp)}
    # KE: above 1 %: 0.6 and 0.3, shares 2/3 and 1/3 → 66.67² + 33.33² = 5,555.6
    assert got["KE"].value == pytest.approx(10_000 * (4 / 9 + 1 / 9))
    assert got["TZ"].value is None and got["TZ"].status == Status.NOT_MEASURED


def test_upstreams_count_five_percent_or_more(tmp_path: Path) -> None:
    _p, _d, inp = CONFIG.input("upstreams")
    got = {o.cc: (o.value, o.status) for o in from_upstreams(_dependency(tmp_path), inp)}
    assert got == {"KE": (2.0, Status.MEASURED), "TZ": (0.0, Status.ZERO_MEASURED)}


def test_absent_dataset_means_not_measured(tmp_path: Path) -> None:
    lake = Lake({"bgp_country_dependency": tmp_path / "nope.parquet"})
    _p, _d, inp = CONFIG.input("route_diversity_hhi")
    assert from_route_diversity(lake, inp) == []
    picks = at([], inp, D, ["KE"])
    assert picks["KE"].status == Status.NOT_MEASURED and "not loaded" in picks["KE"].reason


def test_reference_date_is_one_date_for_all_countries() -> None:
    _p, _d, inp = CONFIG.input("ixps_active")  # tolerance 92 days
    obs = [Obs("KE", date(2025, 5, 1), 3.0, Status.MEASURED),
           Obs("TZ", date(2025, 4, 1), 1.0, Status.MEASURED),
           Obs("UG", date(2025, 5, 1), None, Status.NOT_COMPARABLE, "stale input"),
           Obs("KE", date(2025, 7, 1), 9.0, Status.MEASURED)]  # fmt: skip
    picks = at(obs, inp, D, ["KE", "TZ", "UG"])
    # the latest date on or before D with a value is 2025-05-01; TZ has none then; the July
    # value is after D and never used
    assert picks["KE"].reference == date(2025, 5, 1) and picks["KE"].value == 3.0
    assert picks["TZ"].value is None and picks["TZ"].status == Status.NOT_MEASURED
    assert picks["UG"].status == Status.NOT_COMPARABLE and picks["UG"].reason == "stale input"


def test_reference_date_too_old_is_not_comparable() -> None:
    _p, _d, inp = CONFIG.input("rpki_valid_route_share")  # tolerance 31 days
    obs = [Obs("KE", date(2025, 4, 1), 50.0, Status.MEASURED)]
    pick = at(obs, inp, D, ["KE"])["KE"]
    assert pick.status == Status.NOT_COMPARABLE and pick.value is None
    assert "2025-04-01" in pick.reason and pick.reference == date(2025, 4, 1)


def test_every_kind_is_read() -> None:
    # WDI and shutdowns are read by the step itself (raw files; a window per index date)
    assert set(READERS) | {Kind.WDI, Kind.SHUTDOWNS} == set(Kind)
