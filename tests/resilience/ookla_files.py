"""Hand-made Ookla tiles files in the publisher's exact layout: the Parquet columns of
`YYYY-MM-01_performance_{fixed,mobile}_tiles.parquet` (quadkey, tile as WKT, avg_d_kbps,
avg_u_kbps, avg_lat_ms, tests, devices) for tiles placed at chosen points."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ZOOM = 16
SCHEMA = pa.schema([
    ("quadkey", pa.string()), ("tile", pa.string()), ("avg_d_kbps", pa.int64()),
    ("avg_u_kbps", pa.int64()), ("avg_lat_ms", pa.int64()), ("tests", pa.int64()),
    ("devices", pa.int64()),
])  # fmt: skip
# (lon, lat) of places well inside their countries
PLACES = {
    "NL": (4.90, 52.37), "FR": (2.35, 48.86), "DE": (13.40, 52.52), "KE": (36.82, -1.29),
    "BR": (-46.63, -23.55), "US": (-87.63, 41.88), "JP": (139.69, 35.69), "ZA": (28.05, -26.20),
}  # fmt: skip


def quadkey(lon: float, lat: float, zoom: int = ZOOM) -> str:
    n = 1 << zoom
    x = int((lon + 180.0) / 360.0 * n)
    s = math.sin(math.radians(lat))
    y = int((0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n)
    digits = []
    for i in range(zoom, 0, -1):
        mask = 1 << (i - 1)
        digits.append(str((1 if x & mask else 0) + (2 if y & mask else 0)))
    return "".join(digits)


def tile_wkt(qk: str) -> str:
    if not qk.isdigit():
        return "POLYGON EMPTY"  # a broken row, for the parser's error tests
    x = y = 0
    for ch in qk:
        x, y = (x << 1) | (int(ch) & 1), (y << 1) | (int(ch) >> 1)
    n = 1 << len(qk)

    def lon(v: int) -> float:
        return v / n * 360 - 180

    def lat(v: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * v / n))))

    w, e, nn, ss = lon(x), lon(x + 1), lat(y), lat(y + 1)
    return f"POLYGON(({w} {nn}, {e} {nn}, {e} {ss}, {w} {ss}, {w} {nn}))"


def write_tiles(path: Path, rows: list[tuple[str, int, int, int, int, int]]) -> Path:
    """rows: (quadkey, avg_d_kbps, avg_u_kbps, avg_lat_ms, tests, devices)."""
    table = pa.table({
        "quadkey": [r[0] for r in rows], "tile": [tile_wkt(r[0]) for r in rows],
        "avg_d_kbps": [r[1] for r in rows], "avg_u_kbps": [r[2] for r in rows],
        "avg_lat_ms": [r[3] for r in rows], "tests": [r[4] for r in rows],
        "devices": [r[5] for r in rows],
    }, schema=SCHEMA)  # fmt: skip
    pq.write_table(table, path)
    return path
