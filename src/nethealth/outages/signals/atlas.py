"""Active probing from RIPE Atlas: per country, per region (with DB-IP city ranges) and per
ASN, how many probes (vantage points in the entity) and how many targets (destinations in the entity) are reachable in each bin.

A result is evidence for `lookback_factor` measurement intervals after it (a probe pinging
every 240 s that goes silent stops counting 600 s after its last success), so every bin sees
every live probe once, and one lost or late result does not make a live probe vanish. Probes that report but reach
nothing count as not reachable; probes that stop reporting (their network is cut off and
cannot upload results) disappear from the count — both are what a shutdown looks like.

`atlas`: distinct probes with a successful ping (or a traceroute reaching its destination)
in the entity; `atlas_targets`: distinct destination addresses in the entity that at least
one probe reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.outages import geo
from nethealth.outages.series import BIN_SECONDS, Series

Locate = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class AtlasConfig:
    step: int = BIN_SECONDS
    default_interval: int = 240  # built-in and anchoring pings; used when `step` is absent
    lookback_factor: float = 2.5


def _coverage(
    owner: np.ndarray, t: np.ndarray, span: np.ndarray, t0: int, step: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per owner, merged bin ranges [b0, b1) covered by [t, t + span)."""
    b0 = np.clip(np.floor_divide(t - t0, step), 0, n)
    b1 = np.clip(np.floor_divide(t + span - t0, step), 0, n)
    ok = b1 > b0
    owner, b0, b1 = owner[ok], b0[ok], b1[ok]
    if len(owner) == 0:
        return owner, b0, b1
    order = np.lexsort((b0, owner))
    owner, b0, b1 = owner[order], b0[order], b1[order]
    rank = np.cumsum(np.r_[True, owner[1:] != owner[:-1]]) - 1
    big = n + 2
    cm = np.maximum.accumulate(rank * big + b1) - rank * big
    new = np.r_[True, (owner[1:] != owner[:-1]) | (b0[1:] > cm[:-1])]
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, len(owner) - 1]
    return owner[first], b0[first], cm[last]


def _count(
    entity: np.ndarray, b0: np.ndarray, b1: np.ndarray, n_entities: int, n: int
) -> np.ndarray:
    diff = np.zeros((n_entities, n + 1))
    np.add.at(diff, (entity, b0), 1.0)
    np.add.at(diff, (entity, b1), -1.0)
    out: np.ndarray = np.cumsum(diff, axis=1)[:, :n]
    return out


def _series(
    signal: str,
    owners_entity: dict[str, np.ndarray],
    owner: np.ndarray,
    b0: np.ndarray,
    b1: np.ndarray,
    t0: int,
    step: int,
    n: int,
) -> list[Series]:
    """Sum the per-owner coverage into each entity the owner belongs to."""
    out: list[Series] = []
    for kind, ent_of_owner in owners_entity.items():
        ent = ent_of_owner[owner]
        ok = ent != None  # noqa: E711 - object array
        # Every entity with an owner gets a series, also if none of its owners ever succeeded.
        known = sorted({str(e) for e in ent_of_owner if e is not None})
        if not known:
            continue
        index = {e: i for i, e in enumerate(known)}
        ids = np.asarray([index[str(e)] for e in ent[ok]], dtype=np.int64)
        vals = _count(ids, b0[ok], b1[ok], len(known), n)
        out.extend(Series(signal, f"{kind}:{e}", t0, step, vals[i]) for i, e in enumerate(known))
    return out


def _blank(series: list[Series], blank: np.ndarray) -> list[Series]:
    for s in series:
        s.values[blank] = np.nan
    return series


def _locate(ranges: pa.Table, texts: list[str | None], column: str = "cc") -> np.ndarray:
    """`column` of the range holding each textual address (None when none does)."""
    out = np.full(len(texts), None, dtype=object)
    af, num = geo.address_numbers(texts)
    for fam in (4, 6):
        sel = af == fam
        if sel.any():
            out[sel] = geo.lookup(ranges, fam, num[sel], column)
    return out


def probe_entities(
    probes: pa.Table,
    prb_ids: np.ndarray,
    from_addr: list[str | None],
    ranges: pa.Table | None,
    regions: pa.Table | None = None,
) -> dict[str, np.ndarray]:
    """Country and ASN of each probe id: the probe archive first, else the address's country;
    with `regions` (geo.REGION_SCHEMA) also its region, by the archive's `address_v4`, else
    by the address it sent results from."""
    country = np.full(len(prb_ids), None, dtype=object)
    asn = np.full(len(prb_ids), None, dtype=object)
    address: list[str | None] = list(from_addr)
    if probes.num_rows:
        ids = probes["prb_id"].to_numpy(zero_copy_only=False)
        order = np.argsort(ids, kind="stable")
        pos = np.searchsorted(ids[order], prb_ids)
        hit = (pos < len(ids)) & (ids[order][np.clip(pos, 0, len(ids) - 1)] == prb_ids)
        rows = order[np.clip(pos, 0, len(ids) - 1)]
        cc = np.asarray(probes["country"].to_pylist(), dtype=object)
        a4 = np.asarray(probes["asn_v4"].to_pylist(), dtype=object)
        country[hit] = cc[rows[hit]]
        asn[hit] = a4[rows[hit]]
        v4 = probes["address_v4"].to_pylist()
        for i in np.flatnonzero(hit):
            address[i] = v4[rows[i]] or address[i]
    missing = np.flatnonzero(country == None)  # noqa: E711
    if len(missing) and ranges is not None:
        country[missing] = _locate(ranges, [from_addr[i] for i in missing])
    out = {"country": country, "asn": asn}
    if regions is not None:
        out["region"] = _locate(regions, address, "region")
    return out


def signals(
    results: pa.Table,
    *,
    start: int,
    end: int,
    probes: pa.Table | None = None,
    ranges: pa.Table | None = None,
    config: AtlasConfig | None = None,
    data_span: tuple[int, int] | None = None,
    regions: pa.Table | None = None,
) -> list[Series]:
    """`atlas` (probe side) and `atlas_targets` (target side) series over [start, end), per
    country and ASN, and per region (ISO 3166-2) when `regions` (geo.REGION_SCHEMA) is given.

    Bins outside `data_span` (default: first to last result) are NaN, not zero: no results
    there means no data, not an outage; nor is the first interval after the data starts,
    before every probe had its turn.
    """
    cfg = config or AtlasConfig()
    step = cfg.step
    t0 = start - start % step
    n = max(0, -(-(end - t0) // step))
    if results.num_rows == 0 or n == 0:
        return []
    t = pc.cast(results["timestamp"], pa.int64()).to_numpy(zero_copy_only=False)
    reached = results["reached"].to_numpy(zero_copy_only=False).astype(bool)
    interval = (
        pc.fill_null(results["step"], cfg.default_interval)
        .to_numpy(zero_copy_only=False)
        .astype(np.int64)
    )
    span = np.ceil(cfg.lookback_factor * np.maximum(interval, 1)).astype(np.int64)
    prb = results["prb_id"].to_numpy(zero_copy_only=False).astype(np.int64)
    lo, hi = data_span if data_span is not None else (int(t.min()), int(t.max()) + 1)
    sample = t0 + step * (np.arange(n) + 1)  # bins are sampled at their end
    blank = (sample < lo + cfg.default_interval) | (sample > hi)
    out: list[Series] = []
    # Probe side: each probe that ever reported belongs to its entities.
    uniq, owner = np.unique(prb, return_inverse=True)
    first_row = np.zeros(len(uniq), dtype=np.int64)
    first_row[owner[::-1]] = np.arange(len(owner))[::-1]
    # (only each probe's first row as text: a day of results is millions of rows)
    from_addr = results["from_addr"].take(pa.array(first_row)).to_pylist()
    ents = probe_entities(
        probes if probes is not None else _no_probes(), uniq, from_addr, ranges, regions
    )
    o, b0, b1 = _coverage(owner[reached], t[reached], span[reached], t0, step, n)
    out += _blank(_series("atlas", ents, o, b0, b1, t0, step, n), blank)
    # Target side: destinations located by address.
    enc = pc.dictionary_encode(pc.fill_null(results["dst_addr"], ""))
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    names = enc.dictionary.to_pylist()  # each destination once (entities are sorted later)
    towner = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    places: dict[str, np.ndarray] = {}
    texts: list[str | None] = [x or None for x in names]
    if ranges is not None and len(names):
        places["country"] = _locate(ranges, texts)
    if regions is not None and len(names):
        places["region"] = _locate(regions, texts, "region")
    if places:
        o, b0, b1 = _coverage(towner[reached], t[reached], span[reached], t0, step, n)
        out += _blank(_series("atlas_targets", places, o, b0, b1, t0, step, n), blank)
    return out


def _no_probes() -> pa.Table:
    from nethealth.formats.atlas import PROBE_SCHEMA

    return PROBE_SCHEMA.empty_table()
