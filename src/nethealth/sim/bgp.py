"""BGP outputs of all collectors: RIB dumps and update files, with per-file element counts."""

from __future__ import annotations

import datetime as dt

from nethealth.sim.collectors import Collector
from nethealth.sim.events import Event, overrides_at
from nethealth.sim.output import OutputTree
from nethealth.sim.ribs import RouteTable, encode_collector, write_rib
from nethealth.sim.updates import Churn, write_updates


def rib_times(col: Collector, t_start: int, t_end: int, all_ribs: bool) -> list[int]:
    step = col.rib_hours() * 3600
    if not all_ribs:
        return [t_start]
    return list(range(t_start, max(t_end, t_start + 1), step))


def write_collector(
    tree: OutputTree,
    *,
    table: RouteTable,
    col: Collector,
    events: list[Event],
    t_start: int,
    t_end: int,
    all_ribs: bool,
    churn: Churn,
    outages: list[tuple[int, int, int]] | None = None,
    reannounce_s: float = 240.0,
) -> dict[str, int]:
    """Every RIB and update file of one collector; returns {path: bgpdump element count}.

    `outages`: (session index, down, up) of session outages; a dump taken while a session is
    down has no entries of that peer (a collector drops the routes of a closed session)."""
    counts: dict[str, int] = {}
    rib = encode_collector(table, col, t_start)
    for t in rib_times(col, t_start, t_end, all_ribs):
        when = dt.datetime.fromtimestamp(t, dt.UTC).replace(tzinfo=None)
        ov = overrides_at(events, t)
        down = frozenset(k for k, a, b in outages or () if a <= t < b)
        use = rib if not down else encode_collector(table, col, t_start, down)
        counts[col.rib_path(when)] = write_rib(
            tree, table, use, when, ov, lambda ts: _event_edge(events, ts)
        )
    del rib
    counts.update(
        write_updates(tree, table, col, events, t_start, t_end, churn, outages, reannounce_s)
    )
    return counts


def _event_edge(events: list[Event], ts: int) -> int:
    """Originated time of overridden routes: the start of the latest active event."""
    starts = [ev.start for ev in events if ev.active(ts)]
    return max(starts) if starts else ts
