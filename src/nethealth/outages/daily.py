"""Signals computed per UTC day and stored, so a new day's files cost one day of work.

Each collector's routing state begins at the RIB the one as-of rule picks for the window
(`inputs.select_mrt_checked`); the day of that RIB reads it and the update files after it.
Every later day D starts from day D-1's end state (each peer's route per prefix, stored) and
reads only D's rows (from its update files and those of the 15 minutes before, whose rows from
D's start on are D's). So day D computed alone equals day D of one computation from the RIB
through every update since. Atlas: the result dumps that can hold D's bins (an hour of
look-back) and the probe archive in force on D.

Stored under `<lake>/outage_days/day=YYYY-MM-DD/` (one partition per day, each file written
atomically, each carrying the day's fingerprint in its Parquet metadata; `meta.json`, written
last, marks the day complete):
- `series.parquet` (DAY_SERIES_SCHEMA): one row per (signal, entity) with that day's bins,
  sorted by entity in small row groups (a chunk of entities reads only its row groups);
- `grid.parquet` (DAY_SERIES_SCHEMA, entity "*"): per signal, 1.0 in the bins the day
  measured (peers up and collector files present; Atlas inside the dumps' span), NaN
  elsewhere — an entity without a row that day is then 0 in those bins (a measured zero,
  as the whole-window computation counts it), and NaN outside them;
- `peers.parquet` (PEERS_SCHEMA): per full-feed peer its RIB size and table size per bin
  (the collector artefacts are found from these);
- `places.parquet` (PLACES_SCHEMA): where each origin AS's routed space lay that day;
- `state.parquet` / `state_peers.parquet` (signals.bgp STATE_SCHEMA / PEER_SCHEMA): the
  routes at the day's end, and the peers with the RIB sizes the state began from;
- `meta.json`: the day's notes (collectors refused, update spans seen).

The fingerprint is the SHA-256 of the day's input files (the raw store's recorded SHA-256,
else path, size and modification time), its [start, end), the previous day's fingerprint
(its state), the country and region maps in force, and DAY_VERSION: a day whose fingerprint
is unchanged is read back, not computed.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nethealth.common import asof
from nethealth.lake.raw import RawStore
from nethealth.lake.storage import atomic_path, write_bytes_atomic
from nethealth.outages.inputs import (
    MAX_PERIOD,
    AtlasFiles,
    BgpFiles,
    MrtFile,
    atlas_coverage,
    dump_hour,
    select_mrt_checked,
)
from nethealth.outages.series import Series
from nethealth.outages.signals import bgp as bgp_signal
from nethealth.settings import Settings

DAYS_DIR = "outage_days"
DAY = 86400
# Bump when what a day stores, or how it is computed, changes: every day is then recomputed
# (2: computed part by part of the address space, `signals.bgp_parts`).
DAY_VERSION = f"2;vis{bgp_signal.VisibilityConfig()!r}"
GRID_ENTITY = "*"
ATLAS_LOOKBACK = 3600  # inputs.read_atlas: results this long before a window may count in it

DAY_SERIES_SCHEMA = pa.schema(
    [
        pa.field("signal", pa.string(), nullable=False),
        pa.field("entity", pa.string(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),  # epoch seconds of the first bin
        pa.field("step", pa.int32(), nullable=False),
        pa.field("values", pa.list_(pa.float64()), nullable=False),  # NaN = no data
    ]
)
PEERS_SCHEMA = pa.schema(
    [
        pa.field("af", pa.int8(), nullable=False),
        pa.field("peer", pa.string(), nullable=False),  # "collector|peer_ip"
        pa.field("rib_size", pa.int64(), nullable=False),
        pa.field("routes", pa.list_(pa.float64()), nullable=False),  # NaN: not full-feed
    ]
)
PLACES_SCHEMA = pa.schema(
    [
        pa.field("asn", pa.int64(), nullable=False),
        pa.field("place", pa.string(), nullable=False),
        pa.field("units", pa.float64(), nullable=False),
    ]
)
# Series rows sorted by entity in small row groups: a chunk of entities reads only the row
# groups whose entity range meets it.
ROW_GROUP = 256
CHUNK_CELLS = 1 << 22  # series values (bins) held per chunk of entities (32 MiB of float64)
FILES = ("series", "grid", "peers", "places", "state", "state_peers")
Progress = Callable[[str, int, int], None]


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


@dataclass(frozen=True)
class DayPlan:
    """One day's inputs: what it is computed from and its fingerprint. `mrt`: the RIB of
    each collector whose state begins this day (`rooted`) and the update files that can hold
    the day's rows; the other collectors' routes come from the previous day's end state
    (`carried`)."""

    day: date
    start: int
    end: int
    mrt: tuple[MrtFile, ...]
    rooted: tuple[str, ...]
    carried: bool
    refused: tuple[str, ...]
    atlas: tuple[Path, ...]
    probes: tuple[tuple[date, Path], ...]
    atlas_span: tuple[int, int] | None
    key: str


@dataclass
class DayStats:
    """What a build of the days did: which days were computed and which were read back."""

    computed: list[date] = field(default_factory=list)
    reused: list[date] = field(default_factory=list)
    spans_decoded: int = 0  # spans of days decoded again for peer corroboration


def days_dir(settings: Settings) -> Path:
    return settings.lake_dir / DAYS_DIR


def day_dir(settings: Settings, day: date) -> Path:
    return days_dir(settings) / f"day={day.isoformat()}"


def day_of(ts: int) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


def epoch_of(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def days_of(start: int, end: int) -> list[tuple[date, int, int]]:
    """The UTC days that [start, end) touches, each with its part of the window."""
    out = []
    day = day_of(start)
    while epoch_of(day) < end:
        lo = max(start, epoch_of(day))
        hi = min(end, epoch_of(day) + DAY)
        out.append((day, lo, hi))
        day += timedelta(days=1)
    return out


class FileIds:
    """A file's identity for fingerprints: the SHA-256 the raw store recorded for it when it
    is there (no re-reading), else its path, size and modification time."""

    def __init__(self, stores: Iterable[tuple[Path, str]]) -> None:
        self._sha: dict[Path, str] = {}
        for raw_dir, source in stores:
            for f in RawStore(raw_dir).files(source):
                self._sha[f.path.resolve()] = f.provenance.sha256

    def __call__(self, path: Path) -> str:
        real = path.resolve()
        sha = self._sha.get(real)
        if sha is not None:
            return sha
        st = real.stat()
        return f"{real}:{st.st_size}:{st.st_mtime_ns}"


def table_digest(table: pa.Table | None) -> str:
    """SHA-256 of a table's content (the country or region map in force)."""
    if table is None:
        return "none"
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def plan_days(
    files: BgpFiles,
    found: AtlasFiles | None,
    start: int,
    end: int,
    *,
    file_id: Callable[[Path], str],
    maps: Callable[[date], str],
    before: str | None = None,
) -> list[DayPlan]:
    """Each day of [start, end) with its inputs and fingerprint. `maps`: digest of the
    country and region maps in force on a day (part of its inputs). `before`: the stored
    fingerprint of the day before `start`, when its end state is stored: the first day then
    starts from it (the window moved on by a day) instead of from the RIBs in force.

    Each collector's state begins at the RIB `inputs.select_mrt_checked` chooses for the
    window (the one as-of rule at `start`, or its first RIB inside the window); every later
    day starts from the previous day's end state, so a day's fingerprint chains the
    previous day's."""
    roots, refused = select_mrt_checked(files, start, end)
    rib_of = {f.collector: f for f in roots if f.kind == "rib"}
    whole = atlas_coverage(found) if found is not None else None
    out: list[DayPlan] = []
    prev = before
    for day, lo, hi in days_of(start, end):
        chosen: list[MrtFile] = []
        rooted: list[str] = []
        carried = prev is not None
        for c in sorted(rib_of):
            rib, ups = rib_of[c], files.updates.get(c, [])
            if rib.time >= hi:
                continue  # the collector's data begin later
            if rib.time >= lo or not carried:  # its state begins today, at its RIB
                rooted.append(c)
                chosen.append(rib)
                chosen += [u for u in ups if rib.time - 900 <= u.time < hi]
            else:  # from yesterday's end state, with the files that hold today's rows
                chosen += [u for u in ups if lo - MAX_PERIOD <= u.time < hi]
        results: list[Path] = []
        probes: list[tuple[date, Path]] = []
        span = None
        if found is not None:
            results = [
                p
                for p in found.results
                if (h := dump_hour(p)) is None or lo - ATLAS_LOOKBACK - 3600 <= h < hi
            ]
            archive, _ = asof.pick_item(
                "atlas", day, ((d, p.name, (d, p)) for d, p in found.probes)
            )
            probes = [archive] if archive is not None else []
            if whole is not None:  # the dumps' span, as it bears on this day's bins
                span = (max(whole[0], lo - DAY), min(whole[1], hi))
        notes = sorted(refused.values()) if not out and not carried else []
        doc = {
            "version": DAY_VERSION,
            "day": day.isoformat(),
            "start": lo,
            "end": hi,
            "maps": maps(day),
            "previous": prev,
            "rooted": rooted,
            "mrt": [[f.collector, f.kind, f.time, file_id(f.path)] for f in chosen],
            "refused": notes,
            "atlas": sorted(file_id(p) for p in results),
            "probes": [file_id(p) for _d, p in probes],
            "atlas_span": span,
        }
        key = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        out.append(DayPlan(day, lo, hi, tuple(chosen), tuple(rooted), prev is not None,
                           tuple(notes), tuple(results), tuple(probes), span, key))  # fmt: skip
        prev = key
    return out


def stored_key(settings: Settings, day: date) -> str | None:
    """The fingerprint every stored file of `day` carries (None: missing or inconsistent)."""
    keys = set()
    for name in FILES:
        path = day_dir(settings, day) / f"{name}.parquet"
        if not path.is_file():
            return None
        meta = pq.read_schema(path).metadata or {}
        keys.add(meta.get(b"nethealth.day_key", b"").decode())
    if not (day_dir(settings, day) / "meta.json").is_file():
        return None
    return keys.pop() if len(keys) == 1 else None


def _with_key(table: pa.Table, key: str) -> pa.Table:
    meta = dict(table.schema.metadata or {})
    meta[b"nethealth.day_key"] = key.encode()
    return table.replace_schema_metadata(meta)


def _write(path: Path, table: pa.Table, key: str, row_group: int | None = None) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(_with_key(table, key), tmp, compression="zstd", row_group_size=row_group)


def _series_rows(series: Sequence[Series]) -> pa.Table:
    if not series:
        return DAY_SERIES_SCHEMA.empty_table()
    return pa.table(
        {
            "signal": [s.signal for s in series],
            "entity": [s.entity for s in series],
            "start": pa.array([s.start for s in series], pa.int64()),
            "step": pa.array([s.step for s in series], pa.int32()),
            "values": pa.array([s.values for s in series], pa.list_(pa.float64())),
        },
        schema=DAY_SERIES_SCHEMA,
    )


def _grid_rows(series: Sequence[Series]) -> pa.Table:
    """Per signal, the bins the day measured: the union of its series' finite bins (every
    series of one signal and day shares them: peers up and files present, or the Atlas
    dumps' span)."""
    grids: dict[tuple[str, int, int, int], np.ndarray] = {}
    for s in series:
        k = (s.signal, s.start, s.step, len(s.values))
        g = grids.get(k)
        fin = np.isfinite(s.values)
        grids[k] = fin if g is None else (g | fin)
    rows = [Series(sig, GRID_ENTITY, st, step, np.where(g, 1.0, np.nan))
            for (sig, st, step, _n), g in sorted(grids.items())]  # fmt: skip
    return _series_rows(rows)


def _peer_rows(vis: bgp_signal.VisibilityResult | None) -> pa.Table:
    if vis is None:
        return PEERS_SCHEMA.empty_table()
    af_col: list[int] = []
    peer: list[str] = []
    rib: list[int] = []
    routes: list[np.ndarray] = []
    for af, mat in sorted(vis.peer_routes.items()):
        sizes = vis.rib_sizes[af]
        for p in range(mat.shape[0]):
            af_col.append(af)
            peer.append(vis.peer_names[p])
            rib.append(int(sizes[p]))
            routes.append(mat[p])
    return pa.table(
        {"af": pa.array(af_col, pa.int8()), "peer": peer, "rib_size": pa.array(rib, pa.int64()),
         "routes": pa.array(routes, pa.list_(pa.float64()))},
        schema=PEERS_SCHEMA,
    )  # fmt: skip


def _place_rows(places: dict[int, dict[str, float]]) -> pa.Table:
    asn, place, units = [], [], []
    for a in sorted(places):
        for p, u in sorted(places[a].items()):
            asn.append(a)
            place.append(p)
            units.append(u)
    return pa.table(
        {"asn": pa.array(asn, pa.int64()), "place": place, "units": pa.array(units, pa.float64())},
        schema=PLACES_SCHEMA,
    )


@dataclass
class DayOutput:
    series: list[Series]
    vis: bgp_signal.VisibilityResult | None
    places: dict[int, dict[str, float]]
    spans: dict[str, list[int]]  # collector → [first, last] update timestamp seen
    rib_only: list[str]
    state_peers: pa.Table | None  # the peers of the routes at the day's end (handed out)


# (the day, yesterday's end state, where to hand the routes at the day's end) → the day
ComputeDay = Callable[
    [DayPlan, bgp_signal.CarriedState | None, Callable[[pa.Table], None]], DayOutput
]


class StateWriter:
    """The routes at a day's end, written to its `state.parquet` a part at a time (the
    file appears whole, with the day's fingerprint, when the writer closes)."""

    def __init__(self, path: Path, key: str) -> None:
        self._cm = atomic_path(path)
        self._tmp = self._cm.__enter__()
        schema = _with_key(bgp_signal.STATE_SCHEMA.empty_table(), key).schema
        self._writer = pq.ParquetWriter(self._tmp, schema, compression="zstd")
        self.rows = 0

    def write(self, routes: pa.Table) -> None:
        self._writer.write_table(routes.cast(self._writer.schema))
        self.rows += routes.num_rows

    def close(self, ok: bool = True) -> None:
        self._writer.close()
        if ok:
            self._cm.__exit__(None, None, None)
        else:
            self._cm.__exit__(RuntimeError, RuntimeError("unfinished"), None)


def work_dir(settings: Settings) -> Path:
    """Where a day's computation keeps its working files (removed after it)."""
    return days_dir(settings) / ".work"


def build_days(
    settings: Settings,
    plans: Sequence[DayPlan],
    compute: ComputeDay,
    *,
    progress: Progress = _noop,
) -> DayStats:
    """Compute and store each planned day whose stored fingerprint differs; the others are
    left as they are (read back by `window_series` & co)."""
    stats = DayStats()
    carried: bgp_signal.CarriedState | None = None  # the end state of the day just computed
    for i, plan in enumerate(plans):
        progress("outage days", i, len(plans))
        if stored_key(settings, plan.day) == plan.key:
            stats.reused.append(plan.day)
            carried = None
            continue
        if plan.carried and carried is None:
            carried = read_state(settings, plan.day - timedelta(days=1))
        where = day_dir(settings, plan.day)
        where.mkdir(parents=True, exist_ok=True)
        (where / "meta.json").unlink(missing_ok=True)  # unfinished until meta.json is back
        sink = StateWriter(where / "state.parquet", plan.key)
        try:
            out = compute(plan, carried if plan.carried else None, sink.write)
        except BaseException:
            sink.close(ok=False)
            raise
        sink.close()
        peers = (
            out.state_peers if out.state_peers is not None else bgp_signal.PEER_SCHEMA.empty_table()
        )
        carried = bgp_signal.CarriedState(where / "state.parquet", peers)
        _write(where / "state_peers.parquet", peers, plan.key)
        _write_series(where / "series.parquet", out.series, plan.key)
        _write(where / "grid.parquet", _grid_rows(out.series), plan.key)
        _write(where / "peers.parquet", _peer_rows(out.vis), plan.key)
        _write(where / "places.parquet", _place_rows(out.places), plan.key)
        out.series.clear()
        meta = {"day": plan.day.isoformat(), "key": plan.key, "start": plan.start,
                "end": plan.end, "refused": list(plan.refused), "spans": out.spans,
                "rib_only": out.rib_only}  # fmt: skip
        write_bytes_atomic(where / "meta.json", json.dumps(meta, indent=1).encode())
        stats.computed.append(plan.day)
    progress("outage days", len(plans), len(plans))
    return stats


def _write_series(path: Path, series: list[Series], key: str) -> None:
    """The day's series sorted by entity then signal, written a row group at a time (never
    a second copy of every series in memory)."""
    order = sorted(range(len(series)), key=lambda i: (series[i].entity, series[i].signal))
    schema = _with_key(DAY_SERIES_SCHEMA.empty_table(), key).schema
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as w:
        for a in range(0, max(1, len(order)), ROW_GROUP):
            w.write_table(_series_rows([series[i] for i in order[a : a + ROW_GROUP]]).cast(schema))


def read_state(settings: Settings, day: date) -> bgp_signal.CarriedState:
    """The routing state stored at the end of `day`."""
    peers = _read(settings, day, "state_peers").cast(bgp_signal.PEER_SCHEMA)
    return bgp_signal.CarriedState(day_dir(settings, day) / "state.parquet", peers)


def drop_days(settings: Settings, keep: Iterable[date]) -> list[date]:
    """Remove stored days outside `keep` (days that left the window); returns them."""
    root = days_dir(settings)
    wanted = {d.isoformat() for d in keep}
    gone = []
    if root.is_dir():
        for p in sorted(root.glob("day=*")):
            if p.name[4:] not in wanted:
                shutil.rmtree(p)
                gone.append(date.fromisoformat(p.name[4:]))
    return gone


def _read(settings: Settings, day: date, name: str) -> pa.Table:
    return pq.read_table(day_dir(settings, day) / f"{name}.parquet")


def _rows_to_series(table: pa.Table) -> Iterator[Series]:
    values = table["values"].combine_chunks()
    flat = values.values.to_numpy(zero_copy_only=False)
    offs = values.offsets.to_numpy()
    for i, (sig, ent, st, step) in enumerate(zip(
        table["signal"].to_pylist(), table["entity"].to_pylist(), table["start"].to_pylist(),
        table["step"].to_pylist(), strict=True,
    )):  # fmt: skip
        yield Series(str(sig), str(ent), int(st), int(step), flat[offs[i] : offs[i + 1]])


def entities(settings: Settings, days: Sequence[date]) -> list[tuple[str, str]]:
    """Every (signal, entity) with a series on some day of `days`, sorted."""
    keys: set[tuple[str, str]] = set()
    for d in days:
        t = pq.read_table(day_dir(settings, d) / "series.parquet", columns=["signal", "entity"])
        keys.update(zip(t["signal"].to_pylist(), t["entity"].to_pylist(), strict=True))
    return sorted(keys)


def window_series(
    settings: Settings,
    days: Sequence[date],
    start: int,
    end: int,
    step: int,
    wanted: Sequence[tuple[str, str]] | None = None,
) -> list[Series]:
    """The stored series over [start, end) (the window's grid), of the (signal, entity)
    pairs `wanted` (default: all): a day without a row for an entity is 0 in the bins that
    day measured for its signal (the day's grid), NaN elsewhere — as in one computation over
    the whole window. Memory: the wanted series only, read day by day."""
    keys = entities(settings, days) if wanted is None else list(wanted)
    n = max(0, -(-(end - start) // step))
    index = {k: i for i, k in enumerate(keys)}
    mat = np.full((len(keys), n), np.nan)
    by_signal: dict[str, list[int]] = {}
    for k, row in index.items():
        by_signal.setdefault(k[0], []).append(row)
    wanted_set = pa.array([f"{s}\x1f{e}" for s, e in keys], pa.string())
    wanted_entities = sorted({e for _s, e in keys})
    for d in days:
        grid = _read(settings, d, "grid")
        for g in _rows_to_series(grid):
            rows = by_signal.get(g.signal)
            if not rows:
                continue
            a = (g.start - start) // step
            sl = slice(max(0, a), max(0, min(n, a + len(g.values))))
            src = g.values[sl.start - a : sl.stop - a]
            mat[np.ix_(np.asarray(rows), np.arange(sl.start, sl.stop))] = np.where(
                src == 1.0, 0.0, np.nan
            )
        if wanted is None:
            t = _read(settings, d, "series")
        else:
            if not keys:
                break
            t = _read_entities(day_dir(settings, d) / "series.parquet", wanted_entities)
        if wanted is not None and t.num_rows:
            both = pc.binary_join_element_wise(t["signal"], t["entity"], "\x1f")
            t = t.filter(pc.is_in(both, wanted_set))
        for s in _rows_to_series(t):
            i = index.get((s.signal, s.entity))
            if i is None:
                continue
            a = (s.start - start) // step
            lo, hi = max(0, a), max(0, min(n, a + len(s.values)))
            mat[i, lo:hi] = s.values[lo - a : hi - a]
    return [Series(sig, ent, start, step, mat[i]) for (sig, ent), i in index.items()]


def _read_entities(path: Path, entities: Sequence[str]) -> pa.Table:
    """The rows of `entities` (sorted) of a day's series file: only the row groups whose
    entity range holds one of them are read (rows are sorted by entity, in small groups),
    so a few networks spread over the whole range cost a few row groups, not the day."""
    f = pq.ParquetFile(path)
    col = f.schema_arrow.get_field_index("entity")
    groups = []
    for i in range(f.metadata.num_row_groups):
        st = f.metadata.row_group(i).column(col).statistics
        if st is None or not st.has_min_max:
            groups.append(i)
            continue
        lo = bisect.bisect_left(entities, str(st.min))
        if lo < len(entities) and entities[lo] <= str(st.max):
            groups.append(i)
    if not groups:
        return f.schema_arrow.empty_table()
    return f.read_row_groups(groups)


def entity_chunks(
    keys: Sequence[tuple[str, str]], bins: int, cells: int | None = None
) -> list[list[str]]:
    """Entities in chunks of about `cells` series values (`bins` per series), whole entities
    (all their signals) in one chunk, in sorted order (so a chunk is one range of the stored,
    sorted rows)."""
    cells = cells or CHUNK_CELLS
    per: dict[str, int] = {}
    for _s, e in keys:
        per[e] = per.get(e, 0) + 1
    out: list[list[str]] = []
    cur: list[str] = []
    size = 0
    for e in sorted(per):
        if cur and size + per[e] * bins > cells:
            out.append(cur)
            cur, size = [], 0
        cur.append(e)
        size += per[e] * bins
    if cur:
        out.append(cur)
    return out


def window_peers(
    settings: Settings, days: Sequence[date], start: int, end: int, step: int
) -> bgp_signal.VisibilityResult:
    """Per family, each full-feed peer's table size per bin over the window and its RIB size
    (from the first day that lists it): what `artefacts.find` reads."""
    n = max(0, -(-(end - start) // step))
    result = bgp_signal.VisibilityResult([], start, n, step)
    names: dict[str, int] = {}
    rows: dict[int, dict[int, np.ndarray]] = {}
    ribs: dict[int, dict[int, int]] = {}
    for d in days:
        t = _read(settings, d, "peers")
        a = (epoch_of(d) if epoch_of(d) >= start else start) - start
        b0 = a // step
        for af, peer, rib, routes in zip(t["af"].to_pylist(), t["peer"].to_pylist(),
                                         t["rib_size"].to_pylist(), t["routes"].to_pylist(),
                                         strict=True):  # fmt: skip
            p = names.setdefault(str(peer), len(names))
            row = rows.setdefault(int(af), {}).setdefault(p, np.full(n, np.nan))
            vals = np.asarray(routes, dtype=np.float64)
            hi = min(n, b0 + len(vals))
            row[b0:hi] = vals[: hi - b0]
            ribs.setdefault(int(af), {}).setdefault(p, int(rib))
    result.peer_names = list(names)
    for af, by_peer in rows.items():
        mat = np.full((len(names), n), np.nan)
        rib = np.zeros(len(names), dtype=np.int64)
        for p, row in by_peer.items():
            mat[p] = row
            rib[p] = ribs[af][p]
        result.peer_routes[af] = mat
        result.rib_sizes[af] = rib
    return result


def window_places(settings: Settings, days: Sequence[date]) -> dict[int, dict[str, float]]:
    """Where each origin AS's space lay: per (AS, place) the largest day's units (the
    whole-window union when an AS's routes did not move within the window)."""
    out: dict[int, dict[str, float]] = {}
    for d in days:
        t = _read(settings, d, "places")
        for a, p, u in zip(t["asn"].to_pylist(), t["place"].to_pylist(), t["units"].to_pylist(),
                           strict=True):  # fmt: skip
            mine = out.setdefault(int(a), {})
            mine[str(p)] = max(mine.get(str(p), 0.0), float(u))
    return out


def window_notes(settings: Settings, days: Sequence[date]) -> list[str]:
    """The collectors refused on the window's first day, then per collector the first and
    last update seen over the window (as `lake.updates_seen` words them)."""
    if not days:
        return []
    metas = [json.loads((day_dir(settings, d) / "meta.json").read_text()) for d in days]
    span: dict[str, list[int]] = {}
    rib_only: set[str] = set()
    for m in metas:
        for c, (lo, hi) in m["spans"].items():
            cur = span.setdefault(c, [lo, hi])
            cur[0], cur[1] = min(cur[0], lo), max(cur[1], hi)
        rib_only.update(m["rib_only"])
    iso = _iso
    notes = list(metas[0]["refused"])
    notes += [f"{c}: updates seen from {iso(a)} to {iso(b)}" for c, (a, b) in sorted(span.items())]
    notes += [f"{c}: no update in the window (RIB only)" for c in sorted(rib_only - set(span))]
    return notes


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%MZ")
