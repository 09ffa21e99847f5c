"""RIR delegated-extended statistics files, one per RIR per snapshot date.

Format (NRO "RIR statistics exchange format", version 2.3):
header ``2.3|registry|serial|records|startdate|enddate|UTCoffset``, three summary lines
``registry|*|type|*|count|summary`` and records ``registry|cc|type|start|value|date|status|
opaque-id``. Not-yet-delegated space is listed as available/reserved, as the real files do.
Each RIR keeps its own small habits (ZZ vs empty country on free space, opaque-id style,
UTC offset), so parsers meet the same variety as in reality.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import numpy as np

from nethealth.sim.addressing import Block, asn_pool, v4_text, v6_text
from nethealth.sim.geo import RIRS
from nethealth.sim.output import OutputTree
from nethealth.sim.resources import Resources
from nethealth.sim.timeline import ymd
from nethealth.sim.world import World

UTC_OFFSET = {
    "afrinic": "+0000",
    "apnic": "+1000",
    "arin": "-0400",
    "lacnic": "-0300",
    "ripencc": "+0200",
}
_FREE_CC = {"afrinic": "ZZ", "apnic": "", "arin": "", "lacnic": "", "ripencc": "ZZ"}


def rir_path(rir: str, day: dt.date) -> str:
    """Path of a dated file under OUT/, following each RIR's real FTP layout."""
    y, d = day.strftime("%Y"), ymd(day)
    return {
        "afrinic": f"mirror/rir/afrinic/{y}/delegated-afrinic-extended-{d}",
        "apnic": f"mirror/rir/apnic/{y}/delegated-apnic-extended-{d}.gz",
        "arin": f"mirror/rir/arin/delegated-arin-extended-{d}",
        "lacnic": f"mirror/rir/lacnic/delegated-lacnic-extended-{d}",
        "ripencc": f"mirror/rir/ripencc/{y}/delegated-ripencc-extended-{d}.bz2",
    }[rir]


def latest_path(rir: str) -> str:
    return f"mirror/rir/{rir}/delegated-{rir}-extended-latest"


def opaque_id(rir: str, seed: int, org: int) -> str:
    """Per-organisation handle in the style each RIR uses."""
    h = hashlib.blake2b(f"{seed}:{rir}:{org}".encode(), digest_size=16).digest()
    if rir == "ripencc":
        return str(uuid.UUID(bytes=h, version=4))
    if rir == "arin":
        return h.hex()
    if rir == "lacnic":
        return str(int.from_bytes(h[:4], "big") % 900000 + 10000)
    if rir == "apnic":
        return "A9" + h.hex()[:6].upper()
    return "F" + h.hex()[:7].upper()


class _Lines:
    """Pre-rendered delegation lines of one RIR with their dates, sortable by (type, start)."""

    def __init__(self) -> None:
        self.key: list[tuple[int, int]] = []
        self.date: list[int] = []
        self.text: list[str] = []

    def add(self, kind: int, start: int, date: int, text: str) -> None:
        self.key.append((kind, start))
        self.date.append(date)
        self.text.append(text)


_KINDS = ("asn", "ipv4", "ipv6")


def _delegated_lines(w: World, res: Resources) -> dict[str, _Lines]:
    out = {r: _Lines() for r in RIRS}
    rir_of_as = w.rir_of_as()
    for i in range(w.n_as):
        rir = RIRS[int(rir_of_as[i])]
        cc = w.countries[int(w.country[i])].cc
        status = "assigned" if rir == "arin" else "allocated"
        oid = opaque_id(rir, w.seed, int(w.org[i]))
        born = int(w.born[i])
        out[rir].add(
            0, int(w.asn[i]), born, f"{rir}|{cc}|asn|{int(w.asn[i])}|1|{ymd(born)}|{status}|{oid}"
        )
    for j in range(len(res.al_af)):
        rir = RIRS[int(res.al_rir[j])]
        cc = w.countries[int(res.al_cc[j])].cc
        af, net, length = int(res.al_af[j]), int(res.al_net[j]), int(res.al_len[j])
        pi = length >= 24 if af == 4 else length >= 44
        status = "assigned" if pi or res.al_as[j] < 0 else "allocated"
        oid = opaque_id(rir, w.seed, int(res.al_org[j]))
        date = int(res.al_date[j])
        if af == 4:
            start, value = v4_text(net), str(1 << (32 - length))
        else:
            start, value = v6_text(net), str(length)
        kind = 1 if af == 4 else 2
        out[rir].add(
            kind, net, date, f"{rir}|{cc}|{_KINDS[kind]}|{start}|{value}|{ymd(date)}|{status}|{oid}"
        )
    return out


def _is_reserved(rir: str, kind: str, start: int) -> bool:
    """Fixed (unseeded) choice of which free ranges an RIR keeps reserved (~4 %)."""
    h = hashlib.blake2b(f"{rir}:{kind}:{start}".encode(), digest_size=2).digest()
    return int.from_bytes(h, "big") % 25 == 0


def _free_line(rir: str, kind: str, start: str, value: int, key: int) -> str:
    status = "reserved" if _is_reserved(rir, kind, key) else "available"
    return f"{rir}|{_FREE_CC[rir]}|{kind}|{start}|{value}||{status}|"


def _free_asn_lines(rir: str, used: np.ndarray) -> list[tuple[tuple[int, int], str]]:
    out = []
    used = np.sort(used)
    for lo, count in asn_pool(rir):
        hi = lo + count
        inside = used[(used >= lo) & (used < hi)]
        edges = np.concatenate([[lo - 1], inside, [hi]])
        gaps = np.flatnonzero(np.diff(edges) > 1)
        for g in gaps:
            a, b = int(edges[g]) + 1, int(edges[g + 1])
            out.append(((0, a), _free_line(rir, "asn", str(a), b - a, a)))
    return out


def _free_ip_lines(rir: str, blocks: list[Block]) -> list[tuple[tuple[int, int], str]]:
    out = []
    for b in blocks:
        if b.af == 4:
            out.append(
                ((1, b.net), _free_line(rir, "ipv4", v4_text(b.net), 1 << (32 - b.length), b.net))
            )
        else:
            out.append(((2, b.net), _free_line(rir, "ipv6", v6_text(b.net), b.length, b.net)))
    return out


def render(
    rir: str,
    day: dt.date,
    lines: _Lines,
    free_blocks: list[Block],
    asns_used: np.ndarray,
    not_yet: list[Block],
) -> str:
    """The whole file text of one RIR at one date."""
    d = day.toordinal()
    dates = np.array(lines.date, dtype=np.int64)
    keep = np.flatnonzero(dates <= d)
    recs: list[tuple[tuple[int, int], str]] = [(lines.key[k], lines.text[k]) for k in keep]
    recs.extend(_free_asn_lines(rir, asns_used))
    recs.extend(_free_ip_lines(rir, sorted(free_blocks + not_yet, key=lambda b: (b.af, b.net))))
    recs.sort(key=lambda r: r[0])  # by type (asn, ipv4, ipv6) then start, as RIRs sort
    counts = {k: 0 for k in _KINDS}
    for (kind, _), _t in recs:
        counts[_KINDS[kind]] += 1
    first = min((lines.date[k] for k in keep), default=d)
    head = [f"2.3|{rir}|{ymd(d)}|{len(recs)}|{ymd(first)}|{ymd(d)}|{UTC_OFFSET[rir]}"]
    head += [f"{rir}|*|{k}|*|{counts[k]}|summary" for k in _KINDS]
    return "\n".join(head + [t for _, t in recs]) + "\n"


def write_rir_files(tree: OutputTree, w: World, res: Resources, days: list[dt.date]) -> int:
    """Write every RIR's file for every snapshot day plus a '-latest' copy; return records."""
    lines = _delegated_lines(w, res)
    rir_of_as = w.rir_of_as()
    total = 0
    for r, rir in enumerate(RIRS):
        for day in days:
            d = day.toordinal()
            mine = (rir_of_as == r) & (w.born <= d)
            later = np.flatnonzero((res.al_rir == r) & (res.al_date > d))
            not_yet = [
                Block(int(res.al_af[j]), int(res.al_net[j]), int(res.al_len[j])) for j in later
            ]
            free = res.free[(rir, 4)] + res.free[(rir, 6)]
            text = render(rir, day, lines[rir], free, w.asn[mine], not_yet)
            data = text.encode("ascii")
            tree.write_bytes(rir_path(rir, day), data)
            total += text.count("\n") - 4
            if day == days[-1]:
                tree.write_bytes(latest_path(rir), data)
    return total
