"""BGP UPDATE streams: event transitions plus background churn, in collector update files.

Per-session noise here is self-cancelling inside one file (a flap, a transient prepended path,
a duplicate announcement). Churn that lasts longer (origin withdrawals, TE more-specifics,
new prefixes: churn.py) comes as background events, so the routing state at every file
boundary equals the steady state plus the events in progress -- which is exactly what the RIB
dumps contain. Session outages (churn.py) become BGP4MP state changes: the session's messages
are dropped while it is down, and when it comes back it re-announces its current table over a
few minutes, as a real peer does after a reset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np

from nethealth.sim import mrt
from nethealth.sim.collectors import Collector, Session
from nethealth.sim.events import Event, overrides_at
from nethealth.sim.output import OutputTree
from nethealth.sim.ribs import Path_, Route, RouteTable, communities
from nethealth.sim.rng import stream

# message: (ts, usec, session index, seq, af, net, len, path or None, route class); a state
# change has route class < 0: -(old state * 16 + new state)
Msg = tuple[int, int, int, int, int, int, int, Path_ | None, int]
_MAX_NLRI = 200
IDLE, OPENCONFIRM, ESTABLISHED = 1, 5, 6
_RESEQ = 1 << 40  # sequence numbers of re-announcements: never equal to other messages'


def _jitter(*parts: object) -> int:
    h = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=4).digest()
    return int.from_bytes(h, "big")


@dataclass
class Churn:
    """Background churn rate: per session and minute, a + b * table size."""

    base: float = 0.2
    per_route: float = 2e-5


def event_messages(table: RouteTable, col: Collector, ev: Event) -> list[Msg]:
    """Messages a collector receives when ``ev`` starts and when it ends."""
    res = table.res
    out: list[Msg] = []
    spread = 120 if ev.kind.endswith("shutdown") else 15
    for edge, forward in ((ev.start, True), (ev.end, False)):
        for k, s in enumerate(col.sessions):
            lag = 2 + _jitter(ev.id, s.asn, s.af, edge) % 40
            for row, per_peer in ev.changed.items():
                if int(res.pf_af[row]) != s.af or s.as_idx not in per_peer:
                    continue
                base = table.base(s, int(res.pf_origin[row]))
                over = table.exported(s, per_peer[s.as_idx])
                old, new = (base, over) if forward else (over, base)
                if old == new or (old is None and new is None):
                    continue
                t = edge + lag + _jitter(ev.id, row) % spread
                out.append(
                    _msg(t, k, len(out), s.af, int(res.pf_net[row]), int(res.pf_len[row]), new)
                )
            for af, net, length, routes in ev.extra:
                route = table.exported(s, routes.get(s.as_idx))
                if af != s.af or route is None:
                    continue
                t = edge + lag + _jitter(ev.id, net) % spread
                out.append(_msg(t, k, len(out), af, net, length, route if forward else None))
    return out


def _msg(t: int, k: int, seq: int, af: int, net: int, length: int, route: Route | None) -> Msg:
    usec = _jitter(t, k, seq, net) % 1_000_000
    if route is None:
        return (t, usec, k, seq, af, net, length, None, 0)
    return (t, usec, k, seq, af, net, length, route[0], route[1])


def _prepended(path: Path_, times: int) -> Path_:
    return path + (path[-1],) * times


def noise_messages(
    table: RouteTable,
    col: Collector,
    t0: int,
    t1: int,
    skip_rows: set[int],
    rng: np.random.Generator,
    churn: Churn,
) -> list[Msg]:
    """Self-cancelling churn inside [t0, t1)."""
    res = table.res
    out: list[Msg] = []
    minutes = (t1 - t0) / 60.0
    for k, s in enumerate(col.sessions):
        rows = res.prefixes(s.af)
        if len(rows) == 0:
            continue
        lam = (churn.base + churn.per_route * len(rows) * (1.0 if s.full else 0.1)) * minutes
        n = int(rng.poisson(lam))
        for row in rng.choice(rows, size=n):
            row = int(row)
            if row in skip_rows:
                continue
            base = table.base(s, int(res.pf_origin[row]))
            if base is None:
                continue
            t = t0 + int(rng.integers(0, max(1, t1 - t0 - 130)))
            back = t + int(rng.integers(5, 120))
            net, length = int(res.pf_net[row]), int(res.pf_len[row])
            kind = rng.random()
            if kind < 0.3:  # flap
                out.append(_msg(t, k, len(out), s.af, net, length, None))
                out.append(_msg(back, k, len(out), s.af, net, length, base))
            elif kind < 0.8:  # path exploration seen as a transient prepend
                alt = (_prepended(base[0], int(rng.integers(1, 3))), base[1])
                out.append(_msg(t, k, len(out), s.af, net, length, alt))
                out.append(_msg(back, k, len(out), s.af, net, length, base))
            else:  # duplicate announcement
                out.append(_msg(t, k, len(out), s.af, net, length, base))
    return out


def encode_messages(col: Collector, msgs: list[Msg]) -> tuple[bytes, int]:
    """MRT records for sorted messages, packing equal consecutive routes into one UPDATE."""
    msgs.sort()
    out: list[bytes] = []
    elements = 0
    i = 0
    et = col.project == "ris"
    while i < len(msgs):
        t, usec, k, _, af, _, _, path, cls = msgs[i]
        if cls < 0:
            out.append(_state_record(col, col.sessions[k], t, usec if et else None, -cls))
            elements += 1
            i += 1
            continue
        j = i + 1
        while (
            j < len(msgs)
            and j - i < _MAX_NLRI
            and msgs[j][0] == t
            and msgs[j][1] == usec
            and msgs[j][2] == k
            and msgs[j][4] == af
            and msgs[j][7] == path
            and msgs[j][8] >= 0
        ):
            j += 1
        nlri = b"".join(mrt.prefix_bytes(af, m[5], m[6]) for m in msgs[i:j])
        s = col.sessions[k]
        out.append(_update_record(col, s, t, usec if et else None, af, path, cls, nlri))
        elements += j - i
        i = j
    return b"".join(out), elements


def _state_record(col: Collector, s: Session, t: int, usec: int | None, code: int) -> bytes:
    local_ip = col.ip4 if s.af == 4 else col.ip6
    body = mrt.bgp4mp_prefix(s.asn, col.local_as, s.af, s.ip, local_ip)
    body += mrt.state_change(code // 16, code % 16)
    mtype = mrt.BGP4MP_ET if usec is not None else mrt.BGP4MP
    return mrt.record(t, mtype, mrt.BGP4MP_STATE_CHANGE_AS4, body, usec)


def session_messages(
    table: RouteTable,
    col: Collector,
    k: int,
    down: int,
    up: int,
    events: list[Event],
    rng: np.random.Generator,
    reannounce_s: float,
) -> list[Msg]:
    """State changes of one session outage and the table re-announced after it."""
    s = col.sessions[k]
    res = table.res
    out: list[Msg] = [
        (down, 0, k, -1, s.af, 0, 0, None, -(ESTABLISHED * 16 + IDLE)),
        (up, 0, k, -1, s.af, 0, 0, None, -(OPENCONFIRM * 16 + ESTABLISHED)),
    ]
    ov = overrides_at(events, up)
    span = max(1.0, reannounce_s * float(rng.uniform(0.5, 1.5)))
    rows = res.prefixes(s.af)
    offsets = np.sort(rng.uniform(1.0, span, size=len(rows))).astype(np.int64)
    for row, dt_ in zip(rows.tolist(), offsets.tolist(), strict=True):
        if row in ov.changed and s.as_idx in ov.changed[row]:
            route = table.exported(s, ov.changed[row][s.as_idx])
        else:
            route = table.base(s, int(res.pf_origin[row]))
        if route is not None:
            net, length = int(res.pf_net[row]), int(res.pf_len[row])
            out.append(_msg(up + dt_, k, _RESEQ + len(out), s.af, net, length, route))
    for af, net, length, routes in ov.extra:
        route = table.exported(s, routes.get(s.as_idx))
        if af == s.af and route is not None:
            out.append(_msg(up + int(span), k, _RESEQ + len(out), af, net, length, route))
    return out


def _update_record(
    col: Collector,
    s: Session,
    t: int,
    usec: int | None,
    af: int,
    path: Path_ | None,
    cls: int,
    nlri: bytes,
) -> bytes:
    if path is None:
        if af == 4:
            update = mrt.bgp_update(nlri, b"", b"")
        else:
            update = mrt.bgp_update(b"", mrt.mp_unreach(nlri), b"")
    elif af == 4:
        attrs = mrt.path_attributes(path, 4, s.ip, communities(s, cls))
        update = mrt.bgp_update(b"", attrs, nlri)
    else:
        attrs = mrt.path_attributes(path, 6, s.ip, communities(s, cls), nlri=nlri)
        update = mrt.bgp_update(b"", attrs, b"")
    local_ip = col.ip4 if af == 4 else col.ip6
    body = mrt.bgp4mp_prefix(s.asn, col.local_as, af, s.ip, local_ip) + update
    mtype = mrt.BGP4MP_ET if usec is not None else mrt.BGP4MP
    return mrt.record(t, mtype, mrt.BGP4MP_MESSAGE_AS4, body, usec)


def write_updates(
    tree: OutputTree,
    table: RouteTable,
    col: Collector,
    events: list[Event],
    t_start: int,
    t_end: int,
    churn: Churn,
    outages: list[tuple[int, int, int]] | None = None,
    reannounce_s: float = 240.0,
) -> dict[str, int]:
    """All update files of one collector over [t_start, t_end); element count per file.

    `outages`: (session index, down, up) of session outages (churn.session_outages)."""
    step = col.updates_minutes() * 60
    by_bin: dict[int, list[Msg]] = {}
    for ev in events:
        for m in event_messages(table, col, ev):
            if t_start <= m[0] < t_end:
                by_bin.setdefault((m[0] - t_start) // step, []).append(m)
    skip = {r for ev in events for r in ev.changed}
    rng = stream(table.w.seed, "churn", col.name)
    srng = stream(table.w.seed, "churn-sessions", col.name)
    quiet: dict[int, list[tuple[int, int]]] = {}
    for k, down, up in outages or []:
        quiet.setdefault(k, []).append((down, up))
        for m in session_messages(table, col, k, down, up, events, srng, reannounce_s):
            if t_start <= m[0] < t_end:
                by_bin.setdefault((m[0] - t_start) // step, []).append(m)
    counts: dict[str, int] = {}
    for b, t0 in enumerate(range(t_start, t_end, step)):
        msgs = by_bin.get(b, [])
        msgs.extend(noise_messages(table, col, t0, t0 + step, skip, rng, churn))
        if quiet:
            msgs = [m for m in msgs if m[8] < 0 or not _silent(quiet.get(m[2]), m[0])]
        data, n = encode_messages(col, msgs)
        when = dt.datetime.fromtimestamp(t0, dt.UTC).replace(tzinfo=None)
        path = col.updates_path(when)
        with tree.open(path) as fh:
            fh.write(data)
        counts[path] = n
    return counts


def _silent(spans: list[tuple[int, int]] | None, t: int) -> bool:
    """A session sends nothing while down (the state changes themselves excepted)."""
    return bool(spans) and any(a <= t < b for a, b in spans or ())
