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

from nethealth.sim.addressing import prefix_text
from nethealth.sim.geo import Subdivision, home_subdivisions
from nethealth.sim.resources import Resources
from nethealth.sim.ribs import Overrides, Route, RouteTable
from nethealth.sim.rng import stream
from nethealth.sim.routing import CUSTOMER, PROVIDER, SELF
from nethealth.sim.timeline import epoch
from nethealth.sim.world import ACCESS, CONTENT, REGIONAL, STUB, World

_RIB_GRID = 7200  # RouteViews dumps every 2 h, RIS every 8 h: multiples of 2 h
_QUIET = 600  # no event edge within 10 min before a dump (update delays stay before it)
_WARMUP = 6 * 3600  # detectors need some history: outage events start after this
# Event kinds that are outages (a detector should find them) and those that are not.
OUTAGE_KINDS = (
    "national_shutdown",
    "regional_shutdown",
    "asn_outage",
    "short_outage",
    "curfew_shutdown",
)


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
    # ASes whose probes keep reachability but see heavy loss and latency (throttling)
    throttle_ases: set[int] = field(default_factory=set)

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
        self.home = as_subdivisions(w)

    def window(self, lo_s: int, hi_s: int, warmup: int = 0) -> tuple[int, int]:
        lo_t = self.t0 + _QUIET + min(warmup, (self.t_end - self.t0) // 4)
        for _ in range(1000):
            dur = int(self.rng.integers(lo_s, hi_s + 1))
            dur = min(dur, self.t_end - lo_t - _QUIET)
            start = int(self.rng.integers(lo_t, max(lo_t + 1, self.t_end - dur - _QUIET)))
            end = start + dur
            if off_grid(start, self.t0) and off_grid(end, self.t0):
                return start, end
        raise RuntimeError("no event window found")

    def free_ases(self, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask & (np.array([len(r) for r in self.rows_of]) > 0))
        return np.array([i for i in idx if int(i) not in self.used_as], dtype=np.int64)


QUIET, RIB_GRID = _QUIET, _RIB_GRID  # for churn.py, which keeps to the same rules


def off_grid(t: int, t0: int) -> bool:
    """Not within _QUIET before a RIB dump instant."""
    return (t - t0) % _RIB_GRID < _RIB_GRID - _QUIET


def as_subdivisions(w: World) -> list[Subdivision | None]:
    """Each AS's home subdivision (sim.geo.home_subdivisions); the DB-IP file uses the same."""
    return home_subdivisions(w.seed, [w.countries[int(c)].cc for c in w.country])


def rows_by_origin(res: Resources, n: int) -> list[np.ndarray]:
    """Prefix rows per origin AS index."""
    return _rows_by_origin(res, n)


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


def space(res: Resources, rows: np.ndarray | list[int]) -> float:
    """Address space of prefix rows in /24 (IPv4) or /48 (IPv6) units."""
    r = np.asarray(rows, dtype=np.int64)
    if len(r) == 0:
        return 0.0
    bits = np.where(res.pf_af[r] == 4, 24, 48) - res.pf_len[r]
    return float(np.sum(np.exp2(np.maximum(bits, 0))))


def _shutdown_country(pk: _Picker) -> int | None:
    w, rng = pk.w, pk.rng
    prone = [i for i, c in enumerate(w.countries) if c.shutdown_propensity >= 1]
    if not prone:
        return None
    weights = np.array([w.countries[i].shutdown_propensity for i in prone], dtype=float)
    return prone[int(rng.choice(len(prone), p=weights / weights.sum()))]


def _share_ases(pk: _Picker, cand: np.ndarray, total: float, share: float) -> list[int]:
    """A random subset of `cand` holding about `share` of `total` space (at least one AS)."""
    hit: list[int] = []
    got = 0.0
    for a in pk.rng.permutation(cand).tolist():
        size = space(pk.res, pk.rows_of[int(a)])
        if got + size <= share * total or not hit:
            hit.append(int(a))
            got += size
    return hit


def _regional_ases(pk: _Picker, cand: np.ndarray, ci: int) -> tuple[list[int], Subdivision | None]:
    """ASes of one region: those whose home is one subdivision of the country, chosen among
    the subdivisions whose candidate ASes hold 5-40 % of the country's announced space (else
    the one closest to that range, trimmed to 40 %). Countries without subdivisions: a random
    5-40 % of the space, by AS, and no subdivision."""
    w, res, rng = pk.w, pk.res, pk.rng
    total = space(res, np.flatnonzero(w.country[res.pf_origin] == ci))
    by_sub: dict[Subdivision, list[int]] = {}
    for a in cand.tolist():
        home = pk.home[int(a)]
        if home is not None:
            by_sub.setdefault(home, []).append(int(a))
    if not by_sub or total <= 0:
        return _share_ases(pk, cand, total, float(rng.uniform(0.05, 0.40))), None
    subs = sorted(by_sub, key=lambda d: d.code)
    shares = [sum(space(res, pk.rows_of[a]) for a in by_sub[d]) / total for d in subs]
    ok = [i for i, f in enumerate(shares) if 0.05 <= f <= 0.40]
    if ok:
        pick = ok[int(rng.integers(len(ok)))]
        return by_sub[subs[pick]], subs[pick]
    pick = int(np.argmin([max(0.05 - f, f - 0.40) for f in shares]))
    members = np.asarray(by_sub[subs[pick]], dtype=np.int64)
    if shares[pick] > 0.40:
        return _share_ases(pk, members, total, 0.40), subs[pick]
    return members.tolist(), subs[pick]


def _shutdown_label(
    pk: _Picker, ci: int, hit: list[int], national: bool, sub: Subdivision | None = None
) -> dict[str, Any]:
    """The label; a regional one gives `region` as an ISO 3166-2 code (null when the country
    has no subdivisions) and `region_name` (the subdivision's name, else the capital)."""
    w = pk.w
    c = w.countries[ci]
    return {
        "country": c.cc,
        "region": None if national or sub is None else sub.code,
        "region_name": None if national else (sub.name if sub is not None else c.capital),
        "asns": sorted(int(w.asn[a]) for a in hit),
        "scope": "national" if national else "regional",
        "shutdown_type": "Full network",
        "affected_network": "Broadband, Mobile",
    }


def _shutdown(pk: _Picker, table: RouteTable, n: int, national: bool) -> Event | None:
    w, res, rng = pk.w, pk.res, pk.rng
    ci = _shutdown_country(pk)
    if ci is None:
        return None
    cand = pk.free_ases((w.country == ci) & np.isin(w.tier, (REGIONAL, ACCESS, STUB)))
    if len(cand) == 0:
        return None
    sub = None
    if national:
        hit = [int(a) for a in cand[rng.random(len(cand)) < 0.9]] or [int(cand[0])]
        start, end = pk.window(2 * 3600, 8 * 3600, _WARMUP)
    else:
        hit, sub = _regional_ases(pk, cand, ci)
        start, end = pk.window(3 * 3600, 10 * 3600, _WARMUP)
    rows = [int(r) for a in hit for r in pk.rows_of[a]]
    pk.used_as.update(hit)
    kind = "national_shutdown" if national else "regional_shutdown"
    label = _shutdown_label(pk, ci, hit, national, sub)
    ev = Event(f"sim-{n:04d}", kind, start, end, label, _withdraw(table, rows))
    ev.probe_loss_ases = set(hit)
    ev.label["prefixes"] = _prefix_list(res, rows)
    return ev


def _curfew(pk: _Picker, table: RouteTable, n: int) -> list[Event]:
    """Curfew-style shutdowns: the same networks cut off for some hours on consecutive days
    (as in Iran 2022 or Manipur 2023, per Access Now's #KeepItOn records)."""
    w, res, rng = pk.w, pk.res, pk.rng
    days = (pk.t_end - pk.t0) // 86400
    ci = _shutdown_country(pk)
    if ci is None or days < 2:
        return []
    cand = pk.free_ases((w.country == ci) & np.isin(w.tier, (REGIONAL, ACCESS, STUB)))
    if len(cand) == 0:
        return []
    hit, sub = _regional_ases(pk, cand, ci)
    pk.used_as.update(hit)
    rows = [int(r) for a in hit for r in pk.rows_of[a]]
    reps = min(int(days) - 1, int(rng.integers(2, 5)))
    first_day = int(rng.integers(1, days - reps + 1))
    dur = int(rng.integers(3, 7)) * 3600
    hour = int(rng.integers(0, 24 - dur // 3600))  # within the UTC day: every day fits
    out = []
    series = f"curfew-{n:04d}"
    for k in range(reps):
        start = pk.t0 + (first_day + k) * 86400 + hour * 3600 + int(rng.integers(0, 1200))
        end = min(start + dur + int(rng.integers(-600, 600)), pk.t_end - _QUIET)
        while not off_grid(start, pk.t0):
            start += 300
        while not off_grid(end, pk.t0):
            end += 300
        if end <= start or end >= pk.t_end:
            continue
        label = _shutdown_label(pk, ci, hit, national=False, sub=sub)
        label["scope"] = "curfew"
        label["series"] = series
        ev = Event(f"sim-{n + k:04d}", "curfew_shutdown", start, end, label, _withdraw(table, rows))
        ev.probe_loss_ases = set(hit)
        ev.label["prefixes"] = _prefix_list(res, rows)
        out.append(ev)
    return out


def _outage(pk: _Picker, table: RouteTable, n: int, short: bool = False) -> Event | None:
    """One AS loses a share of its prefixes (all of them, or 30-100 % by count when it has
    several); short outages last 5-29 minutes."""
    w, rng = pk.w, pk.rng
    cand = pk.free_ases(np.isin(w.tier, (ACCESS, STUB, CONTENT, REGIONAL)))
    if len(cand) == 0:
        return None
    a = int(cand[int(rng.integers(len(cand)))])
    pk.used_as.add(a)
    mine = pk.rows_of[a]
    if len(mine) > 2 and rng.random() < 0.4:
        hit = rng.random(len(mine)) < rng.uniform(0.3, 1.0)
        # a prefix still covered by a kept one of the same AS loses no reachability
        cut = [int(r) for r in mine[hit] if not _covered(pk.res, int(r), mine[~hit])]
        mine = np.asarray(cut, dtype=np.int64) if cut else mine
    rows = [int(r) for r in mine]
    if short:
        start, end = pk.window(5 * 60, 29 * 60, _WARMUP)
    else:
        start, end = pk.window(30 * 60, 4 * 3600, _WARMUP)
    label = {
        "country": w.countries[int(w.country[a])].cc,
        "asns": [int(w.asn[a])],
        "scope": "asn",
        "share_of_prefixes": round(len(rows) / max(1, len(pk.rows_of[a])), 3),
        "prefixes": _prefix_list(pk.res, rows),
    }
    kind = "short_outage" if short else "asn_outage"
    ev = Event(f"sim-{n:04d}", kind, start, end, label, _withdraw(table, rows))
    if len(rows) == len(pk.rows_of[a]):
        ev.probe_loss_ases = {a}  # a partial outage leaves its probes' own prefix up or not
    else:
        ev.probe_loss_ases = {a} if rng.random() < len(rows) / len(pk.rows_of[a]) else set()
    return ev


def _covered(res: Resources, row: int, others: np.ndarray) -> bool:
    """Is prefix `row` inside one of the prefixes `others` (same family)?"""
    af, net, length = int(res.pf_af[row]), int(res.pf_net[row]), int(res.pf_len[row])
    bits = 32 if af == 4 else 64
    for o in others.tolist():
        olen = int(res.pf_len[o])
        if int(res.pf_af[o]) != af or olen > length:
            continue
        shift = bits - olen
        if (int(res.pf_net[o]) >> shift) == (net >> shift):
            return True
    return False


def _throttle(pk: _Picker, n: int) -> Event | None:
    """Throttling: reachability kept (no route change, probes keep answering) but heavy loss
    and latency. Not an outage: labelled so that a detection on it counts as a false alarm."""
    w, rng = pk.w, pk.rng
    ci = _shutdown_country(pk)
    if ci is None:
        return None
    cand = pk.free_ases((w.country == ci) & np.isin(w.tier, (REGIONAL, ACCESS, STUB)))
    if len(cand) == 0:
        return None
    hit = [int(a) for a in cand[rng.random(len(cand)) < 0.7]] or [int(cand[0])]
    pk.used_as.update(hit)
    start, end = pk.window(2 * 3600, 12 * 3600, _WARMUP)
    label = _shutdown_label(pk, ci, hit, national=True)
    label.update({"scope": "throttling", "shutdown_type": "Throttling", "detectable": False})
    ev = Event(f"sim-{n:04d}", "throttling", start, end, label)
    ev.throttle_ases = set(hit)
    ev.label["prefixes"] = []
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
    if kind in ("outage", "short"):
        return _outage(pk, table, n, short=kind == "short")
    if kind in ("exact", "sub"):
        return _hijack(pk, table, n, kind == "sub")
    return _leak(pk, table, n)


def build_events(
    w: World,
    res: Resources,
    table: RouteTable,
    start: dt.date,
    days: int,
    mix: bool = True,
) -> list[Event]:
    """The events of the timeline (ROA changes are drawn by rpki.py).

    Per day: a national shutdown every other day, a regional one, two single-AS outages and
    (with `mix`) a short one, throttling every other day and one curfew series per run; plus
    an exact-prefix hijack, a sub-prefix hijack and a route leak.
    """
    if days <= 0:
        return []
    pk = _Picker(w, res, epoch(start), days)
    plan: list[str] = []
    for d in range(days):
        plan += ["national"] if d % 2 == 0 else []
        plan += ["regional", "outage", "outage", "exact", "sub", "leak"]
        if mix:
            plan += ["short"] + (["throttle"] if d % 2 == 1 else [])
    if mix and days >= 3:
        plan.append("curfew")
    events: list[Event] = []
    for kind in plan:
        if kind == "curfew":
            events += _curfew(pk, table, len(events) + 1)
            continue
        if kind == "throttle":
            ev = _throttle(pk, len(events) + 1)
        else:
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
        s
        for s, on in (
            ("bgp", bool(ev.changed or ev.extra)),
            ("atlas", bool(ev.probe_loss_ases)),
            ("atlas_latency", bool(ev.throttle_ases)),
        )
        if on
    )
    doc["outage"] = ev.kind in OUTAGE_KINDS
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
