"""Routing-security indicators from routes and VRPs, per ASN and per country.

Definitions (method version 1):

- a *route* is a distinct (prefix, origin AS) pair seen by at least `min_peers` distinct BGP
  peers; its RPKI state is RFC 6811's (`nethealth.rpki.rov`);
- a prefix is *covered* when at least one VRP covers it, whatever the ASN (so covered = the
  route is valid or invalid, not not-found); this is "ROA coverage";
- *prefix coverage* = covered distinct prefixes / distinct prefixes the group originates;
- *address-space coverage* = address space of the union of the covered prefixes / address space
  of the union of all its prefixes (nested prefixes count once), per family: IPv4 in /24
  equivalents, IPv6 in /48 equivalents;
- *shares of routes* valid / invalid / not-found, over the group's routes; `invalid` splits into
  `invalid_origin` (no covering VRP carries the origin; includes AS0-only coverage) and
  `invalid_length` (it does, but the route is longer than its maxLength). `invalid` is also the
  number of RPKI-invalid routes the group originates.

Per ASN the group is the origin AS; per country, the ASes registered in it (a mapping the caller
gives, e.g. from RIR delegations), with prefixes counted once across its ASes.
Routes without a single origin (AS_SET) are validated but belong to no ASN or country.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.common.prefixes import (
    end_words,
    format_prefixes,
    from_range_columns,
    parse_prefixes,
    range_columns,
)
from nethealth.rpki.rov import (
    AS0_ONLY,
    INVALID,
    NO_ORIGIN,
    NOT_FOUND,
    ORIGIN_MISMATCH,
    TOO_SPECIFIC,
    VALID,
    VrpIndex,
    reason_text,
    state_text,
)

METHOD_VERSION = "1"
PEER_COLUMNS = ("peer_asn", "peer_ip")
STATE_SCHEMA = pa.schema(
    [
        ("prefix", pa.string()),
        ("af", pa.int8()),
        ("prefix_length", pa.uint8()),
        ("origin_asn", pa.uint32()),
        ("start", pa.uint64()),
        ("end", pa.uint64()),
        ("start_lo", pa.uint64()),
        ("end_lo", pa.uint64()),
        ("peers", pa.int64()),
        ("state", pa.string()),
        ("reason", pa.string()),
        ("state_code", pa.uint8()),
        ("reason_code", pa.uint8()),
    ]
)
MEASURES = pa.schema(
    [
        ("af", pa.int8()),
        ("prefixes", pa.int64()),
        ("prefixes_covered", pa.int64()),
        ("prefix_coverage", pa.float64()),
        ("space", pa.float64()),
        ("space_covered", pa.float64()),
        ("space_coverage", pa.float64()),
        ("routes", pa.int64()),
        ("valid", pa.int64()),
        ("invalid", pa.int64()),
        ("invalid_origin", pa.int64()),
        ("invalid_length", pa.int64()),
        ("not_found", pa.int64()),
        ("share_valid", pa.float64()),
        ("share_invalid", pa.float64()),
        ("share_not_found", pa.float64()),
    ]
)
# Address-space units: IPv4 /24, IPv6 /48 (the units of the existing space indicators).
UNIT_BITS = {4: 24, 6: 48}


def route_states(
    routes: pa.Table, vrps: pa.Table, *, min_peers: int = 1, index: VrpIndex | None = None
) -> pa.Table:
    """Distinct routes (host bits cleared) seen by >= min_peers peers, with their RPKI state.

    `routes` needs `prefix` (text) and `origin_asn` (integer, null for none); peers are told
    apart by whichever of `peer_asn` / `peer_ip` it has (no peer column: every row counts 1).
    """
    parsed = parse_prefixes(routes["prefix"].combine_chunks())
    origin = routes["origin_asn"].combine_chunks().cast(pa.int64())
    cols = range_columns(parsed.af, parsed.hi, parsed.lo, parsed.length)
    base = pa.table(
        {
            "af": pa.array(parsed.af.astype(np.int8)),
            "prefix_length": pa.array(parsed.length),
            "origin": pc.fill_null(origin, NO_ORIGIN),
            **{k: pa.array(v) for k, v in cols.items()},
            "peer": _peer_key(routes),
        }
    )
    keys = ["af", "start", "start_lo", "prefix_length", "origin"]
    grouped = base.group_by(keys, use_threads=False).aggregate(
        [("peer", "count_distinct"), ("end", "min"), ("end_lo", "min")]
    )
    grouped = grouped.filter(pc.greater_equal(grouped["peer_count_distinct"], min_peers))
    af = grouped["af"].to_numpy().astype(np.uint8)
    length = grouped["prefix_length"].to_numpy()
    hi, lo = from_range_columns(af, grouped["start"].to_numpy(), grouped["start_lo"].to_numpy())
    org = grouped["origin"].to_numpy()
    ix = index if index is not None else VrpIndex.from_table(vrps)
    result = ix.validate(af, hi, lo, length, org)
    table = pa.table(
        {
            "prefix": pa.array(format_prefixes(af, hi, lo, length), pa.string()),
            "af": grouped["af"],
            "prefix_length": grouped["prefix_length"],
            "origin_asn": pa.array(np.maximum(org, 0), pa.uint32(), mask=org == NO_ORIGIN),
            "start": grouped["start"],
            "end": grouped["end_min"],
            "start_lo": grouped["start_lo"],
            "end_lo": grouped["end_lo_min"],
            "peers": grouped["peer_count_distinct"],
            "state": state_text(result),
            "reason": reason_text(result, vrps),
            "state_code": pa.array(result.state),
            "reason_code": pa.array(result.reason),
        }
    )
    return table.cast(STATE_SCHEMA)


# The decoded-BGP element schema (`bgp.elements/1` of nethealth.bgp): segment type codes of
# `as_path_segments`, and which element kinds carry a route.
_SET_SEGMENTS = (1, 4)  # AS_SET, AS_CONFED_SET
_SEGMENT_TYPE_MASK = 0x7F
_ROUTE_ELEMS = ("rib", "announce")


def routes_from_bgp_elements(elements: pa.Table) -> pa.Table:
    """`prefix, origin_asn, peer_asn, peer_ip` from decoded BGP elements (RIB entries and
    announcements). RFC 6811: a route whose path ends in an AS_SET has no single origin (null);
    so does one whose origin list is not exactly one ASN."""
    kind = pc.cast(elements["elem_type"], pa.string())
    rows = elements.filter(pc.is_in(kind, pa.array(_ROUTE_ELEMS)))
    origins = rows["origin_asns"].combine_chunks()
    segments = rows["as_path_segments"].combine_chunks()
    n = rows.num_rows
    count = pc.fill_null(pc.list_value_length(origins), 0).to_numpy()
    offsets = origins.offsets.to_numpy()[:n]
    values = origins.flatten().to_numpy()
    single = count == 1
    first = np.zeros(n, np.int64)
    first[single] = values[offsets[single] - origins.offsets.to_numpy()[0]]
    seg_len = pc.fill_null(pc.list_value_length(segments), 0).to_numpy()
    seg_end = segments.offsets.to_numpy()[1 : n + 1] - segments.offsets.to_numpy()[0]
    seg_values = segments.flatten().to_numpy()
    has = seg_len > 0
    last_type = np.zeros(n, np.int64)
    last_type[has] = seg_values[seg_end[has] - 1] & _SEGMENT_TYPE_MASK
    ends_in_set = np.isin(last_type, _SET_SEGMENTS)
    none = ~single | ends_in_set
    return pa.table(
        {
            "prefix": pc.cast(rows["prefix"], pa.string()),
            "origin_asn": pa.array(first, pa.int64(), mask=none),
            "peer_asn": rows["peer_asn"],
            "peer_ip": pc.cast(rows["peer_ip"], pa.string()),
        }
    )


def _peer_key(routes: pa.Table) -> pa.Array:
    present = [c for c in PEER_COLUMNS if c in routes.column_names]
    if not present:
        return pa.array(np.arange(routes.num_rows))  # no peer information: each row counts
    parts = [pc.cast(routes[c].combine_chunks(), pa.string()) for c in present]
    return pc.binary_join_element_wise(*parts, "|")


def coverage_by_asn(states: pa.Table) -> pa.Table:
    """One row per (origin ASN, family) with the measures of the module docstring."""
    has = states.filter(pc.is_valid(states["origin_asn"]))
    keys = has["origin_asn"].to_numpy()
    uniq, codes = np.unique(keys, return_inverse=True)
    out = _measures(has, codes, len(uniq))
    return _with_key(out, "asn", pa.array(uniq, pa.uint32()))


def coverage_by_country(states: pa.Table, asn_country: pa.Table) -> pa.Table:
    """One row per (country, family); `asn_country` maps `asn` to `cc` (routes of unmapped
    ASes are left out)."""
    mapping = asn_country.select(["asn", "cc"]).cast(
        pa.schema([("asn", pa.uint32()), ("cc", pa.string())])
    )
    has = states.filter(pc.is_valid(states["origin_asn"]))
    joined = has.join(
        mapping, keys="origin_asn", right_keys="asn", join_type="inner", use_threads=False
    )
    cc = joined["cc"].to_numpy(zero_copy_only=False).astype(str)
    uniq, codes = np.unique(cc, return_inverse=True)
    out = _measures(joined, codes, len(uniq))
    return _with_key(out, "cc", pa.array(uniq.tolist(), pa.string()))


def _with_key(measures: pa.Table, name: str, labels: pa.Array) -> pa.Table:
    group = measures["group"].to_numpy()
    return measures.drop_columns(["group"]).add_column(0, name, pc.take(labels, pa.array(group)))


def _measures(states: pa.Table, group: npt.NDArray[np.int64], n_groups: int) -> pa.Table:
    af_all = states["af"].to_numpy()
    parts = []
    for fam in (4, 6):
        sel = np.flatnonzero(af_all == fam)
        if not sel.size:
            continue
        parts.append(_family_measures(states.take(pa.array(sel)), group[sel], n_groups, fam))
    schema = pa.schema([("group", pa.int64()), *MEASURES])
    if not parts:
        return schema.empty_table()
    return (
        pa.concat_tables(parts).cast(schema).sort_by([("group", "ascending"), ("af", "ascending")])
    )


def _family_measures(
    st: pa.Table, group: npt.NDArray[np.int64], n_groups: int, fam: int
) -> pa.Table:
    af = st["af"].to_numpy().astype(np.uint8)
    hi, lo = from_range_columns(af, st["start"].to_numpy(), st["start_lo"].to_numpy())
    length = st["prefix_length"].to_numpy()
    state = st["state_code"].to_numpy()
    reason = st["reason_code"].to_numpy()
    covered = state != NOT_FOUND

    def count(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        return np.bincount(group[mask], minlength=n_groups).astype(np.int64)

    # Distinct prefixes per group (routes of one prefix with several origins count once).
    pkey = np.column_stack([group.astype(np.uint64), hi, lo, length.astype(np.uint64)])
    _, first = np.unique(pkey, axis=0, return_index=True)
    distinct = np.zeros(len(group), dtype=bool)
    distinct[first] = True
    routes = count(np.ones(len(group), dtype=bool))
    prefixes = count(distinct)
    prefixes_covered = count(distinct & covered)
    space = union_space(group, hi, lo, length, n_groups, fam)
    space_cov = union_space(
        group[covered], hi[covered], lo[covered], length[covered], n_groups, fam
    )
    valid, invalid, not_found = count(state == VALID), count(state == INVALID), count(~covered)
    inv_origin = count((state == INVALID) & np.isin(reason, (ORIGIN_MISMATCH, AS0_ONLY)))
    inv_length = count((state == INVALID) & (reason == TOO_SPECIFIC))
    seen = np.flatnonzero(routes > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols = {
            "group": seen,
            "af": np.full(seen.size, fam, np.int8),
            "prefixes": prefixes[seen],
            "prefixes_covered": prefixes_covered[seen],
            "prefix_coverage": prefixes_covered[seen] / prefixes[seen],
            "space": space[seen],
            "space_covered": space_cov[seen],
            "space_coverage": space_cov[seen] / space[seen],
            "routes": routes[seen],
            "valid": valid[seen],
            "invalid": invalid[seen],
            "invalid_origin": inv_origin[seen],
            "invalid_length": inv_length[seen],
            "not_found": not_found[seen],
            "share_valid": valid[seen] / routes[seen],
            "share_invalid": invalid[seen] / routes[seen],
            "share_not_found": not_found[seen] / routes[seen],
        }
    return pa.table({k: pa.array(v) for k, v in cols.items()})


def union_space(
    group: npt.NDArray[np.int64],
    hi: npt.NDArray[np.uint64],
    lo: npt.NDArray[np.uint64],
    length: npt.NDArray[np.integer],
    n_groups: int,
    fam: int,
) -> npt.NDArray[np.float64]:
    """Per group, the size of the union of its prefixes (one family), in /24 or /48 units.

    Prefixes nest or are disjoint, so in (group, start, length) order a prefix lies inside an
    earlier one of its group iff its start is <= the largest end seen so far in the group. The
    128-bit starts and ends are replaced by their ranks so that (group, rank) fits one uint64
    and a running maximum does the rest.
    """
    if not len(group):
        return np.zeros(n_groups)
    ehi, elo = end_words(hi, lo, length)
    order = np.lexsort((length, lo, hi, group))
    g, shi, slo, ln = group[order], hi[order], lo[order], length[order]
    ehi, elo = ehi[order], elo[order]
    ranks = _dense_rank(np.concatenate([shi, ehi]), np.concatenate([slo, elo]))
    n = len(g)
    gbits = g.astype(np.uint64) << np.uint64(34)  # ranks < 2**34, groups < 2**30
    start_key = gbits | ranks[:n]
    end_key = gbits | ranks[n:]
    reach = np.maximum.accumulate(end_key)
    inside = np.zeros(n, dtype=bool)
    inside[1:] = start_key[1:] <= reach[:-1]
    size = np.ldexp(1.0, UNIT_BITS[fam] - ln.astype(np.int64))
    total: npt.NDArray[np.float64] = np.bincount(
        g[~inside], weights=size[~inside], minlength=n_groups
    ).astype(np.float64)
    return total


def _dense_rank(hi: npt.NDArray[np.uint64], lo: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    order = np.lexsort((lo, hi))
    shi, slo = hi[order], lo[order]
    new = np.ones(len(hi), dtype=bool)
    new[1:] = (shi[1:] != shi[:-1]) | (slo[1:] != slo[:-1])
    rank = np.empty(len(hi), np.uint64)
    rank[order] = np.cumsum(new) - 1
    return rank


def coverage_tables(
    routes: pa.Table, vrps: pa.Table, asn_country: pa.Table | None = None, *, min_peers: int = 1
) -> tuple[pa.Table, pa.Table, pa.Table | None]:
    """Convenience: (route states, per-ASN, per-country or None)."""
    states = route_states(routes, vrps, min_peers=min_peers)
    by_cc = coverage_by_country(states, asn_country) if asn_country is not None else None
    return states, coverage_by_asn(states), by_cc
