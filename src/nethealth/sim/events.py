"""Injected events with ground-truth labels, and the route changes each one causes.

Every event targets its own networks (no two events touch the same prefixes), starts and ends
away from RIB dump instants, and is described twice: as route overrides at collector peers
(consumed by the RIB and UPDATE writers) and as a JSON label (what a detector should find).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pycountry

from nethealth.sim.addressing import prefix_text
from nethealth.sim.resources import Resources
from nethealth.sim.ribs import Overrides, Route, RouteTable
from nethealth.sim.rng import stream
from nethealth.sim.routing import CUSTOMER, PROVIDER, SELF
from nethealth.sim.timeline import epoch
from nethealth.sim.world import ACCESS, CONTENT, REGIONAL, STUB, World

_RIB_GRID = 7200  # RouteViews dumps every 2 h, RIS every 8 h: multiples of 2 h
_QUIET = 600  # no event edge within 10 min before a dump (update delays stay before it)


@dataclass
class Event:
    """One injected event; ``changed`` and ``extra`` are per collector-peer AS index."""

    id: str
    kind: str
    start: int
    end: int
    label: dict[str, Any]
    changed: dict[int, dict[int, Route | None]] = field(default_factory=dict)
    extra: list[tuple[int, int, int, dict[int, Route]]] = field(default_factory=list)
    probe_loss_ases: set[int] = field(default_factory=set)

    def active(self, t: int) -> bool:
        return self.start <= t < self.end


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Picker:
    """Draws event targets without reuse and event times off the RIB grid."""

    def __init__(self, w: World, res: Resources, t0: int, days: int) -> None:
        self.w = w
        self.res = res
        self.t0 = t0
        self.t_end = t0 + days * 86400
        self.used_as: set[int] = set()
        self.rng = stream(w.seed, "events")
        self.rows_of = _rows_by_origin(res, w.n_as)

    def window(self, lo_s: int, hi_s: int) -> tuple[int, int]:
        for _ in range(1000):
            dur = int(self.rng.integers(lo_s, hi_s + 1))
            dur = min(dur, self.t_end - self.t0 - 2 * _QUIET)
            start = int(self.rng.integers(self.t0 + _QUIET, self.t_end - dur - _QUIET))
            end = start + dur
            if all((t - self.t0) % _RIB_GRID < _RIB_GRID - _QUIET for t in (start, end)):
                return start, end
        raise RuntimeError("no event window found")

    def free_ases(self, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask & (np.array([len(r) for r in self.rows_of]) > 0))
        return np.array([i for i in idx if int(i) not in self.used_as], dtype=np.int64)


def _rows_by_origin(res: Resources, n: int) -> list[np.ndarray]:
    order = np.argsort(res.pf_origin, kind="stable")
    bounds = np.searchsorted(res.pf_origin[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


def _withdraw(table: RouteTable, rows: list[int]) -> dict[int, dict[int, Route | None]]:
    return {r: {p: None for p in table.peers} for r in rows}


def _prefix_list(res: Resources, rows: list[int]) -> list[str]:
    return [
        prefix_text(int(res.pf_af[r]), int(res.pf_net[r]), int(res.pf_len[r])) for r in sorted(rows)
    ]


def _shutdown(pk: _Picker, table: RouteTable, n: int, national: bool) -> Event | None:
    w, res, rng = pk.w, pk.res, pk.rng
    prone = [i for i, c in enumerate(w.countries) if c.shutdown_propensity >= 1]
    if not prone:
        return None
    weights = np.array([w.countries[i].shutdown_propensity for i in prone], dtype=float)
    ci = prone[int(rng.choice(len(prone), p=weights / weights.sum()))]
    c = w.countries[ci]
    cand = pk.free_ases((w.country == ci) & np.isin(w.tier, (REGIONAL, ACCESS, STUB)))
    if len(cand) == 0:
        return None
    region = None
    if national:
        hit = cand[rng.random(len(cand)) < 0.9]
        start, end = pk.window(2 * 3600, 8 * 3600)
    else:
        subs = sorted(str(s.name) for s in pycountry.subdivisions.get(country_code=c.cc) or [])  # type: ignore[no-untyped-call]
        region = subs[int(rng.integers(len(subs)))] if subs else c.capital
        hit = cand[rng.random(len(cand)) < 0.35]
        start, end = pk.window(3 * 3600, 10 * 3600)
    if len(hit) == 0:
        hit = cand[:1]
    rows: list[int] = []
    for a in hit:
        mine = pk.rows_of[int(a)]
        if not national and len(mine) > 1:
            mine = mine[rng.random(len(mine)) < 0.6] if len(mine) > 1 else mine
        rows.extend(int(r) for r in mine)
    pk.used_as.update(int(a) for a in hit)
    kind = "national_shutdown" if national else "regional_shutdown"
    label = {
        "country": c.cc,
        "region": region,
        "asns": sorted(int(w.asn[a]) for a in hit),
        "scope": "national" if national else "regional",
        "shutdown_type": "Full network",
        "affected_network": "Broadband, Mobile",
    }
    ev = Event(f"sim-{n:04d}", kind, start, end, label, _withdraw(table, rows))
    ev.probe_loss_ases = {int(a) for a in hit}
    ev.label["prefixes"] = _prefix_list(res, rows)
    return ev


def _outage(pk: _Picker, table: RouteTable, n: int) -> Event | None:
    w, rng = pk.w, pk.rng
    cand = pk.free_ases(np.isin(w.tier, (ACCESS, STUB, CONTENT)))
    if len(cand) == 0:
        return None
    a = int(cand[int(rng.integers(len(cand)))])
    pk.used_as.add(a)
    rows = [int(r) for r in pk.rows_of[a]]
    start, end = pk.window(15 * 60, 3 * 3600)
    label = {
        "country": w.countries[int(w.country[a])].cc,
        "asns": [int(w.asn[a])],
        "scope": "asn",
        "prefixes": _prefix_list(pk.res, rows),
    }
    ev = Event(f"sim-{n:04d}", "asn_outage", start, end, label, _withdraw(table, rows))
    ev.probe_loss_ases = {a}
    return ev


def _peer_route(table: RouteTable, peer: int, origin: int) -> Route | None:
    pp = table.peers[peer]
    path = pp.paths[origin]
    return None if path is None else (path, int(pp.cls[origin]))


def _better(a: Route, b: Route | None) -> bool:
    """Gao-Rexford preference at the collector peer: class, then length; ties keep b."""
    if b is None:
        return True
    return (a[1], len(a[0])) < (b[1], len(b[0]))


def _hijack(pk: _Picker, table: RouteTable, n: int, subprefix: bool) -> Event | None:
    w, res, rng = pk.w, pk.res, pk.rng
    victims = pk.free_ases(np.isin(w.tier, (ACCESS, CONTENT, STUB, REGIONAL)))
    hijackers = pk.free_ases(np.isin(w.tier, (STUB, ACCESS)))
    if len(victims) == 0 or len(hijackers) < 2:
        return None
    v = int(victims[int(rng.integers(len(victims)))])
    hij = [int(h) for h in hijackers if int(w.country[h]) != int(w.country[v])] or [
        int(h) for h in hijackers if int(h) != v
    ]
    h = hij[int(rng.integers(len(hij)))]
    rows = [int(r) for r in pk.rows_of[v] if res.pf_af[r] == 4]
    if subprefix:
        rows = [r for r in rows if res.pf_len[r] <= 23]
    if not rows:
        return None
    row = rows[int(rng.integers(len(rows)))]
    pk.used_as.update((v, h))
    net, length = int(res.pf_net[row]), int(res.pf_len[row])
    start, end = pk.window(30 * 60, 2 * 3600)
    label: dict[str, Any] = {
        "victim_asn": int(w.asn[v]),
        "hijacker_asn": int(w.asn[h]),
        "victim_prefix": prefix_text(4, net, length),
        "country": w.countries[int(w.country[v])].cc,
        "scope": "prefix",
    }
    if subprefix:
        announced = set(zip(res.pf_net.tolist(), res.pf_len.tolist(), strict=True))
        sub_len = length + 1
        sub_net = net
        for _ in range(64):
            sub_len = int(rng.integers(length + 1, 25))
            sub_net = net + (int(rng.integers(0, 1 << (sub_len - length))) << (32 - sub_len))
            if (sub_net, sub_len) not in announced:
                break
        paths = {p: r for p in table.peers if (r := _peer_route(table, p, h)) is not None}
        label["hijacked_prefix"] = prefix_text(4, sub_net, sub_len)
        label["prefixes"] = [label["hijacked_prefix"]]
        label["peers_seeing"] = len(paths)
        ev = Event(f"sim-{n:04d}", "subprefix_hijack", start, end, label)
        ev.extra.append((4, sub_net, sub_len, paths))
        return ev
    changed: dict[int, Route | None] = {}
    for p in table.peers:
        legit = _peer_route(table, p, v)
        bogus = _peer_route(table, p, h)
        if bogus is not None and _better(bogus, legit):
            changed[p] = bogus
    label["hijacked_prefix"] = label["victim_prefix"]
    label["prefixes"] = [label["victim_prefix"]]
    label["peers_seeing"] = len(changed)
    return Event(f"sim-{n:04d}", "exact_prefix_hijack", start, end, label, {row: changed})


def _leak(pk: _Picker, table: RouteTable, n: int) -> Event | None:
    """A customer re-announces routes from one provider to another (RFC 7908 type 1)."""
    w, res, rng, topo = pk.w, pk.res, pk.rng, table.topo
    cand = [
        int(a)
        for a in pk.free_ases(np.isin(w.tier, (ACCESS, REGIONAL)))
        if len(topo.providers(int(a))) >= 2
    ]
    if not cand:
        return None
    leaker = cand[int(rng.integers(len(cand)))]
    provs = topo.providers(leaker)
    a_up, b_up = (int(x) for x in rng.permutation(provs)[:2])
    rl = topo.routes(leaker)
    via_a = np.flatnonzero((rl.cls == PROVIDER) & (rl.nexthop == a_up))
    via_a = np.array(
        [o for o in via_a if len(pk.rows_of[int(o)]) > 0 and int(o) not in pk.used_as],
        dtype=np.int64,
    )
    if len(via_a) == 0:
        return None
    k = min(len(via_a), max(5, len(table.peers) * 10, res.pf_af.size // 500))
    origins = sorted(int(o) for o in rng.choice(via_a, size=k, replace=False))
    pk.used_as.update([leaker, *origins])
    asn = w.asn
    start, end = pk.window(20 * 60, 90 * 60)
    changed: dict[int, dict[int, Route | None]] = {}
    seen_peers: set[int] = set()
    for o in origins:
        tail_hops = topo.path(a_up, o)
        if tail_hops is None:
            continue
        tail = tuple(int(asn[x]) for x in tail_hops)
        for p in table.peers:
            if p == b_up:
                cand_route: Route | None = ((int(asn[b_up]), int(asn[leaker]), *tail), CUSTOMER)
            else:
                to_b = _peer_route(table, p, b_up)
                cand_route = (
                    None if to_b is None else ((*to_b[0], int(asn[leaker]), *tail), to_b[1])
                )
            if cand_route is None or len(set(cand_route[0])) != len(cand_route[0]):
                continue  # AS-path loop: rejected
            if int(table.peers[p].cls[o]) == SELF or p == leaker:
                continue
            if _better(cand_route, _peer_route(table, p, o)):
                for r in pk.rows_of[o]:
                    changed.setdefault(int(r), {})[p] = cand_route
                seen_peers.add(p)
    rows = sorted(changed)
    label = {
        "leaker_asn": int(asn[leaker]),
        "from_provider_asn": int(asn[a_up]),
        "to_provider_asn": int(asn[b_up]),
        "scope": "leak",
        "country": w.countries[int(w.country[leaker])].cc,
        "leaked_origin_asns": sorted(int(asn[o]) for o in origins),
        "prefixes": _prefix_list(res, rows),
        "peers_seeing": len(seen_peers),
    }
    return Event(f"sim-{n:04d}", "route_leak", start, end, label, changed)


def _visible(ev: Event) -> bool:
    return any(ev.changed.values()) or any(paths for *_, paths in ev.extra)


def _make(kind: str, pk: _Picker, table: RouteTable, n: int) -> Event | None:
    """An event of the kind that collectors can see; a few draws before giving up."""
    for _ in range(12):
        ev = _draw(kind, pk, table, n)
        if ev is not None and _visible(ev):
            return ev
    return None


def _draw(kind: str, pk: _Picker, table: RouteTable, n: int) -> Event | None:
    if kind in ("national", "regional"):
        return _shutdown(pk, table, n, kind == "national")
    if kind == "outage":
        return _outage(pk, table, n)
    if kind in ("exact", "sub"):
        return _hijack(pk, table, n, kind == "sub")
    return _leak(pk, table, n)


def build_events(
    w: World, res: Resources, table: RouteTable, start: dt.date, days: int
) -> list[Event]:
    """The BGP-visible events of the timeline (ROA changes are drawn by rpki.py)."""
    if days <= 0:
        return []
    pk = _Picker(w, res, epoch(start), days)
    plan: list[str] = []
    for d in range(days):
        plan += ["national"] if d % 2 == 0 else []
        plan += ["regional", "outage", "outage", "exact", "sub", "leak"]
    events: list[Event] = []
    for kind in plan:
        ev = _make(kind, pk, table, len(events) + 1)
        if ev is not None:
            events.append(ev)
    events.sort(key=lambda e: (e.start, e.id))
    return events


def label_doc(ev: Event) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": ev.id,
        "type": ev.kind,
        "start": _iso(ev.start),
        "end": _iso(ev.end),
        "start_ts": ev.start,
        "end_ts": ev.end,
    }
    doc.update(ev.label)
    doc["signals"] = sorted(
        s for s, on in (("bgp", True), ("atlas", bool(ev.probe_loss_ases))) if on
    )
    return doc


def overrides_at(events: list[Event], t: int) -> Overrides:
    """Route overrides of the events in progress at instant ``t`` (for RIB dumps)."""
    ov = Overrides()
    for ev in events:
        if ev.active(t):
            for row, per_peer in ev.changed.items():
                ov.changed.setdefault(row, {}).update(per_peer)
            ov.extra.extend(ev.extra)
    return ov
