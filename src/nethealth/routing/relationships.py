"""AS relationships: CAIDA serial-1 / serial-2 files, and inference from AS paths (Gao 2001 here;
AS-Rank, Luckie et al. 2013, in `nethealth.routing.asrank`; `infer` picks one).

Relationships are held as a table (asn1, asn2, rel) in CAIDA's convention: rel -1 means asn1 is
a provider of asn2, rel 0 means they peer. `Relations` answers "what is `b` to `a`?" for many
pairs at once (sorted 64-bit keys, binary search).

Inference follows L. Gao, "On inferring autonomous system relationships in the Internet",
IEEE/ACM ToN 9(6), 2001: (1) the degree of each AS is its number of distinct neighbours in the
paths; (2) in each path the highest-degree AS is the top provider; links before it (collector
side) go downhill, links after it go uphill, so each link votes for who provides transit to whom;
(3) a link only ever seen between a path's top and the higher-degree of the top's two path
neighbours, whose two ends' degrees differ by less than a factor R (60 in the paper), is a
peering; (4) other links are provider-to-customer in the
direction of their votes (both directions voted: the majority; a tie is a peering, since Gao's
siblings do not exist in CAIDA's format).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from nethealth.errors import InputError
from nethealth.formats.compression import open_binary

# (The docstring's `infer` is `nethealth.routing.inference.infer`, above this module and asrank;
# the docstring is published on the methodology page as it stands.)
REL_SCHEMA = pa.schema([("asn1", pa.uint32()), ("asn2", pa.uint32()), ("rel", pa.int8())])
PEER_DEGREE_RATIO = 60.0
# What `b` is to `a`
PROVIDER, PEER, CUSTOMER, UNKNOWN = 1, 0, -1, 9
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


def read_caida(path: Path) -> pa.Table:
    """A CAIDA as-rel file: serial-1 `a|b|rel` or serial-2 `a|b|rel|source`; `#` comments."""
    a: list[int] = []
    b: list[int] = []
    r: list[int] = []
    with open_binary(path) as fh:
        for n, raw in enumerate(fh, 1):
            line = raw.decode("utf-8", "replace").strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("|")
            if len(parts) not in (3, 4):
                raise InputError(
                    f"expected 3 (serial-1) or 4 (serial-2) '|'-separated fields, got {len(parts)}",
                    path=path, line=n, hint="is this a CAIDA as-rel file?",
                )  # fmt: skip
            for i, name in ((0, "provider/peer ASN"), (1, "customer/peer ASN")):
                if not parts[i].isdigit() or int(parts[i]) >= 2**32:
                    raise InputError(f"not an AS number: {parts[i]!r}", path=path, line=n,
                                     field=name)  # fmt: skip
            if parts[2] not in ("-1", "0"):
                raise InputError(f"relationship must be -1 or 0, got {parts[2]!r}", path=path,
                                 line=n, field="relationship")  # fmt: skip
            a.append(int(parts[0]))
            b.append(int(parts[1]))
            r.append(int(parts[2]))
    return pa.table({"asn1": a, "asn2": b, "rel": r}, schema=REL_SCHEMA)


def write_caida(table: pa.Table, path: Path) -> None:
    """Serial-1 text (as CAIDA publishes it) of a relationships table."""
    lines = ["# nethealth inferred AS relationships (Gao 2001); <a>|<b>|-1: a provides transit"]
    for a, b, r in zip(*(table[c].to_pylist() for c in ("asn1", "asn2", "rel")), strict=True):
        lines.append(f"{a}|{b}|{r}")
    path.write_text("\n".join(lines) + "\n")


@dataclass(frozen=True)
class Relations:
    keys: U64  # sorted a << 32 | b, both directions
    role: npt.NDArray[np.int8]  # what b is to a
    asns: U64  # sorted ASNs of the table, and each one's number of neighbours in it
    degree: I64

    @classmethod
    def from_table(cls, rel: pa.Table) -> Relations:
        a = rel["asn1"].to_numpy().astype(np.uint64)
        b = rel["asn2"].to_numpy().astype(np.uint64)
        r = rel["rel"].to_numpy()
        fwd = np.where(r == -1, CUSTOMER, PEER)  # asn2 is a customer of asn1 (or a peer)
        back = np.where(r == -1, PROVIDER, PEER)
        keys = np.concatenate([(a << np.uint64(32)) | b, (b << np.uint64(32)) | a])
        role = np.concatenate([fwd, back]).astype(np.int8)
        keys, first = np.unique(keys, return_index=True)  # a file listing a link twice
        asns, degree = np.unique(keys >> np.uint64(32), return_counts=True)
        return cls(keys, role[first], asns, degree.astype(np.int64))

    def degree_of(self, asn: npt.NDArray[np.integer]) -> I64:
        """Neighbours of each AS in the table (0 for an AS it does not have)."""
        x = asn.astype(np.uint64)
        if not len(self.asns):
            return np.zeros(len(x), np.int64)
        i = np.minimum(np.searchsorted(self.asns, x), len(self.asns) - 1)
        return np.where(self.asns[i] == x, self.degree[i], 0).astype(np.int64)

    def lookup_or_guess(
        self, a: npt.NDArray[np.integer], b: npt.NDArray[np.integer]
    ) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
        """What `b` is to `a`, and whether that was guessed: a link the table does not have
        gets Gao's first principle — the AS with more neighbours is the provider (equal
        degrees stay UNKNOWN). A leak often crosses a link no baseline path showed (a backup
        provider link only a leak makes visible); without a guess it could never be a valley."""
        role = self.lookup(a, b)
        unknown = role == UNKNOWN
        if unknown.any():
            da, db = self.degree_of(a[unknown]), self.degree_of(b[unknown])
            guess = np.where(db > da, PROVIDER, np.where(db < da, CUSTOMER, PEER))
            role[unknown] = guess.astype(np.int8)
        return role, unknown & (role != UNKNOWN)

    def lookup(
        self, a: npt.NDArray[np.integer], b: npt.NDArray[np.integer]
    ) -> npt.NDArray[np.int8]:
        key = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
        if not len(self.keys):
            return np.full(len(key), UNKNOWN, np.int8)
        i = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        return np.where(self.keys[i] == key, self.role[i], UNKNOWN).astype(np.int8)


def collapse(paths: pa.Array) -> tuple[U64, I64]:
    """Flattened paths with prepending removed, and per path its [start, end) offsets."""
    values = paths.flatten().to_numpy().astype(np.uint64)
    offsets = paths.offsets.to_numpy().astype(np.int64)
    offsets = offsets - offsets[0]
    n = len(values)
    first = np.zeros(n, bool)
    first[offsets[:-1][offsets[:-1] < n]] = True
    keep = first.copy()
    keep[1:] |= values[1:] != values[:-1]
    new_off = np.concatenate([[0], np.cumsum(keep)])[offsets]
    return values[keep], new_off.astype(np.int64)


def infer_gao(
    paths: pa.Array,
    ratio: float = PEER_DEGREE_RATIO,
    weights: npt.NDArray[np.integer] | None = None,
) -> pa.Table:
    """Relationships inferred from AS paths (a list<uint32> array; collector side first).
    `weights[i]`: how many routes have path i — distinct paths with counts give the same
    result as the full list of routes, in far less memory."""
    v, off = collapse(paths)
    lengths = np.diff(off)
    path_of = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(len(v)) - off[path_of]
    link = np.flatnonzero(pos[1:] > 0) + 1  # index of the second AS of each link
    near, far = v[link - 1], v[link]
    ok = near != far
    link, near, far = link[ok], near[ok], far[ok]
    if not len(link):  # no link to infer (no path, e.g. a window without a RIB, or one-AS paths)
        return REL_SCHEMA.empty_table()
    # (1) degrees
    und = np.unique(np.stack([np.minimum(near, far), np.maximum(near, far)], axis=1), axis=0)
    asns, deg = np.unique(und.ravel(), return_counts=True)
    d = deg[np.searchsorted(asns, v)]
    # (2) top provider per path: first position of the path's highest degree
    order = np.lexsort((pos, -d, path_of))
    starts = np.flatnonzero(np.r_[True, path_of[order][1:] != path_of[order][:-1]])
    top = np.full(len(lengths), -1, np.int64)
    top[path_of[order][starts]] = pos[order][starts]
    lpos = pos[link] - 1  # position of `near`
    ltop = top[path_of[link]]
    downhill = lpos < ltop  # near is a customer of far
    prov = np.where(downhill, far, near)
    cust = np.where(downhill, near, far)
    # Gao's peering candidate: the link from the top to the higher-degree of its neighbours
    pstart = off[path_of[link]]
    plen = lengths[path_of[link]]
    left = np.where(ltop > 0, d[np.minimum(pstart + ltop - 1, len(d) - 1)], -1)
    right = np.where(ltop + 1 < plen, d[np.minimum(pstart + ltop + 1, len(d) - 1)], -1)
    cand_pos = np.where(left >= right, ltop - 1, ltop)  # position of the link's first AS
    adjacent_top = lpos == cand_pos
    key = (prov << np.uint64(32)) | cust
    # (3)/(4) aggregate per undirected link
    lo, hi = np.minimum(prov, cust), np.maximum(prov, cust)
    ukey = (lo << np.uint64(32)) | hi
    uniq, inv = np.unique(ukey, return_inverse=True)
    w = np.ones(len(link)) if weights is None else np.asarray(weights, float)[path_of[link]]
    up = np.bincount(inv, weights=w * (prov == lo), minlength=len(uniq))  # lo provides
    down = np.bincount(inv, weights=w * (prov == hi), minlength=len(uniq))
    non_top = np.bincount(inv, weights=w * ~adjacent_top, minlength=len(uniq))
    ulo = (uniq >> np.uint64(32)).astype(np.uint64)
    uhi = (uniq & np.uint64(0xFFFFFFFF)).astype(np.uint64)
    dlo = deg[np.searchsorted(asns, ulo)].astype(float)
    dhi = deg[np.searchsorted(asns, uhi)].astype(float)
    similar = np.maximum(dlo, dhi) / np.maximum(np.minimum(dlo, dhi), 1) < ratio
    peer = ((non_top == 0) & similar) | (up == down)
    del key
    asn1 = np.where(up > down, ulo, uhi)
    asn2 = np.where(up > down, uhi, ulo)
    asn1 = np.where(peer, ulo, asn1)
    asn2 = np.where(peer, uhi, asn2)
    rel = np.where(peer, 0, -1).astype(np.int8)
    return pa.table(
        {"asn1": asn1.astype(np.uint32), "asn2": asn2.astype(np.uint32), "rel": rel},
        schema=REL_SCHEMA,
    )


def score(inferred: pa.Table, truth: pa.Table) -> dict[str, float]:
    """Agreement on the links both know: accuracy, and per class precision / recall (as CAIDA
    reports validation of AS-Rank against ground truth)."""
    t = Relations.from_table(truth)
    a = inferred["asn1"].to_numpy()
    b = inferred["asn2"].to_numpy()
    got = Relations.from_table(inferred).lookup(a, b)
    true = t.lookup(a, b)
    known = true != UNKNOWN
    out: dict[str, float] = {"links_inferred": float(len(a)), "links_in_truth": float(known.sum())}
    out["accuracy"] = float(np.mean(got[known] == true[known])) if known.any() else 0.0
    for name, cls in (("p2c", CUSTOMER), ("p2p", PEER)):
        tp = np.sum(known & (got == cls) & (true == cls))
        out[f"{name}_precision"] = float(tp / max(1, np.sum(known & (got == cls))))
        out[f"{name}_recall"] = float(tp / max(1, np.sum(known & (true == cls))))
    return out
