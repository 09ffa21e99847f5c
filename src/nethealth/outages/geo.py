"""Where address space is: country ranges from the lake (`ipdb_country` or `rir_delegations`),
region (ISO 3166-2) ranges from a stored DB-IP city file (`dbip-city`), and vectorised lookups
of addresses in them.

Addresses are numbers as in the BGP schema and the ipdb datasets: IPv4 as 32-bit numbers,
IPv6 as their top 64 bits.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.common import asof
from nethealth.errors import InputError

RANGE_SCHEMA = pa.schema(
    [
        pa.field("af", pa.int8(), nullable=False),
        pa.field("start", pa.uint64(), nullable=False),
        pa.field("end", pa.uint64(), nullable=False),
        pa.field("cc", pa.string(), nullable=False),
    ]
)
# Region ranges: as RANGE_SCHEMA plus the ISO 3166-2 code ("XX-YYY") of the subdivision.
REGION_SCHEMA = RANGE_SCHEMA.append(pa.field("region", pa.string(), nullable=False))
DELEGATED_STATUSES = ("allocated", "assigned")


def _latest_snapshot(table: pa.Table, on: date | None, source: str = "ipdb") -> pa.Table:
    """Rows of the snapshot in force on `on` under the as-of rule (`nethealth.common.asof`:
    the latest on or before it within the source's tolerance; none: no rows, never a later
    snapshot); without `on`, the latest snapshot."""
    if "snapshot" not in table.column_names or table.num_rows == 0:
        return table
    snaps = sorted(set(table["snapshot"].to_pylist()))
    pick = snaps[-1] if on is None else asof.pick(source, on, snaps).snapshot
    if pick is None:
        return table.slice(0, 0)
    return table.filter(pc.equal(table["snapshot"], pa.scalar(pick, table["snapshot"].type)))


def _registry_files(
    table: pa.Table, on: date | None, unusable: Mapping[tuple[str, date], str] | None = None
) -> pa.Table:
    """`rir_delegations` rows of each registry's file in force on `on` (all registries, or no
    rows: a missing registry would leave its countries' space unmapped; a truncated file in
    `unusable` — `sources.rir.file_problems` — too)."""
    if "snapshot" not in table.column_names or "registry" not in table.column_names:
        return table
    if table.num_rows == 0:
        return table
    if on is None:
        return pa.concat_tables(
            _latest_snapshot(table.filter(pc.equal(table["registry"], r)), None)
            for r in sorted(set(table["registry"].to_pylist()))
        )
    files: dict[str, list[date]] = {}
    for r, s in set(zip(table["registry"].to_pylist(), table["snapshot"].to_pylist(), strict=True)):
        files.setdefault(r, []).append(s)
    group = asof.pick_group("rir", on, files, unusable=unusable)
    if not group.ok:
        return table.slice(0, 0)
    keep = None
    for r, snap in group.snapshots.items():
        cond = pc.and_(
            pc.equal(table["registry"], r),
            pc.equal(table["snapshot"], pa.scalar(snap, table["snapshot"].type)),
        )
        keep = cond if keep is None else pc.or_(keep, cond)
    return table.filter(keep)


def ranges_from_ipdb(table: pa.Table, on: date | None = None) -> pa.Table:
    """`ipdb_country` rows (af, start, end, cc) of one snapshot, sorted."""
    t = _latest_snapshot(table, on)
    t = t.filter(pc.is_valid(t["cc"]))
    out = pa.table({"af": t["af"].cast(pa.int8()), "start": t["start"].cast(pa.uint64()),
                    "end": t["end"].cast(pa.uint64()), "cc": t["cc"].cast(pa.string())},
                   schema=RANGE_SCHEMA)  # fmt: skip
    return out.sort_by([("af", "ascending"), ("start", "ascending")])


def _v4_numbers(text: pa.ChunkedArray | pa.Array, where: str) -> np.ndarray:
    parts = pc.split_pattern(text, ".")
    lengths = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    if len(lengths) and (lengths != 4).any():
        bad = int(np.flatnonzero(lengths != 4)[0])
        raise InputError(
            f"{text[bad]} is not an IPv4 address", path=where, record=f"#{bad}", field="start"
        )
    try:
        octets = pc.cast(pc.list_flatten(parts), pa.uint64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"an IPv4 start is not numeric: {exc}", path=where, field="start"
        ) from None
    o = octets.reshape(-1, 4)
    if (o > 255).any():
        raise InputError("an IPv4 start has an octet above 255", path=where, field="start")
    out: np.ndarray = (o[:, 0] << 24) | (o[:, 1] << 16) | (o[:, 2] << 8) | o[:, 3]
    return out


def ranges_from_delegations(
    table: pa.Table,
    on: date | None = None,
    unusable: Mapping[tuple[str, date], str] | None = None,
) -> pa.Table:
    """`rir_delegations` rows (ipv4/ipv6, allocated or assigned, with a country) as ranges."""
    t = _registry_files(table, on, unusable)
    keep = pc.and_(pc.is_in(t["status"], pa.array(DELEGATED_STATUSES)),
                   pc.and_(pc.is_valid(t["cc"]), pc.not_equal(t["cc"], "")))  # fmt: skip
    t = t.filter(keep)
    v4 = t.filter(pc.equal(t["type"], "ipv4"))
    v6 = t.filter(pc.equal(t["type"], "ipv6"))
    s4 = _v4_numbers(v4["start"], "rir_delegations").astype(np.uint64)
    n4 = v4["value"].to_numpy(zero_copy_only=False).astype(np.uint64)
    s6 = np.zeros(v6.num_rows, dtype=np.uint64)
    e6 = np.zeros(v6.num_rows, dtype=np.uint64)
    for i, (start, length) in enumerate(
        zip(v6["start"].to_pylist(), v6["value"].to_pylist(), strict=True)
    ):
        try:
            top = int(ipaddress.IPv6Address(start)) >> 64
        except ValueError:
            raise InputError(
                f"{start!r} is not an IPv6 address",
                path="rir_delegations",
                record=f"#{i}",
                field="start",
            ) from None
        s6[i] = top
        e6[i] = top | ((1 << max(0, 64 - int(length))) - 1) if length <= 64 else top
    out = pa.table({
        "af": pa.array(np.r_[np.full(len(s4), 4), np.full(len(s6), 6)].astype(np.int8)),
        "start": pa.array(np.r_[s4, s6], pa.uint64()),
        "end": pa.array(np.r_[s4 + n4 - np.uint64(1), e6], pa.uint64()),
        "cc": pa.concat_arrays([pc.utf8_upper(v4["cc"]).combine_chunks(),
                                pc.utf8_upper(v6["cc"]).combine_chunks()]),
    }, schema=RANGE_SCHEMA)  # fmt: skip
    return out.sort_by([("af", "ascending"), ("start", "ascending")])


def region_ranges(city: pa.Table) -> pa.Table:
    """REGION_SCHEMA ranges (those with a region code) of DB-IP city rows
    (`formats.dbip_city.CITY_SCHEMA`), sorted."""
    t = city.filter(pc.is_valid(city["region"]))
    out = pa.table({"af": t["af"].cast(pa.int8()), "start": t["start"].cast(pa.uint64()),
                    "end": t["end"].cast(pa.uint64()), "cc": t["cc"].cast(pa.string()),
                    "region": t["region"].cast(pa.string())}, schema=REGION_SCHEMA)  # fmt: skip
    return out.sort_by([("af", "ascending"), ("start", "ascending")])


def region_ranges_from_file(path: Path, *, strict: bool = True) -> pa.Table:
    """Region ranges straight from a DB-IP `dbip-city-lite-YYYY-MM.csv.gz` file."""
    from nethealth.sources.dbip import read_regions

    return region_ranges(read_regions(path, strict=strict)[0])


def lookup(ranges: pa.Table, af: int, addresses: np.ndarray, column: str = "cc") -> np.ndarray:
    """Country code (or another column's value, e.g. `region`; object array, None when
    unmapped) of each address of one family."""
    r = ranges.filter(pc.equal(ranges["af"], af))
    starts = r["start"].to_numpy(zero_copy_only=False).astype(np.uint64)
    ends = r["end"].to_numpy(zero_copy_only=False).astype(np.uint64)
    ccs = np.asarray(r[column].to_pylist(), dtype=object)
    out = np.full(len(addresses), None, dtype=object)
    if len(starts) == 0 or len(addresses) == 0:
        return out
    addr = addresses.astype(np.uint64)
    i = np.searchsorted(starts, addr, side="right") - 1
    ok = (i >= 0) & (addr <= ends[np.clip(i, 0, None)])
    out[ok] = ccs[i[ok]]
    return out


def address_numbers(texts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """(af, number) per textual address (af 0 when absent or invalid)."""
    af = np.zeros(len(texts), dtype=np.int8)
    num = np.zeros(len(texts), dtype=np.uint64)
    for i, t in enumerate(texts):
        if not t:
            continue
        try:
            a = ipaddress.ip_address(t)
        except ValueError:
            continue
        af[i] = a.version
        num[i] = int(a) if a.version == 4 else int(a) >> 64
    return af, num


def ranges_from_delegated_files(paths: list[Path]) -> pa.Table:
    """Country ranges straight from RIR delegated-extended files (no lake needed)."""
    from nethealth.sources.rir import read_file

    rows: dict[str, list[object]] = {"type": [], "start": [], "value": [], "cc": [], "status": []}
    for p in paths:
        for r in read_file(p).records:
            if r.type in ("ipv4", "ipv6"):
                rows["type"].append(r.type)
                rows["start"].append(r.start)
                rows["value"].append(r.value)
                rows["cc"].append(r.cc)
                rows["status"].append(r.status)
    table = pa.table({"type": pa.array(rows["type"], pa.string()),
                      "start": pa.array(rows["start"], pa.string()),
                      "value": pa.array(rows["value"], pa.int64()),
                      "cc": pa.array(rows["cc"], pa.string()),
                      "status": pa.array(rows["status"], pa.string())})  # fmt: skip
    return ranges_from_delegations(table)
