"""A VRP set made from a RIB's own routes so that every RFC 6811 state occurs.

Real VRP snapshots of the date of the only full real RIB here (RIS rrc06, 2010-07-01) do not
exist (RPKI started in 2011), so tests and benchmarks that run ROV on it construct one: a ROA
for every 5th distinct (prefix, origin) route (valid), another origin's ROA for every 7th
(invalid, origin), a ROA of the covering prefix for every 11th (invalid, too specific).
"""

from __future__ import annotations

import ipaddress

import pyarrow as pa
import pyarrow.compute as pc

from nethealth.formats.vrp import vrp_table

OTHER_ORIGIN = 64512  # a private ASN: never a route's real origin in public tables


def mixed_state_vrps(routes: pa.Table, source: str) -> pa.Table:
    """VRPs for `routes` (columns prefix, prefix_length, origin_asn), VRP_SCHEMA."""
    pairs = (
        routes.filter(pc.is_valid(routes["origin_asn"]))
        .group_by(["prefix", "prefix_length", "origin_asn"], use_threads=False)
        .aggregate([])
        .sort_by([("prefix", "ascending"), ("origin_asn", "ascending")])
    )
    prefixes: list[str] = []
    max_lengths: list[int | None] = []
    asns: list[int] = []
    for i, r in enumerate(pairs.to_pylist()):
        roa: tuple[str, int | None, int] | None = None
        if i % 5 == 0:
            roa = (r["prefix"], None, r["origin_asn"])
        elif i % 7 == 0:
            roa = (r["prefix"], None, OTHER_ORIGIN)
        elif i % 11 == 0 and r["prefix_length"] > 8:
            cover = ipaddress.ip_network(r["prefix"]).supernet()
            roa = (str(cover), cover.prefixlen, r["origin_asn"])
        if roa is not None:
            prefixes.append(roa[0])
            max_lengths.append(roa[1])
            asns.append(roa[2])
    return vrp_table(prefixes, max_lengths, asns, [source] * len(asns), path="constructed")
