"""Simulated scans of the top lists: a scan store in `nethealth scan-list`'s format.

`scans/country-toplist/<CC>/<scan day>/batch-000000-sim.parquet`, one batch per country and
scan day, and `scans/tranco/global/<scan day>/…` for the first GLOBAL_SCANNED sites of the
Tranco-style list (as `scan-list tranco --limit` would), with the columns of `nethealth.standards.scanlist.RESULT_SCHEMA` (this layer sits
below the areas, so the schema is restated here; a test holds the two equal). Every row is
flagged simulated. The first scan (on the lists' date) reads the lists' own technology columns;
each later monthly scan lets every site that does not adopt a technology take it up with the
country's monthly rate (a few sites also drop it), so adoption differs by country and drifts.
Checks without a column of their own are drawn from the country's propensity. Deterministic by
seed (one random stream per country). A second batch per list and scan day holds the provider
evidence (`sim.providers`: the provider-* checks' results) for the concentration measures.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from nethealth.sim import providers
from nethealth.sim.output import OutputTree
from nethealth.sim.rng import stream
from nethealth.sim.toplists import FEATURES, CountryList

LIST_ID = "country-toplist"  # nethealth.standards.source.TOPLIST
GLOBAL_ID = "tranco"  # nethealth.sources.tranco.SOURCE_ID
GLOBAL = ""  # the CountryList code of the global list (no country; directory `global`)
GLOBAL_SCANNED = 1000
SCAN_MONTHS = 3  # scans on the lists' date and every 30 days after it
SCAN_EVERY_DAYS = 30
SCAN_HOUR = 2  # UTC; one target a second from then
CHECK_VERSION = 1  # the registry's version of each check below (a test compares them)
ERROR_RATE = 0.02  # timeouts and refused connections, left out of the denominators
NO_MX_RATE = 0.12  # domains without mail: the mail checks do not apply

RESULT_SCHEMA = pa.schema([
    ("list_id", pa.string()), ("list_date", pa.date32()), ("country", pa.string()),
    ("rank", pa.int32()), ("bucketed", pa.bool_()), ("target", pa.string()),
    ("check_id", pa.string()), ("check_version", pa.int32()), ("status", pa.string()),
    ("reason", pa.string()), ("detail", pa.string()),
    ("scanned_at", pa.timestamp("us", tz="UTC")), ("lab", pa.bool_()), ("simulated", pa.bool_()),
])  # fmt: skip

# check id -> the list's feature column, or the base probability (times the country's
# propensity) of a check the lists carry no column for.
CHECKS: tuple[tuple[str, str | float], ...] = (
    ("web-https", "https"),
    ("web-https-redirect", 0.7),
    ("web-hsts", "hsts"),
    ("web-tls13", "tls13"),
    ("web-tls-legacy", 0.45),
    ("web-http2", "http2"),
    ("web-ipv6", "ipv6"),
    ("web-ns-ipv6", 0.5),
    ("web-dnssec", "dnssec"),
    ("web-caa", 0.15),
    ("mail-ipv6", 0.25),
    ("mail-spf", "spf"),
    ("mail-dmarc", "dmarc"),
    ("mail-starttls", "starttls"),
    ("mail-mta-sts", "mta_sts"),
)
INFORMATIVE = frozenset({"web-http2"})  # a miss is a warning, not a failure (not mandatory)
# Checks that need HTTPS first: a site without it cannot pass them.
NEEDS_HTTPS = frozenset({"web-https-redirect", "web-hsts", "web-tls13", "web-tls-legacy",
                         "web-http2"})  # fmt: skip


def scan_days(start: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=SCAN_EVERY_DAYS * k) for k in range(SCAN_MONTHS)]


def _states(lst: CountryList, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(adopts, has_mx, errors): adopts[month, site, check] as booleans, drifting month by
    month; has_mx[site]; errors[month, site, check]."""
    rng = stream(seed, "scans", lst.cc)
    n, k = len(lst.domains), len(CHECKS)
    adopts = np.zeros((SCAN_MONTHS, n, k), dtype=bool)
    first = np.empty((n, k), dtype=bool)
    for j, (_check, source) in enumerate(CHECKS):
        if isinstance(source, str):
            first[:, j] = lst.features[:, FEATURES.index(source)] == 1
        else:
            first[:, j] = rng.random(n) < min(source * lst.tech, 0.95)
    uptake = rng.uniform(0.01, 0.08)  # the country's monthly rate of taking a technology up
    dropout = 0.005
    adopts[0] = first
    for m in range(1, SCAN_MONTHS):
        draw = rng.random((n, k))
        prev = adopts[m - 1]
        adopts[m] = np.where(prev, draw >= dropout, draw < uptake)
    https = adopts[:, :, 0:1]
    needs = np.array([c in NEEDS_HTTPS for c, _ in CHECKS])
    adopts &= https | ~needs
    has_mx = rng.random(n) >= NO_MX_RATE
    errors = rng.random((SCAN_MONTHS, n, k)) < ERROR_RATE
    return adopts, has_mx, errors


def global_list(lists: list[CountryList], tranco: list[str]) -> CountryList:
    """The first GLOBAL_SCANNED sites of Tranco's list, each with the technology columns of
    the first country list holding it (every Tranco site is in one), at average propensity."""
    where: dict[str, tuple[CountryList, int]] = {}
    for lst in lists:
        for i, domain in enumerate(lst.domains):
            where.setdefault(domain, (lst, i))
    domains = [d for d in tranco if d in where][:GLOBAL_SCANNED]
    feats = np.array([where[d][0].features[where[d][1]] for d in domains], dtype=np.int8)
    hosts = tuple(where[d][0].hosting[where[d][1]] if where[d][0].hosting else 0 for d in domains)
    return CountryList(GLOBAL, domains, feats.reshape(len(domains), len(FEATURES)), 1.0, hosts)


def country_batches(lst: CountryList, seed: int, start: dt.date) -> list[pa.Table]:
    """One table per scan day: every target × check of the list (a country's, or the global
    one when its code is GLOBAL)."""
    adopts, has_mx, errors = _states(lst, seed)
    n, k = len(lst.domains), len(CHECKS)
    check_ids = np.array([c for c, _ in CHECKS], dtype=object)
    mail = np.array([c.startswith("mail-") for c in check_ids])
    informative = np.array([c in INFORMATIVE for c in check_ids])
    ranks = np.repeat(np.arange(1, n + 1, dtype=np.int32), k)
    targets = np.repeat(np.array(lst.domains, dtype=object), k)
    checks = np.tile(check_ids, n)
    list_id, country = (GLOBAL_ID, None) if lst.cc == GLOBAL else (LIST_ID, lst.cc)
    tables = []
    for m, day in enumerate(scan_days(start)):
        na = ~has_mx[:, None] & mail[None, :]
        err = errors[m] & ~na
        status = np.where(adopts[m], "pass", np.where(informative[None, :], "warning", "fail"))
        status = np.where(err, "error", np.where(na, "not_applicable", status)).astype(object)
        nothing = np.full((n, k), None, dtype=object)  # no reason: the check concluded
        reason = np.where(err, "timeout", np.where(na, "not_applicable", nothing)).astype(object)
        detail = np.where(na, "simulated: the domain has no MX", "simulated scan result")
        t0 = dt.datetime.combine(day, dt.time(SCAN_HOUR), tzinfo=dt.UTC)
        at = np.repeat(np.arange(n, dtype=np.int64), k) * 1_000_000 + int(t0.timestamp() * 1e6)
        rows = n * k
        tables.append(
            pa.table(
                {
                    "list_id": pa.array([list_id] * rows, pa.string()),
                    "list_date": pa.array([start] * rows, pa.date32()),
                    "country": pa.array([country] * rows, pa.string()),
                    "rank": pa.array(ranks, pa.int32()),
                    "bucketed": pa.array(np.zeros(rows, dtype=bool), pa.bool_()),
                    "target": pa.array(targets, pa.string()),
                    "check_id": pa.array(checks, pa.string()),
                    "check_version": pa.array(np.full(rows, CHECK_VERSION, np.int32)),
                    "status": pa.array(status.ravel(), pa.string()),
                    "reason": pa.array(reason.ravel(), pa.string()),
                    "detail": pa.array(detail.ravel().astype(object), pa.string()),
                    "scanned_at": pa.array(at, pa.timestamp("us", tz="UTC")),
                    "lab": pa.array(np.zeros(rows, dtype=bool), pa.bool_()),
                    "simulated": pa.array(np.ones(rows, dtype=bool), pa.bool_()),
                },
                schema=RESULT_SCHEMA,
            )
        )
    return tables


def provider_batches(lst: CountryList, seed: int, start: dt.date) -> list[pa.Table]:
    """One table per scan day: the provider-* evidence of every target (sim.providers), the
    same sites without MX as the mail checks."""
    _adopts, has_mx, _errors = _states(lst, seed)
    days = scan_days(start)
    hosting = list(lst.hosting) or [0] * len(lst.domains)
    list_id, country = (GLOBAL_ID, None) if lst.cc == GLOBAL else (LIST_ID, lst.cc)
    per_day = providers.provider_rows(country, lst.domains, hosting, has_mx, days, seed)
    return [
        providers.provider_table(rows, RESULT_SCHEMA, list_id, start, country, lst.domains,
                                 dt.datetime.combine(day, dt.time(SCAN_HOUR), tzinfo=dt.UTC))
        for day, rows in zip(days, per_day, strict=True)
    ]  # fmt: skip


def write_scans(tree: OutputTree, lists: list[CountryList], seed: int, start: dt.date) -> int:
    """The scan store of every list (the checks' batch and the provider evidence's batch per
    scan day); returns the results written."""
    results = 0
    for lst in lists:
        where = f"{GLOBAL_ID}/global" if lst.cc == GLOBAL else f"{LIST_ID}/{lst.cc}"
        days = scan_days(start)
        for name, tables in (("batch-000000-sim", country_batches(lst, seed, start)),
                             ("batch-000001-sim-providers", provider_batches(lst, seed, start))):  # fmt: skip
            for day, table in zip(days, tables, strict=True):
                buf = io.BytesIO()
                pq.write_table(table, buf)
                tree.write_bytes(f"scans/{where}/{day.isoformat()}/{name}.parquet", buf.getvalue())
                results += table.num_rows
    return results
