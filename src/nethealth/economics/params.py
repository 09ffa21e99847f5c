"""The cost model's assumptions: ranges and the parameters that hold them (one place, so the
model, the scope reader and the methodology page read the same numbers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Range:
    low: float
    central: float
    high: float

    @classmethod
    def point(cls, value: float) -> Range:
        return cls(value, value, value)

    def __mul__(self, other: Range | float) -> Range:
        o = other if isinstance(other, Range) else Range.point(other)
        return Range(self.low * o.low, self.central * o.central, self.high * o.high)

    def __add__(self, other: Range) -> Range:
        return Range(self.low + other.low, self.central + other.central, self.high + other.high)

    def __str__(self) -> str:
        return f"{self.low:.3g} / {self.central:.3g} / {self.high:.3g}"

    def capped(self, top: float) -> Range:
        return Range(min(self.low, top), min(self.central, top), min(self.high, top))


DEFAULT_SERVICE_WEIGHTS: Mapping[str, float] = {
    "facebook": 0.05,
    "whatsapp": 0.05,
    "phone-calls": 0.05,
    "instagram": 0.02,
    "telegram": 0.02,
    "youtube": 0.02,
    "sms": 0.02,
    "twitter": 0.01,
    "tiktok": 0.01,
    "vpns": 0.01,
}


@dataclass(frozen=True)
class CostParameters:
    """Every assumption of the model, with its range. See docs/methodology/cost-model.md."""

    # Share of GDP the Internet economy would make up were everyone online; × Internet users.
    internet_intensity: Range = Range(0.03, 0.05, 0.08)
    # Network factors of a full shutdown limited to one kind of network.
    mobile_only: Range = Range(0.5, 0.7, 0.9)
    broadband_only: Range = Range(0.1, 0.3, 0.5)
    # A shutdown whose networks are not recorded: from mobile-only (low) to all networks
    # (high); central nearer all networks, as 59% of STOP's records with networks cut both.
    networks_unrecorded_central: float = 0.85
    # Only satellite Internet cut or banned (Starlink, VSAT): the share of the area's Internet
    # use that goes over satellite. Iran's ~100,000 Starlink terminals, a few users each,
    # against ~76 million people online give ~0.5%; the high end allows for conflict areas
    # where terminals carry much of what connectivity is left (Myanmar, Sudan).
    satellite_only: Range = Range(0.001, 0.005, 0.05)
    # Throttling leaves a degraded service: part of the loss of a shutdown.
    throttling: Range = Range(0.25, 0.5, 0.75)
    # Blocking services: the sum of per-service weights (central), capped, with a spread.
    service_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SERVICE_WEIGHTS)
    )
    other_service_weight: float = 0.005
    services_unspecified: Range = Range(0.02, 0.05, 0.15)
    service_spread: tuple[float, float] = (0.5, 2.0)
    service_cap: float = 0.5
    # People affected by a non-national event when the area is not a known region,
    # capped at a share of the national population.
    local_people: Range = Range(50_000, 250_000, 1_000_000)
    local_cap: float = 0.10
    regional_people: Range = Range(500_000, 2_000_000, 5_000_000)
    regional_cap: float = 0.30
    multi_region_people: Range = Range(2_000_000, 5_000_000, 15_000_000)
    multi_region_cap: float = 0.50
    region_share_spread: tuple[float, float] = (0.8, 1.2)
    # An event whose end is unknown and which is not ongoing.
    unknown_duration_days: Range = Range(0.125, 1.0, 3.0)
    min_days: float = 0.125  # three hours: the shortest disruption STOP records
