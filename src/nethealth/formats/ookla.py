"""Ookla's open performance data (Speedtest by Ookla Global Fixed and Mobile Network Performance
Maps, https://github.com/teamookla/ookla-open-data), licence CC BY-NC-SA 4.0.

One Parquet file per quarter and network type, named `YYYY-MM-01_performance_{fixed|mobile}_tiles
.parquet` (MM the quarter's first month), one row per zoom-16 Web Mercator tile with tests:

    quadkey     string  the tile's Bing Maps quadkey (16 digits 0–3)
    tile        string  the tile polygon as WKT (not read: the quadkey says the same)
    avg_d_kbps  int     mean download speed of the tile's tests, kbit/s
    avg_u_kbps  int     mean upload speed, kbit/s
    avg_lat_ms  int     mean latency, ms
    tests       int     tests in the quarter
    devices     int     distinct devices
(newer files add tile_x, tile_y, avg_lat_down_ms, avg_lat_up_ms: not read).

This module reads those columns and turns quadkeys into tile centres; nothing else.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nethealth.errors import InputError

COLUMNS = ("quadkey", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices")
TYPES = ("fixed", "mobile")
NAME = re.compile(r"^(\d{4})-(01|04|07|10)-01_performance_(fixed|mobile)_tiles\.parquet$")
_DIGITS = re.compile(r"^[0-3]{1,23}$")


@dataclass(frozen=True)
class Quarter:
    first_day: date
    kind: str  # fixed or mobile

    @property
    def last_day(self) -> date:
        m = self.first_day.month + 3
        nxt = date(self.first_day.year + (m > 12), (m - 1) % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)

    @property
    def name(self) -> str:
        return f"{self.first_day.isoformat()}_performance_{self.kind}_tiles.parquet"


def quarter_of_name(name: str) -> Quarter | None:
    """The quarter and type a publisher's file name says, else None."""
    m = NAME.match(name)
    if m is None:
        return None
    return Quarter(date(int(m[1]), int(m[2]), 1), m[3])


def read_tiles(data: bytes, path: Path | str) -> pa.Table:
    """The columns nethealth reads, checked: quadkeys of digits 0–3, counts and means ≥ 0."""
    try:
        table = pq.read_table(io.BytesIO(data), columns=list(COLUMNS))
    except (pa.ArrowException, OSError, KeyError, ValueError) as exc:
        raise InputError(f"not an Ookla tiles Parquet file: {exc}", path=path,
                         hint="give a YYYY-MM-01_performance_{fixed,mobile}_tiles.parquet file"
                         ) from None  # fmt: skip
    try:  # Parquet does not check its strings are UTF-8; a damaged file can hold any bytes
        table.validate(full=True)
    except (pa.ArrowException, UnicodeDecodeError) as exc:
        raise InputError(f"damaged Parquet data: {exc}", path=path,
                         hint="download the file again") from None  # fmt: skip
    if not pa.types.is_string(table["quadkey"].type) and not pa.types.is_large_string(
        table["quadkey"].type
    ):
        raise InputError("column quadkey is not text", path=path, field="quadkey")
    for name in COLUMNS[1:]:
        col = table[name]
        if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
            raise InputError(f"column {name} is not a number", path=path, field=name)
        low = pc.min(col).as_py()
        if low is not None and low < 0:
            row = pc.index(col, low).as_py()
            raise InputError(f"row {row}: {name} {low} is negative", path=path,
                             record=str(row), field=name)  # fmt: skip
        if col.null_count:
            raise InputError(f"column {name} has {col.null_count} empty cells", path=path,
                             field=name)  # fmt: skip
    bad = pc.invert(pc.match_substring_regex(table["quadkey"], _DIGITS.pattern))
    if table.num_rows and (pc.any(bad).as_py() or table["quadkey"].null_count):
        row = pc.index(bad, True).as_py()
        raise InputError(f"row {row}: quadkey {table['quadkey'][max(row, 0)].as_py()!r} is not "
                         "digits 0–3", path=path, record=str(row), field="quadkey")  # fmt: skip
    return table


def tile_centres(quadkeys: list[str]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(longitudes, latitudes) of the centres of the quadkeys' Web Mercator tiles (each digit
    adds one zoom level: bit 0 is x, bit 1 is y)."""
    lon = np.empty(len(quadkeys))
    lat = np.empty(len(quadkeys))
    by_len: dict[int, list[int]] = {}
    for n, qk in enumerate(quadkeys):
        by_len.setdefault(len(qk), []).append(n)
    for zoom, rows in by_len.items():
        digits = np.frombuffer("".join(quadkeys[n] for n in rows).encode("ascii"), np.uint8)
        d = (digits.reshape(len(rows), zoom) - 48).astype(np.int64)
        weights = 1 << np.arange(zoom - 1, -1, -1, dtype=np.int64)
        x = (d & 1) @ weights
        y = (d >> 1) @ weights
        size = float(1 << zoom)
        idx = np.asarray(rows)
        lon[idx] = (x + 0.5) / size * 360.0 - 180.0
        lat[idx] = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * (y + 0.5) / size))))
    return lon, lat
