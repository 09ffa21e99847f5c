"""nethealth's detector run a day at a time, so a new day costs one day of detection.

Scoring is causal (`robust.score`: a bin's score depends on that bin and earlier ones), and
looks back at most `LOOKBACK_DAYS`: the same time of day on the seven previous days (± a bin,
so into the eighth), the trailing day, and long anomalies left out of that history (a run
crossing into the look-back needs its true start, hence a ninth day of flags). So day D is
scored from the series of D and the stored days before it (`daily.window_series`) and the
final anomaly flags of those days (stored here), with `robust.score_tail` — what scoring the
whole window gives for D's bins (tests/outages/test_dayscores.py). Series that cannot be
anomalous on D (no bin of D as far below the largest value of the look-back as the rules
require) are not scored at all: at full scale that is nearly every network.

Stored next to each day's signals (`daily.day_dir`), in `scores.parquet`: one row per bin
that matters later — anomalous (the series' own flag, the flag after IODA's majority count
and the Atlas platform-gap rule), backed by the majority count, a bin of a closed gap between
anomalous bins (its value: an episode's minimum), or a network's BGP loss large enough to
explain a region's episode (`fusion.region_loss_floor`). The window's episodes are then
found from these rows alone (`window_scored`), as `fusion.detect_robust` finds them from
the whole series: the episode rules read scores at anomalous bins only.

Keys: a day's own key is its signals' fingerprint and the method versions; its chain key
adds the previous day's chain key. The first day of the window is reused on its own key (its
scores keep the history they were computed with when the window moves on); later days on
their chain key, so a changed day rescores the days after it.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nethealth.lake.storage import atomic_path
from nethealth.outages import daily, fusion, robust
from nethealth.outages.episodes import close_gaps
from nethealth.outages.series import (
    ATLAS_SIGNALS,
    BGP_SIGNALS,
    BIN_SECONDS,
    Series,
    signal_family,
)
from nethealth.settings import Settings

SCORES_FILE = "scores.parquet"
SCORES_VERSION = "1"
LOOKBACK_DAYS = 9
ROW_GROUP = 16384  # rows sorted by entity: a range of entities reads only its row groups
CHUNK_ROWS = 1 << 19  # stored rows of the window held at a time (entities kept whole)
Progress = Callable[[str, int, int], None]

ROWS_SCHEMA = pa.schema(
    [
        ("signal", pa.string()),
        ("entity", pa.string()),
        ("ts", pa.int64()),
        ("value", pa.float64()),
        ("reference", pa.float64()),
        ("noise", pa.float64()),
        ("drop", pa.float64()),
        ("z", pa.float64()),
        ("own", pa.bool_()),  # the series' own flag: the history of the next days' scoring
        ("flag", pa.bool_()),  # after the majority count and the platform-gap rule
        ("backed", pa.bool_()),  # IODA's majority count backs the onset here
        ("twin", pa.bool_()),  # IODA's count of an entity scored on its weighted count
    ]
)
_META_OWN = b"nethealth.scores_own"
_META_CHAIN = b"nethealth.scores_chain"
_META_ROUTED = b"nethealth.scores_routed"


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


@dataclass
class ScoreStats:
    computed: list[date] = field(default_factory=list)
    reused: list[date] = field(default_factory=list)
    scored: int = 0  # series scored (the others could not be anomalous)
    screened: int = 0  # series of the computed days left unscored


def _path(settings_dir: Path) -> Path:
    return settings_dir / SCORES_FILE


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _stored_keys(path: Path) -> tuple[str, str] | None:
    if not path.is_file():
        return None
    meta = pq.read_schema(path).metadata or {}
    own, chain = meta.get(_META_OWN), meta.get(_META_CHAIN)
    return (own.decode(), chain.decode()) if own and chain else None


def score_days(
    settings: Settings, days: Sequence[date], *, progress: Progress = _noop
) -> ScoreStats:
    """Scores of each day of the window `days` (in order) whose key changed, stored."""
    stats = ScoreStats()
    chain = ""
    for i, d in enumerate(days):
        progress("outage scores", i, len(days))
        day_key = daily.stored_key(settings, d) or ""
        own = _hash(SCORES_VERSION, robust.METHOD_VERSION, day_key)
        want = own if i == 0 else _hash(own, chain)
        path = _path(daily.day_dir(settings, d))
        stored = _stored_keys(path)
        if stored is not None and (stored[1] == want or (i == 0 and stored[0] == own)):
            chain = stored[1]
            stats.reused.append(d)
            continue
        history = [h for h in days[:i] if h >= d - timedelta(days=LOOKBACK_DAYS)]
        rows, routed = _score_day(settings, d, history, stats)
        meta = {
            _META_OWN: own.encode(),
            _META_CHAIN: want.encode(),
            _META_ROUTED: json.dumps(sorted(routed)).encode(),
        }
        with atomic_path(path) as tmp:
            pq.write_table(rows.replace_schema_metadata(meta), tmp, compression="zstd",
                           row_group_size=ROW_GROUP)  # fmt: skip
        chain = want
        stats.computed.append(d)
    progress("outage scores", len(days), len(days))
    return stats


def _settled(
    settings: Settings, history: Sequence[date]
) -> tuple[dict[tuple[str, str], list[int]], dict[tuple[str, str], list[int]]]:
    """Bins (start times) with the own flag, and with the final flag, per (signal, entity),
    over the stored scores of `history`."""
    own: dict[tuple[str, str], list[int]] = defaultdict(list)
    final: dict[tuple[str, str], list[int]] = defaultdict(list)
    for h in history:
        t = pq.read_table(_path(daily.day_dir(settings, h)),
                          columns=["signal", "entity", "ts", "own", "flag"])  # fmt: skip
        for sig, ent, ts, o, f in zip(*(t[c].to_pylist() for c in t.column_names), strict=True):
            if o:
                own[(sig, ent)].append(ts)
            if f:
                final[(sig, ent)].append(ts)
    return own, final


def _mask(times: Iterable[int], start: int, step: int, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    idx = (np.fromiter(times, dtype=np.int64) - start) // step
    idx = idx[(idx >= 0) & (idx < n)]
    out[idx] = True
    return out


@dataclass
class _Day:
    """What scoring one day needs besides the series: the grid, the settled flags, the
    platform gaps (from the countries) and whether loss rows are wanted (regions exist)."""

    t_lo: int
    t_day: int
    n: int
    own: Mapping[tuple[str, str], list[int]]
    final: Mapping[tuple[str, str], list[int]]
    gaps: dict[str, np.ndarray]
    regions: bool


def _score_day(
    settings: Settings, d: date, history: Sequence[date], stats: ScoreStats
) -> tuple[pa.Table, set[str]]:
    step = BIN_SECONDS
    loaded = [*history, d]
    t_lo, t_day = daily.epoch_of(loaded[0]), daily.epoch_of(d)
    t_hi = t_day + daily.DAY
    n = (t_hi - t_lo) // step
    own, final = _settled(settings, history)
    keys = daily.entities(settings, loaded)
    ctx = _Day(t_lo, t_day, n, own, final, {},
               any(e.startswith("region:") for _s, e in keys))  # fmt: skip
    country_keys = [k for k in keys if k[1].startswith("country:")]
    rest = [k for k in keys if not k[1].startswith("country:")]
    out: list[pa.Table] = []
    routed: set[str] = set()
    countries = daily.window_series(settings, loaded, t_lo, t_hi, step, country_keys)
    scored_c = _score_chunk(countries, ctx, stats, screen=False)  # all judge the gaps
    tail_c = [(s, sc) for s, sc, _b in scored_c]  # the references and drops judge the gaps
    ctx.gaps = {sig: fusion.common_mode(tail_c, sig).get(t_day, np.zeros(0, bool))
                for sig in ATLAS_SIGNALS}  # fmt: skip
    out.append(_rows(countries, scored_c, ctx))
    routed |= _routed(countries, (t_day - t_lo) // step)
    for chunk in daily.entity_chunks(rest, n):
        mine = set(chunk)
        series = daily.window_series(settings, loaded, t_lo, t_hi, step,
                                     [k for k in rest if k[1] in mine])  # fmt: skip
        out.append(_rows(series, _score_chunk(series, ctx, stats), ctx))
        routed |= _routed(series, (t_day - t_lo) // step)
    table = pa.concat_tables(out) if out else ROWS_SCHEMA.empty_table()
    return table.sort_by(
        [("entity", "ascending"), ("signal", "ascending"), ("ts", "ascending")]
    ), routed


def _routed(series: Sequence[Series], start: int) -> set[str]:
    """Entities with a measured BGP count from bin `start` on (`routed` in the episode rules)."""
    return {
        s.entity
        for s in series
        if signal_family(s.signal) in BGP_SIGNALS and bool(np.isfinite(s.values[start:]).any())
    }


def _may_be_anomalous(s: Series, start: int, regions: bool) -> bool:
    """False when no bin from `start` on can be anomalous: a reference is a median of
    earlier values, so never above the largest value loaded; and, with regions, when no
    network's loss can explain a region's episode."""
    tail = s.values[start:]
    top = np.nanmax(s.values) if np.isfinite(s.values).any() else np.nan
    if not np.isfinite(top) or top <= 0:
        return False
    p = robust.params_for(s.signal)
    eff = robust.effect_for(s.signal, s.entity)
    need = max(p.min_drop, eff.min_drop)
    with np.errstate(invalid="ignore"):
        if bool(np.any(tail <= (1.0 - need) * top)):
            return True
        loss = regions and s.entity.startswith("asn:")
        return bool(loss and np.any(tail <= top - fusion.region_loss_floor(s.signal)))


# a day's tail, its own scores, and the bins IODA's majority count backs (flagged too)
_Scored = tuple[Series, robust.Scores, np.ndarray]


def _score_chunk(
    series: Sequence[Series], ctx: _Day, stats: ScoreStats, *, screen: bool = True
) -> list[_Scored]:
    """The tail (day D) of each series that may be anomalous (every one without `screen`),
    scored given its settled flags; the weighted BGP counts with the bins their majority
    twins back (`fusion._with_majority`)."""
    start = (ctx.t_day - ctx.t_lo) // BIN_SECONDS
    step = BIN_SECONDS
    twins = fusion.majority_twins(series)
    by_key = {(s.signal, s.entity): s for s in series}
    may = {k: not screen or _may_be_anomalous(s, start, ctx.regions) for k, s in by_key.items()}
    for wk, tw in twins.items():  # the majority count may flag where the weighted one fell
        if may.get((tw.signal, tw.entity)) and wk in may:
            may[wk] = True
    stats.screened += sum(1 for v in may.values() if not v)
    out: list[_Scored] = []
    tails: dict[tuple[str, str], robust.Scores] = {}
    for k, s in by_key.items():
        if not may[k]:
            continue
        settled = _mask(ctx.own.get(k, ()), ctx.t_lo, step, start)
        tails[k] = robust.score_tail(s, start, settled)
        stats.scored += 1
    for k, sc in tails.items():
        s = by_key[k]
        tail = Series(s.signal, s.entity, ctx.t_day, step, s.values[start:])
        backed = np.zeros(len(tail.values), dtype=bool)
        twin = twins.get(k)
        if twin is not None and (twin.signal, twin.entity) in tails:
            m = tails[(twin.signal, twin.entity)]
            with np.errstate(invalid="ignore"):
                fell = np.nan_to_num(sc.drop, nan=0.0) >= robust.params_for(s.signal).min_drop
            backed = m.anomalous & fell
        out.append((tail, sc, backed))
    return out


def _rows(series: Sequence[Series], scored: Sequence[_Scored], ctx: _Day) -> pa.Table:
    """The rows that matter later of each scored tail (see the module's docstring), and the
    closed-gap bins at the end of the day before (their value) when a gap closes today."""
    step = BIN_SECONDS
    start = (ctx.t_day - ctx.t_lo) // step
    twins = {(t.signal, t.entity) for t in fusion.majority_twins(series).values()}
    full = {(s.signal, s.entity): s for s in series}
    cols: dict[str, list[np.ndarray]] = {f.name: [] for f in ROWS_SCHEMA}
    names: list[tuple[str, str, int]] = []
    for tail, sc, backed in scored:
        k = (tail.signal, tail.entity)
        own_flags = sc.anomalous
        flag = sc.anomalous | backed
        gap = ctx.gaps.get(tail.signal)
        if gap is not None and len(gap) == len(flag):
            flag &= ~gap
        p = robust.params_for(tail.signal)
        before = _mask(ctx.final.get(k, ()), ctx.t_lo, step, start)
        closed = close_gaps(np.concatenate([before, flag]), p.recover_bins)
        earlier = np.flatnonzero(closed[:start] & ~before)  # gap bins of the day before
        keep = closed[start:] | own_flags | backed
        if ctx.regions and tail.entity.startswith("asn:"):
            floor = fusion.region_loss_floor(tail.signal)
            with np.errstate(invalid="ignore"):
                keep |= np.nan_to_num(sc.reference - tail.values, nan=-1.0) >= floor
        idx = np.flatnonzero(keep)
        if not len(idx) and not len(earlier):
            continue
        whole = full[k].values
        nan = np.full(len(earlier), np.nan)
        no = np.zeros(len(earlier), dtype=bool)
        parts = {
            "ts": [ctx.t_lo + earlier * step, ctx.t_day + idx * step],
            "value": [whole[earlier], tail.values[idx]],
            "reference": [nan, sc.reference[idx]],
            "noise": [nan, sc.noise[idx]],
            "drop": [nan, sc.drop[idx]],
            "z": [nan, sc.z[idx]],
            "own": [no, own_flags[idx]],
            "flag": [no, flag[idx]],
            "backed": [no, backed[idx]],
        }
        for name, (a, b) in parts.items():
            cols[name].append(np.concatenate([a, b]))
        count = len(earlier) + len(idx)
        names.append((tail.signal, tail.entity, count))
        cols["twin"].append(np.full(count, k in twins))
    if not names:
        return ROWS_SCHEMA.empty_table()
    arrays: dict[str, pa.Array] = {
        "signal": pa.array([s for s, _e, c in names for _ in range(c)], pa.string()),
        "entity": pa.array([e for _s, e, c in names for _ in range(c)], pa.string()),
    }
    for f in ROWS_SCHEMA:
        if f.name not in arrays:
            arrays[f.name] = pa.array(np.concatenate(cols[f.name]), f.type)
    return pa.table(arrays, schema=ROWS_SCHEMA)


# One series of the window rebuilt from its rows: the series, its scores, the bins its
# majority count backs (None: none).
Rebuilt = tuple[Series, robust.Scores, np.ndarray | None]


@dataclass
class WindowScores:
    """The stored rows of a window's days on its grid [t0, t0 + n·step): series rebuilt a
    range of entities at a time (`entities`), reading only the row groups of that range, so
    memory holds about CHUNK_ROWS rows and one entity's arrays, whatever the window."""

    paths: list[Path]
    t0: int
    n: int
    routed: set[str]
    ranges: list[tuple[str, str]]  # entity ranges of about CHUNK_ROWS rows, in order

    def entities(self) -> Iterator[list[Rebuilt]]:
        """Per entity, each of its series with a stored row: its scores at those bins (NaN
        and not anomalous elsewhere) and its values where stored — all the episode rules read."""
        for lo, hi in self.ranges:
            t = self._rows(lo, hi)
            if not t.num_rows:
                continue
            bins = (t["ts"].to_numpy() - self.t0) // BIN_SECONDS
            ent = t["entity"].to_numpy(zero_copy_only=False)
            sig = t["signal"].to_numpy(zero_copy_only=False)
            col = {c: t[c].to_numpy(zero_copy_only=False) for c in ROWS_SCHEMA.names[3:]}
            cuts = np.flatnonzero(ent[1:] != ent[:-1]) + 1
            for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(ent)], strict=True):
                group: list[Rebuilt] = []
                for signal in dict.fromkeys(sig[a:b]):
                    r = a + np.flatnonzero(sig[a:b] == signal)
                    group.append(self._rebuilt(str(signal), str(ent[a]), bins[r], r, col))
                yield group

    def _rows(self, lo: str, hi: str) -> pa.Table:
        """The rows of entities lo..hi (inclusive) of every day, twins and bins outside the
        window left out, sorted by entity, signal and time."""
        parts = [ROWS_SCHEMA.empty_table()]
        for path in self.paths:
            f = pq.ParquetFile(path)
            col = f.schema_arrow.get_field_index("entity")
            groups = []
            for i in range(f.metadata.num_row_groups):
                st = f.metadata.row_group(i).column(col).statistics
                if st is None or not st.has_min_max or (str(st.min) <= hi and str(st.max) >= lo):
                    groups.append(i)
            if not groups:
                continue
            t = f.read_row_groups(groups).replace_schema_metadata(None)
            e = t["entity"]
            bins = pc.divide(pc.subtract(t["ts"], self.t0), BIN_SECONDS)
            keep = pc.and_(
                pc.and_(pc.greater_equal(e, lo), pc.less_equal(e, hi)),
                pc.and_(pc.invert(t["twin"]),
                        pc.and_(pc.greater_equal(bins, 0), pc.less(bins, self.n))),
            )  # fmt: skip
            parts.append(t.filter(keep))
        t = pa.concat_tables(parts)
        order = pc.sort_indices(t, [("entity", "ascending"), ("signal", "ascending"),
                                    ("ts", "ascending")])  # fmt: skip
        return t.take(order)

    def _rebuilt(
        self,
        signal: str,
        entity: str,
        at: np.ndarray,
        r: np.ndarray,
        col: Mapping[str, np.ndarray],
    ) -> Rebuilt:
        arrays = {c: np.full(self.n, np.nan) for c in ("value", "reference", "noise", "drop", "z")}
        flags = {c: np.zeros(self.n, dtype=bool) for c in ("flag", "backed")}
        arrays["value"][at] = col["value"][r]
        scored = ~np.isnan(col["reference"][r])  # a gap row of the next day has none
        for c in ("reference", "noise", "drop", "z"):
            arrays[c][at[scored]] = col[c][r][scored]
        for c in flags:
            np.logical_or.at(flags[c], at, col[c][r])
        sc = robust.Scores(arrays["reference"], arrays["noise"], arrays["drop"], arrays["z"],
                           flags["flag"])  # fmt: skip
        s = Series(signal, entity, self.t0, BIN_SECONDS, arrays["value"])
        return s, sc, flags["backed"] if flags["backed"].any() else None

    def network_losses(self, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], list[float]]:
        """For each wanted (signal, bin start), the units each network lost below its
        reference there (where stored, and positive): what explains a region's episode."""
        out: dict[tuple[str, int], list[float]] = defaultdict(list)
        if not wanted:
            return out
        times = pa.array(sorted({ts for _s, ts in wanted}), pa.int64())
        for path in self.paths:
            t = pq.read_table(path, columns=["signal", "entity", "ts", "value", "reference",
                                              "twin"])  # fmt: skip
            keep = pc.and_(pc.is_in(t["ts"], value_set=times),
                           pc.and_(pc.invert(t["twin"]), pc.starts_with(t["entity"], "asn:")))  # fmt: skip
            t = t.filter(keep)
            lost = t["reference"].to_numpy() - t["value"].to_numpy()
            for sig, ts, x in zip(t["signal"].to_pylist(), t["ts"].to_pylist(), lost, strict=True):
                if (sig, ts) in wanted and np.isfinite(x) and x > 0:
                    out[(sig, ts)].append(float(x))
        return out


def window_scored(settings: Settings, days: Sequence[date], t0: int, stop: int) -> WindowScores:
    """The stored scores of `days` on the window's grid [t0, stop), read a range of entities
    at a time, and the entities with a measured BGP count on one of them."""
    n = max(0, -(-(stop - t0) // BIN_SECONDS))
    routed: set[str] = set()
    paths = [_path(daily.day_dir(settings, d)) for d in days]
    rows: dict[str, int] = defaultdict(int)
    for path in paths:
        f = pq.ParquetFile(path)
        meta = f.schema_arrow.metadata or {}
        routed.update(json.loads(meta.get(_META_ROUTED, b"[]")))
        counts = pc.value_counts(f.read(columns=["entity"])["entity"])
        for e, c in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(),
                        strict=True):  # fmt: skip
            rows[str(e)] += int(c)
    ranges: list[tuple[str, str]] = []
    first, size = "", 0
    ordered = sorted(rows)
    for i, e in enumerate(ordered):
        if size == 0:
            first = e
        size += rows[e]
        if size >= CHUNK_ROWS or i == len(ordered) - 1:
            ranges.append((first, e))
            size = 0
    return WindowScores(paths, t0, n, routed, ranges)
