"""BGP visibility per country, per region (ISO 3166-2) and per ASN in 5-minute bins (IODA's
BGP signal).

IODA: "every 5 minutes we calculate the number of full-feed peers that observe each prefix
... a prefix is visible if more than 50 % of the full-feed peers observe it", aggregated per
country, region and ASN as the number of /24 blocks covered (here also IPv6, in /48s).

How it is computed, all with numpy over whole columns (no per-element Python):

1. The routing state of every peer is replayed: the first RIB dump of each collector, then the
   updates after it (announce, withdraw; a session leaving Established withdraws all its
   routes). Each (peer, prefix) gets intervals during which it has a route, with its origin.
2. Full-feed peers: a peer whose RIB holds at least `full_feed_share` of the largest table
   of its address family. In each bin a full-feed peer is *up* while its table still holds
   `up_share` of its RIB size; the visibility threshold is `visible_share` of the peers up.
3. The state is sampled at the end of each bin. A prefix is visible in a bin when more than
   the threshold of full-feed peers have it (for a country: with any origin; for an ASN: with
   that ASN as origin, so an exact-prefix hijack takes the space away from the victim).
4. Visible address space is counted without double counting nested prefixes: space is cut
   into disjoint *atoms* at every prefix, country-range and region-range boundary, and each
   atom counts once per entity and bin, whatever number of visible prefixes cover it.
5. Regions come only from DB-IP city ranges (`regions`); without them there are no region
   series. A region series counts space by where DB-IP places it, whatever the origin.

Besides IODA's count (`bgp`, `bgp6`), a *peer-weighted* count (`bgp_weighted`,
`bgp6_weighted`) is computed for nethealth's detector: a unit counts fully when more than
half of the full-feed peers up see it (IODA's rule) or all of them but one, and below that in
proportion to the peers that see it (`weight`) — so the signal degrades gracefully with few
peers (no hard cut), one peer's withdrawal, session reset or gap never lowers it, and with
three or more peers it starts falling in the same bin as IODA's count. An atom covered by
several prefixes takes the largest weight.

The result also keeps, per full-feed peer, its table size per bin (`peer_routes`: session
resets and withdrawal bursts are told apart as collector artefacts by `outages.artefacts`)
and, on request, the per-peer routes (`PeerViews`) from which `peer_losses` says how many
full-feed peers saw an entity lose its space.

Prefixes longer than /24 (IPv4) or /48 (IPv6) are left out, as they are commonly filtered.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nethealth.outages.series import BIN_SECONDS, Series

__all__ = [
    "BIN_SECONDS",
    "PeerViews",
    "VisibilityConfig",
    "VisibilityResult",
    "peer_losses",
    "reduce_elements",
    "visibility",
]

RIB, ANNOUNCE, WITHDRAW, STATE = 0, 1, 2, 3
_KINDS = {"rib": RIB, "announce": ANNOUNCE, "withdraw": WITHDRAW, "state": STATE}
ESTABLISHED = 6
US = 1_000_000
SIGNALS = {4: "bgp", 6: "bgp6"}
WEIGHTED = {4: "bgp_weighted", 6: "bgp6_weighted"}
UNIT_SHIFT = {4: 8, 6: 16}  # address number >> shift = /24 (v4) or /48 (v6, top 64 bits)
UNIT_BITS = {4: 24, 6: 48}

ROUTE_COLUMNS = pa.schema(
    [
        ("peer", pa.string()),  # "collector|peer_ip"
        ("kind", pa.int8()),
        ("t_us", pa.int64()),
        ("af", pa.int8()),
        ("plen", pa.int16()),
        ("start", pa.uint64()),
        ("origin", pa.int64()),  # -1: none (withdrawal, state)
        ("new_state", pa.int32()),
    ]
)


@dataclass(frozen=True)
class VisibilityConfig:
    step: int = BIN_SECONDS
    full_feed_share: float = 0.8
    visible_share: float = 0.5
    up_share: float = 0.5
    max_len_v4: int = 24
    max_len_v6: int = 48
    rib_span_seconds: int = 900  # rows of one RIB dump carry timestamps within this span
    weighted: bool = True  # also the peer-weighted series (bgp_weighted, bgp6_weighted)


@dataclass
class PeerViews:
    """One family's routes per full-feed peer, as bin intervals, with the atoms of space they
    cover: enough to say which peers saw an entity lose space (`peer_losses`)."""

    names: list[str]  # "collector|peer_ip" per peer index
    start: int  # the grid: first bin's start (epoch seconds) and bin length
    step: int
    peer: np.ndarray  # int32 per interval
    prefix: np.ndarray  # int32 local prefix id
    origin: np.ndarray  # int64
    b0: np.ndarray  # int32 first bin with the route
    b1: np.ndarray  # int32 first bin without it
    first_atom: np.ndarray  # per local prefix
    n_atoms: np.ndarray
    atom_size: np.ndarray
    atom_cc: np.ndarray  # object
    atom_region: np.ndarray  # object
    up: np.ndarray  # (peers, bins) bool: full-feed and up
    _by_origin: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _by_prefix: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _places: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def losses(self, entity: str, before: int, at: int) -> dict[str, tuple[float, float]]:
        """`peer_losses` of `entity` between bins `before` and `at`."""
        return peer_losses(self, entity, before, at)

    def intervals_of(self, entity: str) -> tuple[np.ndarray, np.ndarray | None]:
        """(interval indices that concern `entity`, mask of the atoms inside it or None for
        an ASN, whose own routes count whole). Indexed once, then each lookup is a search."""
        kind, _, code = entity.partition(":")
        if kind == "asn":
            if self._by_origin is None:
                order = np.argsort(self.origin, kind="stable")
                self._by_origin = (order, self.origin[order])
            order, keys = self._by_origin
            lo, hi = np.searchsorted(keys, [int(code), int(code) + 1])
            return order[lo:hi], None
        of_atom = self.atom_cc if kind == "country" else self.atom_region
        atom_ok = self._places.get(entity)
        if atom_ok is None:
            atom_ok = of_atom == code
            self._places[entity] = atom_ok
        cs = np.r_[0, np.cumsum(atom_ok)]
        has = np.flatnonzero(cs[self.first_atom + self.n_atoms] - cs[self.first_atom] > 0)
        if self._by_prefix is None:
            order = np.argsort(self.prefix, kind="stable")
            self._by_prefix = (order, self.prefix[order])
        order, keys = self._by_prefix
        lo = np.searchsorted(keys, has, side="left")
        hi = np.searchsorted(keys, has, side="right")
        count = hi - lo
        rep = np.repeat(lo, count) + (
            np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        )
        return order[rep], atom_ok


STATE_SCHEMA = pa.schema(
    [
        ("peer", pa.string()),  # "collector|peer_ip"
        ("af", pa.int8()),
        ("plen", pa.int16()),
        ("start", pa.uint64()),
        ("origin", pa.int64()),
    ]
)
PEER_SCHEMA = pa.schema([("peer", pa.string()), ("rib_v4", pa.int64()), ("rib_v6", pa.int64())])


@dataclass
class CarriedState:
    """The routing state at a moment: each peer's route per prefix (`routes`, STATE_SCHEMA:
    a table, or the Parquet file it is stored in, read a batch at a time), and every peer in
    the computation's order with the sizes of the RIB the state began from (`peers`,
    PEER_SCHEMA) — what the next day starts from."""

    routes: pa.Table | Path
    peers_table: pa.Table

    @property
    def peers(self) -> list[str]:
        return [str(x) for x in self.peers_table["peer"].to_pylist()]

    def sizes_for(self, names: Sequence[str]) -> dict[int, np.ndarray]:
        """RIB sizes per family for `names` (0 for a peer the state does not know)."""
        known = dict(zip(self.peers, zip(self.peers_table["rib_v4"].to_pylist(),
                                          self.peers_table["rib_v6"].to_pylist(), strict=True),
                         strict=True))  # fmt: skip
        return {
            4: np.asarray([known.get(x, (0, 0))[0] for x in names], dtype=np.int64),
            6: np.asarray([known.get(x, (0, 0))[1] for x in names], dtype=np.int64),
        }

    def route_batches(self, rows: int = 1 << 20) -> Iterator[pa.Table]:
        """The routes, `rows` at a time (STATE_SCHEMA)."""
        if isinstance(self.routes, Path):
            for b in pq.ParquetFile(self.routes).iter_batches(batch_size=rows):
                yield pa.Table.from_batches([b]).replace_schema_metadata(None)
            return
        for i in range(0, self.routes.num_rows, rows):
            yield self.routes.slice(i, rows)

    def rib_batches(self, at: int) -> Iterator[pa.Table]:
        """The routes as RIB rows at `at` (epoch seconds), in ROUTE_COLUMNS, a batch at a time."""
        for t in self.route_batches():
            n = t.num_rows
            yield pa.table({
                "peer": t["peer"], "kind": pa.array(np.full(n, RIB, np.int8)),
                "t_us": pa.array(np.full(n, at * US, np.int64)), "af": t["af"],
                "plen": t["plen"], "start": t["start"], "origin": t["origin"],
                "new_state": pa.array(np.zeros(n, np.int32)),
            }, schema=ROUTE_COLUMNS)  # fmt: skip

    def as_rib(self, at: int) -> pa.Table:
        """The routes as RIB rows at `at` (epoch seconds), in ROUTE_COLUMNS."""
        parts = list(self.rib_batches(at))
        return pa.concat_tables(parts) if parts else ROUTE_COLUMNS.empty_table()


@dataclass
class VisibilityResult:
    series: list[Series]
    start: int
    bins: int
    step: int
    full_feed: dict[int, list[str]] = field(default_factory=dict)  # af → peers
    peers_up: dict[int, np.ndarray] = field(default_factory=dict)  # af → full-feed peers up
    stats: dict[str, int] = field(default_factory=dict)
    peer_names: list[str] = field(default_factory=list)
    # af → (peers, bins) routes in each peer's table at the end of each bin (full-feed peers)
    peer_routes: dict[int, np.ndarray] = field(default_factory=dict)
    rib_sizes: dict[int, np.ndarray] = field(default_factory=dict)
    views: dict[int, PeerViews] = field(default_factory=dict)
    state: CarriedState | None = None  # the routes at the end (with `keep_state`)


def reduce_elements(batch: pa.RecordBatch | pa.Table) -> pa.Table:
    """The columns visibility needs from decoded elements (bgp.schema.SCHEMA), filtered."""
    t = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    coll = pc.fill_null(pc.cast(t["collector"], pa.string()), "")
    peer = pc.binary_join_element_wise(coll, pc.cast(t["peer_ip"], pa.string()), "|")
    kind_text = pc.cast(t["elem_type"], pa.string())
    kind = pc.cast(pc.index_in(kind_text, pa.array(list(_KINDS))), pa.int8())
    first_origin = _first_origin(t)
    is_route = pc.is_in(kind_text, pa.array(["rib", "announce"]))
    origin = pc.if_else(
        is_route,
        pc.coalesce(first_origin, pc.cast(t["peer_asn"], pa.int64())),
        pa.scalar(-1, pa.int64()),
    )
    out = pa.table({
        "peer": peer,
        "kind": kind,
        "t_us": pc.cast(t["timestamp"], pa.int64()),
        "af": pc.fill_null(t["af"], 0).cast(pa.int8()),
        "plen": pc.fill_null(t["prefix_len"], 0).cast(pa.int16()),
        "start": pc.fill_null(t["range_start"], 0).cast(pa.uint64()),
        "origin": origin,
        "new_state": pc.fill_null(pc.cast(t["new_state"], pa.int32()), 0),
    }, schema=ROUTE_COLUMNS)  # fmt: skip
    return out


def _reduced(batch: pa.Table | pa.RecordBatch) -> pa.Table:
    """Accept decoded elements or tables already reduced by `reduce_elements`."""
    if batch.schema.equals(ROUTE_COLUMNS):
        return batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    return reduce_elements(batch)


def _first_origin(t: pa.Table) -> pa.ChunkedArray:
    """First origin ASN of each row (null when the path is empty or absent)."""
    col = t["origin_asns"]
    chunks = []
    for chunk in col.chunks:
        lens = pc.fill_null(pc.list_value_length(chunk), 0)
        offsets = chunk.offsets.to_numpy()[:-1]
        values = chunk.values.to_numpy(zero_copy_only=False).astype(np.int64)
        has = (lens.to_numpy(zero_copy_only=False) > 0) & chunk.is_valid().to_numpy(
            zero_copy_only=False
        )
        first = np.full(len(chunk), -1, dtype=np.int64)
        first[has] = values[offsets[has]]
        chunks.append(pa.array(first, pa.int64(), mask=~has))
    return pa.chunked_array(chunks, pa.int64())


def _keep(t: pa.Table, cfg: VisibilityConfig) -> pa.Table:
    af, plen, kind = t["af"], t["plen"], t["kind"]
    ok_len = pc.or_(
        pc.and_(pc.equal(af, 4), pc.less_equal(plen, cfg.max_len_v4)),
        pc.and_(pc.equal(af, 6), pc.less_equal(plen, cfg.max_len_v6)),
    )
    return t.filter(pc.or_(pc.equal(kind, STATE), ok_len))


def _unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (by sorting: numpy's hash-based unique is far slower on the
    tens of millions of int64 keys met here)."""
    if len(a) == 0:
        return a.copy()
    s = np.sort(a)
    keep = np.ones(len(s), dtype=bool)
    keep[1:] = s[1:] != s[:-1]
    return s[keep]


def _unique_inverse(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct values, index of each element's value among them)."""
    order = np.argsort(a, kind="stable")
    s = a[order]
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] != s[:-1]
    inverse = np.empty(len(a), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return s[new], inverse


def _ids(*cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of the distinct value tuples, and the row index of each id's first row."""
    order = np.lexsort(cols[::-1])
    diff = np.zeros(len(order), dtype=bool)
    if len(order):
        diff[0] = True
        for c in cols:
            s = c[order]
            diff[1:] |= s[1:] != s[:-1]
    gid_sorted = np.cumsum(diff) - 1
    ids = np.empty(len(order), dtype=np.int64)
    ids[order] = gid_sorted
    return ids, order[diff]


@dataclass
class _Rows:
    peer: np.ndarray
    kind: np.ndarray
    t: np.ndarray
    af: np.ndarray
    plen: np.ndarray
    start: np.ndarray
    origin: np.ndarray
    new_state: np.ndarray
    seq: np.ndarray

    def take(self, idx: np.ndarray) -> _Rows:
        return _Rows(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))


def _rows(table: pa.Table, order: Sequence[str] = ()) -> tuple[_Rows, list[str]]:
    """Rows as arrays, peers as indices into the names: `order` first (a carried state's
    peers, also those without a row), then the others in order of appearance."""
    enc = pc.dictionary_encode(table["peer"]).combine_chunks()
    names = [str(x) for x in enc.dictionary.to_pylist()]
    indices = enc.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    if order:
        pos = {name: i for i, name in enumerate(order)}
        merged = list(order) + [x for x in names if x not in pos]
        where = {name: i for i, name in enumerate(merged)}
        remap = np.asarray([where[x] for x in names], dtype=np.int32)
        indices = remap[indices] if len(names) else indices
        names = merged
    col = {
        n: table[n].to_numpy()
        for n in ("kind", "t_us", "af", "plen", "start", "origin", "new_state")
    }
    # Narrow dtypes: a 30-peer replay of a full table is ~10M rows.
    rows = _Rows(
        indices,
        col["kind"],
        col["t_us"],
        col["af"],
        col["plen"].astype(np.int16),
        col["start"].astype(np.uint64),
        col["origin"],
        col["new_state"].astype(np.int16),
        np.arange(table.num_rows, dtype=np.int32),
    )
    return rows, names


def _first_rib_only(r: _Rows, names: list[str], cfg: VisibilityConfig) -> _Rows:
    """Keep each collector's first RIB dump and the updates after it."""
    collector = np.asarray([n.split("|", 1)[0] for n in names], dtype=str)
    _, coll_ids = np.unique(collector, return_inverse=True)
    coll = coll_ids[r.peer]
    n_coll = int(coll_ids.max()) + 1 if len(coll_ids) else 0
    first_rib = np.full(n_coll, np.iinfo(np.int64).max, dtype=np.int64)
    is_rib = r.kind == RIB
    np.minimum.at(first_rib, coll[is_rib], r.t[is_rib])
    t0 = first_rib[coll]
    keep = np.where(is_rib, r.t <= t0 + cfg.rib_span_seconds * US, r.t >= t0)
    return r.take(np.flatnonzero(keep))


def _session_resets(r: _Rows) -> _Rows:
    """Replace state rows by withdrawals of every prefix the peer had rows for."""
    down = np.flatnonzero((r.kind == STATE) & (r.new_state != ESTABLISHED))
    routes = r.kind != STATE
    base = r.take(np.flatnonzero(routes))
    if len(down) == 0:
        return base
    _, first = _ids(base.peer, base.af.astype(np.int64), base.plen, base.start)
    keys = base.take(first)
    order = np.argsort(keys.peer, kind="stable")
    keys = keys.take(order)
    bounds = np.searchsorted(keys.peer, np.arange(int(keys.peer.max(initial=-1)) + 2))
    extra = []
    for i in down:  # state changes are few; each expands to one withdrawal per prefix
        p = int(r.peer[i])
        if p + 1 >= len(bounds):
            continue
        sl = np.arange(bounds[p], bounds[p + 1])
        w = keys.take(sl)
        w.kind = np.full(len(sl), WITHDRAW, dtype=w.kind.dtype)
        w.t = np.full(len(sl), r.t[i])
        w.origin = np.full(len(sl), -1, dtype=np.int64)
        w.seq = np.full(len(sl), r.seq[i])
        extra.append(w)
    return _Rows(
        *(
            np.concatenate([getattr(base, f), *(getattr(e, f) for e in extra)])
            for f in base.__dataclass_fields__
        )
    )


@dataclass
class _Intervals:
    peer: np.ndarray
    prefix: np.ndarray
    origin: np.ndarray
    b0: np.ndarray
    b1: np.ndarray


def _intervals(r: _Rows, prefix: np.ndarray, t0_us: int, step: int, n: int) -> _Intervals:
    """Bin ranges [b0, b1) during which a peer has a route to a prefix (state at bin end)."""
    order = np.lexsort((r.seq, r.t, prefix, r.peer))
    peer, pfx, t = r.peer[order], prefix[order], r.t[order]
    same_next = np.zeros(len(order), dtype=bool)
    same_next[:-1] = (peer[1:] == peer[:-1]) & (pfx[1:] == pfx[:-1])
    t_next = np.empty(len(order), dtype=np.int64)
    t_next[:-1] = t[1:]
    step_us = step * US
    b0 = np.floor_divide(t - t0_us, step_us)
    b1 = np.where(same_next, np.floor_divide(t_next - t0_us, step_us), n)
    present = r.kind[order] <= ANNOUNCE
    b0, b1 = np.clip(b0, 0, n), np.clip(b1, 0, n)
    keep = present & (b1 > b0)
    return _Intervals(
        peer[keep],
        pfx[keep],
        r.origin[order][keep],
        b0[keep],
        b1[keep],
    )


def _segments(
    key: np.ndarray, b0: np.ndarray, b1: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per key, piecewise-constant counts of overlapping intervals: (key, s, e, count)."""
    k = np.concatenate([key, key])
    b = np.concatenate([b0, b1])
    d = np.concatenate([np.ones(len(b0), np.int64), -np.ones(len(b1), np.int64)])
    order = np.lexsort((b, k))
    k, b, d = k[order], b[order], d[order]
    new = np.ones(len(k), dtype=bool)
    new[1:] = (k[1:] != k[:-1]) | (b[1:] != b[:-1])
    idx = np.flatnonzero(new)
    k, b = k[idx], b[idx]
    d = np.add.reduceat(d, idx) if len(idx) else d[:0]
    c = np.cumsum(d)
    key_start = np.ones(len(k), dtype=bool)
    key_start[1:] = k[1:] != k[:-1]
    base = np.maximum.accumulate(np.where(key_start, np.arange(len(k)), 0))
    offset = np.where(base > 0, c[base - 1], 0)
    count = c - offset
    e = np.empty(len(k), dtype=np.int64)
    e[:-1] = b[1:]
    if len(k):
        e[-1] = n
    last = np.ones(len(k), dtype=bool)
    last[:-1] = key_start[1:]
    e = np.where(last, n, e)
    keep = (count > 0) & (e > b)
    return k[keep], b[keep], e[keep], count[keep]


def _split_at(
    per_bin: np.ndarray, s: np.ndarray, e: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments [s, e) cut where `per_bin` changes (it changes at few bins): (segment index of
    each piece, piece start, piece end)."""
    cp = np.flatnonzero(per_bin[1:] != per_bin[:-1]) + 1  # bins where it changes
    lo = np.searchsorted(cp, s, side="right")
    hi = np.searchsorted(cp, e, side="left")
    pieces = hi - lo + 1
    rep = np.repeat(np.arange(len(s)), pieces)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    cut = np.concatenate([cp, [np.iinfo(np.int64).max]])
    start = np.where(within == 0, s[rep], cut[np.clip(lo[rep] + within - 1, 0, len(cp))])
    stop = np.where(within == pieces[rep] - 1, e[rep], cut[np.clip(lo[rep] + within, 0, len(cp))])
    return rep, start, stop


def _visible(
    key: np.ndarray, s: np.ndarray, e: np.ndarray, count: np.ndarray, threshold: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sub-segments where count > threshold[bin]."""
    rep, start, stop = _split_at(threshold, s, e)
    ok = count[rep] > threshold[np.clip(start, 0, len(threshold) - 1)]
    return key[rep][ok], start[ok], stop[ok]


def _weights(
    key: np.ndarray, s: np.ndarray, e: np.ndarray, count: np.ndarray, n_up: np.ndarray, share: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sub-segments with their peer weight (> 0 only): `weight`."""
    rep, start, stop = _split_at(n_up, s, e)
    up = n_up[np.clip(start, 0, len(n_up) - 1)].astype(np.float64)
    w = weight(count[rep].astype(np.float64), up, share)
    # Pieces of one segment with the same weight are one piece again (most segments keep
    # weight 1 whatever the number of peers up, and the rows after this are expanded).
    same = np.zeros(len(rep), dtype=bool)
    same[1:] = (rep[1:] == rep[:-1]) & (w[1:] == w[:-1]) & (start[1:] == stop[:-1])
    first = ~same
    group = np.cumsum(first) - 1
    last_stop = np.zeros(int(first.sum()), dtype=stop.dtype)
    last_stop[group] = stop  # the last piece of each run writes last
    rep, start, w = rep[first], start[first], w[first]
    stop = last_stop
    ok = w > 0
    return key[rep][ok], start[ok], stop[ok], w[ok]


def weight(count: np.ndarray, up: np.ndarray, share: float) -> np.ndarray:
    """A unit's weight from the peers that see it: 1 when more than `share` of the peers up
    see it (IODA's rule) or when all but one do (so one peer alone never lowers it, even of
    two), else in proportion to the smallest count IODA calls visible. With three or more
    peers the weight falls exactly when IODA's count does, partly instead of wholly."""
    full = (count > share * up) | ((count >= 1) & (count >= up - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        part = count / (np.floor(share * up) + 1.0)
    return np.where(up > 0, np.where(full, 1.0, np.minimum(1.0, part)), 0.0)


def _union_max(
    key: np.ndarray, s: np.ndarray, e: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per key, the largest weight of the segments overlapping each stretch: disjoint
    (key, s, e, weight) pieces."""
    if len(key) == 0:
        return key, s, e, w
    big = np.int64(max(int(e.max()), int(s.max())) + 1)
    kk = key.astype(np.int64) * big
    bounds = _unique(np.concatenate([kk + s, kk + e]))
    i0 = np.searchsorted(bounds, kk + s)
    i1 = np.searchsorted(bounds, kk + e)
    pieces = i1 - i0
    rep = np.repeat(np.arange(len(key)), pieces)
    pid = i0[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(pieces) - pieces, pieces))
    order = np.lexsort((w[rep], pid))  # the last of each piece id holds its largest weight
    pid, wr = pid[order], w[rep][order]
    last = np.ones(len(pid), dtype=bool)
    last[:-1] = pid[1:] != pid[:-1]
    pid, best = pid[last], wr[last]
    return bounds[pid] // big, bounds[pid] % big, bounds[pid + 1] % big, best


def _union_sum(
    key: np.ndarray, s: np.ndarray, e: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping [s, e) per key: (key, s, e) of disjoint segments."""
    if len(key) == 0:
        return key, s, e
    order = np.lexsort((s, key))
    key, s, e = key[order], s[order], e[order]
    rank = np.cumsum(np.r_[True, key[1:] != key[:-1]]) - 1
    big = int(e.max()) + 2
    cm = np.maximum.accumulate(rank * big + e) - rank * big
    start_new = np.ones(len(key), dtype=bool)
    start_new[1:] = (key[1:] != key[:-1]) | (s[1:] > cm[:-1])
    first = np.flatnonzero(start_new)
    last = np.r_[first[1:] - 1, len(key) - 1]
    return key[first], s[first], cm[last]


def _unit_bounds(table: pa.Table, af: int, shift: int) -> np.ndarray:
    """Range starts and exclusive ends of one family, in /24 or /48 units."""
    r = table.filter(pc.equal(table["af"], af))
    rs = r["start"].to_numpy(zero_copy_only=False).astype(np.uint64) >> np.uint64(shift)
    re_ = (
        r["end"].to_numpy(zero_copy_only=False).astype(np.uint64) >> np.uint64(shift)
    ) + np.uint64(1)
    return np.concatenate([rs, re_])


def _atoms(
    af: int, pfx_start: np.ndarray, pfx_plen: np.ndarray, places: Places
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Disjoint atoms (in /24 or /48 units) of the prefixes' space, split at country ranges
    (and region ranges, when `places` has them).

    Returns (atom size, atom country, atom region, per prefix first atom, per prefix atom
    count, bp); a unit belongs to the country (region) whose range covers its first address.
    """
    shift, bits = UNIT_SHIFT[af], UNIT_BITS[af]
    us = pfx_start >> np.uint64(shift)
    size = np.left_shift(np.uint64(1), (bits - pfx_plen).astype(np.uint64))
    ue = us + size  # exclusive
    lo, hi = (us.min(), ue.max()) if len(us) else (np.uint64(0), np.uint64(0))
    # Range boundaries matter only inside the prefixes' span.
    bp = _unique(np.concatenate([us, ue, places.cuts(af, lo, hi)]))
    ia = np.searchsorted(bp, us)
    ib = np.searchsorted(bp, ue)
    atom_size = (bp[1:] - bp[:-1]).astype(np.float64)
    first = bp[:-1] << np.uint64(shift)
    cc = places.lookup(af, first, "cc")
    region = places.lookup(af, first, "region")
    return atom_size, cc, region, ia, ib - ia, bp


def _expand(
    owner: np.ndarray, s: np.ndarray, e: np.ndarray, first_atom: np.ndarray, n_atoms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each segment of a prefix repeated for each atom it covers: (row, atom, s, e)."""
    reps = n_atoms[owner]
    row = np.repeat(np.arange(len(owner)), reps)
    within = np.arange(len(row)) - np.repeat(np.cumsum(reps) - reps, reps)
    atom = first_atom[owner][row] + within
    return row, atom, s[row], e[row]


def _accumulate(
    entity: np.ndarray, s: np.ndarray, e: np.ndarray, weight: np.ndarray, n_entities: int, n: int
) -> np.ndarray:
    diff = np.zeros((n_entities, n + 1), dtype=np.float64)
    np.add.at(diff, (entity, s), weight)
    np.add.at(diff, (entity, e), -weight)
    out: np.ndarray = np.cumsum(diff, axis=1)[:, :n]
    return out


def visibility(
    elements: Iterable[pa.Table | pa.RecordBatch],
    ranges: pa.Table,
    *,
    start: int,
    end: int,
    config: VisibilityConfig | None = None,
    coverage: dict[str, int] | None = None,
    regions: pa.Table | None = None,
    gaps: dict[str, list[tuple[int, int]]] | None = None,
    keep_views: bool = False,
    carried: CarriedState | None = None,
    keep_state: bool = False,
) -> VisibilityResult:
    """`bgp` and `bgp6` series (and, with `config.weighted`, `bgp_weighted` and
    `bgp6_weighted`) per country, per region and per ASN over [start, end) (epoch seconds).

    `elements`: decoded MRT elements (bgp.schema.SCHEMA), RIB dumps and updates of one or more
    collectors, in time order per collector; `ranges`: geo.RANGE_SCHEMA country ranges;
    `coverage`: per collector, when its data ends (its peers count as down afterwards);
    `regions`: geo.REGION_SCHEMA ranges (DB-IP city), for `region:XX-YYY` series (none
    without them); `gaps`: per collector, stretches without update files (its peers count as
    down in them: a state not updated is not a state seen); `keep_views`: keep the per-peer
    routes (`VisibilityResult.views`) for `peer_losses`.
    Bins in which no full-feed peer of a family is up are NaN (no data).
    `carried`: the routing state at `start` (the end state of the previous day, `keep_state`):
    its routes count as a RIB dump at `start`, its RIB sizes and peer order are the ones the
    state began with, so a day computed from it equals that day of one computation from the
    original RIB; `elements` then hold only rows at or after `start`.
    """
    cfg = config or VisibilityConfig()
    step = cfg.step
    t0 = start - start % step
    n = max(0, -(-(end - t0) // step))
    parts = [_keep(_reduced(b), cfg) for b in elements]
    if carried is not None:
        parts.insert(0, carried.as_rib(start))
    table = pa.concat_tables(parts) if parts else ROUTE_COLUMNS.empty_table()
    del parts
    result = VisibilityResult([], t0, n, step, stats={"elements": table.num_rows})
    if table.num_rows == 0 or n == 0:
        if carried is not None and keep_state:
            result.state = carried
        return result
    rows, names = _rows(table, carried.peers if carried is not None else ())
    del table
    rows = _first_rib_only(rows, names, cfg)
    rows = _session_resets(rows)
    prefix, first = _ids(rows.af.astype(np.int64), rows.plen, rows.start)
    p_af, p_plen, p_start = rows.af[first], rows.plen[first], rows.start[first]
    iv = _intervals(rows, prefix, t0 * US, step, n)
    n_peers = len(names)
    rib_sizes = _rib_sizes(rows, prefix, p_af, n_peers)
    if carried is not None:  # the RIB the state began from, not the state's own size
        known = carried.sizes_for(names)
        was = np.isin(np.asarray(names, dtype=object), np.asarray(carried.peers, dtype=object))
        rib_sizes = {af: np.where(was, known[af], rib_sizes[af]) for af in (4, 6)}
    if keep_state:
        result.state = _end_state(rows, prefix, p_af, p_plen, p_start, names, rib_sizes)
    del rows, prefix
    covered = _covered(names, t0, step, n, coverage or {}, gaps or {})
    result.peer_names = list(names)
    places = Places(ranges, regions)
    for af in (4, 6):
        if not (p_af[iv.prefix] == af).any():
            continue
        size = family_sizes(af, iv, p_af, n_peers, n)
        pu = peers_up(af, rib_sizes[af], size, covered, cfg, result)
        if pu is None:
            continue
        acc = _Sums(n, pu.n_up)
        views = family_part(af, iv, (p_af, p_plen, p_start), pu, places, acc, cfg, names,
                            (t0, step), keep_views)  # fmt: skip
        if views is not None:
            result.views[af] = views
        result.series.extend(Series(sig, ent, t0, step, v) for sig, ent, v in acc.series())
    result.stats["peers"] = n_peers
    return result


def _covered(
    names: list[str],
    t0: int,
    step: int,
    n: int,
    coverage: dict[str, int],
    gaps: dict[str, list[tuple[int, int]]],
) -> np.ndarray:
    """(peers, bins): the peer's collector has data for the bin (before its data end, outside
    its gaps). A bin counts as covered only when the whole of it is."""
    out = np.ones((len(names), n), dtype=bool)
    for i, name in enumerate(names):
        collector = name.split("|", 1)[0]
        stop = coverage.get(collector)
        if stop is not None:
            out[i, int(np.clip((stop - t0) // step, 0, n)) :] = False
        for lo, hi in gaps.get(collector, ()):
            a = int(np.clip((lo - t0) // step, 0, n))
            b = int(np.clip(-(-(hi - t0) // step), 0, n))
            out[i, a:b] = False
    return out


def _rib_sizes(
    r: _Rows, prefix: np.ndarray, p_af: np.ndarray, n_peers: int
) -> dict[int, np.ndarray]:
    """Per family, each peer's RIB size: distinct prefixes in its RIB dump (not what is left
    of them inside the window)."""
    rib = r.kind == RIB
    width = int(prefix.max(initial=0)) + 1
    out = {}
    for af in (4, 6):
        sel = rib & (p_af[prefix] == af)
        pairs = _unique(r.peer[sel].astype(np.int64) * width + prefix[sel])
        out[af] = np.bincount(pairs // width, minlength=n_peers)
    return out


def _end_state(
    r: _Rows,
    prefix: np.ndarray,
    p_af: np.ndarray,
    p_plen: np.ndarray,
    p_start: np.ndarray,
    names: list[str],
    rib_sizes: dict[int, np.ndarray],
) -> CarriedState:
    """The routes held after the last row (the last row of each peer and prefix, when it
    is a route), and the peers with their RIB sizes."""
    order = np.lexsort((r.seq, r.t, prefix, r.peer))
    peer, pfx = r.peer[order], prefix[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (peer[1:] != peer[:-1]) | (pfx[1:] != pfx[:-1])
    held = last & (r.kind[order] <= ANNOUNCE)
    idx = order[held]
    pid = prefix[idx]
    routes = pa.table({
        "peer": pa.DictionaryArray.from_arrays(
            pa.array(r.peer[idx], pa.int32()), pa.array(names, pa.string())
        ).cast(pa.string()),
        "af": pa.array(p_af[pid].astype(np.int8)), "plen": pa.array(p_plen[pid].astype(np.int16)),
        "start": pa.array(p_start[pid].astype(np.uint64)),
        "origin": pa.array(r.origin[idx].astype(np.int64)),
    }, schema=STATE_SCHEMA)  # fmt: skip
    peers = pa.table({"peer": names, "rib_v4": pa.array(rib_sizes[4], pa.int64()),
                      "rib_v6": pa.array(rib_sizes[6], pa.int64())}, schema=PEER_SCHEMA)  # fmt: skip
    return CarriedState(routes, peers)


@dataclass
class PeersUp:
    """One family's full-feed peers and which of them are up in each bin, from every part's
    table sizes: what each part of the address space is judged against."""

    full: np.ndarray  # bool per peer
    up: np.ndarray  # (peers, bins) bool: full-feed and up
    n_up: np.ndarray  # full-feed peers up per bin
    threshold: np.ndarray  # per bin: a prefix is visible when more peers than this have it


def family_sizes(af: int, iv: _Intervals, p_af: np.ndarray, n_peers: int, n: int) -> np.ndarray:
    """(peers, bins): the family's routes in each peer's table at the end of each bin (sums
    over parts of the space)."""
    mine = np.flatnonzero(p_af[iv.prefix] == af)
    return _accumulate(iv.peer[mine], iv.b0[mine], iv.b1[mine], np.ones(len(mine)), n_peers, n)


def peers_up(
    af: int,
    rib: np.ndarray,
    size: np.ndarray,
    covered: np.ndarray,
    cfg: VisibilityConfig,
    result: VisibilityResult,
) -> PeersUp | None:
    """Full-feed peers (RIB size against the largest RIB of the family) and, per bin, those
    up (table size against their RIB size, while their collector has data); recorded in
    `result`. None when no peer has a RIB of the family."""
    if rib.max(initial=0) == 0:
        return None
    full = (rib > 0) & (rib >= cfg.full_feed_share * rib.max())
    result.full_feed[af] = [result.peer_names[i] for i in np.flatnonzero(full)]
    up = (size >= cfg.up_share * rib[:, None]) & full[:, None] & covered
    n_up = up.sum(axis=0)
    result.peers_up[af] = n_up
    result.peer_routes[af] = np.where(full[:, None], size, np.nan)
    result.rib_sizes[af] = rib
    threshold = np.where(n_up > 0, cfg.visible_share * n_up.astype(np.float64), np.inf)
    return PeersUp(full, up, n_up, threshold)


class Places:
    """Country (and region) ranges as sorted arrays per family, prepared once for every part
    of the space: the cut points of atoms and the place of each atom."""

    def __init__(self, ranges: pa.Table, regions: pa.Table | None = None) -> None:
        self.ranges, self.regions = ranges, regions
        self._cuts: dict[int, np.ndarray] = {}
        self._index: dict[tuple[int, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def cuts(self, af: int, lo: np.uint64, hi: np.uint64) -> np.ndarray:
        """Range boundaries (in /24 or /48 units) strictly inside (lo, hi)."""
        got = self._cuts.get(af)
        if got is None:
            tables = [self.ranges] if self.regions is None else [self.ranges, self.regions]
            got = _unique(np.concatenate([_unit_bounds(t, af, UNIT_SHIFT[af]) for t in tables]))
            self._cuts[af] = got
        a, b = np.searchsorted(got, [lo, hi], side="right")
        return got[a : b - (1 if b > a and got[b - 1] == hi else 0)]

    def lookup(self, af: int, addresses: np.ndarray, column: str) -> np.ndarray:
        """`geo.lookup` on arrays prepared once per family and column."""
        table = self.ranges if column == "cc" else self.regions
        out = np.full(len(addresses), None, dtype=object)
        if table is None:
            return out
        key = (af, column)
        if key not in self._index:
            r = table.filter(pc.equal(table["af"], af))
            self._index[key] = (
                r["start"].to_numpy(zero_copy_only=False).astype(np.uint64),
                r["end"].to_numpy(zero_copy_only=False).astype(np.uint64),
                np.asarray(r[column].to_pylist(), dtype=object),
            )
        starts, ends, codes = self._index[key]
        if len(starts) == 0 or len(addresses) == 0:
            return out
        addr = addresses.astype(np.uint64)
        i = np.searchsorted(starts, addr, side="right") - 1
        ok = (i >= 0) & (addr <= ends[np.clip(i, 0, None)])
        out[ok] = codes[i[ok]]
        return out


def family_part(
    af: int,
    iv: _Intervals,
    prefixes: tuple[np.ndarray, np.ndarray, np.ndarray],
    pu: PeersUp,
    places: Places,
    acc: _Sums,
    cfg: VisibilityConfig,
    names: list[str],
    grid: tuple[int, int],
    keep_views: bool,
) -> PeerViews | None:
    """Add one family's series over one part of the address space (`iv`: its intervals,
    `prefixes`: (af, plen, start) per prefix id of the part) to `acc`. Parts must not split a
    prefix from its more-specifics (atoms would then count twice). Memory is bounded by
    working in chunks of whole keys (prefixes, atoms, ASNs) and dropping each step's arrays
    once used. Returns the part's per-peer routes with `keep_views`."""
    p_af, p_plen, p_start = prefixes
    mine = np.flatnonzero(p_af[iv.prefix] == af)
    mine = mine[pu.full[iv.peer[mine]]]
    peer = iv.peer[mine].astype(np.int32)
    pfx = iv.prefix[mine].astype(np.int32)
    origin = iv.origin[mine]
    b0 = iv.b0[mine].astype(np.int32)
    b1 = iv.b1[mine].astype(np.int32)
    del mine
    # Only what up peers hold counts: a peer whose collector has no data is not seen.
    which, b0u, b1u = _clip_to_up(peer, b0, b1, pu.up)
    peer, pfx, origin = peer[which], pfx[which], origin[which]
    b0, b1 = b0u.astype(np.int32), b1u.astype(np.int32)
    del which, b0u, b1u
    n, threshold, n_up = acc.n, pu.threshold, pu.n_up
    width = int(pfx.max(initial=0)) + 1
    # Per prefix: how many peers have it (a peer holding several routes to one prefix,
    # ADD-PATH, counts once); per route (prefix, origin) likewise.
    k, s_, e_ = _union_sum(peer.astype(np.int64) * width + pfx, b0, b1)
    pseg = _segments(k % width, s_, e_, n)
    del k, s_, e_
    route, rfirst = _ids(pfx, origin)
    r_pfx, r_origin = pfx[rfirst], origin[rfirst]
    rwidth = int(route.max(initial=0)) + 1
    rk, rs, re_ = _union_sum(peer.astype(np.int64) * rwidth + route, b0, b1)
    del route, rfirst
    rseg = _segments(rk % rwidth, rs, re_, n)
    del rk, rs, re_
    views_at = (peer, pfx, origin, b0, b1) if keep_views else None
    del peer, pfx, origin, b0, b1
    # Atoms of the prefixes of this family (prefix ids are the part's: index into local ones).
    local = np.flatnonzero(p_af == af)
    to_local = np.full(len(p_af), -1, dtype=np.int64)
    to_local[local] = np.arange(len(local))
    atom_size, atom_cc, atom_region, fa, na, _ = _atoms(af, p_start[local], p_plen[local], places)
    kinds = (("country", atom_cc), ("region", atom_region))
    # Prefixes that share atoms (a prefix and its more-specifics) share a block: chunks
    # of whole blocks never count an atom twice.
    block = np.full(len(p_af), -1, dtype=np.int64)
    block[local] = _blocks(p_start[local], p_plen[local], af)
    sig = SIGNALS[af]
    # IODA's count: visible (> threshold) prefixes' atoms, once per place and bin.
    vk, vs, ve = _visible(*pseg, threshold)
    for chunk in _key_chunks(block[vk]):
        _row, atom, s2, e2 = _expand(to_local[vk[chunk]], vs[chunk], ve[chunk], fa, na)
        for part in _key_chunks(atom):
            ak, as_, ae = _union_sum(atom[part], s2[part], e2[part])
            for kind, of_atom in kinds:
                acc.places(sig, kind, of_atom, ak, as_, ae, atom_size)
    del vk, vs, ve
    vk, vs, ve = _visible(*rseg, threshold)
    acc.asns(sig, to_local[r_pfx[vk]], r_origin[vk], vs, ve, np.ones(len(vk)), fa, na,
             atom_size)  # fmt: skip
    del vk, vs, ve
    if cfg.weighted:
        wsig = WEIGHTED[af]
        wk, ws, we, ww = _weights(*pseg, n_up, cfg.visible_share)
        for chunk in _key_chunks(block[wk]):
            row, atom, s4, e4 = _expand(to_local[wk[chunk]], ws[chunk], we[chunk], fa, na)
            w4 = ww[chunk][row]
            for part in _key_chunks(atom):
                mk, ms, me, mw = _union_max(atom[part], s4[part], e4[part], w4[part])
                for kind, of_atom in kinds:
                    acc.places(wsig, kind, of_atom, mk, ms, me, atom_size, weight=mw)
        del wk, ws, we, ww
        rk2, rs2, re2, rw2 = _weights(*rseg, n_up, cfg.visible_share)
        acc.asns(wsig, to_local[r_pfx[rk2]], r_origin[rk2], rs2, re2, rw2, fa, na,
                 atom_size)  # fmt: skip
    if views_at is None:
        return None
    peer, pfx, origin, b0, b1 = views_at
    return PeerViews(
        names=list(names),
        start=grid[0],
        step=grid[1],
        peer=peer,
        prefix=to_local[pfx].astype(np.int32),
        origin=origin,
        b0=b0,
        b1=b1,
        first_atom=fa,
        n_atoms=na,
        atom_size=atom_size,
        atom_cc=atom_cc,
        atom_region=atom_region,
        up=pu.up,
    )


CHUNK_ROWS = 1 << 21  # rows per chunk of the per-key steps (bounds their memory)


def _blocks(start: np.ndarray, plen: np.ndarray, af: int) -> np.ndarray:
    """Per prefix, the id of its top-level covering prefix (itself when none covers it)."""
    shift, bits = UNIT_SHIFT[af], UNIT_BITS[af]
    us = (start >> np.uint64(shift)).astype(np.float64)
    ue = us + np.exp2(bits - plen.astype(np.float64))
    order = np.lexsort((-ue, us))
    reach = np.maximum.accumulate(ue[order])
    top = np.ones(len(order), dtype=bool)
    top[1:] = us[order][1:] >= reach[:-1]
    out = np.empty(len(order), dtype=np.int64)
    out[order] = np.cumsum(top) - 1
    return out


def _key_chunks(key: np.ndarray, rows: int | None = None) -> list[np.ndarray]:
    """Index arrays covering `key`, about `rows` (CHUNK_ROWS) each, no key split between two
    (so any per-key computation may run chunk by chunk)."""
    rows = rows or CHUNK_ROWS
    if len(key) <= rows:
        return [np.arange(len(key))]
    order = np.argsort(key, kind="stable")
    sk = key[order]
    cuts = [0]
    while cuts[-1] < len(sk):
        nxt = min(len(sk), cuts[-1] + rows)
        if nxt < len(sk):
            nxt = int(np.searchsorted(sk, sk[nxt], side="right"))  # finish that key
        cuts.append(nxt)
    return [order[a:b] for a, b in itertools.pairwise(cuts)]


class _Sums:
    """Series summed over chunks: per (signal, entity), units per bin."""

    def __init__(self, n: int, n_up: np.ndarray) -> None:
        self.n, self.n_up = n, n_up
        self.out: dict[tuple[str, str], np.ndarray] = {}

    def _add(self, signal: str, names: list[str], vals: np.ndarray) -> None:
        for i, name in enumerate(names):
            key = (signal, name)
            got = self.out.get(key)
            if got is None:
                self.out[key] = vals[i].copy()
            else:
                got += vals[i]

    def places(
        self, signal: str, kind: str, of_atom: np.ndarray, ak: np.ndarray, as_: np.ndarray,
        ae: np.ndarray, atom_size: np.ndarray, weight: np.ndarray | None = None,
    ) -> None:  # fmt: skip
        code = of_atom[ak]
        mapped = code != None  # noqa: E711 - object array comparison
        if not mapped.any():
            return
        names, ent = _unique_inverse(code[mapped].astype(str))
        units = atom_size[ak[mapped]] * (1.0 if weight is None else weight[mapped])
        vals = _accumulate(ent, as_[mapped], ae[mapped], units, len(names), self.n)
        self._add(signal, [f"{kind}:{c}" for c in names.tolist()], vals)

    def asns(
        self, signal: str, pfx_local: np.ndarray, origin: np.ndarray, s: np.ndarray,
        e: np.ndarray, weight: np.ndarray, fa: np.ndarray, na: np.ndarray,
        atom_size: np.ndarray,
    ) -> None:  # fmt: skip
        """Per origin ASN, the units of its visible routes per bin (an atom once per ASN,
        with the largest weight of the routes covering it), chunk by chunk of ASNs."""
        for chunk in _key_chunks(origin):
            row, atom, s3, e3 = _expand(pfx_local[chunk], s[chunk], e[chunk], fa, na)
            asn = origin[chunk][row]
            asns, a_ent = _unique_inverse(asn)
            key = a_ent.astype(np.int64) * (len(atom_size) + 1) + atom
            uk, us_, ue_, uw = _union_max(key, s3, e3, weight[chunk][row])
            del row, atom, s3, e3, asn, key
            ent = uk // (len(atom_size) + 1)
            at = uk % (len(atom_size) + 1)
            vals = _accumulate(ent, us_, ue_, atom_size[at] * uw, len(asns), self.n)
            keep = asns >= 0
            self._add(signal, [f"asn:{int(a)}" for a in asns[keep].tolist()], vals[keep])

    def series(self) -> list[tuple[str, str, np.ndarray]]:
        """The sums, with the bins no full-feed peer was up in set to NaN (in place: the
        sums are handed over, not copied)."""
        blank = ~(self.n_up > 0)
        for v in self.out.values():
            v[blank] = np.nan
        return [(sig, ent, v) for (sig, ent), v in self.out.items()]


def _clip_to_up(
    peer: np.ndarray, b0: np.ndarray, b1: np.ndarray, up: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts of each interval in which its peer is up: (interval index, b0, b1)."""
    n = up.shape[1]
    # Runs of up bins per peer, as global [start, end) over a flattened (peer, bin) axis.
    flat = np.zeros(up.size + up.shape[0], dtype=bool)
    rows = np.arange(up.shape[0])[:, None] * (n + 1) + np.arange(n)[None, :]
    flat[rows.ravel()] = up.ravel()
    edges = np.flatnonzero(np.diff(np.r_[False, flat, False].astype(np.int8)))
    run_s, run_e = edges[0::2], edges[1::2]
    run_peer = run_s // (n + 1)
    rs, re_ = run_s - run_peer * (n + 1), run_e - run_peer * (n + 1)
    if len(run_s) == int(up.shape[0]) and (rs == 0).all() and (re_ == n).all():
        return np.arange(len(peer)), b0, b1  # every peer up throughout: nothing to cut
    # Intersect each interval with the runs of its peer (few runs per peer).
    order = np.argsort(run_peer, kind="stable")
    run_peer, rs, re_ = run_peer[order], rs[order], re_[order]
    first = np.searchsorted(run_peer, peer, side="left")
    last = np.searchsorted(run_peer, peer, side="right")
    count = last - first
    rep = np.repeat(np.arange(len(peer)), count)
    j = first[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count))
    lo = np.maximum(b0[rep], rs[j])
    hi = np.minimum(b1[rep], re_[j])
    ok = hi > lo
    return rep[ok], lo[ok], hi[ok]


def peer_losses(
    views: PeerViews, entity: str, before: int, at: int
) -> dict[str, tuple[float, float]]:
    """Per full-feed peer up at both bins: (units of `entity` it had routes to at the end of
    bin `before`, and at the end of bin `at`). Countries and regions count the space in them
    whatever the origin; an ASN its own routes' space."""
    n_bins = views.up.shape[1]
    if not (0 <= before < n_bins and 0 <= at < n_bins):
        return {}
    idx, atom_ok = views.intervals_of(entity)
    both = views.up[:, before] & views.up[:, at]
    out: dict[str, tuple[float, float]] = {
        views.names[int(p)]: (0.0, 0.0) for p in np.flatnonzero(both)
    }
    got: dict[int, list[float]] = {}
    for slot, t in enumerate((before, at)):
        live = idx[(views.b0[idx] <= t) & (views.b1[idx] > t)]
        peer = views.peer[live].astype(np.int64)
        row, atom, _s, _e = _expand(
            views.prefix[live].astype(np.int64),
            np.zeros(len(live), np.int64),
            np.ones(len(live), np.int64),
            views.first_atom,
            views.n_atoms,
        )
        p_of = peer[row]
        if atom_ok is not None:
            keep = atom_ok[atom]
            p_of, atom = p_of[keep], atom[keep]
        pairs = _unique(p_of * (len(views.atom_size) + 1) + atom)
        pp = pairs // (len(views.atom_size) + 1)
        units = np.bincount(pp, weights=views.atom_size[pairs % (len(views.atom_size) + 1)],
                            minlength=len(views.names))  # fmt: skip
        for i in np.flatnonzero(both).tolist():
            got.setdefault(i, [0.0, 0.0])[slot] = float(units[i])
    for i, (u0, u1) in got.items():
        out[views.names[i]] = (u0, u1)
    return out


def asn_places(views: PeerViews) -> dict[int, dict[str, float]]:
    """Where each origin AS's routed space lies: {asn: {"country:XX" or "region:XX-YYY":
    units}} over every route any full-feed peer had (nested prefixes count once)."""
    pair = _unique(views.origin.astype(np.int64) * (len(views.first_atom) + 1) + views.prefix)
    origin = pair // (len(views.first_atom) + 1)
    pfx = pair % (len(views.first_atom) + 1)
    row, atom, _s, _e = _expand(
        pfx, np.zeros(len(pfx), np.int64), np.ones(len(pfx), np.int64),
        views.first_atom, views.n_atoms,
    )  # fmt: skip
    width = len(views.atom_size) + 1
    uniq = _unique(origin[row] * width + atom)
    asn, atom = uniq // width, uniq % width
    out: dict[int, dict[str, float]] = {}
    for kind, of_atom in (("country", views.atom_cc), ("region", views.atom_region)):
        code = of_atom[atom]
        ok = code != None  # noqa: E711 - object array comparison
        for a, c, u in zip(asn[ok].tolist(), code[ok].tolist(), views.atom_size[atom[ok]].tolist(),
                           strict=True):  # fmt: skip
            place = out.setdefault(int(a), {})
            key = f"{kind}:{c}"
            place[key] = place.get(key, 0.0) + float(u)
    return out
