"""Routine BGP churn that outlives one update file: prefixes withdrawn and re-announced by their
origin, traffic-engineering more-specifics toggled, newly announced prefixes, and collector
sessions that reset or stay down for hours.

Prefix-level churn is expressed as background `Event`s (never labelled): the RIB and UPDATE
writers already turn an event's route overrides into consistent dumps and messages. Session
outages are per collector session and become BGP4MP state changes plus a table re-announcement
(updates.py) and peers missing from the RIB dumps taken while they are down (bgp.py).
Parameters: `NoiseConfig` (documented with their sources in docs/simulator.md).
"""

from __future__ import annotations

import numpy as np

from nethealth.sim.collectors import Collector
from nethealth.sim.config import NoiseConfig
from nethealth.sim.events import QUIET, RIB_GRID, Event, off_grid, rows_by_origin, space
from nethealth.sim.resources import Resources
from nethealth.sim.ribs import Route, RouteTable
from nethealth.sim.rng import stream
from nethealth.sim.world import World

# (session index, down at, up at) per collector
SessionOutages = dict[str, list[tuple[int, int, int]]]


def _shift(t: int, t0: int) -> int:
    """Move an edge off the RIB grid (later), so dumps never catch it half-propagated."""
    while not off_grid(t, t0):
        t += 300
    return t


def _eligible_rows(
    res: Resources, events: list[Event], max_share: float, n_as: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rows that routine churn may touch (not in any event, at most `max_share` of their
    origin's space in their family) and their origins."""
    busy = {r for ev in events for r in ev.changed}
    busy_as: set[int] = set()
    for ev in events:
        for r in ev.changed:
            busy_as.add(int(res.pf_origin[r]))
    rows_of = rows_by_origin(res, n_as)
    ok = []
    for a, rows in enumerate(rows_of):
        if a in busy_as or len(rows) < 2:
            continue
        for af in (4, 6):
            mine = rows[res.pf_af[rows] == af]
            total = space(res, mine)
            for r in mine.tolist():
                if r not in busy and space(res, [r]) <= max_share * total:
                    ok.append(r)
    rows_arr = np.asarray(sorted(ok), dtype=np.int64)
    return rows_arr, res.pf_origin[rows_arr]


def _withdrawal(table: RouteTable, n: int, kind: str, row: int, start: int, end: int) -> Event:
    changed: dict[int, dict[int, Route | None]] = {row: dict.fromkeys(table.peers)}
    return Event(f"bg-{n:06d}", kind, start, end, {}, changed)


def background_events(
    w: World,
    res: Resources,
    table: RouteTable,
    events: list[Event],
    t0: int,
    days: int,
    cfg: NoiseConfig,
) -> list[Event]:
    """Origin withdrawals, TE more-specifics and growth over [t0, t0 + days)."""
    if not cfg.enabled or days <= 0:
        return []
    rng = stream(w.seed, "bgp-churn")
    t1 = t0 + days * 86400
    rows, origins = _eligible_rows(res, events, cfg.withdrawal_max_share, w.n_as)
    out: list[Event] = []
    if len(rows) == 0:
        return out
    # Some networks are much less stable than others: a log-normal rate multiplier per AS,
    # normalised to mean 1 so that the overall rate stays as configured.
    mult = rng.lognormal(0.0, cfg.unstable_as_sigma, size=w.n_as)
    mult /= float(np.exp(cfg.unstable_as_sigma**2 / 2))
    lam = cfg.prefix_withdrawals_per_day * days * mult[origins]
    counts = rng.poisson(lam)
    used: set[int] = set()
    for row, k in zip(rows.tolist(), counts.tolist(), strict=True):
        last = t0 + QUIET
        for a in sorted(int(x) for x in rng.integers(t0 + QUIET, t1 - QUIET, size=k)):
            if a < last:
                continue
            dur = int(
                60 * cfg.withdrawal_median_minutes * float(rng.lognormal(0, cfg.withdrawal_sigma))
            )
            start = _shift(a, t0)
            end = _shift(min(start + max(30, min(dur, 12 * 3600)), t1 - QUIET), t0)
            if end <= start or end >= t1:
                continue
            out.append(_withdrawal(table, len(out), "bg_withdrawal", row, start, end))
            used.add(row)
            last = end + 60
    # Traffic engineering: a more-specific of a covering prefix announced for a while by the
    # same origin (the covered space stays visible either way).
    announced = set(zip(res.pf_net.tolist(), res.pf_len.tolist(), strict=True))
    v4 = [r for r in rows.tolist() if res.pf_af[r] == 4 and res.pf_len[r] <= 22]
    n_te = int(rng.poisson(cfg.te_toggles_per_day * days * len(v4)))
    for row in rng.choice(v4, size=min(n_te, len(v4)), replace=False).tolist() if v4 else []:
        net, length = int(res.pf_net[row]), int(res.pf_len[row])
        sub = (net + (int(rng.integers(2)) << (31 - length)), length + 1)
        if sub in announced or row in used:
            continue
        origin = int(res.pf_origin[row])
        routes = {p: (pp.paths[origin], int(pp.cls[origin])) for p, pp in table.peers.items()}
        routes = {p: r for p, r in routes.items() if r[0] is not None}
        start = _shift(int(rng.integers(t0 + QUIET, t1 - 2 * QUIET)), t0)
        dur = int(3600 * 2 * float(rng.lognormal(0, 1.0)))
        end = _shift(min(start + max(600, dur), t1 - QUIET), t0)
        if end >= t1 or end <= start:
            continue
        ev = Event(f"bg-{len(out):06d}", "bg_te_more_specific", start, end, {})
        ev.extra.append((4, sub[0], sub[1], routes))  # type: ignore[arg-type]
        out.append(ev)
        used.add(row)
    # Growth: prefixes first announced during the window (withdrawn from before the data
    # start until then, so the first RIB lacks them).
    free = [r for r in rows.tolist() if r not in used]
    n_new = min(len(free), int(rng.poisson(cfg.growth_per_day * days * res.pf_af.size)))
    for row in sorted(rng.choice(free, size=n_new, replace=False).tolist()) if free else []:
        end = _shift(int(rng.integers(t0 + QUIET, t1 - QUIET)), t0)
        if end >= t1:
            continue
        out.append(_withdrawal(table, len(out), "bg_new_prefix", row, t0 - RIB_GRID, end))
    out.sort(key=lambda e: (e.start, e.id))
    return out


def session_outages(
    seed: int, collectors: list[Collector], t0: int, days: int, cfg: NoiseConfig
) -> SessionOutages:
    """Per collector: (session index, down, up) of resets and longer peer outages."""
    out: SessionOutages = {}
    if not cfg.enabled or days <= 0:
        return out
    t1 = t0 + days * 86400
    for col in collectors:
        rng = stream(seed, "bgp-sessions", col.name)
        spans: list[tuple[int, int, int]] = []
        for k, _s in enumerate(col.sessions):
            n = int(rng.poisson(cfg.session_resets_per_day * days))
            last = t0 + 2 * QUIET
            for a in sorted(int(x) for x in rng.integers(t0 + 2 * QUIET, t1 - QUIET, size=n)):
                if a < last:
                    continue
                med = 60 * cfg.session_down_median_minutes
                dur = int(
                    min(
                        cfg.session_down_max_hours * 3600,
                        med * rng.lognormal(0, cfg.session_down_sigma),
                    )
                )
                down = _shift(a, t0)
                # the re-announcement must also finish before the next dump
                up = down + max(30, dur)
                while not all(
                    off_grid(t, t0) for t in (up, up + int(60 * 2 * cfg.reannounce_minutes))
                ):
                    up += 300
                if up >= t1 - QUIET:
                    continue
                spans.append((k, down, up))
                last = up + 300
        out[col.name] = sorted(spans, key=lambda s: (s[1], s[0]))
    return out
