"""Configuration and result types of the simulator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Scale = Literal["tiny", "small", "full"]
SCALES: tuple[Scale, ...] = ("tiny", "small", "full")

GENERATOR_VERSION = "0.4.0"


@dataclass(frozen=True)
class NoiseConfig:
    """Everyday measurement noise and background routing churn (docs/simulator.md, "Noise").

    Rates are per day. Where a published figure exists the docs cite it; every other value is
    an order-of-magnitude assumption stated as such there. `enabled=False` gives the old,
    noise-free world (only the injected events change anything).
    """

    enabled: bool = True
    # --- RIPE Atlas -------------------------------------------------------------------
    probe_disconnects_per_day: float = 0.3  # per home probe, Poisson
    flaky_probe_share: float = 0.1  # probes with 10x the disconnect rate (bad CPE/USB)
    disconnect_median_minutes: float = 20.0  # log-normal durations ...
    disconnect_sigma: float = 1.6  # ... with a heavy tail (hours happen)
    disconnect_max_hours: float = 48.0
    long_absence_share: float = 0.08  # probes away for days (owner moved, power off)
    new_probe_share: float = 0.03  # probes that first connect during the window
    anchor_share: float = 0.05  # anchors: data-centre hosted, 20x fewer disconnects
    anchor_disconnect_factor: float = 0.05
    result_loss: float = 0.01  # single results never stored
    path_loss_max: float = 0.05  # per probe-target path packet loss, uniform 0..max
    platform_gaps_per_day: float = 0.5  # result-store gaps: a controller's probes silent
    platform_gap_median_minutes: float = 25.0
    controllers: int = 3  # probes spread over this many controllers
    power_cut_countries: int = 2  # countries with scheduled daily load shedding
    power_cut_share: tuple[float, float] = (0.15, 0.45)  # share of their home probes hit
    power_cut_hours: tuple[int, int] = (2, 4)  # length of each daily block
    # --- BGP --------------------------------------------------------------------------
    prefix_withdrawals_per_day: float = 0.02  # origin withdraws + re-announces, per prefix
    unstable_as_sigma: float = 1.0  # per-AS log-normal rate multiplier (some networks worse)
    withdrawal_median_minutes: float = 4.0
    withdrawal_sigma: float = 1.5
    withdrawal_max_share: float = 0.25  # a routine withdrawal never takes more of its AS
    session_resets_per_day: float = 0.15  # per collector session (peer and family)
    session_down_median_minutes: float = 6.0
    session_down_sigma: float = 2.0  # heavy tail: some peers stay down for hours
    session_down_max_hours: float = 12.0
    reannounce_minutes: float = 4.0  # a re-established peer sends its table over minutes
    te_toggles_per_day: float = 0.01  # more-specifics toggled, per covering v4 prefix
    growth_per_day: float = 0.0003  # share of prefixes first announced during the window


@dataclass(frozen=True)
class SimConfig:
    """What to simulate. Same config -> byte-identical output tree."""

    out: Path
    seed: int = 1
    scale: Scale = "small"
    days: int = 1
    start: dt.date = dt.date(2025, 6, 1)
    # Overrides of per-country ROA coverage (ISO alpha-2 -> fraction of ASes with ROAs).
    roa_coverage: dict[str, float] = field(default_factory=dict)
    # Processes for the output stage (collectors, Atlas, RPKI); output bytes do not depend
    # on it. 1 = in-process.
    workers: int = 1
    noise: NoiseConfig = field(default_factory=NoiseConfig)

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {self.scale!r}")
        if self.days < 0:
            raise ValueError(f"days must be >= 0, got {self.days}")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        if not 0 <= self.seed < 2**63:
            raise ValueError(f"seed must be in [0, 2**63), got {self.seed}")
        for cc, frac in self.roa_coverage.items():
            if not 0.0 <= frac <= 1.0:
                raise ValueError(f"roa_coverage[{cc!r}] must be in [0, 1], got {frac}")


@dataclass(frozen=True)
class TierSizes:
    clique: int
    large: int
    regional: int
    access: int
    content: int
    stub: int

    @property
    def total(self) -> int:
        return self.clique + self.large + self.regional + self.access + self.content + self.stub


@dataclass(frozen=True)
class ScaleParams:
    """Size knobs per scale."""

    n_countries: int  # 0 = every country of the table
    tiers: TierSizes
    n_ixps: int
    v4_prefixes: int
    v6_prefixes: int
    snapshot_months: int
    full_feed_peers: int
    partial_feed_peers: int
    n_probes: int
    toplist_size: int
    all_ribs: bool = True  # every 2 h (RouteViews) / 8 h (RIS); False: only at the start
    churn_per_route: float = 2e-5  # background updates per exported route and minute


SCALE_PARAMS: dict[str, ScaleParams] = {
    "tiny": ScaleParams(
        n_countries=8,
        tiers=TierSizes(clique=3, large=4, regional=8, access=14, content=4, stub=24),
        n_ixps=4,
        v4_prefixes=220,
        v6_prefixes=60,
        snapshot_months=3,
        full_feed_peers=4,
        partial_feed_peers=2,
        n_probes=8,
        toplist_size=20,
    ),
    "small": ScaleParams(
        n_countries=60,
        tiers=TierSizes(clique=12, large=60, regional=300, access=900, content=180, stub=1550),
        n_ixps=60,
        v4_prefixes=30_000,
        v6_prefixes=6_000,
        snapshot_months=12,
        full_feed_peers=10,
        partial_feed_peers=6,
        n_probes=400,
        toplist_size=100,
    ),
    "full": ScaleParams(
        n_countries=0,
        tiers=TierSizes(
            clique=16, large=350, regional=3500, access=22000, content=3500, stub=46000
        ),
        n_ixps=900,
        v4_prefixes=1_000_000,
        v6_prefixes=200_000,
        snapshot_months=12,
        full_feed_peers=28,
        partial_feed_peers=12,
        n_probes=2000,
        toplist_size=1000,
        all_ribs=False,
    ),
}


@dataclass(frozen=True)
class WrittenFile:
    path: str  # relative to SimConfig.out, POSIX separators
    size: int
    sha256: str


@dataclass
class SimResult:
    """What run() produced."""

    config: SimConfig
    files: list[WrittenFile]
    counts: dict[str, int]
    manifest: Path
