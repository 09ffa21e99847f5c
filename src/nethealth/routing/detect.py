"""The incident pipeline over one window: initial RIBs + updates -> intervals -> detectors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa

from nethealth.routing.incidents import bogon, leaks, moas, subprefix
from nethealth.routing.incidents.model import INCIDENT_SCHEMA
from nethealth.routing.inference import DEFAULT_METHOD, infer
from nethealth.routing.relationships import Relations
from nethealth.routing.routes import read_routes
from nethealth.routing.timeline import route_intervals

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Window:
    ribs: Sequence[tuple[Path, str | None]]  # (file, collector): the state at `start`
    updates: Sequence[tuple[Path, str | None]]
    start: datetime
    end: datetime


def window_routes(
    files: Sequence[tuple[Path, str | None]], day: date, progress: Progress | None = None
) -> pa.Table:
    """The routes and withdrawals of MRT files (RIBs and updates), concatenated."""
    say = progress or (lambda _m, _d, _t: None)
    parts = []
    for i, f in enumerate(files):
        say("reading MRT", i, len(files))
        parts.append(read_routes([f], day))
    say("reading MRT", len(files), len(files))
    return pa.concat_tables(parts) if parts else pa.table({})


def intervals_of(window: Window, progress: Progress | None = None) -> pa.Table:
    routes = window_routes([*window.ribs, *window.updates], window.start.date(), progress)
    return route_intervals(routes, window.start, window.end)


def detect_all(
    intervals: pa.Table,
    vrps: pa.Table | None,
    relations: pa.Table | None = None,
    method: str = DEFAULT_METHOD,
    basis: str | None = None,
) -> tuple[pa.Table, pa.Table]:
    """All incidents (INCIDENT_SCHEMA) and the relationships used (inferred from the initial
    RIB's paths with `method` — see `inference.infer` — unless given). `basis` names where
    given relationships came from (e.g. `caida-asrel:2025-06-01`) in the leaks' detail."""
    base = intervals.filter(intervals["baseline"])
    # Without baseline routes (no RIB at the window start) and without given relationships,
    # nothing says which links are provider or peer links: leaks are not judged (an empty
    # table would make every new path a valley).
    judge_leaks = relations is not None or base.num_rows > 0
    if relations is None:
        relations = infer(base["as_path"].combine_chunks(), method)
        basis = f"inferred ({method})"
    found = [
        moas.detect(intervals, vrps),
        subprefix.detect(intervals, vrps),
        bogon.detect(intervals),
    ]
    if judge_leaks:
        found.insert(2, leaks.detect(intervals, Relations.from_table(relations), basis or "given"))
    return pa.concat_tables([t.cast(INCIDENT_SCHEMA) for t in found]), relations


def snapshot_day(window: Window) -> date:
    return window.start.date()
