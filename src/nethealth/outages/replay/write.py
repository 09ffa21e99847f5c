"""A replay on disk, in the RIS archive layout:

    OUT/replay.json                          what was replayed, from what, with which seed
    OUT/ris/rrc00/2010.07/bview.20100701.0000.gz     TABLE_DUMP_V2, every peer of rrc00
    OUT/ris/rrc00/2010.07/updates.20100701.0000.gz   BGP4MP (AS4), 5-minute files
    OUT/labels/events.json                   injected outages (and throttling), the truth
    OUT/labels/artefacts.json                session resets, collector gaps, withdrawal bursts

Files are streamed one at a time (memory holds the plan and one file's records), written to a
`.part` name and renamed when complete.
"""

from __future__ import annotations

import gzip
import json
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nethealth.outages.replay.base import BaseTable
from nethealth.outages.replay.scenario import (
    DOWN,
    PREPEND,
    UP,
    US,
    WITHDRAW,
    Plan,
)
from nethealth.sim import mrt

Progress = Callable[[str, int, int], None]
GENERATOR = "nethealth.outages.replay"
VERSION = "1"
COLLECTOR_AS = 12654  # RIPE NCC RIS
COLLECTOR_IP = (192 << 24) | (0 << 16) | (2 << 8) | 254
_ORIGIN = bytes([0x40, 1, 1, 0])
_MAX_WITHDRAWN = 3800  # bytes of withdrawn NLRI per UPDATE (BGP messages are ≤ 4096)
IDLE, OPENCONFIRM, ESTABLISHED = 1, 5, 6


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


class _Encoder:
    """Pre-encoded pieces of every prefix's route, shared by every peer."""

    def __init__(self, base: BaseTable) -> None:
        self.base = base
        self.nlri = [
            mrt.prefix_bytes(int(a), int(n), int(ln))
            for a, n, ln in zip(base.af.tolist(), base.net.tolist(), base.plen.tolist(),
                                strict=True)
        ]  # fmt: skip
        self.suffix = [struct.pack(f">{len(p)}I", *p) for p in base.paths]

    def attrs(self, i: int, peer_as: int, peer_ip: int, *, prepend: bool = False,
              rib: bool = False) -> bytes:  # fmt: skip
        path = self.base.paths[i]
        suffix = self.suffix[i]
        n = len(path) + 1
        if prepend and path:
            suffix += struct.pack(">II", path[-1], path[-1])
            n += 2
        af = int(self.base.af[i])
        if af == 6 or n > 255:
            full = (peer_as, *path, *((path[-1], path[-1]) if prepend and path else ()))
            nh = (0x20010DB8 << 96 | peer_ip) >> 64 if af == 6 else peer_ip
            return mrt.path_attributes(full, af, nh, rib=rib, nlri=b"" if rib else self.nlri[i])
        value = bytes([2, n]) + struct.pack(">I", peer_as) + suffix
        if len(value) > 255:
            as_path = struct.pack(">BBH", 0x50, 2, len(value)) + value
        else:
            as_path = bytes([0x40, 2, len(value)]) + value
        return _ORIGIN + as_path + bytes([0x40, 3, 4]) + struct.pack(">I", peer_ip)


def _stamp(t: int) -> str:
    return time.strftime("%Y%m%d.%H%M", time.gmtime(t))


def _month(t: int) -> str:
    return time.strftime("%Y.%m", time.gmtime(t))


def _open(path: Path) -> tuple[Path, gzip.GzipFile]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    return tmp, gzip.GzipFile(tmp, "wb", compresslevel=1, mtime=0)


def write_rib(plan: Plan, enc: _Encoder, collector: str, root: Path) -> Path:
    """The collector's TABLE_DUMP_V2 RIB at the replay's start: every peer's table."""
    base = enc.base
    peers = [p for p in plan.peers if p.collector == collector]
    path = root / "ris" / collector / _month(plan.start) / f"bview.{_stamp(plan.start)}.gz"
    tmp, fh = _open(path)
    ts = plan.start
    with fh:
        table = mrt.peer_index_table(COLLECTOR_IP, "", [(p.ip, 4, p.ip, p.asn) for p in peers])
        fh.write(mrt.record(ts, mrt.TABLE_DUMP_V2, mrt.PEER_INDEX_TABLE, table))
        has = np.ones((len(peers), base.size), dtype=bool)
        for k, p in enumerate(peers):
            has[k, plan.missing[p.index]] = False
        chunk: list[bytes] = []
        for i in range(base.size):
            entries = [
                mrt.rib_entry(k, ts, enc.attrs(i, p.asn, p.ip, rib=True))
                for k, p in enumerate(peers)
                if has[k, i]
            ]
            if not entries:
                continue
            subtype = mrt.RIB_IPV4_UNICAST if int(base.af[i]) == 4 else mrt.RIB_IPV6_UNICAST
            body = mrt.rib_body(i, enc.nlri[i], len(entries), b"".join(entries))
            chunk.append(mrt.record(ts, mrt.TABLE_DUMP_V2, subtype, body))
            if len(chunk) >= 4096:
                fh.write(b"".join(chunk))
                chunk = []
        fh.write(b"".join(chunk))
    os.replace(tmp, path)
    return path


def _header(p_as: int, p_ip: int) -> bytes:
    return mrt.bgp4mp_prefix(p_as, COLLECTOR_AS, 4, p_ip, COLLECTOR_IP)


def _messages(rows: np.ndarray, plan: Plan, enc: _Encoder) -> list[bytes]:
    """MRT records of some actions (time order), consecutive withdrawals of one peer in one
    second packed into one UPDATE."""
    out: list[bytes] = []
    pend: list[bytes] = []
    pend_key: tuple[int, int] | None = None
    pend_len = 0

    def flush() -> None:
        nonlocal pend, pend_key, pend_len
        if pend_key is not None and pend:
            ts, p = pend_key
            peer = plan.peers[p]
            msg = mrt.bgp_update(b"".join(pend), b"", b"")
            body = _header(peer.asn, peer.ip) + msg
            out.append(mrt.record(ts, mrt.BGP4MP, mrt.BGP4MP_MESSAGE_AS4, body))
        pend, pend_key, pend_len = [], None, 0

    for t_us, p, kind, i in zip(
        rows["t_us"].tolist(), rows["peer"].tolist(), rows["kind"].tolist(),
        rows["prefix"].tolist(), strict=True,
    ):  # fmt: skip
        ts = t_us // US
        peer = plan.peers[p]
        if kind == WITHDRAW and int(enc.base.af[i]) == 4:
            key = (ts, p)
            if key != pend_key or pend_len + len(enc.nlri[i]) > _MAX_WITHDRAWN:
                flush()
                pend_key = key
            pend.append(enc.nlri[i])
            pend_len += len(enc.nlri[i])
            continue
        flush()
        if kind in (DOWN, UP):
            old, new = (ESTABLISHED, IDLE) if kind == DOWN else (OPENCONFIRM, ESTABLISHED)
            body = _header(peer.asn, peer.ip) + mrt.state_change(old, new)
            out.append(mrt.record(ts, mrt.BGP4MP, mrt.BGP4MP_STATE_CHANGE_AS4, body))
            continue
        if kind == WITHDRAW:  # IPv6: MP_UNREACH
            msg = mrt.bgp_update(b"", mrt.mp_unreach(enc.nlri[i]), b"")
        else:
            attrs = enc.attrs(i, peer.asn, peer.ip, prepend=kind == PREPEND)
            v4 = int(enc.base.af[i]) == 4
            msg = mrt.bgp_update(b"", attrs, enc.nlri[i] if v4 else b"")
        out.append(
            mrt.record(ts, mrt.BGP4MP, mrt.BGP4MP_MESSAGE_AS4, _header(peer.asn, peer.ip) + msg)
        )
    flush()
    return out


def write_updates(
    plan: Plan, enc: _Encoder, collector: str, root: Path, progress: Progress = _noop
) -> int:
    """The collector's 5-minute update files (none inside its gaps); returns files written."""
    mine = np.asarray([p.collector == collector for p in plan.peers])
    rows = plan.actions[mine[plan.actions["peer"]]]
    t = rows["t_us"]
    gaps = [(a, b) for c, a, b in plan.gaps if c == collector]
    n_files = (plan.end - plan.start) // 300
    written = 0
    for k in range(n_files):
        lo = plan.start + 300 * k
        progress(f"updates {collector}", k, n_files)
        if any(a <= lo and lo + 300 <= b for a, b in gaps):
            continue  # the collector wrote nothing: these messages are lost
        i0, i1 = np.searchsorted(t, [lo * US, (lo + 300) * US])
        path = root / "ris" / collector / _month(lo) / f"updates.{_stamp(lo)}.gz"
        tmp, fh = _open(path)
        with fh:
            fh.write(b"".join(_messages(rows[i0:i1], plan, enc)))
        os.replace(tmp, path)
        written += 1
    progress(f"updates {collector}", n_files, n_files)
    return written


def write_replay(plan: Plan, base: BaseTable, root: Path, progress: Progress = _noop,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """Write the whole tree; returns the manifest (also written as replay.json, last)."""
    enc = _Encoder(base)
    files = {"ribs": 0, "updates": 0}
    for c in plan.collectors:
        progress(f"rib {c}", 0, 1)
        write_rib(plan, enc, c, root)
        files["ribs"] += 1
        progress(f"rib {c}", 1, 1)
        files["updates"] += write_updates(plan, enc, c, root, progress)
    labels = root / "labels"
    labels.mkdir(parents=True, exist_ok=True)
    _json(labels / "events.json", {"generator": GENERATOR,
                                   "events": [ev.label for ev in plan.injected]})  # fmt: skip
    _json(labels / "artefacts.json", {"generator": GENERATOR, "artefacts": plan.artefacts})
    cfg = plan.config
    manifest = {
        "generator": GENERATOR,
        "version": VERSION,
        "seed": cfg.seed,
        "start": plan.start,
        "end": plan.end,
        "days": cfg.days,
        "rib": {"path": base.source, "sha256": base.sha256, "time": base.rib_time,
                "prefixes": base.size, "original_peers": base.peers},
        "peers": [{"collector": p.collector, "ip": p.ip_text, "asn": p.asn}
                  for p in plan.peers],
        "churn": {k: getattr(cfg.churn, k) for k in cfg.churn.__dataclass_fields__},
        "outages": [{"kind": o.kind, "min_minutes": o.min_minutes,
                     "max_minutes": o.max_minutes, "share": o.share} for o in cfg.outages],
        "counts": plan.counts,
        "files": files,
        "geo": "countries of 2010 prefixes from the installed ip-location-db (a later map): "
               "an assumption of the replay; its truth uses the same map",
        **(extra or {}),
    }  # fmt: skip
    _json(root / "replay.json", manifest)
    return manifest


def _json(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)
