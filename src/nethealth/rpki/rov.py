"""Route origin validation (RFC 6811, with RFC 7607's AS0), vectorised over whole tables.

The VRPs are compiled once into, per address family, the sorted list of distinct VRP prefixes
("nodes") with a parent link to the nearest enclosing node; prefixes nest or are disjoint, so the
nodes form a forest. For a route starting at address p:

1. one binary search over all nodes finds v, the last node in (start, length) order whose start is
   <= p. Every node that contains p is v or an ancestor of v (see `docs/rpki.md`), so
2. walking up parent links from v, a handful of vectorised steps reach the deepest node covering
   the route (contains p and is no longer than the route) - or none: not-found;
3. the covering VRPs are those of that node and its ancestors. At compile time each node gets
   the list of (ASN, longest maxLength) over its own and its ancestors' VRPs, so one binary
   search of (node, origin) answers "is there a covering VRP for the origin, and does its
   maxLength admit the route?": valid, invalid (too specific, or wrong origin) or, with no
   covering node at all, not-found.

Each step is a NumPy operation on all still-undecided routes; no Python code runs per route.
IPv6 is held as two uint64 words (see `nethealth.common.prefixes`), so no 128-bit arithmetic
is needed. A VRP for AS0 never matches (RFC 7607): origin 0 is not a searchable key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.common.prefixes import U8, U64, from_range_columns, hi_mask, lo_mask, mask

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Progress = Callable[[str, int, int], None]

# States (RFC 6811 section 2) and reasons, as small integer codes; text below.
NOT_FOUND, VALID, INVALID = 0, 1, 2
STATES = ("not-found", "valid", "invalid")
NO_COVERING, MATCHED, ORIGIN_MISMATCH, TOO_SPECIFIC, AS0_ONLY = 0, 1, 2, 3, 4
REASONS = (
    "no covering VRP",
    "matched",  # completed with the VRP: "matched AS64500 10.0.0.0/16-24"
    "origin mismatch",
    "more specific than maxLength",
    "only AS0 VRPs cover it",
)
NO_ORIGIN = -1  # a route whose origin AS cannot be determined (AS_SET): it never matches


@dataclass(frozen=True)
class _Family:
    """The compiled VRPs of one address family."""

    node_hi: U64  # distinct VRP prefixes sorted by (hi, lo, length)
    node_lo: U64
    node_len: U8
    parent: I64  # nearest enclosing node, -1 at a root
    any_asn_above: Bools  # this node or an ancestor has a VRP with a non-zero ASN
    # For each node and each non-zero ASN with a VRP at the node or an ancestor (its "chain"):
    # key = node << 32 | asn (sorted), the longest maxLength of those VRPs, and the row of
    # that VRP in the table the index was built from (the most specific one on ties).
    key: U64
    key_max: U8
    key_row: I64

    @property
    def nodes(self) -> int:
        return len(self.node_hi)


@dataclass(frozen=True)
class RovResult:
    """Per route: state and reason codes, and the row of the matching VRP (-1 if none)."""

    state: U8
    reason: U8
    vrp_row: I64

    def counts(self) -> dict[str, int]:
        got = np.bincount(self.state, minlength=3)
        return {name: int(got[i]) for i, name in enumerate(STATES)}


class VrpIndex:
    """VRPs compiled for validation. Build with `from_table` (a VRP_SCHEMA-like table) or
    `from_arrays`; host bits in VRP prefixes are cleared, as RTR clients do."""

    def __init__(self, families: dict[int, _Family], size: int) -> None:
        self._families = families
        self.size = size

    @classmethod
    def from_table(cls, vrps: pa.Table) -> VrpIndex:
        af = vrps["af"].to_numpy().astype(np.uint8)
        hi, lo = from_range_columns(af, vrps["start"].to_numpy(), vrps["start_lo"].to_numpy())
        return cls.from_arrays(
            af,
            hi,
            lo,
            vrps["prefix_length"].to_numpy(),
            vrps["max_length"].to_numpy(),
            vrps["asn"].to_numpy(),
        )

    @classmethod
    def from_arrays(
        cls,
        af: npt.NDArray[np.integer],
        hi: U64,
        lo: U64,
        length: npt.NDArray[np.integer],
        max_length: npt.NDArray[np.integer],
        asn: npt.NDArray[np.integer],
    ) -> VrpIndex:
        """Top-aligned words (see `nethealth.common.prefixes`); rows keep their positions."""
        plen: U8 = length.astype(np.uint8)
        maxlen: U8 = max_length.astype(np.uint8)
        if np.any(maxlen < plen):
            raise ValueError("a VRP has maxLength below its prefix length")
        hi, lo = mask(hi.astype(np.uint64), lo.astype(np.uint64), plen)
        asns: U64 = asn.astype(np.uint64)
        families = {}
        for fam in (4, 6):
            rows = np.flatnonzero(af == fam)
            families[fam] = _compile(
                hi[rows], lo[rows], plen[rows], maxlen[rows], asns[rows], rows.astype(np.int64)
            )
        return cls(families, len(af))

    def validate(
        self,
        af: npt.NDArray[np.integer],
        hi: U64,
        lo: U64,
        length: npt.NDArray[np.integer],
        origin: npt.NDArray[np.integer],
        progress: Progress | None = None,
    ) -> RovResult:
        """Validate routes (top-aligned words; origin -1 for none). Host bits are ignored."""
        n = len(af)
        state = np.zeros(n, np.uint8)
        reason = np.zeros(n, np.uint8)
        vrp_row = np.full(n, -1, np.int64)
        org: I64 = origin.astype(np.int64)
        plen: U8 = length.astype(np.uint8)
        for step, fam in enumerate((4, 6)):
            if progress is not None:
                progress(f"validating IPv{fam}", step, 2)
            rows = np.flatnonzero(af == fam)
            if rows.size:
                s, r, v = _validate(self._families[fam], hi[rows], lo[rows], plen[rows], org[rows])
                state[rows], reason[rows], vrp_row[rows] = s, r, v
        if progress is not None:
            progress("validating", 2, 2)
        return RovResult(state, reason, vrp_row)


def _compile(hi: U64, lo: U64, length: U8, max_length: U8, asn: U64, rows: I64) -> _Family:
    order = np.lexsort((max_length, asn, length, lo, hi))
    hi, lo, asn = hi[order], lo[order], asn[order]
    length, max_length, rows = length[order], max_length[order], rows[order]
    first = np.ones(len(hi), dtype=bool)
    first[1:] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1]) | (length[1:] != length[:-1])
    node_of = np.cumsum(first) - 1
    node_hi, node_lo, node_len = hi[first], lo[first], length[first]
    parent = _parents(node_hi, node_lo, node_len)
    has_asn = np.zeros(len(node_hi), dtype=bool)
    has_asn[node_of[asn != 0]] = True
    key, key_max, key_row = _chain_table(node_of, asn, max_length, length, rows, parent)
    return _Family(
        node_hi, node_lo, node_len, parent, _inherit_any(has_asn, parent), key, key_max, key_row
    )


def _chain_table(
    node_of: I64, asn: U64, max_length: U8, length: U8, rows: I64, parent: I64
) -> tuple[U64, U8, I64]:
    """Per (node, ASN): the best VRP of that ASN at the node or above it (see _Family).

    AS0 VRPs never validate anything (RFC 7607), so they are left out. VRPs are first reduced
    to one per (node, ASN), the longest maxLength; then each node's list is copied down to every
    descendant, one nesting level per vectorised step.
    """
    keep = asn != 0
    node_of, asn, rows = node_of[keep], asn[keep], rows[keep]
    max_length, length = max_length[keep], length[keep]
    # Sorted by (node, asn, max_length): the last of each (node, asn) run is its best VRP.
    last = np.ones(len(node_of), dtype=bool)
    last[:-1] = (node_of[1:] != node_of[:-1]) | (asn[1:] != asn[:-1])
    own_node, own_asn = node_of[last], asn[last]
    own_max, own_len, own_row = max_length[last], length[last], rows[last]
    # own entries of node n occupy [start[n], start[n] + count[n])
    count = np.bincount(own_node, minlength=len(parent))
    start = np.cumsum(count) - count
    parts_node, parts_src = [own_node], [np.arange(len(own_node))]
    below = np.arange(len(parent))
    above = parent.copy()
    live = np.flatnonzero(above >= 0)
    while live.size:
        anc = above[live]
        n = count[anc]
        src = np.repeat(start[anc], n) + _ranges(n)
        parts_node.append(np.repeat(below[live], n))
        parts_src.append(src)
        above[live] = parent[anc]
        live = live[above[live] >= 0]
    node = np.concatenate(parts_node)
    src = np.concatenate(parts_src)
    key = (node.astype(np.uint64) << np.uint64(32)) | own_asn[src]
    # Best per key: longest maxLength, then the most specific VRP prefix.
    order = np.lexsort((own_len[src], own_max[src], key))
    key, src = key[order], src[order]
    best = np.ones(len(key), dtype=bool)
    best[:-1] = key[1:] != key[:-1]
    return key[best], own_max[src[best]], own_row[src[best]]


def _ranges(counts: I64) -> I64:
    """Concatenated aranges: [0..c0), [0..c1), …"""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, np.int64)
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)


def _parents(hi: U64, lo: U64, length: U8) -> I64:
    """Nearest enclosing node of each node: for each length L present, look up every longer
    node's prefix truncated to L among the nodes of length L; the longest L found wins."""
    parent = np.full(len(hi), -1, np.int64)
    for L in np.unique(length).tolist():
        at = np.flatnonzero(length == L)  # sorted by (hi, lo) within one length
        below = np.flatnonzero(length > L)
        if not below.size:
            continue
        lens = np.full(below.size, L, np.uint8)
        qhi, qlo = hi[below] & hi_mask(lens), lo[below] & lo_mask(lens)
        j = search_right(hi[at], lo[at], qhi, qlo) - 1
        jc = np.maximum(j, 0)
        found = (j >= 0) & (hi[at][jc] == qhi) & (lo[at][jc] == qlo)
        parent[below[found]] = at[jc[found]]
    return parent


def _inherit_any(flag: Bools, parent: I64) -> Bools:
    """flag OR'ed over each node's ancestors, one vectorised step per nesting level."""
    out = flag.copy()
    up = parent.copy()
    live = np.flatnonzero(up >= 0)
    while live.size:
        out[live] |= flag[up[live]]
        up[live] = parent[up[live]]
        live = live[up[live] >= 0]
    return out


def search_right(node_hi: U64, node_lo: U64, qhi: U64, qlo: U64) -> I64:
    """np.searchsorted(side="right") over 128-bit keys sorted by (hi, lo).

    A search on the high words is exact unless a query's high word equals a node's and that
    node's low word is larger: those few queries (only possible for IPv6 beyond /64) are
    searched again on (hi, lo) records.
    """
    j = np.searchsorted(node_hi, qhi, side="right").astype(np.int64)
    prev = np.maximum(j - 1, 0)
    redo = np.flatnonzero((j > 0) & (node_hi[prev] == qhi) & (node_lo[prev] > qlo))
    if redo.size:
        rec = np.dtype([("hi", np.uint64), ("lo", np.uint64)])
        nodes = np.empty(len(node_hi), rec)
        nodes["hi"], nodes["lo"] = node_hi, node_lo
        q = np.empty(redo.size, rec)
        q["hi"], q["lo"] = qhi[redo], qlo[redo]
        j[redo] = np.searchsorted(nodes, q, side="right")
    return j


def _covers(fam: _Family, node: I64, hi: U64, lo: U64, length: U8) -> Bools:
    nl = fam.node_len[node]
    same_hi = (hi & hi_mask(nl)) == fam.node_hi[node]
    same_lo = (lo & lo_mask(nl)) == fam.node_lo[node]
    covers: Bools = (nl <= length) & same_hi & same_lo
    return covers


def _validate(fam: _Family, hi: U64, lo: U64, length: U8, origin: I64) -> tuple[U8, U8, I64]:
    n = len(hi)
    state = np.full(n, NOT_FOUND, np.uint8)
    reason = np.full(n, NO_COVERING, np.uint8)
    vrp_row = np.full(n, -1, np.int64)
    if not fam.nodes or not n:
        return state, reason, vrp_row
    # Work in address order: the binary searches then walk memory forwards.
    order = np.argsort(hi)
    hi, lo, length, origin = hi[order], lo[order], length[order], origin[order]
    hi, lo = mask(hi, lo, length)
    # 1. the last node starting at or before each route, then up to the deepest covering one.
    node = search_right(fam.node_hi, fam.node_lo, hi, lo) - 1
    live = np.flatnonzero(node >= 0)
    while live.size:
        miss = live[~_covers(fam, node[live], hi[live], lo[live], length[live])]
        node[miss] = fam.parent[node[miss]]
        live = miss[node[miss] >= 0]
    covered = np.flatnonzero(node >= 0)
    # 2. one look-up of (deepest covering node, origin) in the chain table decides.
    c_node = node[covered]
    c_origin = origin[covered]
    key = (c_node.astype(np.uint64) << np.uint64(32)) | np.maximum(c_origin, 0).astype(np.uint64)
    same, best_max, best_row = _lookup(fam, key)
    same &= c_origin > 0
    ok = same & (best_max >= length[covered])
    s = np.full(len(covered), INVALID, np.uint8)
    s[ok] = VALID
    r = np.full(len(covered), ORIGIN_MISMATCH, np.uint8)
    r[~fam.any_asn_above[c_node]] = AS0_ONLY
    r[same & ~ok] = TOO_SPECIFIC
    r[ok] = MATCHED
    row = np.where(ok, best_row, -1)
    dest = order[covered]
    state[dest], reason[dest], vrp_row[dest] = s, r, row
    return state, reason, vrp_row


def _lookup(fam: _Family, key: U64) -> tuple[Bools, U8, I64]:
    """For each (node, origin) key: present in the chain table? its maxLength and VRP row."""
    if not len(fam.key):  # only AS0 VRPs in this family
        return np.zeros(len(key), bool), np.zeros(len(key), np.uint8), np.full(len(key), -1)
    k = np.minimum(np.searchsorted(fam.key, key, side="left"), len(fam.key) - 1)
    return fam.key[k] == key, fam.key_max[k], fam.key_row[k]


def state_text(result: RovResult) -> pa.Array:
    return pc.take(pa.array(STATES), pa.array(result.state))


def reason_text(result: RovResult, vrps: pa.Table) -> pa.Array:
    """`matched AS64500 10.0.0.0/16-24` for valid routes, the fixed reason text otherwise."""
    fixed = pc.take(pa.array(REASONS), pa.array(result.reason))
    rows = pa.array(result.vrp_row, mask=result.vrp_row < 0)
    asn = pc.cast(pc.take(vrps["asn"], rows), pa.string())
    prefix = pc.take(vrps["prefix"], rows)
    max_len = pc.cast(pc.take(vrps["max_length"], rows), pa.string())
    matched = pc.binary_join_element_wise("matched AS", asn, " ", prefix, "-", max_len, "")
    return pc.coalesce(matched, fixed)
