"""Route collectors (RouteViews and RIPE RIS style) and their full- and partial-feed peers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from nethealth.sim.resources import Resources
from nethealth.sim.rng import stream
from nethealth.sim.world import ACCESS, CLIQUE, CONTENT, LARGE, REGIONAL, STUB, World

ROUTEVIEWS_AS = 6447
RIS_AS = 12654

# name, project, collector IPv4 (also its BGP identifier), IPv6 low bits under 2001:7f8::/32
_COLLECTORS = (
    ("route-views2", "routeviews", 0x80DF3366),  # 128.223.51.102
    ("rrc00", "ris", 0xC1000410),  # 193.0.4.16
    ("route-views.linx", "routeviews", 0xC342E1DE),  # 195.66.225.222
    ("rrc01", "ris", 0xC342E0FE),  # 195.66.224.254
    ("route-views.sg", "routeviews", 0x672B1C0A),  # 103.43.28.10
    ("rrc03", "ris", 0x50F9D0FE),  # 80.249.208.254
    ("rrc12", "ris", 0x50518EFE),  # 80.81.142.254
)
_N_COLLECTORS = {"tiny": 2, "small": 4, "full": 7}


@dataclass(frozen=True)
class Session:
    """One BGP session of a collector peer (an AS has one per address family)."""

    as_idx: int
    asn: int
    af: int
    ip: int  # v4 address or full 128-bit v6 address
    bgp_id: int
    full: bool


@dataclass(frozen=True)
class Collector:
    name: str
    project: str
    bgp_id: int
    local_as: int
    ip4: int
    ip6: int
    sessions: tuple[Session, ...]

    def updates_minutes(self) -> int:
        """RIS writes 5-minute update files, RouteViews 15-minute ones (as in reality)."""
        return 5 if self.project == "ris" else 15

    def rib_hours(self) -> int:
        return 8 if self.project == "ris" else 2

    def rib_path(self, t: dt.datetime) -> str:
        if self.project == "ris":
            return f"mirror/ris/{self.name}/{t:%Y.%m}/bview.{t:%Y%m%d.%H%M}.gz"
        return f"mirror/routeviews/{self.name}/bgpdata/{t:%Y.%m}/RIBS/rib.{t:%Y%m%d.%H%M}.bz2"

    def updates_path(self, t: dt.datetime) -> str:
        if self.project == "ris":
            return f"mirror/ris/{self.name}/{t:%Y.%m}/updates.{t:%Y%m%d.%H%M}.gz"
        return (
            f"mirror/routeviews/{self.name}/bgpdata/{t:%Y.%m}/UPDATES/updates.{t:%Y%m%d.%H%M}.bz2"
        )


def _first_address(res: Resources, as_idx: int, af: int) -> int:
    rows = np.flatnonzero((res.al_as == as_idx) & (res.al_af == af))
    if len(rows) == 0:
        return -1
    net = int(res.al_net[rows[0]])
    return net if af == 4 else net << 64


def _pick_peers(
    w: World, rng: np.random.Generator, weights: np.ndarray, n: int, taken: set[int]
) -> list[int]:
    w_ = weights * w.size
    w_[list(taken)] = 0.0
    n = min(n, int((w_ > 0).sum()))
    picks = rng.choice(w.n_as, size=n, replace=False, p=w_ / w_.sum())
    return sorted(int(p) for p in picks)


def build_collectors(w: World, res: Resources, scale: str) -> list[Collector]:
    rng = stream(w.seed, "collectors")
    p = w.params
    tier_full = np.zeros(7)
    tier_full[[CLIQUE, LARGE, REGIONAL, ACCESS, CONTENT]] = (3.0, 4.0, 2.0, 0.3, 0.5)
    tier_part = np.zeros(7)
    tier_part[[REGIONAL, ACCESS, CONTENT, STUB]] = (1.0, 2.0, 1.0, 0.3)
    taken: set[int] = set()
    full = _pick_peers(w, rng, tier_full[w.tier], p.full_feed_peers, taken)
    taken |= set(full)
    part = _pick_peers(w, rng, tier_part[w.tier], p.partial_feed_peers, taken)
    specs = _COLLECTORS[: _N_COLLECTORS[scale]]
    per: list[list[tuple[int, bool]]] = [[] for _ in specs]
    for k, a in enumerate(full):
        per[k % len(specs)].append((a, True))
    for k, a in enumerate(part):
        per[k % len(specs)].append((a, False))
    out = []
    for c, (name, project, ip4) in enumerate(specs):
        sessions = []
        for a, is_full in sorted(per[c], key=lambda t: int(w.asn[t[0]])):
            base4 = _first_address(res, a, 4)
            bgp_id = base4 + 1 + c
            for af in (4, 6):
                base = _first_address(res, a, af)
                if base < 0:
                    continue
                ip = base + 1 + c if af == 4 else base + 0x10 + c
                sessions.append(Session(a, int(w.asn[a]), af, ip, bgp_id, is_full))
        local_as = RIS_AS if project == "ris" else ROUTEVIEWS_AS
        ip6 = (0x20010DB8 << 96) | (c + 1)  # documentation prefix for collector side
        out.append(Collector(name, project, ip4, local_as, ip4, ip6, tuple(sessions)))
    return out
