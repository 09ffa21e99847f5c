"""A small hand-made scan_results with known answers (the technology pages' tests, and the API's
full world): NL has two HTTPS scans more than 30 days apart (66.7 % then 75 %) and a measured
0 % for HSTS, KE one simulated scan, the world (Tranco) 1 of 2 then 2 of 2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from nethealth.settings import Settings
from nethealth.standards.results import SCHEMA
from tests.api.conftest import ASSETS
from tests.api.fixture_lake import build_fixture_lake, make_settings

LIST_DAY = dt.date(2026, 6, 1)
HTTPS, HSTS = "web-https", "web-hsts"


def r(list_id: str, cc: str | None, target: str, check: str, status: str, day: str,
      simulated: bool = False) -> dict[str, Any]:  # fmt: skip
    at = dt.datetime.fromisoformat(day + "T12:00:00+00:00")
    return {
        "list_id": list_id, "list_date": LIST_DAY, "country": cc, "rank": 1, "bucketed": False,
        "target": target, "check_id": check, "check_version": 1, "status": status,
        "reason": "timeout" if status == "error" else None, "detail": "", "scanned_at": at,
        "lab": False, "simulated": simulated, "scan_date": at.date(),
    }  # fmt: skip


TL = "country-toplist"
ROWS = [
    # NL, 06-02: a, b adopt HTTPS, c does not, d timed out -> 2 of 3 = 66.7 %
    r(TL, "NL", "a.nl", HTTPS, "pass", "2026-06-02"),
    r(TL, "NL", "b.nl", HTTPS, "pass", "2026-06-02"),
    r(TL, "NL", "c.nl", HTTPS, "fail", "2026-06-02"),
    r(TL, "NL", "d.nl", HTTPS, "error", "2026-06-02"),
    # NL, 07-10 (more than 30 days later: only these count): 3 of 4 = 75 %, +8.3 points
    r(TL, "NL", "a.nl", HTTPS, "pass", "2026-07-10"),
    r(TL, "NL", "b.nl", HTTPS, "pass", "2026-07-10"),
    r(TL, "NL", "c.nl", HTTPS, "pass", "2026-07-10"),
    r(TL, "NL", "d.nl", HTTPS, "fail", "2026-07-10"),
    # NL HSTS: 0 of 2 -> zero measured, a real 0 %
    r(TL, "NL", "a.nl", HSTS, "fail", "2026-07-10"),
    r(TL, "NL", "b.nl", HSTS, "fail", "2026-07-10"),
    # KE: one simulated scan, 1 of 1
    r(TL, "KE", "a.ke", HTTPS, "pass", "2026-07-01", simulated=True),
    # the world (Tranco): 1 of 2
    r("tranco", None, "g.com", HTTPS, "pass", "2026-07-05"),
    r("tranco", None, "h.com", HTTPS, "fail", "2026-07-05"),
    # ... and 36 days later both adopt: 2 of 2, +50 points
    r("tranco", None, "g.com", HTTPS, "pass", "2026-08-10"),
    r("tranco", None, "h.com", HTTPS, "pass", "2026-08-10"),
]


def write_scan_results(settings: Settings) -> None:
    table = pa.Table.from_pylist(ROWS, schema=SCHEMA)
    pq.write_table(table, settings.lake_dir / "scan_results.parquet")


def build_tech_lake(data_dir: Path) -> Settings:
    settings = build_fixture_lake(make_settings(data_dir, ASSETS))
    write_scan_results(settings)
    return settings
