"""Top-site lists per country (with hosting ASN and enabling-technology features) and a
Tranco-style global list."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from nethealth.sim import names
from nethealth.sim.addressing import prefix_text
from nethealth.sim.output import OutputTree
from nethealth.sim.resources import Resources
from nethealth.sim.rng import stream
from nethealth.sim.world import ACCESS, CONTENT, STUB, World

FEATURES = (
    "https",
    "hsts",
    "tls13",
    "http2",
    "http3",
    "ipv6",
    "dnssec",
    "spf",
    "dmarc",
    "starttls",
    "dane",
    "mta_sts",
)
# adoption probability (self-hosted, on a big content/CDN network)
_P = {
    "https": (0.85, 0.99),
    "hsts": (0.3, 0.55),
    "tls13": (0.55, 0.95),
    "http2": (0.6, 0.95),
    "http3": (0.1, 0.6),
    "ipv6": (0.2, 0.8),
    "dnssec": (0.08, 0.12),
    "spf": (0.65, 0.8),
    "dmarc": (0.4, 0.6),
    "starttls": (0.55, 0.7),
    "dane": (0.02, 0.03),
    "mta_sts": (0.03, 0.08),
}
_TLD = {
    "GB": "co.uk",
    "BR": "com.br",
    "AU": "com.au",
    "JP": "co.jp",
    "IN": "co.in",
    "ZA": "co.za",
    "NZ": "co.nz",
    "AR": "com.ar",
    "MX": "com.mx",
    "TR": "com.tr",
}


def _tld(cc: str) -> str:
    return _TLD.get(cc, cc.lower())


@dataclass(frozen=True)
class CountryList:
    """A country's list as written: domains in rank order and their FEATURES (0/1 per column)."""

    cc: str
    domains: list[str]
    features: np.ndarray  # shape (len(domains), len(FEATURES)), int8
    tech: float  # the country's adoption propensity (0.5 + its ROA coverage)
    hosting: tuple[int, ...] = ()  # each domain's hosting ASN (empty: not known)


def write_toplists(
    tree: OutputTree, w: World, res: Resources
) -> tuple[int, list[CountryList], list[str]]:
    """The per-country lists and Tranco's; returns the rows written, the country lists (the
    simulated scans start from their features) and Tranco's domains in rank order."""
    rng = stream(w.seed, "toplists")
    n = w.params.toplist_size
    v4 = np.flatnonzero(res.pf_af == 4)
    first: dict[int, int] = {}
    for r in v4[::-1]:
        first[int(res.pf_origin[r])] = int(r)
    has_v6 = set(res.pf_origin[res.pf_af == 6].tolist())
    content = np.array([i for i in np.flatnonzero(w.tier == CONTENT) if int(i) in first])
    big = content[np.argsort(-w.size[content], kind="stable")][: max(3, len(content) // 10)]
    n_global = max(5, n // 4)
    global_sites = [f"{names.brand(rng).lower()}.com" for _ in range(n_global)]
    global_host = rng.choice(big, size=n_global)
    tranco: list[tuple[float, str]] = [(float(k), d) for k, d in enumerate(global_sites)]
    seen = set(global_sites)
    lines = 0
    lists: list[CountryList] = []
    for ci, c in enumerate(w.countries):
        local_as = np.array(
            [
                i
                for i in np.flatnonzero(
                    (w.country == ci) & np.isin(w.tier, (ACCESS, STUB, CONTENT))
                )
                if int(i) in first
            ]
        )
        rows: list[list[str | int]] = []
        n_loc = n - n_global // 2
        locals_: list[str] = []
        while len(locals_) < n_loc:
            d = f"{names.brand(rng).lower()}.{_tld(c.cc)}"
            if d not in seen:
                seen.add(d)
                locals_.append(d)
        order = rng.permutation(n_global)[: n_global // 2]
        picks: list[tuple[str, int]] = [(global_sites[int(k)], int(global_host[k])) for k in order]
        for d in locals_:
            on_cdn = rng.random() < 0.5 or len(local_as) == 0
            host = int(rng.choice(big)) if on_cdn else int(rng.choice(local_as))
            picks.append((d, host))
        weights = np.array([3.0 if k < len(order) else 1.0 for k in range(len(picks))])
        keys = rng.random(len(picks)) ** (1.0 / weights)
        ranked = [picks[int(k)] for k in np.argsort(-keys, kind="stable")]
        tech = 0.5 + c.roa_coverage
        for rank, (domain, host) in enumerate(ranked, start=1):
            cdn = host in set(big.tolist())
            row = first[host]
            feats = []
            for f in FEATURES:
                p = _P[f][1 if cdn else 0] * (1.0 if cdn else tech)
                if f == "ipv6" and host not in has_v6:
                    p = 0.0
                feats.append(int(rng.random() < min(p, 1.0)))
            rows.append(
                [
                    rank,
                    domain,
                    int(w.asn[host]),
                    prefix_text(4, int(res.pf_net[row]), int(res.pf_len[row])),
                    *feats,
                ]
            )
            if domain not in global_sites:
                tranco.append((n_global + rank * len(w.countries) + ci, domain))
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(["rank", "domain", "hosting_asn", "hosting_prefix", *FEATURES])
        out.writerows(rows)
        tree.write_text(f"mirror/toplists/country/{c.cc}.csv", buf.getvalue())
        lines += len(rows)
        feats_of = np.array([r[4:] for r in rows], dtype=np.int8).reshape(len(rows), len(FEATURES))
        hosts = tuple(int(r[2]) for r in rows)
        lists.append(CountryList(c.cc, [str(r[1]) for r in rows], feats_of, tech, hosts))
    tranco.sort()
    text = "".join(f"{k},{d}\n" for k, (_, d) in enumerate(tranco, start=1))
    tree.write_text("mirror/tranco/top-1m.csv", text)
    return lines, lists, [d for _, d in tranco]
