"""A deliberately plain RFC 6811 validator: the test oracle for the vectorised engine.

Per route, it looks up every shorter-or-equal VRP prefix length in a dict - slow, obvious, and
built on `ipaddress` rather than on any nethealth code.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Vrp:
    prefix: str
    length: int
    max_length: int
    asn: int


def rov_reference(
    vrps: Iterable[tuple[str, int, int]], routes: Iterable[tuple[str, int | None]]
) -> list[tuple[str, str]]:
    """(state, reason) per route; VRPs as (prefix, maxLength, asn), host bits cleared."""
    table: dict[tuple[int, int, int], list[Vrp]] = {}
    lengths: dict[int, set[int]] = {4: set(), 6: set()}
    for prefix, max_length, asn in vrps:
        net = ipaddress.ip_network(prefix, strict=False)
        width = net.max_prefixlen
        key = (net.version, net.prefixlen, int(net.network_address) >> (width - net.prefixlen))
        table.setdefault(key, []).append(Vrp(str(net), net.prefixlen, max_length, asn))
        lengths[net.version].add(net.prefixlen)
    out = []
    for prefix, origin in routes:
        net = ipaddress.ip_network(prefix, strict=False)
        width = net.max_prefixlen
        addr = int(net.network_address)
        covering = [
            v
            for length in sorted(lengths[net.version])
            if length <= net.prefixlen
            for v in table.get((net.version, length, addr >> (width - length)), [])
        ]
        out.append(_decide(covering, net.prefixlen, origin))
    return out


def _decide(covering: list[Vrp], length: int, origin: int | None) -> tuple[str, str]:
    if not covering:
        return "not-found", "no covering VRP"
    # RFC 7607: an AS0 VRP matches no route; a route without an origin matches nothing.
    same_origin = [v for v in covering if origin is not None and v.asn != 0 and v.asn == origin]
    matches = [v for v in same_origin if length <= v.max_length]
    if matches:
        best = max(matches, key=lambda v: (v.max_length, v.length))
        return "valid", f"matched AS{best.asn} {best.prefix}-{best.max_length}"
    if same_origin:
        return "invalid", "more specific than maxLength"
    if all(v.asn == 0 for v in covering):
        return "invalid", "only AS0 VRPs cover it"
    return "invalid", "origin mismatch"
