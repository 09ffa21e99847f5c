"""BGP visibility (`signals.bgp`) computed one part of the address space at a time, in memory
that does not grow with the size of the routing table.

A full table seen by 40 peers is tens of millions of (peer, prefix) routes; holding them all,
as `bgp.visibility` does, takes several GiB. Everything the signal computes is either a sum
over disjoint parts of the address space (a country's, region's or network's visible space;
each peer's table size; the units of an entity each peer holds) or needs only those sums
(which peers are full-feed and up, hence the visibility threshold). So:

1. The decoded rows are spilled to one Arrow IPC file on disk, cut by the first bits of their
   prefix (the first octet of IPv4, the first 12 bits of IPv6); a prefix wider than that joins
   the pieces it spans, so a prefix and its more-specifics always land in one part.
2. Pass 1, part by part: each peer's routes per prefix as bin intervals, each peer's RIB size
   and table size per bin (summed), and the routes at the end (handed to `state_out`).
3. Full-feed peers and the peers up per bin, from the sums: the same for every part.
4. Pass 2, part by part: the series (summed per entity), where each network's space lies, and
   the answers to peer questions ("which full-feed peers saw this entity lose its space").

The result equals `bgp.visibility` on the same rows (bin for bin up to the order of floating
point sums; tests/outages/test_bgp_parts.py). Working files live in `work_dir` and are removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.outages.series import Series
from nethealth.outages.signals import bgp
from nethealth.outages.signals.bgp import (
    RIB,
    STATE,
    US,
    CarriedState,
    PeerViews,
    VisibilityConfig,
    VisibilityResult,
)

PART_ROWS = 1 << 21  # decoded rows per part (a few hundred MiB of working arrays at most)
FINE_BITS = {4: 8, 6: 12}  # the spill's pieces: leading bits of the prefix
ADDR_BITS = {4: 32, 6: 64}  # `start` holds the IPv4 address, or the top 64 bits of IPv6
SPILL_SCHEMA = pa.schema(
    [
        ("peer", pa.int32()),
        ("kind", pa.int8()),
        ("t_us", pa.int64()),
        ("af", pa.int8()),
        ("plen", pa.int16()),
        ("start", pa.uint64()),
        ("origin", pa.int64()),
        ("new_state", pa.int16()),
        ("seq", pa.int64()),
    ]
)
Progress = Callable[[str, int, int], None]


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


@dataclass(frozen=True)
class PeerQuestion:
    """Which full-feed peers up at bins `before` and `at` held how much of `entity`'s space
    (`bgp.peer_losses`), in family `af`."""

    entity: str
    af: int
    before: int
    at: int


@dataclass
class Answered:
    """Per-peer answers of one family, computed part by part (what `peers.peers_that_saw`
    asks of `PeerViews`, for the questions asked in advance)."""

    start: int
    step: int
    up: np.ndarray  # (peers, bins) full-feed and up
    answers: dict[tuple[str, int, int], dict[str, tuple[float, float]]]

    def losses(self, entity: str, before: int, at: int) -> dict[str, tuple[float, float]]:
        got = self.answers.get((entity, before, at))
        if got is None:
            raise KeyError(f"{entity} bins {before}-{at} was not asked of this computation")
        return got


@dataclass
class PartsResult:
    result: VisibilityResult  # series and peers, no per-peer views
    places: dict[int, dict[str, float]] = field(default_factory=dict)  # bgp.asn_places, summed
    answered: dict[int, Answered] = field(default_factory=dict)  # af → answers
    spans: dict[str, list[int]] = field(default_factory=dict)  # collector → first, last update
    rib_only: set[str] = field(default_factory=set)  # collectors with RIB rows only
    state_peers: pa.Table | None = None  # bgp.PEER_SCHEMA, with `state_out`
    parts: int = 0


class _Spill:
    """Decoded rows on disk in pieces by leading prefix bits, with what the passes need to
    know of all rows: the peers (ids in order of appearance, a carried state's first), each
    collector's first RIB time, the session state rows, and the pieces wide prefixes join."""

    def __init__(self, path: Path, first_peers: Sequence[str]) -> None:
        self.path = path
        self.names: list[str] = list(first_peers)
        self._ids = {n: i for i, n in enumerate(self.names)}
        self._writer = pa.ipc.new_file(str(path), SPILL_SCHEMA)
        self.blocks: dict[int, list[int]] = {}  # piece → record batch numbers
        self.rows: dict[int, int] = {}
        self.links: list[tuple[int, int]] = []  # pieces [a, b] one wide prefix spans
        self.state_rows: list[pa.Table] = []
        self.first_rib: dict[str, int] = {}
        self.seq = 0
        self._batches = 0

    def peer_ids(self, column: pa.ChunkedArray | pa.Array) -> np.ndarray:
        enc = pc.dictionary_encode(column)
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.combine_chunks()
        local = []
        for name in enc.dictionary.to_pylist():
            i = self._ids.get(name)
            if i is None:
                i = self._ids[name] = len(self.names)
                self.names.append(name)
            local.append(i)
        remap = np.asarray(local, dtype=np.int32)
        idx = enc.indices.to_numpy(zero_copy_only=False)
        return np.asarray(remap[idx] if len(remap) else idx, dtype=np.int32)

    def add(self, t: pa.Table) -> None:
        """Spill rows in ROUTE_COLUMNS (already filtered by `bgp._keep`)."""
        n = t.num_rows
        if n == 0:
            return
        peer = self.peer_ids(t["peer"])
        kind = t["kind"].to_numpy()
        t_us = t["t_us"].to_numpy()
        af = t["af"].to_numpy()
        plen = t["plen"].to_numpy().astype(np.int16)
        start = t["start"].to_numpy().astype(np.uint64)
        origin = t["origin"].to_numpy()
        new_state = t["new_state"].to_numpy().astype(np.int16)
        seq = np.arange(self.seq, self.seq + n, dtype=np.int64)
        self.seq += n
        rib = kind == RIB
        if rib.any():
            for p in np.unique(peer[rib]).tolist():
                c = self.names[p].split("|", 1)[0]
                lo = int(t_us[rib & (peer == p)].min())
                self.first_rib[c] = min(self.first_rib.get(c, lo), lo)
        cols = (peer, kind, t_us, af, plen, start, origin, new_state, seq)
        state = kind == STATE
        if state.any():
            self.state_rows.append(_table(cols, np.flatnonzero(state)))
        routes = np.flatnonzero(~state)
        if len(routes) == 0:
            return
        key = _piece(af[routes], start[routes])
        self._links(af[routes], plen[routes], key)
        order = np.argsort(key, kind="stable")
        key = key[order]
        rows = routes[order]
        cuts = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
        for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            k = int(key[a])
            self._writer.write_table(_table(cols, rows[a:b]))
            self.blocks.setdefault(k, []).append(self._batches)
            self.rows[k] = self.rows.get(k, 0) + (b - a)
            self._batches += 1

    def _links(self, af: np.ndarray, plen: np.ndarray, key: np.ndarray) -> None:
        for fam in (4, 6):
            wide = np.flatnonzero((af == fam) & (plen < FINE_BITS[fam]))
            for k, p in set(zip(key[wide].tolist(), plen[wide].tolist(), strict=True)):
                self.links.append((k, k + (1 << (FINE_BITS[fam] - p)) - 1))

    def close(self) -> None:
        self._writer.close()

    def parts(self, rows: int) -> list[list[int]]:
        """Pieces grouped into parts of about `rows` rows, in address order; the pieces a
        wide prefix spans are never split."""
        keys = sorted(self.rows)
        joined = np.zeros(len(keys), dtype=bool)  # joined[i]: piece i goes with piece i-1
        arr = np.asarray(keys, dtype=np.int64)
        for a, b in self.links:
            lo, hi = int(np.searchsorted(arr, a)), int(np.searchsorted(arr, b, "right"))
            joined[lo + 1 : hi] = True
        out: list[list[int]] = []
        size = 0
        for i, k in enumerate(keys):
            if out and (joined[i] or size + self.rows[k] <= rows):
                out[-1].append(k)
                size += self.rows[k]
            else:
                out.append([k])
                size = self.rows[k]
        return out


def _piece(af: np.ndarray, start: np.ndarray) -> np.ndarray:
    key = np.zeros(len(af), dtype=np.int64)
    for fam in (4, 6):
        sel = af == fam
        shift = np.uint64(ADDR_BITS[fam] - FINE_BITS[fam])
        key[sel] = (start[sel] >> shift).astype(np.int64) + (fam << 16)
    return key


def _table(cols: tuple[np.ndarray, ...], idx: np.ndarray) -> pa.Table:
    return pa.Table.from_arrays([pa.array(c[idx]) for c in cols], schema=SPILL_SCHEMA)


def _rows_of(t: pa.Table) -> bgp._Rows:
    c = {n: t[n].to_numpy() for n in SPILL_SCHEMA.names}
    return bgp._Rows(c["peer"], c["kind"], c["t_us"], c["af"], c["plen"], c["start"],
                     c["origin"], c["new_state"], c["seq"])  # fmt: skip


def _first_rib_only(r: bgp._Rows, first_rib: np.ndarray, cfg: VisibilityConfig) -> bgp._Rows:
    """`bgp._first_rib_only` with each peer's collector's first RIB time known in advance."""
    t0 = first_rib[r.peer]
    keep = np.where(r.kind == RIB, r.t <= t0 + cfg.rib_span_seconds * US, r.t >= t0)
    return r.take(np.flatnonzero(keep))


def add_spans(t: pa.Table, spans: dict[str, list[int]], rib_only: set[str]) -> None:
    """Per collector, widen [first, last] update timestamp (`spans`) by one table's rows,
    or note that the table holds only its RIB rows (`rib_only`)."""
    if not t.num_rows:
        return
    collectors = pc.list_element(pc.split_pattern(t["peer"], "|", max_splits=1), 0)
    upd = pc.not_equal(t["kind"], RIB)
    for c in set(collectors.to_pylist()):
        times = pc.filter(t["t_us"], pc.and_(upd, pc.equal(collectors, c)))
        if len(times):
            lo, hi = pc.min(times).as_py() // US, pc.max(times).as_py() // US
            cur = spans.setdefault(c, [lo, hi])
            cur[0], cur[1] = min(cur[0], lo), max(cur[1], hi)
        else:
            rib_only.add(c)


def visibility_parts(
    tables: Iterable[pa.Table],
    ranges: pa.Table,
    *,
    start: int,
    end: int,
    work_dir: Path,
    config: VisibilityConfig | None = None,
    coverage: dict[str, int] | None = None,
    regions: pa.Table | None = None,
    gaps: dict[str, list[tuple[int, int]]] | None = None,
    carried: CarriedState | None = None,
    state_out: Callable[[pa.Table], None] | None = None,
    questions: Sequence[PeerQuestion] = (),
    want_places: bool = False,
    part_rows: int | None = None,
    progress: Progress = _noop,
) -> PartsResult:
    """`bgp.visibility` over decoded rows (`tables`: ROUTE_COLUMNS, e.g. `inputs.read_bgp`'s,
    consumed one at a time), part by part of the address space. `state_out` receives the
    routes at the end (STATE_SCHEMA), a part at a time (the peers: `state_peers`);
    `questions` are answered in `answered`; `want_places`: `places` (bgp.asn_places of every
    full-feed peer's routes, both families)."""
    cfg = config or VisibilityConfig()
    step = cfg.step
    t0 = start - start % step
    n = max(0, -(-(end - t0) // step))
    work_dir.mkdir(parents=True, exist_ok=True)
    out = PartsResult(VisibilityResult([], t0, n, step))
    try:
        spill = _Spill(work_dir / "rows.arrow", carried.peers if carried is not None else ())
        try:
            if carried is not None:
                for c in carried.rib_batches(start):
                    spill.add(c)
            for t in tables:
                rows = bgp._reduced(t)
                add_spans(rows, out.spans, out.rib_only)
                spill.add(bgp._keep(rows, cfg))
                del rows
        finally:
            spill.close()
        out.result.stats["elements"] = spill.seq
        if spill.seq == 0 or n == 0:
            if carried is not None and state_out is not None:
                for r in carried.route_batches():
                    state_out(r)
                out.state_peers = carried.peers_table
            return out
        _passes(spill, out, ranges, regions, cfg, coverage or {}, gaps or {}, carried,
                state_out, questions, want_places, part_rows or PART_ROWS, progress)  # fmt: skip
        return out
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _passes(
    spill: _Spill,
    out: PartsResult,
    ranges: pa.Table,
    regions: pa.Table | None,
    cfg: VisibilityConfig,
    coverage: dict[str, int],
    gaps: dict[str, list[tuple[int, int]]],
    carried: CarriedState | None,
    state_out: Callable[[pa.Table], None] | None,
    questions: Sequence[PeerQuestion],
    want_places: bool,
    part_rows: int,
    progress: Progress,
) -> None:
    result = out.result
    t0, n, step = result.start, result.bins, result.step
    names = spill.names
    n_peers = len(names)
    collector = [x.split("|", 1)[0] for x in names]
    never = np.iinfo(np.int64).max
    first_rib = np.asarray([spill.first_rib.get(c, never) for c in collector], dtype=np.int64)
    state_rows = (
        pa.concat_tables(spill.state_rows) if spill.state_rows else SPILL_SCHEMA.empty_table()
    )
    parts = spill.parts(part_rows)
    out.parts = len(parts)
    rib_sizes = {af: np.zeros(n_peers, dtype=np.int64) for af in (4, 6)}
    sizes = {af: np.zeros((n_peers, n)) for af in (4, 6)}
    has = {4: False, 6: False}
    reader = pa.ipc.open_file(pa.OSFile(str(spill.path), "rb"))
    stored: list[Path] = []
    for i, keys in enumerate(parts):  # pass 1: intervals, sizes, end state
        progress("bgp visibility (1/2)", i, len(parts))
        batches = [reader.get_batch(b) for k in keys for b in spill.blocks[k]]
        rows = pa.concat_tables([pa.Table.from_batches(batches, SPILL_SCHEMA), state_rows])
        del batches
        r = bgp._session_resets(_first_rib_only(_rows_of(rows), first_rib, cfg))
        del rows
        prefix, first = bgp._ids(r.af.astype(np.int64), r.plen, r.start)
        p_af, p_plen, p_start = r.af[first], r.plen[first], r.start[first]
        iv = bgp._intervals(r, prefix, t0 * US, step, n)
        for af, got in bgp._rib_sizes(r, prefix, p_af, n_peers).items():
            rib_sizes[af] += got
        if state_out is not None:
            state_out(bgp._end_state(r, prefix, p_af, p_plen, p_start, names, rib_sizes).routes)
        del r, prefix, first
        for af in (4, 6):
            if (p_af[iv.prefix] == af).any():
                has[af] = True
                sizes[af] += bgp.family_sizes(af, iv, p_af, n_peers, n)
        path = spill.path.parent / f"part-{i}.npz"
        np.savez(path, peer=iv.peer, prefix=iv.prefix, origin=iv.origin, b0=iv.b0, b1=iv.b1,
                 p_af=p_af, p_plen=p_plen, p_start=p_start)  # fmt: skip
        stored.append(path)
        del iv
    progress("bgp visibility (1/2)", len(parts), len(parts))
    spill.path.unlink()
    if carried is not None:  # the RIB the state began from, not the state's own size
        known = carried.sizes_for(names)
        was = np.isin(np.asarray(names, dtype=object), np.asarray(carried.peers, dtype=object))
        rib_sizes = {af: np.where(was, known[af], rib_sizes[af]) for af in (4, 6)}
    if state_out is not None:
        out.state_peers = pa.table(
            {"peer": names, "rib_v4": pa.array(rib_sizes[4], pa.int64()),
             "rib_v6": pa.array(rib_sizes[6], pa.int64())}, schema=bgp.PEER_SCHEMA)  # fmt: skip
    covered = bgp._covered(names, t0, step, n, coverage, gaps)
    result.peer_names = list(names)
    ups: dict[int, bgp.PeersUp] = {}
    sums: dict[int, bgp._Sums] = {}
    for af in (4, 6):
        pu = bgp.peers_up(af, rib_sizes[af], sizes[af], covered, cfg, result) if has[af] else None
        if pu is not None:
            ups[af], sums[af] = pu, bgp._Sums(n, pu.n_up)
            out.answered[af] = Answered(t0, step, pu.up, {})
    del sizes
    asked = {af: [q for q in questions if q.af == af] for af in (4, 6)}
    places = bgp.Places(ranges, regions)
    keep_views = want_places or bool(questions)
    for i, path in enumerate(stored):  # pass 2: series, places, answers
        progress("bgp visibility (2/2)", i, len(stored))
        with np.load(path) as z:
            iv = bgp._Intervals(z["peer"], z["prefix"], z["origin"], z["b0"], z["b1"])
            prefixes = (z["p_af"], z["p_plen"], z["p_start"])
        path.unlink()
        for af, pu in ups.items():
            if not (prefixes[0][iv.prefix] == af).any():
                continue
            views = bgp.family_part(af, iv, prefixes, pu, places, sums[af], cfg, names,
                                    (t0, step), keep_views)  # fmt: skip
            if views is not None:
                _answer(views, asked[af], out.answered[af])
                if want_places:
                    _add_places(out.places, bgp.asn_places(views))
    progress("bgp visibility (2/2)", len(stored), len(stored))
    for af in (4, 6):
        if af in sums:
            result.series.extend(Series(sig, ent, t0, step, v) for sig, ent, v in sums[af].series())
    result.stats["peers"] = n_peers


def _answer(views: PeerViews, questions: Sequence[PeerQuestion], into: Answered) -> None:
    for q in questions:
        key = (q.entity, q.before, q.at)
        mine = into.answers.setdefault(key, {})
        for name, (u0, u1) in views.losses(q.entity, q.before, q.at).items():
            a, b = mine.get(name, (0.0, 0.0))
            mine[name] = (a + u0, b + u1)


def _add_places(into: dict[int, dict[str, float]], got: dict[int, dict[str, float]]) -> None:
    for asn, where in got.items():
        mine = into.setdefault(asn, {})
        for place, units in where.items():
            mine[place] = mine.get(place, 0.0) + units
