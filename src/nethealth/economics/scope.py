"""What an event took away, read from a record's service and scope fields: the share of the
Internet economy (in the area cut off) that the cost model removes.

A record says how it was cut in its type (`shutdown` = a full-network cut, `service-blocking`,
`throttling`), the networks (mobile, broadband) and the services named (the STOP service columns
and its `other_affected` text). Each combination maps to one documented kind and range:

| kind            | when                                                            | share removed  |
|-----------------|-----------------------------------------------------------------|----------------|
| full            | a full-network shutdown of mobile and broadband                 | 1              |
| mobile-only     | … of mobile networks only                                       | mobile_only    |
| broadband-only  | … of fixed broadband only                                       | broadband_only |
| satellite-only  | only satellite Internet (Starlink, VSAT) was cut or banned      | satellite_only |
| services        | named services blocked (Facebook, WhatsApp …), or throttling    | weights        |
| unscoped        | the record does not say enough: a wide range, and a note saying so          |

"Full network" records that name only satellite services are ambiguous in the sheet itself:
Iran's 2025 ban of Starlink and Tanzania's 2025 nationwide blackout "including Starlink" are
both written Shutdown × Full network × other_affected = Starlink. The record's own description
settles it with the phrases in `_SATELLITE_CUT` and `_NETWORK_CUT`; when neither matches, the
event is unscoped (from the satellite share to a full shutdown). A curator can set the field
`cost_scope` to decide any record; that choice is logged like every edit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from nethealth.common.json_types import Json
from nethealth.economics.params import CostParameters, Range

# The kinds of cut the model knows. A record's own fields decide its kind; a curator sets the
# tracker's field `cost_scope` to one of these when they do not say (nethealth.shutdowns.model).
COST_SCOPES = (
    "full",
    "mobile-only",
    "broadband-only",
    "satellite-only",
    "services",
    "throttling",
    "unscoped",
)
SATELLITE_SERVICES = re.compile(
    r"^(starlink|vsats?|satellite( internet| phones?| terminals?)?|thuraya|inmarsat|"
    r"iridium|oneweb|hughesnet|satellite dishes)$",
    re.IGNORECASE,
)
_SAT = r"(?:starlink|vsats?|satellite)"
_GAP = r"\W+(?:\w+\W+){0,6}?"
# The satellite service is the object of the cut: "banned the use of Starlink", "confiscated
# Starlink devices", "Starlink was shut down", "surrender any Starlink equipment" …
_SATELLITE_CUT = re.compile(
    rf"\b(?:ban\w*|confiscat\w*|seiz\w*|surrender\w*|restrict\w*|suspend\w*|shut\w*|"
    rf"block\w*|prohibit\w*|criminali[sz]\w*|outlaw\w*|closed?){_GAP}{_SAT}\b"
    rf"|\b{_SAT}\W+(?:\w+\W+){{0,4}}?(?:was|were|is|are|has been|have been)\W+"
    rf"(?:\w+\W+){{0,2}}?(?:shut|suspended|banned|confiscated|closed|restricted|blocked|seized)",
    re.IGNORECASE,
)
# The whole network was cut, satellite with it: "full nationwide network shutdown, including
# Starlink", "Mobile and broadband internet were suspended", "the internet was shut down for".
_NETWORK_CUT = re.compile(
    r"\b(?:full|complete|total|entire)\W+(?:\w+\W+){0,2}?(?:network|internet)\W+"
    r"(?:shut\s?down|blackout|outage)"
    r"|\b(?:mobile|broadband)\s+(?:and|&)\s+(?:mobile|broadband)\s+(?:internet\s+)?"
    r"(?:services\s+)?(?:were|was)\s+(?:\w+\s+){0,2}?(?:suspended|shut|cut)"
    r"|\binternet\s+services\s+(?:were|was)\s+(?:ordered\s+to\s+be\s+)?(?:suspended|shut|cut)"
    r"|\bthe\s+internet\s+was\s+shut\s?down\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CostScope:
    kind: str  # one of COST_SCOPES
    factor: Range  # share of the Internet economy of the area that the event removed
    scoped: bool  # False: the record does not say what was cut; the range is wide
    basis: str  # which fields decided, in words
    assumptions: list[str] = field(default_factory=list)


def _names(record: Mapping[str, Json]) -> list[str]:
    return [str(s).strip() for s in record.get("services") or [] if str(s).strip()]


def satellite_only_names(record: Mapping[str, Json]) -> bool:
    names = _names(record)
    return bool(names) and all(SATELLITE_SERVICES.match(n) for n in names)


def _text(record: Mapping[str, Json]) -> str:
    return " ".join(
        str(record.get(k) or "") for k in ("description", "cause_details", "justification_details")
    )


def _network(record: Mapping[str, Json], p: CostParameters) -> CostScope:
    networks = set(record.get("networks") or [])
    if networks == {"mobile"}:
        return CostScope("mobile-only", p.mobile_only, True, "networks: mobile only")
    if networks == {"broadband"}:
        return CostScope("broadband-only", p.broadband_only, True, "networks: broadband only")
    if networks >= {"mobile", "broadband"}:
        return CostScope("full", Range.point(1.0), True, "networks: mobile and broadband")
    low, high = p.mobile_only.low, 1.0
    return CostScope(
        "unscoped",
        Range(low, p.networks_unrecorded_central, high),
        False,
        "networks not recorded",
        [
            "the record does not say which networks were cut: from a mobile-only cut "
            f"({low:g}) to all networks ({high:g})"
        ],
    )


def _services(record: Mapping[str, Json], p: CostParameters) -> CostScope:
    names = [n.lower() for n in _names(record)]
    if not names:
        return CostScope(
            "unscoped",
            p.services_unspecified,
            False,
            "service-based, no service named",
            [
                "the record names no service: the share of a typical block of social media "
                f"and messaging ({p.services_unspecified})"
            ],
        )
    central = sum(p.service_weights.get(n, p.other_service_weight) for n in names)
    central = min(central, p.service_cap)
    lo, hi = p.service_spread
    basis = f"services named: {', '.join(_names(record))}"
    return CostScope("services", Range(central * lo, central, min(central * hi, 1.0)), True, basis)


def _satellite(record: Mapping[str, Json], p: CostParameters) -> CostScope:
    """A full-network record that names only satellite services: the description decides."""
    text = _text(record)
    names = ", ".join(_names(record))
    satellite = CostScope(
        "satellite-only",
        p.satellite_only,
        True,
        f"full network with only satellite Internet named ({names}); the description says "
        "the satellite service was cut",
        [
            "only satellite Internet users lost access: a small share of the people online "
            f"({p.satellite_only})"
        ],
    )
    if _NETWORK_CUT.search(text):
        network = _network(record, p)
        basis = f"{network.basis}; the description says the whole network was cut, {names} with it"
        return CostScope(network.kind, network.factor, network.scoped, basis, network.assumptions)
    if _SATELLITE_CUT.search(text):
        return satellite
    full = _network(record, p)
    central = math.sqrt(p.satellite_only.central * full.factor.central)
    return CostScope(
        "unscoped",
        Range(p.satellite_only.low, central, full.factor.high),
        False,
        f"full network with only satellite Internet named ({names}); the description does "
        "not say whether only the satellite service was cut",
        [
            "not scoped: from a satellite-only cut to a full shutdown, central the geometric "
            "mean of the two; a curator can set cost_scope"
        ],
    )


def _curated(kind: str, record: Mapping[str, Json], p: CostParameters) -> CostScope:
    basis = f"cost_scope set by a curator: {kind}"
    fixed: dict[str, Range] = {
        "full": Range.point(1.0),
        "mobile-only": p.mobile_only,
        "broadband-only": p.broadband_only,
        "satellite-only": p.satellite_only,
        "throttling": p.throttling * _network(record, p).factor,
    }
    if kind in fixed:
        return CostScope(kind, fixed[kind], True, basis)
    if kind == "services":
        found = _services(record, p)
        return CostScope("services", found.factor, found.scoped, basis, found.assumptions)
    unscoped = Range(p.services_unspecified.low, p.services_unspecified.high, 1.0)
    return CostScope(
        "unscoped",
        unscoped,
        False,
        basis,
        ["a curator marked the scope unknown: from a service block to a full shutdown"],
    )


def cost_scope(record: Mapping[str, Json], p: CostParameters) -> CostScope:
    """The kind of cut a record describes and the share of the Internet economy it removed."""
    chosen = record.get("cost_scope")
    if isinstance(chosen, str) and chosen in COST_SCOPES:
        return _curated(chosen, record, p)
    types = [str(t) for t in record.get("types") or [record.get("type")] if t]
    if satellite_only_names(record) and "throttling" not in types:
        if "shutdown" in types:
            return _satellite(record, p)
        return CostScope(
            "satellite-only",
            p.satellite_only,
            True,
            f"service-based, only satellite Internet named ({', '.join(_names(record))})",
            [f"only satellite Internet users lost access ({p.satellite_only})"],
        )
    if "shutdown" in types:
        return _network(record, p)
    if "service-blocking" in types:
        return _services(record, p)
    if "throttling" in types:
        base = _services(record, p) if _names(record) else _network(record, p)
        return CostScope(
            "services" if _names(record) else base.kind,
            p.throttling * base.factor,
            base.scoped,
            f"throttling; {base.basis}",
            [
                f"a throttled network keeps part of its use ({p.throttling} of the loss)",
                *base.assumptions,
            ],
        )
    return CostScope(
        "unscoped",
        Range(p.services_unspecified.low, p.services_unspecified.high, 1.0),
        False,
        "type not recorded",
        ["the record does not say what was cut: from a service block to a full shutdown"],
    )
