"""From per-signal episodes to detections: one per entity and stretch of time, with the
signals that fired, their evidence, a severity and a confidence.

Both detectors go through the same merge (episodes of one entity that overlap in time become
one detection), so the evaluation compares the detection rules and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from nethealth.outages import ioda, robust
from nethealth.outages.episodes import Episode, runs
from nethealth.outages.series import Series

DETECTORS = (ioda.NAME, robust.NAME)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Detection:
    detector: str
    entity: str
    start: int
    end: int | None  # None: ongoing at the end of the data
    known_at: int
    severity: str
    signals: tuple[str, ...]
    confidence: float  # 1 - prod(1 - per-signal evidence strength)
    max_drop: float
    overall_score: float  # IODA's overall score: product of the signals' alert areas
    episodes: tuple[Episode, ...]


def merge(episodes: Iterable[Episode]) -> list[Detection]:
    """Group overlapping episodes of the same detector and entity."""
    groups: dict[tuple[str, str], list[Episode]] = defaultdict(list)
    for e in episodes:
        groups[(e.detector, e.entity)].append(e)
    out: list[Detection] = []
    for (_det, _entity), eps in groups.items():
        eps.sort(key=lambda e: (e.start, e.signal))
        cluster: list[Episode] = []
        horizon: float = -np.inf
        for e in eps:
            if cluster and e.start >= horizon:
                out.append(_detection(cluster))
                cluster = []
                horizon = -np.inf
            cluster.append(e)
            horizon = max(horizon, np.inf if e.end is None else e.end)
        if cluster:
            out.append(_detection(cluster))
    out.sort(key=lambda d: (d.start, d.entity, d.detector))
    return out


def _detection(eps: list[Episode]) -> Detection:
    ongoing = any(e.end is None for e in eps)
    best: dict[str, Episode] = {}
    for e in eps:  # per signal, the strongest episode speaks for it
        if e.signal not in best or e.score > best[e.signal].score:
            best[e.signal] = e
    miss = 1.0
    area: dict[str, float] = defaultdict(float)
    for e in eps:
        area[e.signal] += e.alert_area
    for e in best.values():
        miss *= 1.0 - e.score
    return Detection(
        detector=eps[0].detector,
        entity=eps[0].entity,
        start=min(e.start for e in eps),
        end=None if ongoing else max(e.end for e in eps if e.end is not None),
        known_at=min(e.known_at for e in eps),
        severity="critical" if any(e.severity == "critical" for e in eps) else "warning",
        signals=tuple(sorted(best)),
        confidence=round(1.0 - miss, 4),
        max_drop=max(e.max_drop for e in eps),
        overall_score=float(np.prod(list(area.values()))),
        episodes=tuple(eps),
    )


def _support(target: Series, others: Sequence[tuple[Series, np.ndarray]]) -> np.ndarray:
    """Bins of `target` overlapping an anomalous bin of another series (any grid)."""
    mask = np.zeros(len(target.values), dtype=bool)
    t0, step, n = target.start, target.step, len(target.values)
    for s, anomalous in others:
        for a, b in runs(anomalous):
            lo = s.start + int(a) * s.step
            hi = s.start + int(b) * s.step
            i0 = max(0, (lo - t0) // step)
            i1 = min(n, -(-(hi - t0) // step))
            if i1 > i0:
                mask[i0:i1] = True
    return mask


def detect_robust(series: Sequence[Series]) -> list[Episode]:
    """nethealth detector over every series, corroborating signals within each entity."""
    by_entity: dict[str, list[Series]] = defaultdict(list)
    for s in series:
        by_entity[s.entity].append(s)
    out: list[Episode] = []
    for group in by_entity.values():
        scored = [(s, robust.score(s)) for s in group]
        for s, sc in scored:
            others = [(o, osc.anomalous) for o, osc in scored if o is not s]
            support = _support(s, others) if others else None
            out.extend(robust.episodes(s, sc, support=support))
    return out


def detect_ioda(series: Sequence[Series]) -> list[Episode]:
    out: list[Episode] = []
    for s in series:
        out.extend(ioda.detect(s))
    return out


def run_detector(
    name: str, series: Sequence[Series], progress: Progress | None = None
) -> list[Detection]:
    """Detections of the named detector (`ioda` or `nethealth`) over the given series."""
    if name == ioda.NAME:
        eps = detect_ioda(series)
    elif name == robust.NAME:
        eps = detect_robust(series)
    else:
        raise ValueError(f"unknown detector {name!r}")
    if progress is not None:
        progress(f"detect {name}", len(series), len(series))
    return merge(eps)
