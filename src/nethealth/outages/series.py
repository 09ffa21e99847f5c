"""Binned signal series: the common currency of signals, detectors and the lake.

A series is one signal for one entity on a regular grid of bins (5 minutes by default); NaN
marks a bin without data (not the same as zero). Long tables (`SIGNAL_SCHEMA`, one row per
signal, entity and bin) are what the lake stores and what loaders produce.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.errors import InputError

BIN_SECONDS = 300

SIGNAL_SCHEMA = pa.schema(
    [
        pa.field("signal", pa.string(), nullable=False),
        pa.field("entity", pa.string(), nullable=False),
        pa.field("bin_start", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("value", pa.float64()),
        pa.field("step_seconds", pa.int32(), nullable=False),
    ],
    metadata={
        "signal": "bgp (/24s visible), bgp6 (/48s visible), bgp_weighted and bgp6_weighted "
        "(the same weighted by the share of full-feed peers that see them), atlas (probes with "
        "a successful result), atlas_targets (targets reached), user:<name> (a loaded series)",
        "entity": "country:<ISO alpha-2>, asn:<number> or region:<ISO 3166-2>",
        "bin_start": "start of the bin (bins are BIN_SECONDS long unless stated)",
        "value": "the signal's value in that bin; null = no data",
        "step_seconds": "length of the series' bins",
    },
)

# Units per signal family, for charts and docs.
UNITS: dict[str, str] = {
    "bgp": "/24 equivalents visible to >50% of full-feed peers",
    "bgp6": "/48 equivalents visible to >50% of full-feed peers",
    "bgp_weighted": "/24 equivalents, each weighted by min(1, peers seeing it / half the peers up)",
    "bgp6_weighted": "/48 equivalents, each weighted by min(1, peers seeing it / half the peers "
    "up)",
    "atlas": "RIPE Atlas probes with a successful result",
    "atlas_targets": "RIPE Atlas targets reached by at least one probe",
}

# BGP signals: IODA's count (`bgp`, `bgp6`, what the IODA baseline reads) and the peer-weighted
# count (`bgp_weighted`, `bgp6_weighted`, what nethealth's detector reads).
IODA_BGP = ("bgp", "bgp6")
WEIGHTED_BGP = ("bgp_weighted", "bgp6_weighted")
BGP_SIGNALS = IODA_BGP + WEIGHTED_BGP
ATLAS_SIGNALS = ("atlas", "atlas_targets")

_ENTITY = re.compile(r"^(country:[A-Z]{2}|asn:\d{1,10}|region:[A-Z]{2}-[A-Z0-9]{1,3})$")


def check_entity(entity: str) -> str:
    """The canonical entity text, or an InputError saying what is accepted."""
    kind, _, code = entity.strip().partition(":")
    canonical = f"{kind.lower()}:{code.upper()}" if kind.lower() != "asn" else f"asn:{code}"
    if kind.lower() == "asn" and code.upper().startswith("AS"):
        canonical = f"asn:{code[2:]}"
    if not _ENTITY.match(canonical) or (
        canonical.startswith("asn:") and int(canonical[4:]) >= 2**32
    ):
        raise InputError(
            f"{entity!r} is not an entity",
            field="entity",
            hint="use country:XX (ISO 3166-1 alpha-2), asn:NNN or region:XX-YYY (ISO 3166-2)",
        )
    return canonical


def entity_kind(entity: str) -> str:
    return entity.partition(":")[0]


def signal_family(signal: str) -> str:
    """`user:traffic` → `user`; otherwise the signal itself."""
    return signal.partition(":")[0]


@dataclass(frozen=True)
class Series:
    """One signal of one entity on a regular grid starting at `start` (epoch seconds)."""

    signal: str
    entity: str
    start: int
    step: int
    values: np.ndarray  # float64; NaN = no data

    def __post_init__(self) -> None:
        if self.step <= 0:
            raise ValueError("step must be positive")
        if self.start % self.step:
            raise ValueError("start must be aligned to the step")

    @property
    def times(self) -> np.ndarray:
        return self.start + self.step * np.arange(len(self.values), dtype=np.int64)

    @property
    def end(self) -> int:
        """End of the last bin (exclusive)."""
        return self.start + self.step * len(self.values)


def align(ts: int, step: int) -> int:
    return ts - ts % step


def grid(start: int, end: int, step: int = BIN_SECONDS) -> tuple[int, int]:
    """(first bin start, number of bins) covering [start, end)."""
    first = align(start, step)
    n = max(0, -(-(end - first) // step))
    return first, n


def to_table(series: Iterable[Series]) -> pa.Table:
    """Long table in SIGNAL_SCHEMA order (bins without data are left out)."""
    parts: list[pa.Table] = []
    for s in series:
        keep = ~np.isnan(s.values)
        n = int(keep.sum())
        if n == 0:
            continue
        parts.append(
            pa.table(
                {
                    "signal": pa.array([s.signal] * n, pa.string()),
                    "entity": pa.array([s.entity] * n, pa.string()),
                    "bin_start": pa.array(s.times[keep], pa.timestamp("s", tz="UTC")),
                    "value": pa.array(s.values[keep], pa.float64()),
                    "step_seconds": pa.array(np.full(n, s.step, dtype=np.int32)),
                },
                schema=SIGNAL_SCHEMA,
            )
        )
    if not parts:
        return SIGNAL_SCHEMA.empty_table()
    return pa.concat_tables(parts)


def from_table(
    table: pa.Table, *, start: int | None = None, end: int | None = None
) -> list[Series]:
    """Dense series per (signal, entity), each at its own step; series of one step share one
    grid over [start, end) (default: the data's span)."""
    if table.num_rows == 0:
        return []
    if "step_seconds" not in table.column_names:
        return _from_table(table, BIN_SECONDS, start, end)
    out: list[Series] = []
    for step in sorted(set(table["step_seconds"].to_pylist())):
        part = table.filter(pc.equal(table["step_seconds"], step))
        out += _from_table(part, int(step), start, end)
    return out


def _from_table(table: pa.Table, step: int, start: int | None, end: int | None) -> list[Series]:
    secs = pc.cast(table["bin_start"], pa.timestamp("s", tz="UTC")).cast(pa.int64())
    t = secs.to_numpy(zero_copy_only=False).astype(np.int64)
    lo = align(int(t.min()), step) if start is None else align(start, step)
    hi = int(t.max()) + 1 if end is None else end
    first, n = grid(lo, hi, step)
    keys = pc.binary_join_element_wise(table["signal"], table["entity"], "\x1f")
    uniq, inverse = np.unique(np.asarray(keys.to_pylist(), dtype=object), return_inverse=True)
    col = ((t - first) // step).astype(np.int64)
    ok = (col >= 0) & (col < n)
    vals = table["value"].to_numpy(zero_copy_only=False).astype(np.float64)
    ok &= ~np.isnan(vals)
    dense = np.zeros((len(uniq), n), dtype=np.float64)
    seen = np.zeros((len(uniq), n), dtype=bool)
    np.add.at(dense, (inverse[ok], col[ok]), vals[ok])
    seen[inverse[ok], col[ok]] = True
    dense[~seen] = np.nan
    out = []
    for i, key in enumerate(uniq.tolist()):
        signal, _, entity = str(key).partition("\x1f")
        out.append(Series(signal, entity, first, step, dense[i]))
    return out


def stack(series: Sequence[Series]) -> tuple[int, int, np.ndarray]:
    """(start, step, matrix) of series on one grid (they must share start and step)."""
    if not series:
        raise ValueError("no series")
    start, step = series[0].start, series[0].step
    if any(
        s.start != start or s.step != step or len(s.values) != len(series[0].values) for s in series
    ):
        raise ValueError("series are not on one grid")
    return start, step, np.vstack([s.values for s in series])
