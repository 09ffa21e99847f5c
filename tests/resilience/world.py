"""A small hand-made world for the resilience step, API and pages.

Eight countries (NL FR DE KE BR US JP ZA) have nethealth indicator values on 2025-06-01 and
2025-05-31 for the inputs listed in `VALUES`; APNIC IPv6 files (in APNIC's v6economy JSON) are
loaded through `nethealth load apnic-ipv6` for six of them; AQ has one input only. The World
Bank, PeeringDB facilities, country dependency and shutdown datasets are not loaded: their inputs
are "not measured" for everyone. Ookla fixed and mobile tiles of the first quarter of 2025
(files in Ookla's layout, `tests/resilience/ookla_files.py`) place one tile of 200 tests in each
of the eight countries.

`ixps_active` on 2025-06-01 is 0 1 2 3 4 5 6 60 over NL FR DE KE BR US JP ZA: type-7 quartiles
Q1 = 1.75, Q3 = 5.25 (IQR 3.5), upper fence 10.5, so ZA's 60 is capped to 10.5 and KE's 3
scores 3 / 10.5 · 100 = 28.571…
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from nethealth.cli import app
from nethealth.lake.build import StepContext
from nethealth.lake.catalog import write_catalog
from nethealth.lake.raw import RawStore
from nethealth.resilience.compute import STEP as INDEX
from nethealth.resilience.ookla import STEP as OOKLA
from nethealth.settings import Settings, load_settings
from nethealth.sources.apnic_ipv6 import STEP as APNIC
from tests.api.fixture_lake import countries_table
from tests.conftest import ASSETS
from tests.resilience.ookla_files import PLACES, quadkey, write_tiles

DAY = date(2025, 6, 1)
EARLIER = date(2025, 5, 31)
CCS = ("NL", "FR", "DE", "KE", "BR", "US", "JP", "ZA")
IXPS = dict(zip(CCS, (0, 1, 2, 3, 4, 5, 6, 60), strict=True))
# input -> per-country base values (percent or counts); JP lacks asns_routed
VALUES: dict[str, dict[str, float]] = {
    "ixps_active": {cc: float(v) for cc, v in IXPS.items()},
    "ixp_domestic_membership": dict(zip(CCS, (80, 70, 75, 40, 55, 60, 65, 30), strict=True)),
    "rpki_valid_route_share": dict(zip(CCS, (90, 60, 70, 20, 45, 50, 40, 35), strict=True)),
    "roa_space_coverage_v4": dict(zip(CCS, (85, 55, 65, 25, 40, 52, 45, 30), strict=True)),
    "manrs_filtering_ready_share": dict(zip(CCS, (50, 40, 45, 10, 20, 30, 25, 15), strict=True)),
    "manrs_rpki_ready_share": dict(zip(CCS, (60, 45, 50, 12, 22, 35, 28, 18), strict=True)),
    "adoption_https": dict(zip(CCS, (97, 95, 96, 80, 88, 94, 92, 85), strict=True)),
    "adoption_tls13": dict(zip(CCS, (80, 78, 79, 60, 70, 77, 75, 65), strict=True)),
    "adoption_dnssec": dict(zip(CCS, (40, 10, 12, 2, 5, 6, 3, 4), strict=True)),
    "adoption_dmarc_enforced": dict(zip(CCS, (30, 25, 20, 5, 10, 35, 15, 8), strict=True)),
    "adoption_ipv6_web": dict(zip(CCS, (45, 40, 42, 20, 30, 50, 38, 25), strict=True)),
    "adoption_http2": dict(zip(CCS, (70, 68, 69, 50, 60, 72, 66, 55), strict=True)),
    "asns_routed": {cc: v for cc, v in zip(CCS, (900, 700, 1800, 150, 8000, 20000, 0, 500),
                                            strict=True) if cc != "JP"},
}  # fmt: skip
# fixed download (kbit/s), mobile download (kbit/s), fixed latency (ms)
SPEEDS = {
    "NL": (180_000, 90_000, 8), "FR": (200_000, 70_000, 10), "DE": (120_000, 60_000, 12),
    "KE": (15_000, 20_000, 35), "BR": (110_000, 30_000, 15), "US": (230_000, 110_000, 11),
    "JP": (190_000, 60_000, 9), "ZA": (45_000, 35_000, 20),
}  # fmt: skip
APNIC_CAPABLE = {"NL": 60.0, "FR": 80.0, "DE": 70.0, "KE": 10.0, "BR": 45.0, "US": 52.0}


@dataclass(frozen=True)
class World:
    settings: Settings


def indicator_values() -> pa.Table:
    rows: list[dict[str, object]] = []
    for iid, by_cc in VALUES.items():
        for day, shift in ((EARLIER, -1.0), (DAY, 0.0)):
            for cc, v in by_cc.items():
                value = max(v + shift, 0.0)
                rows.append({"indicator_id": iid, "country": cc, "date": day, "value": value,
                             "simulated": False, "method_version": "1",
                             "status": "zero measured" if value == 0 else "measured",
                             "reason": f"inputs of {day}"})  # fmt: skip
    # AQ: one input measured, far below the coverage threshold
    rows.append({"indicator_id": "adoption_https", "country": "AQ", "date": DAY, "value": 50.0,
                 "simulated": False, "method_version": "1", "status": "measured",
                 "reason": f"inputs of {DAY}"})  # fmt: skip
    # JP: asns_routed not measured on DAY (it has no row for it at all)
    schema = pa.schema([
        ("indicator_id", pa.string()), ("country", pa.string()), ("date", pa.date32()),
        ("value", pa.float64()), ("simulated", pa.bool_()), ("method_version", pa.string()),
        ("status", pa.string()), ("reason", pa.string()),
    ])  # fmt: skip
    return pa.Table.from_pylist(rows, schema=schema)


def v6economy(cc: str, capable: float, last: date = DAY, days: int = 3) -> dict[str, object]:
    """A v6economy file in APNIC's layout; the day before `last` has no sample."""
    data = []
    for k in range(days):
        day = last - timedelta(days=days - 1 - k)
        seen = 0.0 if day == last - timedelta(days=1) else 1000.0
        win = {"seen": seen, "preferred": seen * 0.4, "preferred_pc": 40.0 if seen else 0.0,
               "capable": seen * capable / 100, "capable_pc": capable if seen else 0.0}  # fmt: skip
        data.append({"10": win, "30": win, "60": win, "90": win, "raw": win,
                     "type": "v6economy", "date": day.isoformat(), "cc": cc,
                     "updated": "2025-06-02:04:18:16"})  # fmt: skip
    return {"copyright": "(C) APNIC Pty/Ltd. re-use with attribution permitted",
            "description": "bulk data from IPv6 measurement as a time series with raw and 30, "
            "60 & 90 day simple smoothing", "docs": "https://labs.apnic.net/ipv6-data.html",
            "data": data}  # fmt: skip


def _run(settings: Settings, step: object) -> None:
    ctx = StepContext(settings=settings, step_id=step.id, raw=RawStore(settings.raw_dir),  # type: ignore[attr-defined]
                      lake_dir=settings.lake_dir, progress=lambda *_: None)  # fmt: skip
    step.run(ctx)  # type: ignore[attr-defined]
    ctx.commit()


def build_world(tmp: Path) -> World:
    settings = load_settings(data_dir=tmp / "data", assets_dir=ASSETS)
    settings.lake_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(countries_table(), settings.lake_dir / "countries.parquet")
    pq.write_table(indicator_values(), settings.lake_dir / "indicator_values.parquet")
    files = tmp / "apnic"
    files.mkdir()
    for cc, capable in APNIC_CAPABLE.items():
        (files / f"{cc}.json").write_text(json.dumps(v6economy(cc, capable)))
    result = CliRunner().invoke(app, ["--data-dir", str(settings.data_dir), "load",
                                      "apnic-ipv6", str(files)])  # fmt: skip
    assert result.exit_code == 0, result.output
    ookla = tmp / "ookla"
    ookla.mkdir()
    for k, kind in enumerate(("fixed", "mobile")):
        write_tiles(ookla / f"2025-01-01_performance_{kind}_tiles.parquet",
                    [(quadkey(*PLACES[cc]), v[k], v[k] // 4, v[2], 200, 50)
                     for cc, v in SPEEDS.items()])  # fmt: skip
    result = CliRunner().invoke(app, ["--data-dir", str(settings.data_dir), "load", "ookla",
                                      str(ookla)])  # fmt: skip
    assert result.exit_code == 0, result.output
    _run(settings, APNIC)
    _run(settings, OOKLA)
    _run(settings, INDEX)
    prov = RawStore(settings.raw_dir).all_provenance(["apnic-ipv6", "ookla"])
    write_catalog(settings, list(prov), {})
    return World(settings)
