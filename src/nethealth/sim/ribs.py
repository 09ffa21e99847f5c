"""Collector RIB tables: per-peer best paths, and TABLE_DUMP_V2 dumps written as a stream."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from nethealth.sim import mrt
from nethealth.sim.collectors import Collector, Session
from nethealth.sim.output import OutputTree
from nethealth.sim.resources import Resources
from nethealth.sim.routing import CUSTOMER, PEER, PROVIDER, SELF, Topology
from nethealth.sim.world import World

Path_ = tuple[int, ...]
Route = tuple[Path_, int]  # (AS path, route class at the collector peer)
# community value per route class, tagged by full-feed peers with a 16-bit ASN
_CLASS_COMMUNITY = {SELF: 1000, CUSTOMER: 1000, PEER: 2000, PROVIDER: 3000}


@dataclass
class PeerPaths:
    """Best path (ASNs, peer first) and route class of one peer AS towards each origin AS."""

    paths: list[Path_ | None]
    cls: np.ndarray


@dataclass
class Overrides:
    """Routes that differ from the steady state at some instant (events in progress).

    ``changed[row][peer_as_idx]`` is a route or None (withdrawn) for an announced prefix row;
    ``extra`` lists prefixes that exist only during events with their per-peer routes.
    """

    changed: dict[int, dict[int, Route | None]] = field(default_factory=dict)
    extra: list[tuple[int, int, int, dict[int, Route]]] = field(default_factory=list)


class RouteTable:
    """Steady-state routes of every collector peer towards every origin AS."""

    def __init__(self, w: World, res: Resources, topo: Topology, peer_ases: list[int]) -> None:
        self.w = w
        self.res = res
        self.topo = topo
        self.peers: dict[int, PeerPaths] = {}
        origins = np.unique(res.pf_origin)
        asn = np.concatenate([w.asn, [0]])  # index -1 (padding) maps to 0
        for p in sorted(set(peer_ases)):
            r = topo.routes(p)
            mat = topo.path_matrix(p, origins)
            hops = (mat >= 0).sum(axis=1).tolist()
            rows = asn[mat].tolist()
            paths: list[Path_ | None] = [None] * w.n_as
            for o, row, n in zip(origins.tolist(), rows, hops, strict=True):
                if n:
                    paths[o] = tuple(row[:n])
            self.peers[p] = PeerPaths(paths, r.cls.copy())

    def exported(self, session: Session, route: Route | None) -> Route | None:
        """Partial-feed peers send the collector only their own and their customers' routes."""
        if route is None or (not session.full and route[1] not in (SELF, CUSTOMER)):
            return None
        return route

    def base(self, session: Session, origin: int) -> Route | None:
        """Steady-state route the session exports for prefixes of ``origin``."""
        pp = self.peers[session.as_idx]
        path = pp.paths[origin]
        if path is None:
            return None
        return self.exported(session, (path, int(pp.cls[origin])))

    def route(self, peer: int, origin: int, full: bool) -> Path_ | None:
        """What the peer exports to the collector: everything (full feed) or only its own and
        its customers' routes (partial feed)."""
        pp = self.peers[peer]
        if not full and int(pp.cls[origin]) not in (SELF, CUSTOMER):
            return None
        return pp.paths[origin]


def communities(session: Session, cls: int) -> tuple[tuple[int, int], ...]:
    if not session.full or session.asn > 0xFFFF:
        return ()
    return ((session.asn, _CLASS_COMMUNITY.get(cls, 3000)),)


def originated(session: Session, origin: int, before: int) -> int:
    """A stable 'last changed' time per route, up to 40 days before ``before``."""
    h = hashlib.blake2b(f"{session.asn}:{session.af}:{origin}".encode(), digest_size=4).digest()
    return before - int.from_bytes(h, "big") % (40 * 86400)


@dataclass
class CollectorRib:
    """Pre-encoded RIB entries of one collector: per address family, per origin AS."""

    collector: Collector
    blocks: dict[int, list[tuple[int, bytes]]]
    peer_index: list[tuple[int, int, int, int]]
    skip: frozenset[int] = frozenset()  # sessions down at the dump: no entries of theirs


def encode_collector(
    table: RouteTable, col: Collector, t0: int, skip: frozenset[int] = frozenset()
) -> CollectorRib:
    w = table.w
    blocks: dict[int, list[tuple[int, bytes]]] = {}
    for af in (4, 6):
        per_origin: list[list[bytes]] = [[] for _ in range(w.n_as)]
        for k, s in enumerate(col.sessions):
            if s.af != af or k in skip:
                continue
            pp = table.peers[s.as_idx]
            for o in range(w.n_as):
                path = table.route(s.as_idx, o, s.full)
                if path is None:
                    continue
                attrs = mrt.path_attributes(
                    path, af, s.ip, communities(s, int(pp.cls[o])), rib=True
                )
                per_origin[o].append(mrt.rib_entry(k, originated(s, o, t0), attrs))
        blocks[af] = [(len(e), b"".join(e)) for e in per_origin]
    peers = [(s.bgp_id, s.af, s.ip, s.asn) for s in col.sessions]
    return CollectorRib(col, blocks, peers, skip)


def _entries_for(
    table: RouteTable,
    rib: CollectorRib,
    af: int,
    origin: int,
    changed: dict[int, Route | None],
    ts: int,
) -> tuple[int, bytes]:
    out = []
    for k, s in enumerate(rib.collector.sessions):
        if s.af != af or k in rib.skip:
            continue
        if s.as_idx in changed:
            route = table.exported(s, changed[s.as_idx])
            when = ts
        else:
            route = table.base(s, origin)
            when = originated(s, origin, ts)
        if route is None:
            continue
        attrs = mrt.path_attributes(route[0], af, s.ip, communities(s, route[1]), rib=True)
        out.append(mrt.rib_entry(k, when, attrs))
    return len(out), b"".join(out)


def _extra_entries(
    table: RouteTable, rib: CollectorRib, af: int, routes: dict[int, Route], ts: int
) -> tuple[int, bytes]:
    out = []
    for k, s in enumerate(rib.collector.sessions):
        if s.af != af or k in rib.skip:
            continue
        route = table.exported(s, routes.get(s.as_idx))
        if route is not None:
            attrs = mrt.path_attributes(route[0], af, s.ip, communities(s, route[1]), rib=True)
            out.append(mrt.rib_entry(k, ts, attrs))
    return len(out), b"".join(out)


def rib_records(
    table: RouteTable, rib: CollectorRib, ts: int, ov: Overrides, event_ts: int
) -> Iterator[tuple[bytes, int]]:
    """MRT records of one RIB dump with their element counts (peer index table first)."""
    res = table.res
    col = rib.collector
    yield (
        mrt.record(
            ts,
            mrt.TABLE_DUMP_V2,
            mrt.PEER_INDEX_TABLE,
            mrt.peer_index_table(col.bgp_id, "", rib.peer_index),
        ),
        0,
    )
    extra = sorted(ov.extra)
    seq = 0
    for af, subtype in ((4, mrt.RIB_IPV4_UNICAST), (6, mrt.RIB_IPV6_UNICAST)):
        rows = res.prefixes(af)
        ex = [e for e in extra if e[0] == af]
        keys = [(int(res.pf_net[r]), int(res.pf_len[r]), int(r)) for r in rows]
        keys += [(e[1], e[2], -1 - k) for k, e in enumerate(ex)]
        if ex:
            keys.sort()
        blocks = rib.blocks[af]
        for net, length, r in keys:
            if r < 0:
                count, entries = _extra_entries(table, rib, af, ex[-1 - r][3], event_ts)
            elif r in ov.changed:
                count, entries = _entries_for(
                    table, rib, af, int(res.pf_origin[r]), ov.changed[r], event_ts
                )
            else:
                count, entries = blocks[int(res.pf_origin[r])]
            if count == 0:
                continue
            body = mrt.rib_body(seq, mrt.prefix_bytes(af, net, length), count, entries)
            seq += 1
            yield mrt.header(ts, mrt.TABLE_DUMP_V2, subtype, len(body)) + body, count


def write_rib(
    tree: OutputTree,
    table: RouteTable,
    rib: CollectorRib,
    when: dt.datetime,
    ov: Overrides,
    event_ts: Callable[[int], int] | None = None,
) -> int:
    """Write one RIB dump; returns the number of RIB entries (bgpdump 'B' lines)."""
    ts = int(when.replace(tzinfo=dt.UTC).timestamp())
    total = 0
    buf: list[bytes] = []
    size = 0
    with tree.open(rib.collector.rib_path(when)) as fh:
        for data, count in rib_records(table, rib, ts, ov, event_ts(ts) if event_ts else ts):
            buf.append(data)
            size += len(data)
            total += count
            if size > 1 << 20:
                fh.write(b"".join(buf))
                buf, size = [], 0
        fh.write(b"".join(buf))
    return total
