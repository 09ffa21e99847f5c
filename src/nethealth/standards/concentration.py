"""Concentration of the providers a list's targets depend on: the build step `concentration`
(docs/methodology/concentration.md).

1. `provider_attributions`: every provider evidence result of `scan_results` (the checks of
   `standards.checks.providers`, and the target's name for the TLD) attributed by the rules of
   `standards.attribution` (version `attribution.VERSION`): one row per list × country × target
   × block × scan day, `attributed` (a provider), `unknown` (why), or `not_applicable` (no MX, no
   NS). Addresses get their origin AS from `bgp_prefix_origins` (the snapshot on or before the
   scan day within ORIGIN_TOLERANCE_DAYS; visibility ≥ VISIBLE, the longest prefix, then the most
   visible origin; without a RIB snapshot, the narrowest range of `ipdb_asn` within its as-of
   tolerance), and ASNs a name from `as_names` (else the range's own) where loaded.
2. `concentration`: per block × list × country × computation date D (each day with a result of
   the block), each target's latest attribution scanned in (D − WINDOW_DAYS, D] (the adoption
   indicators' window): n targets attributed, unknown and not applicable counted apart, and over
   the attributed targets' providers HHI with its band, CR-1/3/5 and Gini
   (`nethealth.common.concentration`). On the global list's rows (Tranco's) also the
   population-weighted Gini across the countries: units are (country, provider) pairs of the
   countries' own lists on D, value the provider's share of that country's attributed targets,
   weight the country's population (World Bank SP.POP.TOTL of D's year, nearest year within 5);
   `not measured` when no population is loaded; other rows `not applicable`.
3. `concentration_providers`: the provider table behind each value (provider, name, targets,
   share in percent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pycountry

from nethealth.common import concentration as measures
from nethealth.common.asof import TOLERANCES
from nethealth.common.status import Status
from nethealth.indicators.registry import Indicator
from nethealth.lake.build import Step, StepContext
from nethealth.settings import Settings
from nethealth.standards import attribution
from nethealth.standards.adoption import COUNTRY_LISTS, GLOBAL_LIST, WINDOW_DAYS
from nethealth.standards.attribution import BLOCKS, EVIDENCE_CHECKS, Block
from nethealth.standards.results import DATASET as RESULTS
from nethealth.ui.msgids import N_

VERSION = "1"
ATTRIBUTIONS = "provider_attributions"
VALUES = "concentration"
TABLES = "concentration_providers"
ORIGINS = "bgp_prefix_origins"
AS_NAMES = "as_names"
IPDB = "ipdb_asn"  # the fallback: ip-location-db's IP-to-ASN ranges (RouteViews and DB-IP)
IPDB_TOLERANCE_DAYS = TOLERANCES["ipdb"].days
ORIGIN_TOLERANCE_DAYS = 7  # a site's hosting origin changes over months, not days
NOT_APPLICABLE = "not applicable"  # a weighted Gini on one country's row (one population)
VISIBLE = 0.5  # an origin seen by fewer full-feed peers is not taken (bgp.derived's threshold)

ATTRIBUTION_SCHEMA = pa.schema([
    ("list_id", pa.string()), ("list_date", pa.date32()), ("country", pa.string()),
    ("target", pa.string()), ("block", pa.string()), ("scan_date", pa.date32()),
    ("scanned_at", pa.timestamp("us", tz="UTC")), ("check_version", pa.int32()),
    ("rules_version", pa.int32()), ("status", pa.string()), ("provider", pa.string()),
    ("name", pa.string()), ("asns", pa.string()), ("rule", pa.string()), ("why", pa.string()),
    ("origins_snapshot", pa.date32()), ("origins_source", pa.string()), ("simulated", pa.bool_()),
])  # fmt: skip
VALUE_SCHEMA = pa.schema([
    ("block", pa.string()), ("list_id", pa.string()), ("country", pa.string()),
    ("date", pa.date32()), ("status", pa.string()), ("reason", pa.string()),
    ("targets", pa.int64()), ("attributed", pa.int64()), ("unknown", pa.int64()),
    ("not_applicable", pa.int64()), ("providers", pa.int64()), ("hhi", pa.float64()),
    ("band", pa.string()), ("cr1", pa.float64()), ("cr3", pa.float64()), ("cr5", pa.float64()),
    ("gini", pa.float64()), ("weighted_gini", pa.float64()), ("weighted_status", pa.string()),
    ("weighted_reason", pa.string()), ("list_from", pa.date32()), ("list_to", pa.date32()),
    ("scan_from", pa.date32()), ("simulated", pa.bool_()),
])  # fmt: skip
TABLE_SCHEMA = pa.schema([
    ("block", pa.string()), ("list_id", pa.string()), ("country", pa.string()),
    ("date", pa.date32()), ("provider", pa.string()), ("name", pa.string()),
    ("targets", pa.int64()), ("share", pa.float64()), ("simulated", pa.bool_()),
])  # fmt: skip

_EVIDENCE_SQL = f"""
SELECT list_id, list_date, country, target, check_id, check_version, status, reason, detail,
       scanned_at, scan_date, simulated
FROM {RESULTS} WHERE check_id IN (SELECT unnest(?::VARCHAR[]))
  AND list_id = ? AND country IS NOT DISTINCT FROM ?
ORDER BY target, scan_date, check_id
"""
# The TLD needs no evidence: every target scanned that day (any check) has one.
_TARGETS_SQL = f"""
SELECT list_id, arg_max(list_date, scanned_at), country, target, scan_date, max(scanned_at),
       bool_or(simulated)
FROM {RESULTS} WHERE list_id = ? AND country IS NOT DISTINCT FROM ?
GROUP BY list_id, country, target, scan_date
ORDER BY target, scan_date
"""


# Origin ASNs of addresses ------------------------------------------------------------------------


def _address_words(address: str) -> tuple[int, int, int]:
    """(af, hi, lo) in the lake's range convention (common.prefixes.range_columns)."""
    import ipaddress

    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return 4, int(ip), 0
    value = int(ip)
    return 6, value >> 64, value & (2**64 - 1)


_LOOKUP_SQL = f"""
WITH a AS (SELECT * FROM wanted)
SELECT a.address, arg_max(o.origin_asn, (o.prefix_len, o.visibility, -o.origin_asn::BIGINT))
FROM a JOIN {ORIGINS} o
  ON o.snapshot = ? AND o.af = a.af AND o.visibility >= ?
 AND (o.range_start < a.hi OR (o.range_start = a.hi AND o.range_start_lo <= a.lo))
 AND (o.range_end > a.hi OR (o.range_end = a.hi AND o.range_end_lo >= a.lo))
GROUP BY a.address
"""


def origin_lookup(
    con: duckdb.DuckDBPyConnection, snapshot: dt.date, addresses: Iterable[str]
) -> dict[str, int]:
    """Each address's origin AS in `bgp_prefix_origins` of `snapshot` (a view on `con`): the
    longest visible prefix covering it, then the most visible origin, then the lowest ASN."""
    rows = []
    for a in sorted(set(addresses)):
        try:
            rows.append((a, *_address_words(a)))
        except ValueError:
            continue  # not an address: left unknown by the rules
    if not rows:
        return {}
    wanted = pa.table({
        "address": pa.array([r[0] for r in rows], pa.string()),
        "af": pa.array([r[1] for r in rows], pa.int8()),
        "hi": pa.array([r[2] for r in rows], pa.uint64()),
        "lo": pa.array([r[3] for r in rows], pa.uint64()),
    })  # fmt: skip
    con.register("wanted", wanted)
    try:
        found = con.execute(_LOOKUP_SQL, [snapshot, VISIBLE]).fetchall()
    finally:
        con.unregister("wanted")
    return {str(a): int(asn) for a, asn in found}


def choose_snapshot(snapshots: Sequence[dt.date], day: dt.date) -> dt.date | None:
    """The latest snapshot on or before `day` within ORIGIN_TOLERANCE_DAYS (never a later one)."""
    before = [s for s in snapshots if s <= day and (day - s).days <= ORIGIN_TOLERANCE_DAYS]
    return max(before) if before else None


@dataclass(frozen=True)
class Origins:
    """The routing data a scan day's addresses were looked up in: `source` (ORIGINS or IPDB),
    its snapshot, each address's ASN, and AS names the source carries (ipdb_asn does)."""

    source: str | None
    snapshot: dt.date | None
    asns: dict[str, int]
    names: dict[int, str]


NO_ORIGINS = Origins(None, None, {}, {})

_IPDB_LOOKUP_SQL = f"""
SELECT a.address, arg_min(i.asn, i."end" - i.start), arg_min(i.as_name, i."end" - i.start)
FROM wanted a JOIN {IPDB} i
  ON i.snapshot = ? AND i.af = a.af AND i.start <= a.hi AND i."end" >= a.hi
GROUP BY a.address
"""


def ipdb_lookup(
    con: duckdb.DuckDBPyConnection, snapshot: dt.date, addresses: Iterable[str]
) -> tuple[dict[str, int], dict[int, str]]:
    """Each address's ASN in `ipdb_asn` of `snapshot` (a view on `con`; the narrowest range
    covering it; IPv6 ranges are compared on their top 64 bits, the lake's convention), and the
    AS names the ranges carry."""
    rows = []
    for a in sorted(set(addresses)):
        try:
            rows.append((a, *_address_words(a)))
        except ValueError:
            continue
    if not rows:
        return {}, {}
    wanted = pa.table({
        "address": pa.array([r[0] for r in rows], pa.string()),
        "af": pa.array([r[1] for r in rows], pa.int8()),
        "hi": pa.array([r[2] for r in rows], pa.uint64()),
    })  # fmt: skip
    con.register("wanted", wanted)
    try:
        found = con.execute(_IPDB_LOOKUP_SQL, [snapshot]).fetchall()
    finally:
        con.unregister("wanted")
    return ({str(a): int(asn) for a, asn, _n in found},
            {int(asn): str(n) for _a, asn, n in found if n})  # fmt: skip


def choose_ipdb_snapshot(snapshots: Sequence[dt.date], day: dt.date) -> dt.date | None:
    """The latest ipdb_asn snapshot on or before `day` within the as-of rule's tolerance."""
    before = [s for s in snapshots if s <= day and (day - s).days <= IPDB_TOLERANCE_DAYS]
    return max(before) if before else None


# Attribution ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    list_id: str
    list_date: dt.date
    country: str | None
    target: str
    block: Block
    check_version: int
    status: str
    reason: str | None
    detail: str
    scanned_at: dt.datetime
    scan_date: dt.date
    simulated: bool


def _addresses(ev: Mapping[str, Any]) -> list[str]:
    return [str(a) for a in ev.get("addresses") or []]


def _parse(e: Evidence) -> dict[str, Any] | None:
    try:
        data = json.loads(e.detail)
    except (json.JSONDecodeError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def _names_with(
    as_name: Callable[[int], str | None], extra: Mapping[int, str]
) -> Callable[[int], str | None]:
    """AS names from as_names, else from the routing data's own (ipdb_asn carries them)."""
    return lambda asn: as_name(asn) or extra.get(asn)


def attribute_rows(
    evidence: Sequence[Evidence],
    targets: Sequence[tuple[Any, ...]],
    origins: Callable[[dt.date, list[str]], Origins],
    as_name: Callable[[int], str | None],
) -> list[dict[str, Any]]:
    """The rows of `provider_attributions` (ATTRIBUTION_SCHEMA) for the evidence results and the
    targets' TLDs. `origins(day, addresses)` gives the routing data used and the lookup."""
    by_day: dict[dt.date, set[str]] = defaultdict(set)
    parsed: list[tuple[Evidence, dict[str, Any] | None]] = []
    for e in evidence:
        data = _parse(e) if e.status == "info" else None
        parsed.append((e, data))
        if data is not None and not data.get("asns"):
            by_day[e.scan_date].update(_addresses(data))
    lookups = {day: origins(day, sorted(addrs)) for day, addrs in by_day.items()}
    rows = []
    for e, data in parsed:
        found_origins = lookups.get(e.scan_date, NO_ORIGINS)
        snapshot, table = found_origins.snapshot, found_origins.asns
        base = {
            "list_id": e.list_id, "list_date": e.list_date, "country": e.country,
            "target": e.target, "block": e.block, "scan_date": e.scan_date,
            "scanned_at": e.scanned_at, "check_version": e.check_version,
            "rules_version": attribution.VERSION, "simulated": e.simulated,
            "origins_snapshot": None, "origins_source": None, "asns": None, "provider": None,
            "name": None,
        }  # fmt: skip
        if e.status == "not_applicable":
            rows.append({**base, "status": "not_applicable", "rule": "not-applicable",
                         "why": e.detail})  # fmt: skip
            continue
        if e.status != "info" or data is None:
            why = (f"the scan erred ({e.reason}): {e.detail}" if e.status == "error"
                   else f"unreadable evidence ({e.status}): {e.detail[:200]}")  # fmt: skip
            rows.append({**base, "status": "unknown", "rule": "unknown", "why": why})
            continue
        asn_of = (lambda a, t=table: t.get(a)) if snapshot is not None else None
        found = attribution.attribute(e.block, e.target, data, asn_of,
                                      _names_with(as_name, found_origins.names))  # fmt: skip
        looked_up = snapshot is not None and not data.get("asns") and bool(_addresses(data))
        rows.append({
            **base, "status": "attributed" if found.provider else "unknown",
            "provider": found.provider, "name": found.name,
            "asns": " ".join(str(a) for a in found.asns) or None, "rule": found.rule,
            "why": found.why, "origins_snapshot": snapshot if looked_up else None,
            "origins_source": found_origins.source if looked_up else None,
        })  # fmt: skip
    for list_id, list_date, cc, target, day, at, simulated in targets:
        found = attribution.attribute("tld", target, None)
        rows.append({
            "list_id": list_id, "list_date": list_date, "country": cc, "target": target,
            "block": "tld", "scan_date": day, "scanned_at": at, "check_version": 0,
            "rules_version": attribution.VERSION, "simulated": bool(simulated),
            "origins_snapshot": None, "origins_source": None, "asns": None,
            "provider": found.provider, "name": None,
            "status": "attributed" if found.provider else "unknown", "rule": found.rule,
            "why": found.why,
        })  # fmt: skip
    return rows


# Concentration ---------------------------------------------------------------------------------------

_WINDOW_SQL = f"""
WITH days AS (SELECT DISTINCT block, list_id, country, scan_date AS d FROM {ATTRIBUTIONS}),
latest AS (
  SELECT days.block, days.list_id, days.country, days.d, a.target,
         -- one struct: arg_max skips NULL arguments, so a latest unknown provider (or a
         -- provider without a name) must not borrow an older row's
         arg_max(struct_pack(status := a.status, provider := a.provider, name := a.name,
                             list_date := a.list_date), a.scanned_at) AS last,
         min(a.scan_date) AS first_scan, bool_or(a.simulated) AS simulated
  FROM days JOIN {ATTRIBUTIONS} a
    ON a.block = days.block AND a.list_id = days.list_id
   AND a.country IS NOT DISTINCT FROM days.country
   AND a.scan_date <= days.d AND a.scan_date > days.d - {WINDOW_DAYS}
  GROUP BY ALL)
SELECT block, list_id, country, d, last.status, last.provider, any_value(last.name), count(*),
       min(last.list_date), max(last.list_date), min(first_scan), bool_or(simulated)
FROM latest GROUP BY block, list_id, country, d, last.status, last.provider
ORDER BY block, list_id, country, d, last.provider
"""

GroupKey = tuple[str, str, str | None, dt.date]


@dataclass
class Group:
    """One block × list × country × date: the counts per provider of its window."""

    providers: dict[str, tuple[str | None, int]]
    unknown: int = 0
    not_applicable: int = 0
    list_from: dt.date | None = None
    list_to: dt.date | None = None
    scan_from: dt.date | None = None
    simulated: bool = False


def groups(con: duckdb.DuckDBPyConnection) -> dict[GroupKey, Group]:
    """The window's counts per group, from `provider_attributions` (a view on `con`)."""
    out: dict[GroupKey, Group] = {}
    for block, lst, cc, d, status, provider, name, n, l_from, l_to, s_from, sim in con.execute(
        _WINDOW_SQL
    ).fetchall():
        g = out.setdefault((block, lst, cc, d), Group({}))
        if status == "attributed" and provider:
            g.providers[provider] = (name, int(n))
        elif status == "not_applicable":
            g.not_applicable += int(n)
        else:
            g.unknown += int(n)
        g.list_from = min(filter(None, (g.list_from, l_from)), default=None)
        g.list_to = max(filter(None, (g.list_to, l_to)), default=None)
        g.scan_from = min(filter(None, (g.scan_from, s_from)), default=None)
        g.simulated = g.simulated or bool(sim)
    return out


Population = Callable[[str, int], float | None]  # (alpha-2 country, year) -> people


def population_from_panel(panel: Any) -> Population:
    """A population lookup over a World Bank panel (`economics.wdi.WdiPanel`)."""
    from nethealth.formats.wdi import POPULATION

    def lookup(cc: str, year: int) -> float | None:
        country = pycountry.countries.get(alpha_2=cc)
        found = panel.get(str(country.alpha_3), POPULATION, year) if country else None
        return float(found.value) if found is not None else None

    return lookup


def country_lists(keys: Iterable[GroupKey]) -> dict[str, str]:
    """Each country's own list (the first of COUNTRY_LISTS with any value: one list per
    country, as the adoption indicators)."""
    chosen: dict[str, str] = {}
    for _block, lst, cc, _d in keys:
        if cc is None or lst not in COUNTRY_LISTS:
            continue
        seen = chosen.get(cc)
        if seen is None or COUNTRY_LISTS.index(lst) < COUNTRY_LISTS.index(seen):
            chosen[cc] = lst
    return chosen


def weighted(
    block: str, day: dt.date, all_groups: Mapping[GroupKey, Group], population: Population | None
) -> tuple[float | None, str, str]:
    """(value, status, reason) of the population-weighted Gini across the countries' lists."""
    own = country_lists(all_groups)
    units = [
        (cc, g) for (b, lst, cc, d), g in all_groups.items()
        if b == block and d == day and cc is not None and own.get(cc) == lst and g.providers
    ]  # fmt: skip
    if not units:
        return None, Status.NOT_MEASURED.value, f"no country list with a {block} value on {day}"
    if population is None:
        return None, Status.NOT_MEASURED.value, ("no population loaded (World Bank SP.POP.TOTL: "
                                                 "`nethealth fetch worldbank`)")  # fmt: skip
    values: list[float] = []
    weights: list[float] = []
    missing = []
    for cc, g in sorted(units, key=lambda u: u[0] or ""):
        people = population(cc, day.year)
        if people is None:
            missing.append(cc)
            continue
        total = sum(n for _name, n in g.providers.values())
        for _name, n in g.providers.values():
            values.append(100.0 * n / total)
            weights.append(people)
    value = measures.weighted_gini(values, weights) if values else None
    if value is None:
        return (
            None,
            Status.NOT_MEASURED.value,
            (f"no population for any of the {len(units)} countries with a value on {day}"),
        )
    reason = (
        f"over {len(units) - len(missing)} countries' lists on {day}: each (country, "
        "provider) pair weighted by the country's population (World Bank SP.POP.TOTL)"
    )
    if missing:
        reason += f"; without population, left out: {', '.join(missing)}"
    return value, Status.MEASURED.value, reason


def value_rows(
    all_groups: Mapping[GroupKey, Group], population: Population | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of `concentration` and `concentration_providers`."""
    values, tables = [], []
    for (block, lst, cc, day), g in sorted(all_groups.items(), key=lambda kv: (
            kv[0][0], kv[0][1], kv[0][2] or "", kv[0][3])):  # fmt: skip
        amounts = [n for _name, n in g.providers.values()]
        m = measures.measure(amounts)
        attributed = sum(amounts)
        counted = (f"{attributed} targets attributed to {len(amounts)} providers, {g.unknown} "
                   f"unknown and {g.not_applicable} not applicable left out; {lst}"
                   f"{' ' + cc if cc else ''} list of {g.list_from}, scanned "
                   f"{g.scan_from}…{day}")  # fmt: skip
        reason = counted if attributed else "no target attributed: " + counted
        if cc is None and lst == GLOBAL_LIST:
            wg, w_status, w_reason = weighted(block, day, all_groups, population)
        else:
            wg, w_status = None, NOT_APPLICABLE
            w_reason = "computed across countries, on the global list's rows"
        values.append({
            "block": block, "list_id": lst, "country": cc, "date": day,
            "status": m.status.value, "reason": reason, "targets": attributed + g.unknown,
            "attributed": attributed, "unknown": g.unknown, "not_applicable": g.not_applicable,
            "providers": len(amounts), "hhi": m.hhi, "band": m.band, "cr1": m.cr1, "cr3": m.cr3,
            "cr5": m.cr5, "gini": m.gini, "weighted_gini": wg, "weighted_status": w_status,
            "weighted_reason": w_reason, "list_from": g.list_from, "list_to": g.list_to,
            "scan_from": g.scan_from, "simulated": g.simulated,
        })  # fmt: skip
        for provider, (name, n) in sorted(g.providers.items(), key=lambda kv: (-kv[1][1], kv[0])):
            tables.append({
                "block": block, "list_id": lst, "country": cc, "date": day,
                "provider": provider, "name": name, "targets": n,
                "share": 100.0 * n / attributed, "simulated": g.simulated,
            })  # fmt: skip
    return values, tables


# The step -------------------------------------------------------------------------------------------


def _snapshots(con: duckdb.DuckDBPyConnection, ctx: StepContext, name: str) -> list[dt.date]:
    """The dataset's snapshots, with a view `name` on `con`; none when it is not built."""
    path = ctx.dataset_path(name)
    if not path.is_file():
        return []
    con.read_parquet(str(path)).create_view(name)
    return [r[0] for r in con.execute(f"SELECT DISTINCT snapshot FROM {name}").fetchall()]


def _as_names(con: duckdb.DuckDBPyConnection, ctx: StepContext) -> Callable[[int], str | None]:
    path = ctx.dataset_path(AS_NAMES)
    if not path.is_file():
        return lambda _asn: None
    names = dict(con.execute(
        "SELECT asn, arg_max(coalesce(name, handle), snapshot) FROM read_parquet(?) GROUP BY asn",
        [str(path)],
    ).fetchall())  # fmt: skip
    return lambda asn: names.get(asn)


def _population(ctx: StepContext) -> Population | None:
    from nethealth.economics.worldbank import panel_from_raw

    panel = panel_from_raw(ctx.settings)
    return population_from_panel(panel) if len(panel) else None


def build(ctx: StepContext) -> None:
    """One list (and country) at a time into `provider_attributions`, written as it goes (memory
    bounded by the largest list's scans), then the values from the written dataset."""
    results = ctx.dataset_path(RESULTS)
    staged = ctx.lake_dir / f".{ATTRIBUTIONS}.parquet.writing"
    con = duckdb.connect()
    attributed = 0
    try:
        con.execute("SET TimeZone = 'UTC'")
        lists: list[tuple[str, str | None]] = []
        if results.is_file():
            con.read_parquet(str(results)).create_view(RESULTS)
            lists = [(str(a), b) for a, b in con.execute(
                f"SELECT DISTINCT list_id, country FROM {RESULTS} ORDER BY ALL").fetchall()]  # fmt: skip
        snapshots = _snapshots(con, ctx, ORIGINS)
        ipdb_snapshots = _snapshots(con, ctx, IPDB)
        if not snapshots and not ipdb_snapshots:
            ctx.note("no bgp_prefix_origins nor ipdb_asn: hosting networks (and CDN rules by "
                     "ASN) are unknown for scanned addresses", level="warning")  # fmt: skip

        def origins(day: dt.date, addresses: list[str]) -> Origins:
            snap = choose_snapshot(snapshots, day)
            if snap is not None:
                return Origins(ORIGINS, snap, origin_lookup(con, snap, addresses), {})
            fallback = choose_ipdb_snapshot(ipdb_snapshots, day)
            if fallback is not None:
                return Origins(IPDB, fallback, *ipdb_lookup(con, fallback, addresses))
            return NO_ORIGINS

        names = _as_names(con, ctx)
        with pq.ParquetWriter(staged, ATTRIBUTION_SCHEMA) as writer:
            writer.write_table(ATTRIBUTION_SCHEMA.empty_table())
            for i, (list_id, cc) in enumerate(lists):
                ctx.progress(f"concentration {list_id} {cc or 'global'}", i, len(lists) + 1)
                evidence = [
                    Evidence(lst, ld, c, t, EVIDENCE_CHECKS[check], int(v), st, rs, det or "",
                             at, d, bool(sim))
                    for lst, ld, c, t, check, v, st, rs, det, at, d, sim in con.execute(
                        _EVIDENCE_SQL, [list(EVIDENCE_CHECKS), list_id, cc]).fetchall()
                ]  # fmt: skip
                targets = con.execute(_TARGETS_SQL, [list_id, cc]).fetchall()
                rows = attribute_rows(evidence, targets, origins, names)
                writer.write_table(pa.Table.from_pylist(rows, schema=ATTRIBUTION_SCHEMA))
                attributed += len(rows)
        ctx.progress("concentration values", len(lists), len(lists) + 1)
        con.read_parquet(str(staged)).create_view(ATTRIBUTIONS)
        all_groups = groups(con)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    values, tables = value_rows(all_groups, _population(ctx))
    ctx.stage_file(ATTRIBUTIONS, staged)
    ctx.write_dataset(VALUES, pa.Table.from_pylist(values, schema=VALUE_SCHEMA))
    ctx.write_dataset(TABLES, pa.Table.from_pylist(tables, schema=TABLE_SCHEMA))
    ctx.progress("concentration values", len(lists) + 1, len(lists) + 1)
    ctx.note(f"{attributed:,} attributions of {len(lists):,} lists, {len(values):,} "
             "concentration values")  # fmt: skip


def _fingerprint(settings: Settings) -> str:
    """The rules and the optional inputs: a changed rule table, a rebuilt bgp_prefix_origins or
    as_names (their steps are not dependencies: a lake without BGP still measures the other
    blocks) or a new World Bank file rebuilds."""
    h = hashlib.sha256(f"{attribution.VERSION}:{attribution.CDN_RULES!r}".encode())
    for name in (ORIGINS, IPDB, AS_NAMES):
        path = settings.lake_dir / f"{name}.parquet"
        if path.is_file():
            h.update(f"{name}:{path.stat().st_size}:{path.stat().st_mtime_ns}\n".encode())
    root = settings.raw_dir / "worldbank"
    if root.is_dir():
        for p in sorted(root.rglob("*")):
            if p.is_file():
                h.update(f"{p.relative_to(root)}:{p.stat().st_size}\n".encode())
    return h.hexdigest()


STEP = Step(
    id="concentration",
    version=VERSION,
    description="Attribute providers to the scanned targets and measure their concentration "
    "(HHI, CR-n, Gini) per building block, list, country and date",
    run=build,
    outputs=(ATTRIBUTIONS, VALUES, TABLES),
    depends=("scan_results",),
    extra_fingerprint=_fingerprint,
)


# Indicators ---------------------------------------------------------------------------------------

BLOCK_TITLES: dict[str, str] = {
    "hosting": N_("Hosting network"), "dns": N_("DNS provider"),
    "ca": N_("Certificate authority"), "cdn": N_("CDN"), "mail": N_("Mail provider"),
    "tld": N_("Top-level domain"),
}  # fmt: skip
BLOCK_WHAT: dict[str, str] = {
    "hosting": "the origin AS of the site's web address (IPv4 first) in the routing table of "
    "the scan date (bgp_prefix_origins), named from as_names where loaded",
    "dns": "the operator of the zone's name servers: their registrable domain (the most "
    "common among them), with a few operators spread over many domains merged (OPERATOR_RULES)",
    "ca": "the issuer organisation (O) of the leaf certificate, else its common name",
    "cdn": "the first rule of the documented CDN rule table (CNAME suffixes, response headers, "
    "origin ASNs) that matches; a site no rule matches is unknown, not 'no CDN'",
    "mail": "the operator of the MX hosts: their registrable domain (the most common)",
    "tld": "the last label of the site's name",
}  # fmt: skip


def method(block: str) -> str:
    return (
        f"Herfindahl–Hirschman index of the providers of {BLOCK_TITLES[block].lower()} over a "
        f"country's top sites: each site's provider is {BLOCK_WHAT[block]}. Per computation "
        f"date D (each day with a result), each site's latest attribution scanned in the "
        f"{WINDOW_DAYS} days up to D counts; HHI = Σ sᵢ² over the providers' shares in percent "
        "(0–10,000), banded as the Internet Society's Pulse does: < 1,500 low, 1,500–2,500 "
        "moderate, 2,500–5,000 high, > 5,000 extremely high. Sites whose provider is unknown "
        "(scan error, no rule matched, no route) and sites where the block does not apply (no "
        "MX) are left out and counted in the reason. The country is the list's (its CrUX list "
        "if scanned, else its country-toplist); CR-1/3/5, Gini and the provider tables are in "
        f"/api/v1/concentration/{block}. Attribution rules version {attribution.VERSION}."
    )


def _country_rows(con: duckdb.DuckDBPyConnection, block: str) -> list[tuple[Any, ...]]:
    rows = con.execute(
        f"SELECT list_id, country, date, hhi, simulated, status, reason FROM {VALUES} "
        "WHERE block = ? AND country IS NOT NULL ORDER BY country, date",
        [block],
    ).fetchall()
    own = country_lists((block, r[0], r[1], r[2]) for r in rows)
    return [r[1:] for r in rows if own.get(r[1]) == r[0]]


def _compute(block: str) -> Callable[[duckdb.DuckDBPyConnection], pa.Table]:
    def compute(con: duckdb.DuckDBPyConnection) -> pa.Table:
        rows = _country_rows(con, block)
        return pa.table({
            "country": pa.array([r[0] for r in rows], pa.string()),
            "date": pa.array([r[1] for r in rows], pa.date32()),
            "value": pa.array([r[2] for r in rows], pa.float64()),
            "simulated": pa.array([bool(r[3]) for r in rows], pa.bool_()),
            "status": pa.array([r[4] for r in rows], pa.string()),
            "reason": pa.array([r[5] for r in rows], pa.string()),
        })  # fmt: skip

    return compute


def indicator_id(block: str) -> str:
    return f"concentration_hhi_{block}"


INDICATORS: tuple[Indicator, ...] = tuple(
    Indicator(
        id=indicator_id(b), title=f"{BLOCK_TITLES[b]} concentration (HHI)", unit="HHI (0–10,000)",
        area="standards", method=method(b), version=VERSION,
        sources=COUNTRY_LISTS, datasets=(VALUES,), compute=_compute(b),
        higher_is="worse",
        caveats="Each top site counts once whatever its traffic; a site served by several "
        "providers counts for its main one (the first address, the most common name-server "
        "domain). Registrable domains follow a documented rule, not the Public Suffix List.",
    )
    for b in BLOCKS
)  # fmt: skip
