"""The `ookla_country` step: Ookla's quarterly tiles (source `ookla`) → per-country figures.

Each tile goes to the country whose Natural Earth 1:50m polygon holds the tile's centre
(`resilience.geo`); tiles at sea or in no polygon with an ISO id are left out and counted in a
build note. Per country, quarter and type (fixed, mobile): tiles, tests, devices, and the
test-weighted means of the tiles' mean download and upload (Mbit/s) and latency (ms) — Ookla's
own guidance for aggregating tiles. A country with fewer than `MIN_TESTS` tests in the quarter
gets no row (not measured: a handful of tests describes a few users, not a country). Values are
dated on the quarter's last day (the quarter is complete then).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa

from nethealth.formats.ookla import quarter_of_name, read_tiles, tile_centres
from nethealth.lake.build import Step, StepContext
from nethealth.resilience.geo import load_countries, locate
from nethealth.settings import Settings
from nethealth.sources.load import decompressed
from nethealth.sources.ookla import SOURCE_ID

DATASET = "ookla_country"
MIN_TESTS = 100
SCHEMA = pa.schema([
    ("date", pa.date32()), ("quarter_start", pa.date32()), ("kind", pa.string()),
    ("cc", pa.string()), ("tiles", pa.int64()), ("tests", pa.int64()), ("devices", pa.int64()),
    ("d_mbps", pa.float64()), ("u_mbps", pa.float64()), ("lat_ms", pa.float64()),
    ("simulated", pa.bool_()),
])  # fmt: skip


def polygons_path(settings: Settings) -> Path:
    return settings.assets_dir / "world-atlas" / "countries-50m.json"


def _polygons_version(settings: Settings) -> str:
    try:
        return str(json.loads((settings.assets_dir / "world-atlas" / "package.json").read_text())
                   .get("version", ""))  # fmt: skip
    except (OSError, ValueError):
        return "absent"


def country_rows(table: pa.Table, ccs: list[str | None]) -> dict[str, dict[str, float]]:
    """Sums per country: tiles, tests, devices, and tests × each mean."""
    tests = np.asarray(table["tests"].to_numpy(zero_copy_only=False), dtype=np.float64)
    cols = {k: np.asarray(table[c].to_numpy(zero_copy_only=False), dtype=np.float64) * tests
            for k, c in (("d", "avg_d_kbps"), ("u", "avg_u_kbps"), ("lat", "avg_lat_ms"))}  # fmt: skip
    devices = np.asarray(table["devices"].to_numpy(zero_copy_only=False), dtype=np.float64)
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for i, cc in enumerate(ccs):
        if cc is None:
            continue
        row = out[cc]
        row["tiles"] += 1
        row["tests"] += tests[i]
        row["devices"] += devices[i]
        for k, v in cols.items():
            row[k] += v[i]
    return out


def build(ctx: StepContext) -> None:
    files = [f for f in ctx.raw_files(SOURCE_ID) if quarter_of_name(f.provenance.name)]
    rows: list[dict[str, object]] = []
    countries = load_countries(polygons_path(ctx.settings)) if files else []
    for n, raw in enumerate(
        sorted(files, key=lambda f: (f.provenance.snapshot, f.provenance.name))
    ):
        q = quarter_of_name(raw.provenance.name)
        assert q is not None
        ctx.progress(f"ookla {q.name}", n, len(files))
        table = read_tiles(decompressed(raw.path), raw.path)
        lon, lat = tile_centres(table["quadkey"].to_pylist())
        ccs = locate(countries, lon, lat)
        lost = sum(1 for c in ccs if c is None)
        sums = country_rows(table, ccs)
        few = sorted(cc for cc, r in sums.items() if r["tests"] < MIN_TESTS)
        ctx.note(f"{q.name}: {table.num_rows:,} tiles, {lost:,} in no country (sea, no ISO id); "
                 f"{len(few)} countries with fewer than {MIN_TESTS} tests left out")  # fmt: skip
        for cc, r in sorted(sums.items()):
            if r["tests"] < MIN_TESTS:
                continue
            rows.append({
                "date": q.last_day, "quarter_start": q.first_day, "kind": q.kind, "cc": cc,
                "tiles": int(r["tiles"]), "tests": int(r["tests"]), "devices": int(r["devices"]),
                "d_mbps": r["d"] / r["tests"] / 1000, "u_mbps": r["u"] / r["tests"] / 1000,
                "lat_ms": r["lat"] / r["tests"], "simulated": raw.provenance.simulated,
            })  # fmt: skip
    ctx.write_dataset(DATASET, pa.Table.from_pylist(rows, schema=SCHEMA) if rows
                      else SCHEMA.empty_table())  # fmt: skip


STEP = Step(
    id="ookla_country",
    version="1",
    description="Ookla tiles → per-country test-weighted speed and latency per quarter",
    run=build,
    outputs=(DATASET,),
    sources=(SOURCE_ID,),
    extra_fingerprint=lambda s: f"world-atlas {_polygons_version(s)}; min tests {MIN_TESTS}",
)
