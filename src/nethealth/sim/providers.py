"""Simulated provider evidence for the simulated scans: the results of the scanner's provider-*
checks (`nethealth.standards.checks.providers`, restated here: this layer sits below the areas;
a test attributes these rows with the real rules) so the demo shows concentration.

Per site, drawn once from the country's own mix of providers and kept from scan to scan (a few
sites switch each month): the hosting network is the list's hosting ASN (given as `asns`: the
simulated scan has no address to look up), the certificate authority, the DNS and mail
operators and the CDN come from small pools whose weights differ by country (a Dirichlet draw
around common weights), with a country-local operator in each pool. Sites without MX have no
mail provider (not applicable); ERROR_RATE of the results are timeouts. Every row is simulated.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from nethealth.sim.rng import stream

CHECK_VERSION = 1  # the version of each provider-* check (a test compares them)
SWITCH_RATE = 0.02  # a site's chance each month to move to another provider of a block
ERROR_RATE = 0.02
CONCENTRATION = 2.0  # Dirichlet concentration: lower, the countries' mixes differ more

# block -> (pool of (evidence, base weight)); "{tld}" is the country's TLD, "{cc}" its code.
Pool = tuple[tuple[dict[str, object], float], ...]
CA_POOL: Pool = (
    ({"issuer_o": "Let's Encrypt", "issuer_cn": "R11"}, 0.45),
    ({"issuer_o": "Google Trust Services", "issuer_cn": "WE1"}, 0.15),
    ({"issuer_o": "DigiCert Inc", "issuer_cn": "DigiCert Global G2 TLS RSA SHA256 2020 CA1"},
     0.14),
    ({"issuer_o": "Sectigo Limited", "issuer_cn": "Sectigo RSA Domain Validation CA"}, 0.12),
    ({"issuer_o": "GlobalSign nv-sa", "issuer_cn": "GlobalSign GCC R6 AlphaSSL CA 2023"}, 0.06),
    ({"issuer_o": "{cc} Trust Services", "issuer_cn": "{cc} TLS CA 1"}, 0.08),
)  # fmt: skip
DNS_POOL: Pool = (
    ({"ns": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"]}, 0.35),
    ({"ns": ["ns-101.awsdns-12.com", "ns-1500.awsdns-62.org"]}, 0.2),
    ({"ns": ["dns1.registrar-servers.com", "dns2.registrar-servers.com"]}, 0.1),
    ({"ns": ["ns1.google.com", "ns2.google.com"]}, 0.1),
    ({"ns": ["ns1.hosting.{tld}", "ns2.hosting.{tld}"]}, 0.25),
)  # fmt: skip
MAIL_POOL: Pool = (
    ({"mx": ["aspmx.l.google.com", "alt1.aspmx.l.google.com"]}, 0.4),
    ({"mx": ["{site}-{cc}.mail.protection.outlook.com"]}, 0.3),
    ({"mx": ["mx1.mail.{tld}"]}, 0.2),
    ({"mx": ["mx.zoho.eu"]}, 0.1),
)  # fmt: skip
CDN_POOL: Pool = (
    ({"headers": {"cf-ray": "8f00-AMS"}}, 0.3),
    ({"cnames": ["{site}.edgekey.net", "e1.a.akamaiedge.net"]}, 0.12),
    ({"cnames": ["d1x.cloudfront.net"]}, 0.12),
    ({"cnames": ["{site}.map.fastly.net"]}, 0.06),
    ({}, 0.4),  # no CDN the rules know: unknown, as a real scan would find
)  # fmt: skip
POOLS = {"provider-ca": CA_POOL, "provider-dns": DNS_POOL, "provider-mail": MAIL_POOL,
         "provider-cdn": CDN_POOL}  # fmt: skip
CHECKS = ("provider-hosting", "provider-dns", "provider-ca", "provider-cdn", "provider-mail")


@dataclass(frozen=True)
class Row:
    i: int  # the site's index in the list
    check_id: str
    status: str
    reason: str | None
    detail: str


def _fill(value: object, site: str, cc: str, tld: str) -> object:
    if isinstance(value, str):
        return value.format(site=site.split(".")[0], cc=cc or "ZZ", tld=tld)
    if isinstance(value, list):
        return [_fill(v, site, cc, tld) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, site, cc, tld) for k, v in value.items()}
    return value


def _choices(rng: np.random.Generator, months: int, n: int, weights: np.ndarray) -> np.ndarray:
    """choices[month, site]: a pool index per site, drawn once, a few switching each month."""
    k = len(weights)
    mix = rng.dirichlet(CONCENTRATION * k * weights / weights.sum())
    out = np.empty((months, n), dtype=np.int64)
    out[0] = rng.choice(k, size=n, p=mix)
    for m in range(1, months):
        switch = rng.random(n) < SWITCH_RATE
        out[m] = np.where(switch, rng.choice(k, size=n, p=mix), out[m - 1])
    return out


def provider_rows(
    cc: str | None,
    domains: list[str],
    hosting: list[int],
    has_mx: np.ndarray,
    days: list[dt.date],
    seed: int,
) -> list[list[Row]]:
    """Per scan day, the provider-* results of every site: check_id, status, reason, detail
    (the evidence JSON) and the site's index; the caller adds the list's columns."""
    rng = stream(seed, "providers", cc or "global")
    n = len(domains)
    tld = domains[0].rsplit(".", 1)[-1] if domains else "example"
    picks = {check: _choices(rng, len(days), n, np.array([w for _e, w in pool]))
             for check, pool in POOLS.items()}  # fmt: skip
    errors = rng.random((len(days), n, len(CHECKS))) < ERROR_RATE
    out = []
    for m in range(len(days)):
        day_rows: list[Row] = []
        for i, site in enumerate(domains):
            for j, check in enumerate(CHECKS):
                if check == "provider-mail" and not has_mx[i]:
                    day_rows.append(Row(i, check, "not_applicable", "not_applicable",
                                        "simulated: the domain has no MX"))  # fmt: skip
                    continue
                if errors[m, i, j]:
                    day_rows.append(Row(i, check, "error", "timeout", "simulated timeout"))
                    continue
                evidence: dict[str, object] = {}
                if check != "provider-hosting":
                    drawn = _fill(POOLS[check][int(picks[check][m, i])][0], site, cc or "", tld)
                    evidence = dict(drawn) if isinstance(drawn, dict) else {}
                if check in ("provider-hosting", "provider-cdn") and hosting[i]:
                    evidence["asns"] = [hosting[i]]
                day_rows.append(Row(i, check, "info", None, json.dumps(evidence, sort_keys=True)))
        out.append(day_rows)
    return out


def provider_table(
    rows: list[Row],
    schema: pa.Schema,
    list_id: str,
    list_date: dt.date,
    country: str | None,
    domains: list[str],
    t0: dt.datetime,
) -> pa.Table:
    """One scan day's provider rows in scan-list's schema (ranks in list order, one target a
    second from t0, like the simulated checks)."""
    base = int(t0.timestamp() * 1e6)
    return pa.table({
        "list_id": pa.array([list_id] * len(rows), pa.string()),
        "list_date": pa.array([list_date] * len(rows), pa.date32()),
        "country": pa.array([country] * len(rows), pa.string()),
        "rank": pa.array([r.i + 1 for r in rows], pa.int32()),
        "bucketed": pa.array([False] * len(rows), pa.bool_()),
        "target": pa.array([domains[r.i] for r in rows], pa.string()),
        "check_id": pa.array([r.check_id for r in rows], pa.string()),
        "check_version": pa.array([CHECK_VERSION] * len(rows), pa.int32()),
        "status": pa.array([r.status for r in rows], pa.string()),
        "reason": pa.array([r.reason for r in rows], pa.string()),
        "detail": pa.array([r.detail for r in rows], pa.string()),
        "scanned_at": pa.array([base + r.i * 1_000_000 for r in rows],
                               pa.timestamp("us", tz="UTC")),
        "lab": pa.array([False] * len(rows), pa.bool_()),
        "simulated": pa.array([True] * len(rows), pa.bool_()),
    }, schema=schema)  # fmt: skip
