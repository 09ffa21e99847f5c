"""Any time series a user loads (traffic, DNS queries, …) as an outage signal.

CSV with a header; one column of times (ISO 8601, naive = UTC, or Unix seconds) and one of
numbers (by default the first two columns). The step is the series' usual (median) interval
to the minute; times are aligned down to it. An empty value means "no data", not zero.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from nethealth.errors import InputError
from nethealth.formats.compression import read_bytes
from nethealth.outages.series import SIGNAL_SCHEMA, Series, check_entity, to_table

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MIN_STEP = 60
MAX_ROWS = 5_000_000


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InputError(
            f"{name!r} is not a signal name",
            field="name",
            hint="use 1-40 lower-case letters, digits, '-' or '_', starting with a "
            "letter (e.g. traffic)",
        )
    return name


def _time(text: str, path: str, line: int, column: str) -> int:
    t = text.strip()
    if re.fullmatch(r"\d{9,11}(\.\d+)?", t):
        return int(float(t))
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{t!r} is not a time",
            path=path,
            line=line,
            field=column,
            hint="use ISO 8601 (2025-06-01T12:00:00Z) or Unix seconds",
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def _value(text: str, path: str, line: int, column: str) -> float:
    t = text.strip()
    if t == "":
        return math.nan
    try:
        v = float(t)
    except ValueError:
        raise InputError(
            f"{t!r} is not a number",
            path=path,
            line=line,
            field=column,
            hint="values must be numbers; leave the cell empty for no data",
        ) from None
    if not math.isfinite(v):
        raise InputError(f"{t!r} is not a finite number", path=path, line=line, field=column)
    return v


def parse_csv(
    data: bytes, path: str, *, time_column: str | None = None, value_column: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(times, values) of a CSV document, sorted by time, duplicates refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", path=path, hint="save the CSV as UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or len(header) < 2:
        raise InputError(
            "no header with at least two columns",
            path=path,
            line=1,
            hint="first line: column names, e.g. time,value",
        )
    names = [h.strip() for h in header]
    ti = _column(names, time_column, 0, path)
    vi = _column(names, value_column, 1, path)
    times: list[int] = []
    values: list[float] = []
    for n, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) <= max(ti, vi):
            raise InputError(
                f"{len(row)} cells, expected at least {max(ti, vi) + 1}",
                path=path,
                line=n,
                hint="every row needs a time and a value",
            )
        times.append(_time(row[ti], path, n, names[ti]))
        values.append(_value(row[vi], path, n, names[vi]))
        if len(times) > MAX_ROWS:
            raise InputError(
                f"more than {MAX_ROWS:,} rows",
                path=path,
                hint="aggregate the series to a coarser step first",
            )
    if len(times) < 2:
        raise InputError(
            "fewer than two rows of data",
            path=path,
            hint="a series needs at least two points in time",
        )
    t = np.asarray(times, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    dup = np.flatnonzero(np.diff(t) == 0)
    if len(dup):
        when = datetime.fromtimestamp(int(t[dup[0]]), UTC).isoformat()
        raise InputError(
            f"two rows for the same time {when}",
            path=path,
            field=names[ti],
            hint="give one value per time",
        )
    return t, v


def _column(names: list[str], wanted: str | None, default: int, path: str) -> int:
    if wanted is None:
        return default
    if wanted not in names:
        raise InputError(
            f"no column {wanted!r}", path=path, line=1, hint=f"the columns are: {', '.join(names)}"
        )
    return names.index(wanted)


def infer_step(times: np.ndarray) -> int:
    """The usual interval between consecutive times: their median, to the minute (at least
    MIN_STEP seconds; timestamps a few seconds off the grid do not matter)."""
    gaps = np.diff(times)
    gaps = gaps[gaps > 0]
    step = int(round(float(np.median(gaps)) / 60.0) * 60) if len(gaps) else MIN_STEP
    return max(MIN_STEP, step)


def series_from_csv(
    path: Path,
    *,
    name: str,
    entity: str,
    time_column: str | None = None,
    value_column: str | None = None,
    step: int | None = None,
) -> Series:
    """One `user:<name>` series of one entity from a CSV file (gz/bz2/xz accepted)."""
    sig = f"user:{check_name(name)}"
    ent = check_entity(entity)
    try:
        data = read_bytes(path)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read: {exc}", path=path) from None
    t, v = parse_csv(data, str(path), time_column=time_column, value_column=value_column)
    st = step or infer_step(t)
    aligned = t - t % st
    if (np.diff(aligned) == 0).any():
        i = int(np.flatnonzero(np.diff(aligned) == 0)[0])
        when = datetime.fromtimestamp(int(aligned[i]), UTC).isoformat()
        raise InputError(
            f"two values fall in the {st}-second bin starting {when}",
            path=path,
            hint="give --step explicitly, or one value per interval",
        )
    n = int((aligned[-1] - aligned[0]) // st) + 1
    dense = np.full(n, np.nan)
    dense[(aligned - aligned[0]) // st] = v
    return Series(sig, ent, int(aligned[0]), st, dense)


def merge_user_table(existing: pa.Table | None, series: Series) -> pa.Table:
    """The stored user series with this (signal, entity) replaced by the new one."""
    new = to_table([series])
    if existing is None or existing.num_rows == 0:
        return new
    keep = [
        i
        for i, (s, e) in enumerate(
            zip(existing["signal"].to_pylist(), existing["entity"].to_pylist(), strict=True)
        )
        if not (s == series.signal and e == series.entity)
    ]
    old = existing.take(pa.array(keep, pa.int64())).cast(SIGNAL_SCHEMA)
    return pa.concat_tables([old, new])
