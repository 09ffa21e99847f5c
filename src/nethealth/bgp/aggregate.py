"""The `bgp` step's per-entry aggregates in one streaming pass over decoded RIB batches.

`RibAggregate.add(batch)` takes record batches of decoded elements (`formats.mrt_schema.SCHEMA`,
straight from the decoder or read back from the decoded-RIB cache) and reduces each batch to
compact integer rows with NumPy: a peer id (collector, peer address, family), a 64-bit prefix key
(`prefix_keys`; the prefix's fields and text are kept once per run of equal prefixes, as a
TABLE_DUMP_V2 record is one prefix), the origin ASNs, and the hops of each distinct (AS_SEQUENCE
path, peer) pair of the batch with the path's 64-bit hash. `peers`, `origins` and `links` then
count distinct values by sorting packed 64-bit keys: prefixes per peer, peers per (prefix,
origin), peers and distinct paths per AS link — the definitions of the SQL this replaced
(`nethealth.bgp.derived.sql_aggregates`, kept as the reference; tests compare them row for row).

Memory: the compact rows take about 40 bytes per RIB entry (four streams: prefix-peer 10,
prefix-origin-peer 14, and per hop of a distinct path-peer pair 10 + 16 bytes; 27 MB for the
642k-entry 2010 RIB). Past `rows_per_pass` rows (all streams together) they are
spilled to disk in `PARTS` hash partitions (by prefix for the prefix counts, by AS link for the
link counts: a group never spans two partitions, so every count is exact) and counted one
partition at a time; what stays in memory is one batch, one partition, one row per distinct
prefix and the outputs.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

PARTS = 64
U64 = np.uint64
# Stream row layouts (little-endian, packed): prefix keys (`prefix_keys`), peer ids uint16.
PEER_PFX = np.dtype([("k", "<u8"), ("p", "<u2")])
ORIGIN = np.dtype([("k", "<u8"), ("o", "<u4"), ("p", "<u2")])
LINK_PEER = np.dtype([("a", "<u4"), ("b", "<u4"), ("p", "<u2")])
LINK_PATH = np.dtype([("a", "<u4"), ("b", "<u4"), ("h", "<u8")])
STREAMS = {"peer_pfx": PEER_PFX, "origin": ORIGIN, "link_peer": LINK_PEER, "link_path": LINK_PATH}
MAX_PEERS = 1 << 16


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (wrapping uint64 arithmetic): spreads every input bit."""
    x = x ^ (x >> U64(30))
    x = x * U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> U64(27))
    x = x * U64(0x94D049BB133111EB)
    result: np.ndarray = x ^ (x >> U64(31))
    return result


def path_hashes(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each list `values[offsets[i]:offsets[i+1]]` (every list non-empty):
    a polynomial in a random odd 64-bit number over its elements (order matters), mixed with
    its length."""
    n = len(offsets) - 1
    lengths = np.diff(offsets)
    longest = int(lengths.max()) if n else 0
    powers = np.cumprod(np.full(max(longest, 1), U64(0x9E3779B97F4A7C15), dtype=U64))
    pos = np.arange(len(values), dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    x = (values.astype(U64) + U64(1)) * powers[pos]
    h = np.add.reduceat(x, offsets[:-1].astype(np.intp)) if n else np.zeros(0, U64)
    result: np.ndarray = _mix(h ^ lengths.astype(U64))
    return result


def _link_part(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _mix((a.astype(U64) << U64(32)) | b.astype(U64)) % U64(PARTS)


def _hops(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(list index, a, b) for each consecutive pair of every list (every list non-empty), pairs
    with a == b dropped (prepending collapsed)."""
    last = np.zeros(len(values), dtype=bool)
    last[offsets[1:] - 1] = True
    idx = np.flatnonzero(~last)
    a, b = values[idx], values[idx + 1]
    keep = a != b
    owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets) - 1)
    return owner[keep], a[keep], b[keep]


def _rank(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense ranks of `keys` (0 = smallest), the distinct keys in order, and for each distinct
    key the index of one of its rows. NumPy's default sort (vectorised where the CPU allows)."""
    order = np.argsort(keys)
    s = keys[order]
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] != s[:-1]
    ranks = np.empty(len(s), dtype=np.int64)
    ranks[order] = np.cumsum(new) - 1
    return ranks, s[new], order[new]


def _dense(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ids of values from a small set (ASNs): index into the sorted distinct values."""
    s = np.sort(values)
    keep = np.ones(len(s), dtype=bool)
    keep[1:] = s[1:] != s[:-1]
    uniq = s[keep]
    return np.searchsorted(uniq, values).astype(np.int64), uniq


def _bits(n: int) -> int:
    return max(1, int(n - 1).bit_length())


def _distinct_packed(cols: list[tuple[np.ndarray, int]]) -> list[np.ndarray]:
    """The distinct rows of integer columns (each with its bit width, most significant first),
    in sorted order. One 64-bit sort when the widths fit, else a lexicographic sort."""
    if sum(b for _, b in cols) <= 64:
        packed = np.zeros(len(cols[0][0]), dtype=U64)
        for col, b in cols:
            packed = (packed << U64(b)) | col.astype(U64)
        packed.sort()
        keep = np.ones(len(packed), dtype=bool)
        keep[1:] = packed[1:] != packed[:-1]
        packed = packed[keep]
        out = []
        for _, b in reversed(cols):
            out.append((packed & U64((1 << b) - 1)).astype(np.int64))
            packed = packed >> U64(b)
        return out[::-1]
    order = np.lexsort([c for c, _ in reversed(cols)])
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = False
    for c, _ in cols:
        sc = c[order]
        keep[1:] |= sc[1:] != sc[:-1]
    return [c[order][keep].astype(np.int64) for c, _ in cols]


def _first_of_runs(*keys: np.ndarray) -> np.ndarray:
    """Start indices of runs of equal rows."""
    n = len(keys[0])
    change = np.zeros(n, dtype=bool)
    if n:
        change[0] = True
    for k in keys:
        change[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(change)


def prefix_keys(af: np.ndarray, plen: np.ndarray, rs: np.ndarray, rsl: np.ndarray) -> np.ndarray:
    """One 64-bit key per masked prefix: IPv4 exactly (start << 8 | length, below 2^40); IPv6
    a 63-bit hash with the top bit set (collisions are detected in `_PrefixTable.finish`)."""
    v4 = (rs.astype(U64) << U64(8)) | plen.astype(U64)
    v6 = _mix(_mix(rs.astype(U64) ^ plen.astype(U64)) + rsl.astype(U64)) | U64(1 << 63)
    result: np.ndarray = np.where(af == 4, v4, v6)
    return result


class _Store:
    """The compact rows of each stream: in memory, or past a limit in partition files."""

    def __init__(self, limit: int, spill_dir: Path | None) -> None:
        self.limit = limit
        self.spill_dir = spill_dir
        self.rows = 0
        self.memory: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {s: [] for s in STREAMS}
        self.folder: Path | None = None
        self.files: dict[tuple[str, int], Any] = {}

    def add(self, stream: str, rows: np.ndarray, part: np.ndarray) -> None:
        if not len(rows):
            return
        if self.folder is None:
            self.memory[stream].append((rows, part))
            self.rows += len(rows)
            if self.rows > self.limit:
                self._spill_all()
            return
        self._write(stream, rows, part)

    def _spill_all(self) -> None:
        if self.spill_dir is not None:
            self.spill_dir.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=".bgp-aggregate-", dir=self.spill_dir))
        for stream, chunks in self.memory.items():
            for rows, part in chunks:
                self._write(stream, rows, part)
        self.memory = {s: [] for s in STREAMS}

    def _write(self, stream: str, rows: np.ndarray, part: np.ndarray) -> None:
        assert self.folder is not None
        part = part.astype(np.uint8)  # PARTS <= 256
        order = np.argsort(part, kind="stable")  # a radix sort for 8-bit keys
        counts = np.bincount(part[order].astype(np.intp), minlength=PARTS)
        start = 0
        for p, c in enumerate(counts.tolist()):
            if c:
                key = (stream, p)
                if key not in self.files:
                    self.files[key] = open(self.folder / f"{stream}.{p}", "wb")  # noqa: SIM115
                rows[order[start : start + c]].tofile(self.files[key])
                start += c

    def partitions(self, stream: str) -> Iterator[np.ndarray]:
        """Each partition's rows, in partition order (one partition when nothing was spilled)."""
        if self.folder is None:
            chunks = [rows for rows, _ in self.memory[stream]]
            yield np.concatenate(chunks) if chunks else np.zeros(0, STREAMS[stream])
            return
        for p in range(PARTS):
            f = self.files.get((stream, p))
            if f is None:
                yield np.zeros(0, STREAMS[stream])
                continue
            f.flush()
            yield np.fromfile(self.folder / f"{stream}.{p}", dtype=STREAMS[stream])

    def close(self) -> None:
        for f in self.files.values():
            f.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _codes(arr: pa.Array) -> tuple[np.ndarray, list[Any]]:
    """A dictionary column's indices (nulls as -1) and its dictionary as Python values."""
    if not isinstance(arr, pa.DictionaryArray):
        arr = arr.dictionary_encode()
    indices = arr.indices if arr.indices.null_count == 0 else arr.indices.fill_null(-1)
    return indices.to_numpy(zero_copy_only=False), arr.dictionary.to_pylist()


def _list_parts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A list column's values, offsets (from 0) and per-row validity."""
    assert isinstance(arr, pa.ListArray)
    offsets = arr.offsets.to_numpy()
    values = arr.values.to_numpy(zero_copy_only=False)
    valid = (
        np.ones(len(arr), dtype=bool)
        if arr.null_count == 0
        else arr.is_valid().to_numpy(zero_copy_only=False)
    )
    return values[offsets[0] : offsets[-1]], offsets - offsets[0], valid


class _PrefixTable:
    """Each distinct prefix's fields and text, from the first row of each run of equal prefixes;
    compacted (duplicates dropped) as it grows, so it stays about the size of the output."""

    FIELDS = ("af", "prefix_len", "range_start", "range_start_lo", "range_end", "range_end_lo")

    def __init__(self) -> None:
        self.keys: list[np.ndarray] = []
        self.cols: dict[str, list[np.ndarray]] = {f: [] for f in self.FIELDS}
        self.texts: list[pa.Array] = []
        self.rows = 0
        self.compacted = 0

    def add(self, keys: np.ndarray, cols: dict[str, np.ndarray], texts: pa.Array) -> None:
        self.keys.append(keys)
        for f in self.FIELDS:
            self.cols[f].append(cols[f])
        self.texts.append(texts)
        self.rows += len(keys)
        if self.rows > 2 * self.compacted + (1 << 20):
            self._compact()

    def _compact(self) -> None:
        keys = np.concatenate(self.keys)
        ranks, uniq, first = _rank(keys)
        cols = {f: np.concatenate(v) for f, v in self.cols.items()}
        v6 = np.flatnonzero(cols["af"] == 6)  # IPv4 keys are exact; IPv6 keys are hashes
        for f in ("prefix_len", "range_start", "range_start_lo"):
            if not np.array_equal(cols[f][v6], cols[f][first][ranks[v6]]):
                raise ValueError(
                    "two IPv6 prefixes share a 64-bit key (a hash collision): the `bgp` step "
                    "cannot count this RIB; report it with the file"
                )
        texts = pa.chunked_array(self.texts, pa.string()).combine_chunks().take(pa.array(first))
        self.keys, self.texts = [uniq], [texts]
        self.cols = {f: [c[first]] for f, c in cols.items()}
        self.rows = self.compacted = len(uniq)

    def finish(self) -> tuple[np.ndarray, dict[str, np.ndarray], pa.Array]:
        """Distinct keys (sorted), their fields and texts."""
        self._compact()
        return self.keys[0], {f: c[0] for f, c in self.cols.items()}, self.texts[0]


class RibAggregate:
    """Distinct counts over the `rib` elements of decoded batches (see the module doc)."""

    def __init__(self, rows_per_pass: int, spill_dir: Path | None = None) -> None:
        self.store = _Store(rows_per_pass, spill_dir)
        self.prefixes = _PrefixTable()
        # peers: key (collector, peer_ip, af) -> id; per id its key and first peer ASN
        self.peer_ids: dict[tuple[str | None, str, int], int] = {}
        self.peer_keys: list[tuple[str | None, str, int]] = []
        self.peer_asn: list[int] = []
        self._joinable = np.zeros(0, dtype=bool)
        self._full = np.zeros(0, dtype=bool)
        self._n_full: dict[int, int] = {}

    def close(self) -> None:
        self.store.close()

    def add(self, batch: pa.RecordBatch) -> None:
        """Reduce one batch of decoded elements (any element kinds; only `rib` ones count)."""
        et_idx, et_dict = _codes(batch.column("elem_type"))
        if "rib" not in et_dict:
            return
        keep = et_idx == et_dict.index("rib")
        if not keep.all():
            batch = batch.filter(pa.array(keep))
        if batch.num_rows == 0:
            return
        peer = self._peers(batch)
        key = self._prefixes(batch)
        part = _mix(key) % U64(PARTS)
        joinable = self._joinable[peer]  # rows whose collector is known (SQL: NULL joins none)
        self.store.add("peer_pfx", _rows(PEER_PFX, k=key, p=peer), part)
        o_vals, o_off, _ = _list_parts(batch.column("origin_asns"))
        owner = np.repeat(np.arange(batch.num_rows), np.diff(o_off))
        picked = joinable[owner]
        owner = owner[picked]
        self.store.add(
            "origin", _rows(ORIGIN, k=key[owner], o=o_vals[picked], p=peer[owner]), part[owner]
        )
        self._links(batch, peer, joinable)

    def _peers(self, batch: pa.RecordBatch) -> np.ndarray:
        c_idx, c_dict = _codes(batch.column("collector"))
        p_idx, p_dict = _codes(batch.column("peer_ip"))
        af = batch.column("af").to_numpy(zero_copy_only=False).astype(np.int64)
        c64, p64 = c_idx.astype(np.int64), p_idx.astype(np.int64)
        code = ((c64 + 1) * (len(p_dict) + 1) + p64) * 2 + (af == 6)
        lut = np.full(int(code.max()) + 1, -1, dtype=np.int64)
        present = np.flatnonzero(np.bincount(code) > 0)
        first = np.full(len(lut), -1, dtype=np.int64)
        first[code[::-1]] = np.arange(len(code) - 1, -1, -1)  # first row of each code
        asns = batch.column("peer_asn").to_numpy(zero_copy_only=False)
        for c in present.tolist():
            row = int(first[c])
            ci, pi = int(c_idx[row]), int(p_idx[row])
            pkey = (None if ci < 0 else str(c_dict[ci]), str(p_dict[pi]), int(af[row]))
            pid = self.peer_ids.get(pkey)
            if pid is None:
                pid = self.peer_ids[pkey] = len(self.peer_keys)
                if pid >= MAX_PEERS:
                    raise ValueError(f"more than {MAX_PEERS} BGP peers in one snapshot")
                self.peer_keys.append(pkey)
                self.peer_asn.append(int(asns[row]))
                self._joinable = np.append(self._joinable, pkey[0] is not None)
            lut[c] = pid
        result: np.ndarray = lut[code]
        return result

    def _prefixes(self, batch: pa.RecordBatch) -> np.ndarray:
        cols = {f: batch.column(f).to_numpy(zero_copy_only=False) for f in _PrefixTable.FIELDS}
        key = prefix_keys(cols["af"], cols["prefix_len"], cols["range_start"],
                          cols["range_start_lo"])  # fmt: skip
        starts = _first_of_runs(key)
        texts = batch.column("prefix").take(pa.array(starts))
        self.prefixes.add(key[starts], {f: c[starts] for f, c in cols.items()}, texts)
        return key

    def _links(self, batch: pa.RecordBatch, peer: np.ndarray, joinable: np.ndarray) -> None:
        values, offsets, valid = _list_parts(batch.column("as_path"))
        plain = batch.column("as_path_segments").is_null().to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(valid & plain & (np.diff(offsets) > 1) & joinable)
        if not len(rows):
            return
        starts, ends = offsets[rows], offsets[rows + 1]
        lengths = ends - starts
        sub_off = np.concatenate([[0], np.cumsum(lengths)])
        take = np.repeat(starts - sub_off[:-1], lengths) + np.arange(sub_off[-1])
        sub_vals = values[take]
        h = path_hashes(sub_vals, sub_off)
        p = peer[rows]
        h_rank, _, _ = _rank(h)
        # distinct (path, peer) pairs in this batch, in path order: their hops count towards
        # the peers per link; the first pair of each path, towards the distinct paths per link
        _, pairs, pick = _rank((h_rank.astype(U64) << U64(16)) | p.astype(U64))
        path_first = np.ones(len(pairs), dtype=bool)
        path_first[1:] = (pairs[1:] >> U64(16)) != (pairs[:-1] >> U64(16))
        lengths = sub_off[pick + 1] - sub_off[pick]
        p_off = np.concatenate([[0], np.cumsum(lengths)])
        take = np.repeat(sub_off[pick] - p_off[:-1], lengths) + np.arange(p_off[-1])
        owner, a, b = _hops(sub_vals[take], p_off)
        part = _link_part(a, b)
        self.store.add("link_peer", _rows(LINK_PEER, a=a, b=b, p=p[pick][owner]), part)
        first = path_first[owner]
        self.store.add(
            "link_path", _rows(LINK_PATH, a=a[first], b=b[first], h=h[pick][owner][first]),
            part[first],
        )  # fmt: skip

    # ------------------------------------------------------------------ counting

    def peers(self, day: Any, full_feed_share: float, simulated: bool) -> pa.Table:
        """Prefixes per peer and family, full-feed flag; ordered by af, collector, peer_ip."""
        counts = np.zeros(len(self.peer_keys), dtype=np.int64)
        for part in self.store.partitions("peer_pfx"):
            v4 = part["k"] < U64(1 << 40)  # IPv4 keys are below 2^40: packed as they are
            _, p = _distinct_packed([(part["k"][v4], 40), (part["p"][v4], 16)])
            counts += np.bincount(p, minlength=len(counts))
            ranks, uniq, _ = _rank(part["k"][~v4])
            _, p = _distinct_packed([(ranks, _bits(len(uniq))), (part["p"][~v4], 16)])
            counts += np.bincount(p, minlength=len(counts))
        seen = [i for i in range(len(self.peer_keys)) if counts[i] > 0]
        seen.sort(key=lambda i: (self.peer_keys[i][2], *_nulls_last(self.peer_keys[i][0]),
                                 self.peer_keys[i][1]))  # fmt: skip
        af = np.array([self.peer_keys[i][2] for i in seen], dtype=np.int64)
        n = counts[seen]
        full = np.zeros(len(seen), dtype=bool)
        for fam in sorted(set(af.tolist())):
            m = af == fam
            full[m] = n[m] >= full_feed_share * n[m].max()
            self._n_full[fam] = int(full[m].sum())
        self._full = np.zeros(len(self.peer_keys), dtype=bool)
        self._full[seen] = full
        return pa.table({
            "pid": pa.array(range(len(seen)), pa.int32()),
            "snapshot": pa.array([day] * len(seen), pa.date32()),
            "collector": pa.array([self.peer_keys[i][0] for i in seen], pa.string()),
            "peer_ip": pa.array([self.peer_keys[i][1] for i in seen], pa.string()),
            "peer_asn": pa.array([self.peer_asn[i] for i in seen], pa.uint32()),
            "af": pa.array(af, pa.int8()),
            "prefixes": pa.array(n, pa.int64()),
            "full_feed": pa.array(full, pa.bool_()),
            "simulated": pa.array([simulated] * len(seen), pa.bool_()),
        })  # fmt: skip

    def origins(self, day: Any, simulated: bool) -> pa.Table:
        """Peers and full-feed peers per (prefix, origin AS), with visibility; call after
        `peers`. Ordered by af, range_start, range_start_lo, prefix_len, origin_asn."""
        ks, os_, ps, fs = [], [], [], []
        for part in self.store.partitions("origin"):
            ranks, uk, _ = _rank(part["k"])
            rb, pb = _bits(len(uk)), _bits(len(self.peer_keys))
            if rb + 32 + pb <= 64:  # origin ASNs as they are
                uo: np.ndarray | None = None
                r, o, p = _distinct_packed([(ranks, rb), (part["o"], 32), (part["p"], pb)])
            else:  # ids of the partition's origin ASNs, fewer bits
                oid, uo = _dense(part["o"])
                r, o, p = _distinct_packed([(ranks, rb), (oid, _bits(len(uo))), (part["p"], pb)])
            starts = _first_of_runs(r, o)
            ff = self._full[p].astype(np.int64)
            ks.append(uk[r[starts]])
            os_.append(o[starts] if uo is None else uo[o[starts]])
            ps.append(np.diff(np.append(starts, len(r))))
            fs.append(np.add.reduceat(ff, starts) if len(starts) else ff[:0])
        key = np.concatenate(ks) if ks else np.zeros(0, U64)
        origin = np.concatenate(os_) if os_ else np.zeros(0, np.uint32)
        peers = np.concatenate(ps).astype(np.int64) if ps else np.zeros(0, np.int64)
        ffp = np.concatenate(fs).astype(np.int64) if fs else np.zeros(0, np.int64)
        pk, cols, texts = self.prefixes.finish()
        # canonical prefix order: af, range_start, range_start_lo, prefix_len
        # (IPv4 keys sort as start, length and before the IPv6 ones: only those need a sort)
        n4 = int(np.searchsorted(pk, U64(1 << 63)))
        v6 = np.lexsort((cols["prefix_len"][n4:], cols["range_start_lo"][n4:],
                         cols["range_start"][n4:]))  # fmt: skip
        canon = np.concatenate([np.arange(n4), n4 + v6])
        position = np.empty(len(pk), dtype=np.int64)
        position[canon] = np.arange(len(pk))
        at = np.searchsorted(pk, key)
        order = np.argsort((position[at].astype(U64) << U64(32)) | origin.astype(U64))
        at, origin, peers, ffp = at[order], origin[order], peers[order], ffp[order]
        af = cols["af"][at]
        d = np.where(af == 4, float(self._n_full.get(4, 0)), float(self._n_full.get(6, 0)))
        vis = np.where(d > 0, ffp / np.where(d > 0, d, 1.0), 0.0)
        n = len(at)
        return pa.table({
            "snapshot": pa.array([day] * n, pa.date32()),
            "af": pa.array(af, pa.int8()),
            "prefix": texts.take(pa.array(at)),
            "prefix_len": pa.array(cols["prefix_len"][at], pa.uint8()),
            "range_start": pa.array(cols["range_start"][at], pa.uint64()),
            "range_end": pa.array(cols["range_end"][at], pa.uint64()),
            "range_start_lo": pa.array(cols["range_start_lo"][at], pa.uint64()),
            "range_end_lo": pa.array(cols["range_end_lo"][at], pa.uint64()),
            "origin_asn": pa.array(origin, pa.uint32()),
            "peers": pa.array(peers, pa.int64()),
            "full_feed_peers": pa.array(ffp, pa.int64()),
            "visibility": pa.array(vis, pa.float64()),
            "simulated": pa.array([simulated] * n, pa.bool_()),
        })  # fmt: skip

    def links(self, day: Any, simulated: bool) -> pa.Table:
        """Peers and distinct paths per AS link, ordered by asn_near, asn_far."""
        near, far, peers, paths = [], [], [], []
        parts = zip(
            self.store.partitions("link_peer"), self.store.partitions("link_path"), strict=True
        )
        for lp, lh in parts:
            lr, links, _ = _rank((lp["a"].astype(U64) << U64(32)) | lp["b"].astype(U64))
            lr_, links_, _ = _rank((lh["a"].astype(U64) << U64(32)) | lh["b"].astype(U64))
            if not np.array_equal(links, links_):  # the same hops, so the same links
                raise AssertionError("link partitions disagree")
            w = _bits(len(links))
            r, _ = _distinct_packed([(lr, w), (lp["p"], 16)])
            hr, uh, _ = _rank(lh["h"])
            r_, _ = _distinct_packed([(lr_, w), (hr, _bits(len(uh)))])
            near.append((links >> U64(32)).astype(np.uint32))
            far.append((links & U64(0xFFFFFFFF)).astype(np.uint32))
            peers.append(np.bincount(r, minlength=len(links)))
            paths.append(np.bincount(r_, minlength=len(links)))
        a = np.concatenate(near) if near else np.zeros(0, np.uint32)
        b = np.concatenate(far) if far else np.zeros(0, np.uint32)
        np_, nh = (np.concatenate(x) if x else np.zeros(0, np.int64) for x in (peers, paths))
        order = np.argsort((a.astype(U64) << U64(32)) | b.astype(U64))
        n = len(order)
        return pa.table({
            "snapshot": pa.array([day] * n, pa.date32()),
            "asn_near": pa.array(a[order], pa.uint32()),
            "asn_far": pa.array(b[order], pa.uint32()),
            "peers": pa.array(np_[order], pa.int64()),
            "paths": pa.array(nh[order], pa.int64()),
            "simulated": pa.array([simulated] * n, pa.bool_()),
        })  # fmt: skip


def _rows(dtype: np.dtype[Any], **cols: np.ndarray) -> np.ndarray:
    n = len(next(iter(cols.values())))
    out = np.empty(n, dtype=dtype)
    for name, values in cols.items():
        out[name] = values
    return out


def _nulls_last(value: str | None) -> tuple[bool, str]:
    return (value is None, value or "")
