"""From per-signal episodes to detections: one per entity and stretch of time, with the
signals that fired, their evidence, a severity and a confidence.

Both detectors go through the same merge (episodes of one entity that overlap in time become
one detection), so the evaluation compares the detection rules and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nethealth.outages import ioda, robust
from nethealth.outages.episodes import Episode, runs
from nethealth.outages.peers import corroborated
from nethealth.outages.series import (
    ATLAS_SIGNALS,
    BGP_SIGNALS,
    BIN_SECONDS,
    IODA_BGP,
    WEIGHTED_BGP,
    Series,
    signal_family,
)
from nethealth.outages.signals.bgp import PeerViews

DETECTORS = (ioda.NAME, ioda.CRITICAL_NAME, ioda.FEW_NAME, robust.NAME)
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


COMMON_MODE_SHARE = 0.3  # share of countries dropping at once that means "platform gap"
COMMON_MODE_MIN = 5  # countries with enough probes needed to judge it
COMMON_MODE_PROBES = 3.0


def common_mode(
    scored: Sequence[tuple[Series, robust.Scores]], signal: str
) -> dict[int, np.ndarray]:
    """Bins (per grid start) in which a large share of the countries' `signal` series drop
    together: that is the measurement platform (a controller or result store falling
    behind), not a third of the world's countries failing in the same five minutes.
    Only grids with at least COMMON_MODE_MIN well-covered countries are judged."""
    by_grid: dict[tuple[int, int, int], list[tuple[Series, robust.Scores]]] = defaultdict(list)
    for s, sc in scored:
        if s.signal == signal and s.entity.startswith("country:"):
            by_grid[(s.start, s.step, len(s.values))].append((s, sc))
    out: dict[int, np.ndarray] = {}
    p = robust.params_for(signal)
    for (start, _step, n), group in by_grid.items():
        covered = np.zeros(n)
        dropping = np.zeros(n)
        for _s, sc in group:
            ok = np.nan_to_num(sc.reference, nan=0.0) >= COMMON_MODE_PROBES
            covered += ok
            dropping += ok & (np.nan_to_num(sc.drop, nan=0.0) >= p.min_drop)
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = (covered >= COMMON_MODE_MIN) & (dropping >= COMMON_MODE_SHARE * covered)
        if gap.any():
            out[start] = gap
    return out


def _without(sc: robust.Scores, gap: np.ndarray) -> robust.Scores:
    return robust.Scores(sc.reference, sc.noise, sc.drop, sc.z, sc.anomalous & ~gap)


def _with_majority(
    s: Series, sc: robust.Scores, majority: Series
) -> tuple[robust.Scores, np.ndarray]:
    """The peer-weighted count's scores, with IODA's majority count setting the onset: a bin
    where the majority count shows the entity's effect (its size and its z) while the
    weighted count already fell (by `min_drop`) is anomalous and confirms. When an outage begins seconds
    before a bin ends, most peers may have withdrawn while the weighted count still credits
    the rest; one peer's artefact cannot pass, the weighted count not moving with it.
    Returns (scores, bins the majority count supports)."""
    if (majority.start, majority.step, len(majority.values)) != (s.start, s.step, len(s.values)):
        return sc, np.zeros(len(s.values), dtype=bool)
    eff = robust.effect_for(s.signal, s.entity)
    p = robust.params_for(s.signal)
    m = robust.score(majority, p, eff)
    with np.errstate(invalid="ignore"):
        fell = np.nan_to_num(sc.drop, nan=0.0) >= p.min_drop  # the evidence is the majority's
    both = m.anomalous & fell
    return robust.Scores(sc.reference, sc.noise, sc.drop, sc.z, sc.anomalous | both), both


def detect_robust(
    series: Sequence[Series],
    views: Mapping[int, PeerViews] | None = None,
    rejected: list[Episode] | None = None,
    majority: Mapping[tuple[str, str], Series] | None = None,
) -> list[Episode]:
    """nethealth detector over every series, corroborating signals within each entity.

    Atlas bins in which many countries drop together (a platform gap) are not anomalous for
    any entity; an Atlas-only episode of an entity whose BGP signal is measured needs a
    strong drop (`alone_min_drop`) unless another signal corroborates it. `majority`: IODA's
    count of each peer-weighted series (by its (signal, entity)), which may set the onset
    (`_with_majority`). With the per-peer `views`, a BGP episode that fewer than two
    full-feed peers saw is a collector artefact (peers.corroborated): it is left out, and
    appended to `rejected` when given."""
    scored_all, onset = _scored(series, majority)
    gaps = {sig: common_mode(scored_all, sig) for sig in ("atlas", "atlas_targets")}
    out = _entity_episodes(scored_all, onset, gaps)
    kept = drop_single_network_regions(out, scored_all)
    if views:
        kept, artefacts = corroborated(kept, views)
        if rejected is not None:
            rejected.extend(artefacts)
    return kept


def _scored(
    series: Sequence[Series], majority: Mapping[tuple[str, str], Series] | None
) -> tuple[list[tuple[Series, robust.Scores]], dict[int, np.ndarray]]:
    """Each series with its scores, and the bins IODA's majority count backs (by id)."""
    scored_all = []
    onset: dict[int, np.ndarray] = {}
    for s in series:
        sc = robust.score(s)
        twin = (majority or {}).get((s.signal, s.entity))
        if twin is not None:
            sc, backed = _with_majority(s, sc, twin)
            onset[id(s)] = backed
        scored_all.append((s, sc))
    return scored_all, onset


def _entity_episodes(
    scored_all: Sequence[tuple[Series, robust.Scores]],
    onset: Mapping[int, np.ndarray],
    gaps: Mapping[str, Mapping[int, np.ndarray]],
    routed: set[str] | None = None,
) -> list[Episode]:
    """The episodes of each entity, its signals corroborating each other, outside the
    Atlas platform gaps (`common_mode`); `routed`: the entities with a measured BGP count
    (default: read from the series)."""
    by_entity: dict[str, list[tuple[Series, robust.Scores]]] = defaultdict(list)
    for s, sc in scored_all:
        gap = gaps.get(s.signal, {}).get(s.start)
        if gap is not None and len(gap) == len(s.values):
            sc = _without(sc, gap)
        by_entity[s.entity].append((s, sc))
    out: list[Episode] = []
    for scored in by_entity.values():
        has_bgp = (
            scored[0][0].entity in routed
            if routed is not None
            else any(
                signal_family(s.signal) in BGP_SIGNALS and bool(np.isfinite(s.values).any())
                for s, _ in scored
            )
        )
        for s, sc in scored:
            others = [(o, osc.anomalous) for o, osc in scored if o is not s]
            support: np.ndarray | None = _support(s, others) if others else None
            majority_backed = onset.get(id(s))
            if majority_backed is not None:
                support = majority_backed if support is None else support | majority_backed
            out.extend(robust.episodes(s, sc, support=support, routed=has_bgp))
    return out


ONE_NETWORK_TOLERANCE = 0.1  # a network's loss within 10 % of the region's explains it


def region_loss_floor(signal: str) -> float:
    """The least loss of a network that can explain a region's episode of `signal`: the
    region's anomalous bin lost at least its effect's units and `z` noise floors, and the
    network must lose that within the tolerance."""
    p = robust.params_for(signal)
    least = max(robust.effect_for(signal, "region:").min_units, p.z * p.abs_floor)
    return least * (1 - ONE_NETWORK_TOLERANCE)


def detect_scored(
    entities: Iterable[Sequence[tuple[Series, robust.Scores, np.ndarray | None]]],
    routed: set[str],
    network_losses: Callable[[set[tuple[str, int]]], Mapping[tuple[str, int], Sequence[float]]],
) -> list[Episode]:
    """`detect_robust`'s episodes (without per-peer views) from series scored already, an
    entity at a time (`dayscores`: the Atlas platform gaps applied, the bins IODA's majority
    count backs in the flags and given beside them); a region's episode left out when a
    network lost the same units in its confirming bin (`network_losses`: for the (signal,
    bin start) pairs asked, each network's loss there)."""
    out: list[Episode] = []
    region_lost: list[tuple[Episode, float]] = []
    for group in entities:
        scored = [(s, sc) for s, sc, _b in group]
        onset = {id(s): b for s, _sc, b in group if b is not None}
        eps = _entity_episodes(scored, onset, {}, routed)
        region_lost += _region_losses(eps, scored)
        out += eps
    gone: set[int] = set()
    losses = network_losses({(ep.signal, ep.known_at - BIN_SECONDS) for ep, _ in region_lost})
    for ep, lost in region_lost:
        others = losses.get((ep.signal, ep.known_at - BIN_SECONDS), ())  # its bin
        if any(abs(o - lost) <= ONE_NETWORK_TOLERANCE * lost for o in others):
            gone.add(id(ep))
    return [e for e in out if id(e) not in gone]


def _lost_at(
    scored: tuple[Series, robust.Scores], t: int, anomalous_only: bool = True
) -> float | None:
    """Units below the reference in the bin that contains time `t` (None: not anomalous, or
    with `anomalous_only=False` no loss measured)."""
    s, sc = scored
    i = (t - s.start) // s.step
    if not 0 <= i < len(s.values) or (anomalous_only and not sc.anomalous[i]):
        return None
    lost = float(sc.reference[i] - s.values[i])
    return lost if np.isfinite(lost) and lost > 0 else None


def drop_single_network_regions(
    episodes: list[Episode], scored_all: Sequence[tuple[Series, robust.Scores]]
) -> list[Episode]:
    """Region episodes that one network explains, left out: a regional outage takes down
    more than one network, and one network's own failure (or routine withdrawal) is reported
    at its AS, the most specific entity that explains it. Explained = an AS series of the same
    signal is anomalous in the region episode's confirming bin and lost the same amount
    (within ONE_NETWORK_TOLERANCE) there."""
    gone = _explained(_region_losses(episodes, scored_all), _asns_by_signal(scored_all))
    return [ep for ep in episodes if id(ep) not in gone]


def _asns_by_signal(
    scored_all: Sequence[tuple[Series, robust.Scores]],
) -> dict[str, list[tuple[Series, robust.Scores]]]:
    asns: dict[str, list[tuple[Series, robust.Scores]]] = defaultdict(list)
    for s, sc in scored_all:
        if s.entity.startswith("asn:"):
            asns[s.signal].append((s, sc))
    return asns


def _region_losses(
    episodes: Sequence[Episode], scored_all: Sequence[tuple[Series, robust.Scores]]
) -> list[tuple[Episode, float]]:
    """Region episodes with the units their region lost in the confirming bin (those with a
    loss: the others no network can explain)."""
    regions: dict[tuple[str, str], tuple[Series, robust.Scores]] = {}
    for s, sc in scored_all:
        if s.entity.startswith("region:"):
            regions[(s.entity, s.signal)] = (s, sc)
    out = []
    for ep in episodes:
        if ep.entity.startswith("region:"):
            mine = regions.get((ep.entity, ep.signal))
            lost = _lost_at(mine, ep.known_at - 1) if mine is not None else None  # its bin
            if lost:
                out.append((ep, lost))
    return out


def _explained(
    region_lost: Sequence[tuple[Episode, float]],
    asns: Mapping[str, Sequence[tuple[Series, robust.Scores]]],
) -> set[int]:
    """Ids of the region episodes one network explains: an AS series of the same signal lost
    the same amount (within ONE_NETWORK_TOLERANCE) in the confirming bin. The network's own
    loss counts whether or not it was large enough for a public alert of its own
    (robust.EFFECTS): a routine withdrawal of a tenth of a large network is still that
    network's, not the region's."""
    gone: set[int] = set()
    for ep, lost in region_lost:
        bin_start = ep.known_at - 1  # inside the confirming bin
        if any(
            (other := _lost_at(a, bin_start, anomalous_only=False)) is not None
            and abs(other - lost) <= ONE_NETWORK_TOLERANCE * lost
            for a in asns.get(ep.signal, ())
        ):
            gone.add(id(ep))
    return gone


def detect_ioda(
    series: Sequence[Series], min_level: int = ioda.WARNING, few: bool = False
) -> list[Episode]:
    out: list[Episode] = []
    for s in series:
        if few and signal_family(s.signal) not in ATLAS_SIGNALS:
            continue
        out.extend(ioda.detect(s, min_level=min_level, few=few))
    return out


def ioda_series(series: Sequence[Series]) -> list[Series]:
    """What the IODA baseline reads: IODA's own BGP count, not the peer-weighted one."""
    return [s for s in series if s.signal not in WEIGHTED_BGP]


def majority_twins(series: Sequence[Series]) -> dict[tuple[str, str], Series]:
    """IODA's count of each entity that also has a peer-weighted count, by the weighted
    series' (signal, entity)."""
    out: dict[tuple[str, str], Series] = {}
    for s in series:
        if s.signal in IODA_BGP:
            out[(s.signal + "_weighted", s.entity)] = s
    return out


def our_series(series: Sequence[Series]) -> list[Series]:
    """What nethealth's detector reads: the peer-weighted BGP count where it exists (IODA's
    count only for entities without it, e.g. series loaded from elsewhere)."""
    weighted = {(s.signal.replace("_weighted", ""), s.entity) for s in series
                if s.signal in WEIGHTED_BGP}  # fmt: skip
    return [s for s in series if not (s.signal in IODA_BGP and (s.signal, s.entity) in weighted)]


def only_signals(series: Sequence[Series], which: str) -> list[Series]:
    """`bgp` (every BGP count), `atlas` (Atlas probes and targets) or `all`."""
    if which == "all":
        return list(series)
    keep = BGP_SIGNALS if which == "bgp" else ATLAS_SIGNALS
    return [s for s in series if signal_family(s.signal) in keep]


def run_detector(
    name: str,
    series: Sequence[Series],
    progress: Progress | None = None,
    *,
    views: Mapping[int, PeerViews] | None = None,
    rejected: list[Episode] | None = None,
) -> list[Detection]:
    """Detections of the named detector (`ioda`, `ioda-critical`, `ioda-few-probes` or
    `nethealth`), each on the series it reads; `views` and `rejected` as in
    `detect_robust` (the baseline, as published, has no peer corroboration)."""
    if name == ioda.NAME:
        eps = detect_ioda(ioda_series(series))
    elif name == ioda.CRITICAL_NAME:
        eps = detect_ioda(ioda_series(series), ioda.CRITICAL)
    elif name == ioda.FEW_NAME:
        eps = detect_ioda(ioda_series(series), few=True)
    elif name == robust.NAME:
        eps = detect_robust(our_series(series), views, rejected, majority_twins(series))
    else:
        raise ValueError(f"unknown detector {name!r}")
    if progress is not None:
        progress(f"detect {name}", len(series), len(series))
    return merge(eps)
