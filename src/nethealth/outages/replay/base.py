"""The real routing table a replay starts from: one route per prefix.

Reads a TABLE_DUMP_V2 RIB (MRT, any compression the decoder reads) or its `bgpdump -m` text
(`TABLE_DUMP2|ts|B|peer|peer_as|prefix|path|…`, gzip or plain). Each prefix keeps the route of
the peer with the largest table when it has one, else of the first peer that has it; the path
is kept without that peer's own AS (a replicated peer puts its own in front). AS sets are
flattened into the sequence (only the origin matters to visibility; the first member of a
final set is the origin, as in the decoder's `origin_asns`).
"""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.errors import InputError


@dataclass
class BaseTable:
    source: str
    sha256: str
    rib_time: int  # epoch seconds of the dump
    af: np.ndarray  # int8
    net: np.ndarray  # uint64: IPv4 as a 32-bit number, IPv6 its top 64 bits
    plen: np.ndarray  # int16
    origin: np.ndarray  # int64
    paths: list[tuple[int, ...]]  # without the original peer's AS; origin last
    peers: dict[str, int]  # routes per original peer

    @property
    def size(self) -> int:
        return len(self.af)

    def prefix_text(self, i: int) -> str:
        if int(self.af[i]) == 4:
            addr = str(ipaddress.IPv4Address(int(self.net[i])))
        else:
            addr = str(ipaddress.IPv6Address(int(self.net[i]) << 64))
        return f"{addr}/{int(self.plen[i])}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_text(path: Path) -> bool:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(16)
    except (OSError, EOFError):
        return False
    return head.startswith((b"TABLE_DUMP2|", b"TABLE_DUMP|"))


def read_base(path: Path) -> BaseTable:
    """The table of `path` (MRT RIB or bgpdump -m text), one route per prefix."""
    if not path.is_file():
        raise InputError("no such file", path=path, hint="give a RIB (MRT) or its bgpdump -m text")
    rows = _read_text(path) if _is_text(path) else _read_mrt(path)
    if not rows["af"]:
        raise InputError(
            "no RIB entries in the file",
            path=path,
            hint="give a TABLE_DUMP_V2 RIB (bview/rib) or its `bgpdump -m` output",
        )
    return _one_per_prefix(path, rows)


Rows = dict[str, list]  # type: ignore[type-arg]


def _read_text(path: Path) -> Rows:
    rows: Rows = {"peer": [], "af": [], "net": [], "plen": [], "path": [], "time": []}
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            parts = line.rstrip("\n").split("|")
            if len(parts) < 7 or parts[2] != "B":
                continue
            try:
                net = ipaddress.ip_network(parts[5], strict=False)
                path_asns = [int(a) for a in parts[6].replace("{", " ").replace("}", " ")
                             .replace(",", " ").split()]  # fmt: skip
                ts = int(parts[1])
            except ValueError as exc:
                raise InputError(
                    f"not a bgpdump -m RIB line: {exc}", path=path, line=lineno, field="prefix"
                ) from None
            if not path_asns:
                continue
            rows["peer"].append(f"{parts[3]}|{parts[4]}")
            rows["af"].append(net.version)
            top = int(net.network_address) if net.version == 4 else int(net.network_address) >> 64
            rows["net"].append(top)
            rows["plen"].append(net.prefixlen)
            rows["path"].append(path_asns)
            rows["time"].append(ts)
    return rows


def _read_mrt(path: Path) -> Rows:
    from nethealth.formats.mrt import MRTReader

    rows: Rows = {"peer": [], "af": [], "net": [], "plen": [], "path": [], "time": []}
    for batch in MRTReader(path, strict=True):
        t = pa.Table.from_batches([batch])
        t = t.filter(pc.equal(pc.cast(t["elem_type"], pa.string()), "rib"))
        if t.num_rows == 0:
            continue
        peer = pc.binary_join_element_wise(
            pc.cast(t["peer_ip"], pa.string()), pc.cast(t["peer_asn"], pa.string()), "|"
        )
        rows["peer"] += peer.to_pylist()
        rows["af"] += t["af"].to_pylist()
        rows["net"] += t["range_start"].to_pylist()
        rows["plen"] += t["prefix_len"].to_pylist()
        rows["path"] += [p or [] for p in t["as_path"].to_pylist()]
        secs = pc.cast(pc.cast(t["timestamp"], pa.int64()), pa.int64()).to_numpy() // 1_000_000
        rows["time"] += secs.tolist()
    return rows


def _one_per_prefix(path: Path, rows: Rows) -> BaseTable:
    peers = Counter(rows["peer"])
    rank = {p: i for i, (p, _n) in enumerate(peers.most_common())}
    af = np.asarray(rows["af"], dtype=np.int8)
    net = np.asarray(rows["net"], dtype=np.uint64)
    plen = np.asarray(rows["plen"], dtype=np.int16)
    prank = np.asarray([rank[p] for p in rows["peer"]], dtype=np.int32)
    has_path = np.asarray([len(p) > 0 for p in rows["path"]])
    # per prefix: the row of the best-ranked peer (lexsort: last key is the primary one)
    order = np.lexsort((prank, ~has_path, plen, net, af))
    key_change = np.ones(len(order), dtype=bool)
    key_change[1:] = (
        (af[order][1:] != af[order][:-1])
        | (net[order][1:] != net[order][:-1])
        | (plen[order][1:] != plen[order][:-1])
    )
    pick = order[key_change]
    pick = pick[has_path[pick]]
    paths: list[tuple[int, ...]] = []
    origin = np.empty(len(pick), dtype=np.int64)
    for k, i in enumerate(pick.tolist()):
        full = rows["path"][i]
        peer_as = int(rows["peer"][i].rsplit("|", 1)[1])
        rest = tuple(full[1:]) if len(full) > 1 and full[0] == peer_as else tuple(full)
        paths.append(rest)
        origin[k] = full[-1]
    return BaseTable(
        source=str(path),
        sha256=_sha256(path),
        rib_time=int(min(rows["time"])),
        af=af[pick],
        net=net[pick],
        plen=plen[pick],
        origin=origin,
        paths=paths,
        peers=dict(peers),
    )
