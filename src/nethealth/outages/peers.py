"""Which full-feed peers saw a BGP drop: the corroboration that tells an outage of the
networks from an artefact of one peer.

A peer *saw* an episode when its own routes to the entity (its space, for a country or
region; its own routes, for a network) fell, between the bin before the episode began and
the episode's worst bin, by at least `PEER_SAW` of the episode's drop; only peers up at both
bins are asked. An outage of the networks is seen by every peer; one peer's withdrawal,
session reset or missing routes by one peer at most — or by none, when the drop comes from
a change in which peers are up (a peer's session went down and the remaining peer lacks
some routes the other had).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from nethealth.outages.episodes import Episode
from nethealth.outages.series import BGP_SIGNALS, signal_family
from nethealth.outages.signals.bgp import PeerViews
from nethealth.outages.signals.bgp_parts import PeerQuestion

PEER_SAW = 0.5
MIN_PEERS = 2  # peers that must see a BGP drop (all of them when fewer are full-feed)


@dataclass(frozen=True)
class PeerCount:
    seen: int
    total: int  # full-feed peers up before and at the worst bin
    full_feed: int  # full-feed peers in the data
    collectors: list[str]


def family_af(signal: str) -> int:
    return 6 if signal_family(signal) in ("bgp6", "bgp6_weighted") else 4


class PeerLosses(Protocol):
    """What a peer count asks of the per-peer routes: `PeerViews`, or the answers of a
    computation part by part (`signals.bgp_parts.Answered`)."""

    start: int
    step: int
    up: np.ndarray

    def losses(self, entity: str, before: int, at: int) -> dict[str, tuple[float, float]]: ...


def question(entity: str, ep: Episode, start: int, step: int) -> PeerQuestion:
    """What `peers_that_saw` asks about `ep` of routes on the grid starting at `start`: the
    bin before the episode began and its worst bin."""
    worst = int(ep.evidence.get("worst_at", ep.known_at - step))
    before = (ep.start - start) // step - 1
    at = (worst - start) // step
    return PeerQuestion(entity, family_af(ep.signal), int(before), int(at))


def peers_that_saw(views: Mapping[int, PeerLosses], entity: str, ep: Episode) -> PeerCount | None:
    """How many full-feed peers saw `entity` drop in `ep`; None when unknown (no per-peer
    routes kept, or the episode begins at the first bin)."""
    v = views.get(family_af(ep.signal))
    if v is None:
        return None
    q = question(entity, ep, v.start, v.step)
    before, at = q.before, q.at
    got = v.losses(entity, before, at)
    if not got and not (0 <= before < v.up.shape[1]):
        return None
    seen = [name for name, (u0, u1) in got.items()
            if u0 > 0 and (u0 - u1) / u0 >= PEER_SAW * ep.max_drop]  # fmt: skip
    full = int(v.up.any(axis=1).sum())
    return PeerCount(len(seen), len(got), full, sorted({n.partition("|")[0] for n in seen}))


def corroborated(
    episodes: Sequence[Episode], views: Mapping[int, PeerViews], min_peers: int = MIN_PEERS
) -> tuple[list[Episode], list[Episode]]:
    """(kept, rejected): BGP episodes seen by fewer than `min_peers` full-feed peers (every
    one when fewer exist in the data) are collector artefacts, not outages. Episodes of other
    signals, and BGP episodes whose peers cannot be asked, are kept."""
    kept: list[Episode] = []
    rejected: list[Episode] = []
    for ep in episodes:
        if signal_family(ep.signal) not in BGP_SIGNALS:
            kept.append(ep)
            continue
        count = peers_that_saw(views, ep.entity, ep)
        (kept if seen_enough(count, min_peers) else rejected).append(ep)
    return kept, rejected


def seen_enough(count: PeerCount | None, min_peers: int = MIN_PEERS) -> bool:
    """Whether enough full-feed peers saw a BGP episode (`min_peers`, every one when fewer
    exist in the data); an episode whose peers cannot be asked (None) is kept."""
    if count is None:
        return True
    return count.seen >= min(min_peers, max(1, count.full_feed))
