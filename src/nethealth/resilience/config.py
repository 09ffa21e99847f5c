"""The resilience index's configuration, versioned with the code: pillars → dimensions → inputs.

Each input names where its values come from (`kind` and `ref`), its direction (is a higher value
better or worse for resilience), its weight among its dimension's inputs, how old its reference
date may be (`max_age_days`, against the index date) and its missing-data rule. Weights are
relative among siblings: they are divided by their sum, so only ratios matter.

Missing-data rules (docs/methodology/resilience.md, "Missing data"):
- `renormalise`: a country without the value is scored on its measured siblings (their weights
  divided by their own sum); the missing weight lowers its coverage.
- `required`: a country without the value gets no index at all ("not measured").

`CONFIG_VERSION` changes whenever a weight, an input, a rule or the method changes: every row the
step writes carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nethealth.errors import ConfigError
from nethealth.ui.msgids import N_

CONFIG_VERSION = "1"


class Kind(StrEnum):
    """Where an input's values come from (nethealth.resilience.inputs reads each)."""

    INDICATOR = "indicator"  # a nethealth indicator, from `indicator_values`
    WDI = "wdi"  # a World Bank WDI series (raw store, source `worldbank`)
    APNIC_IPV6 = "apnic-ipv6"  # APNIC Labs per-economy IPv6 capability (`apnic_ipv6`)
    PEERINGDB_FAC = "peeringdb-fac"  # PeeringDB facilities per country (`peeringdb_fac`)
    ROUTE_DIVERSITY = "route-diversity"  # HHI of transit hegemony > 1 % (`bgp_country_dependency`)
    UPSTREAMS = "upstreams"  # transit ASes with hegemony ≥ 5 % (`bgp_country_dependency`)
    SHUTDOWNS = "shutdowns"  # distinct shutdown events over 365 days (`shutdown_events`)
    OOKLA = "ookla"  # Ookla speed tests per country and quarter (`ookla_country`), ref kind:column


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher is better"
    HIGHER_IS_WORSE = "higher is worse"


class Missing(StrEnum):
    RENORMALISE = "renormalise"
    REQUIRED = "required"


@dataclass(frozen=True)
class Input:
    id: str
    title: str  # msgid (N_): the pages translate it
    kind: Kind
    ref: str  # indicator id, WDI code, or the kind's own name
    source: str  # the source id(s) of the catalog, for the reader
    unit: str
    direction: Direction
    weight: float
    max_age_days: int
    missing: Missing = Missing.RENORMALISE
    # IQR capping assumes a spread; on a count that is zero for most countries (shutdowns) Q1 =
    # Q3 = 0 and the fences would cap every event to 0. Such an input is scaled uncapped.
    capping: bool = True


@dataclass(frozen=True)
class Dimension:
    id: str
    title: str
    weight: float
    inputs: tuple[Input, ...]


@dataclass(frozen=True)
class Pillar:
    id: str
    title: str
    weight: float
    dimensions: tuple[Dimension, ...]


@dataclass(frozen=True)
class Config:
    version: str
    pillars: tuple[Pillar, ...]
    # A country whose measured inputs carry less than this share of the weight gets no index.
    min_coverage: float
    # An input normalised over fewer countries than this is left out (quartiles of a handful of
    # values say nothing about outliers).
    min_countries: int
    # Monte Carlo sensitivity: draws, Dirichlet concentration around the configured weights
    # (higher: weights stay closer to the configured ones), seed, and the percentiles of the
    # simulated ranks that bound the interval.
    draws: int
    concentration: float
    seed: int
    interval: tuple[float, float]

    def inputs(self) -> list[tuple[Pillar, Dimension, Input]]:
        return [(p, d, i) for p in self.pillars for d in p.dimensions for i in d.inputs]

    def input(self, input_id: str) -> tuple[Pillar, Dimension, Input]:
        for p, d, i in self.inputs():
            if i.id == input_id:
                return p, d, i
        raise KeyError(input_id)


D = Direction
YEAR = 366
QUARTER = 92
MONTH = 31
HALF_YEAR = 184  # Ookla publishes a quarter some weeks after it ends
WDI_AGE = 3 * YEAR  # the World Bank publishes a year's figures one to two years after it

CONFIG = Config(
    version=CONFIG_VERSION,
    pillars=(
        Pillar("infrastructure", N_("Infrastructure"), 1.0, (
            Dimension("interconnection", N_("Interconnection"), 1.0, (
                Input("ixps_active", N_("Active IXPs"), Kind.INDICATOR, "ixps_active", "peeringdb",
                      "IXPs", D.HIGHER_IS_BETTER, 1.0, QUARTER),
                Input("ixp_domestic_membership", N_("Domestic networks at a local IXP"),
                      Kind.INDICATOR, "ixp_domestic_membership", "peeringdb, ipdb",
                      "% of networks", D.HIGHER_IS_BETTER, 1.0, QUARTER),
                Input("facilities", N_("Colocation facilities (PeeringDB)"), Kind.PEERINGDB_FAC,
                      "fac", "peeringdb", "facilities", D.HIGHER_IS_BETTER, 1.0, MONTH),
            )),
            Dimension("upstreams", N_("Routes to the world"), 1.0, (
                Input("route_diversity_hhi", N_("Concentration of transit (HHI of hegemony above 1 per cent)"),
                      Kind.ROUTE_DIVERSITY, "bgp_country_dependency", "bgp-ris, bgp-routeviews",
                      "HHI (0–10,000)", D.HIGHER_IS_WORSE, 1.0, MONTH),
                Input("upstreams", N_("Upstream transit networks (hegemony of 5 per cent or more)"),
                      Kind.UPSTREAMS, "bgp_country_dependency", "bgp-ris, bgp-routeviews", "ASes",
                      D.HIGHER_IS_BETTER, 1.0, MONTH),
            )),
        )),
        Pillar("performance", N_("Performance"), 1.0, (
            Dimension("modern_protocols", N_("Modern protocols"), 1.0, (
                Input("ipv6_capable", N_("Users able to use IPv6 (APNIC)"), Kind.APNIC_IPV6,
                      "capable_pc", "apnic-ipv6", "% of users", D.HIGHER_IS_BETTER, 1.0, MONTH),
                Input("adoption_ipv6_web", N_("Top sites reachable over IPv6"), Kind.INDICATOR,
                      "adoption_ipv6_web", "crux-country, country-toplist", "% of top sites",
                      D.HIGHER_IS_BETTER, 0.5, QUARTER),
                Input("adoption_http2", N_("Top sites with HTTP/2"), Kind.INDICATOR, "adoption_http2",
                      "crux-country, country-toplist", "% of top sites", D.HIGHER_IS_BETTER,
                      0.5, QUARTER),
            )),
            Dimension("speed", N_("Speed and latency"), 1.0, (
                Input("fixed_download", N_("Fixed download speed (Ookla)"), Kind.OOKLA,
                      "fixed:d_mbps", "ookla", "Mbit/s", D.HIGHER_IS_BETTER, 1.0, HALF_YEAR),
                Input("mobile_download", N_("Mobile download speed (Ookla)"), Kind.OOKLA,
                      "mobile:d_mbps", "ookla", "Mbit/s", D.HIGHER_IS_BETTER, 1.0, HALF_YEAR),
                Input("fixed_latency", N_("Fixed latency (Ookla)"), Kind.OOKLA, "fixed:lat_ms",
                      "ookla", "ms", D.HIGHER_IS_WORSE, 0.5, HALF_YEAR),
            )),
            Dimension("stability", N_("Stability"), 1.0, (
                Input("shutdowns", N_("Internet shutdowns in the last 365 days"), Kind.SHUTDOWNS,
                      "shutdown_events", "shutdowns", "distinct events", D.HIGHER_IS_WORSE, 1.0,
                      MONTH, capping=False),
            )),
        )),
        Pillar("security", N_("Security"), 1.0, (
            Dimension("routing_security", N_("Routing security"), 1.0, (
                Input("rpki_valid_route_share", N_("Routes RPKI-valid"), Kind.INDICATOR,
                      "rpki_valid_route_share", "bgp, rpki", "% of routes", D.HIGHER_IS_BETTER,
                      1.0, MONTH),
                Input("roa_space_coverage_v4", N_("IPv4 space covered by ROAs"), Kind.INDICATOR,
                      "roa_space_coverage_v4", "bgp, rpki", "% of addresses",
                      D.HIGHER_IS_BETTER, 1.0, MONTH),
                Input("manrs_filtering_ready_share", N_("Networks ready for MANRS filtering"),
                      Kind.INDICATOR, "manrs_filtering_ready_share", "bgp, rpki, irr", "%",
                      D.HIGHER_IS_BETTER, 0.5, QUARTER),
                Input("manrs_rpki_ready_share", N_("Networks ready for MANRS RPKI"),
                      Kind.INDICATOR, "manrs_rpki_ready_share", "bgp, rpki", "%",
                      D.HIGHER_IS_BETTER, 0.5, QUARTER),
            )),
            Dimension("web_security", N_("Web and mail security"), 1.0, (
                Input("adoption_https", N_("Top sites with HTTPS"), Kind.INDICATOR, "adoption_https",
                      "crux-country, country-toplist", "% of top sites", D.HIGHER_IS_BETTER,
                      1.0, QUARTER),
                Input("adoption_tls13", N_("Top sites with TLS 1.3"), Kind.INDICATOR,
                      "adoption_tls13", "crux-country, country-toplist", "% of top sites",
                      D.HIGHER_IS_BETTER, 1.0, QUARTER),
                Input("adoption_dnssec", N_("Top sites with DNSSEC"), Kind.INDICATOR,
                      "adoption_dnssec", "crux-country, country-toplist", "% of top sites",
                      D.HIGHER_IS_BETTER, 1.0, QUARTER),
                Input("adoption_dmarc_enforced", N_("Top sites enforcing DMARC"), Kind.INDICATOR,
                      "adoption_dmarc_enforced", "crux-country, country-toplist",
                      "% of top sites", D.HIGHER_IS_BETTER, 1.0, QUARTER),
            )),
        )),
        Pillar("market", N_("Market readiness"), 1.0, (
            Dimension("uptake", N_("Uptake"), 1.0, (
                Input("internet_users", N_("Individuals using the Internet (World Bank)"), Kind.WDI,
                      "IT.NET.USER.ZS", "worldbank", "% of population", D.HIGHER_IS_BETTER, 1.0,
                      WDI_AGE),
            )),
            Dimension("market_depth", N_("Market depth"), 1.0, (
                Input("asns_routed", N_("Networks (ASNs) routed"), Kind.INDICATOR, "asns_routed",
                      "bgp, rir", "ASNs", D.HIGHER_IS_BETTER, 1.0, MONTH),
                Input("gdp_per_capita", N_("GDP per capita (World Bank)"), Kind.WDI,
                      "NY.GDP.PCAP.CD", "worldbank", "current US$", D.HIGHER_IS_BETTER, 0.5,
                      WDI_AGE),
            )),
        )),
    ),
    min_coverage=0.5,
    min_countries=5,
    draws=1000,
    concentration=50.0,
    seed=20261208,
    interval=(5.0, 95.0),
)  # fmt: skip


def check(config: Config) -> Config:
    """A configuration the method can run: unique ids, positive weights, sane settings."""
    ids = [i.id for _p, _d, i in config.inputs()]
    nodes = [p.id for p in config.pillars] + [d.id for p in config.pillars for d in p.dimensions]
    for what, seen in (("input", ids), ("pillar or dimension", nodes)):
        dup = sorted({x for x in seen if seen.count(x) > 1})
        if dup:
            raise ConfigError(f"resilience config {config.version}: duplicate {what} id(s) "
                              f"{', '.join(dup)}", hint="give each a unique id")  # fmt: skip
    weighted = [(p.id, p.weight) for p in config.pillars]
    weighted += [(d.id, d.weight) for p in config.pillars for d in p.dimensions]
    weighted += [(i.id, i.weight) for _p, _d, i in config.inputs()]
    bad = [n for n, w in weighted if not w > 0]
    if bad:
        raise ConfigError(f"resilience config {config.version}: weights must be > 0 "
                          f"({', '.join(bad)})", hint="leave an input out instead of weight 0")  # fmt: skip
    if not 0 < config.min_coverage <= 1 or config.draws < 1 or config.concentration <= 0:
        raise ConfigError(f"resilience config {config.version}: min_coverage must be in (0, 1], "
                          "draws ≥ 1, concentration > 0")  # fmt: skip
    return config
