"""A small stored scan set with known providers (a scan store and a `bgp_prefix_origins`
dataset), for the concentration step's and the concentration pages' tests.

Country list FR (country-toplist), five targets, one scan on 2026-12-01, and a second scan of
a.fr's certificate on 2026-12-15 (a new CA). The hand-computed answers are in the tests.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from typing import Any

import pyarrow as pa

from nethealth.lake.storage import write_parquet_atomic
from nethealth.settings import Settings
from nethealth.standards.scanlist import RESULT_SCHEMA, store_root

DAY = dt.date(2026, 12, 1)
LATER = dt.date(2026, 12, 15)
LIST_DATE = dt.date(2026, 11, 30)

# target -> block check -> (status, evidence or detail)
EVIDENCE: dict[str, dict[str, tuple[str, Any]]] = {
    "a.fr": {
        "provider-hosting": ("info", {"addresses": ["192.0.2.10"]}),
        "provider-ca": ("info", {"issuer_o": "Let's Encrypt", "issuer_cn": "R11"}),
        "provider-mail": ("info", {"mx": ["mx1.google.com"]}),
        "provider-dns": ("info", {"ns": ["ns-1.awsdns-01.com", "ns-2.awsdns-22.net"]}),
        "provider-cdn": (
            "info",
            {"cnames": [], "headers": {"cf-ray": "8a-CDG"}, "addresses": ["192.0.2.10"]},
        ),
    },
    "b.fr": {
        "provider-hosting": ("info", {"addresses": ["192.0.2.20", "2001:db8::2"]}),
        "provider-ca": ("info", {"issuer_o": "Let's Encrypt", "issuer_cn": "R10"}),
        "provider-mail": ("info", {"mx": ["aspmx.l.google.com", "alt1.aspmx.l.google.com"]}),
        "provider-dns": ("info", {"ns": ["ns1.cloudflare.com", "ns2.cloudflare.com"]}),
        "provider-cdn": (
            "info",
            {"cnames": ["d1.cloudfront.net"], "headers": {}, "addresses": ["192.0.2.20"]},
        ),
    },
    "c.fr": {
        "provider-hosting": ("info", {"addresses": ["198.51.100.5"]}),
        "provider-ca": ("info", {"issuer_o": "Let's Encrypt", "issuer_cn": "E6"}),
        "provider-mail": ("info", {"mx": ["mx.ovh.net"]}),
        "provider-dns": ("info", {"ns": ["dns1.ovh.net"], "addresses": ["198.51.100.53"]}),
        "provider-cdn": ("info", {"cnames": [], "headers": {}, "addresses": ["198.51.100.5"]}),
    },
    "d.fr": {
        "provider-hosting": ("info", {"addresses": ["2001:db8::1"]}),
        "provider-ca": ("info", {"issuer_o": "DigiCert Inc", "issuer_cn": "DigiCert G2"}),
        "provider-mail": ("not_applicable", "no MX host for d.fr (none, or a null MX)"),
        "provider-dns": ("info", {"ns": ["ns1.ovh.net"]}),
        "provider-cdn": ("info", {"cnames": [], "headers": {}, "addresses": ["2001:db8::1"]}),
    },
    "e.fr": {
        "provider-hosting": ("info", {"addresses": ["203.0.113.9"]}),
        "provider-ca": ("error", "no answer within 5 s"),
        "provider-mail": ("info", {"mx": ["mx.example.co.uk"]}),
        "provider-dns": ("info", {"ns": ["ns.example.co.uk"]}),
        "provider-cdn": ("info", {"cnames": [], "headers": {}, "addresses": ["203.0.113.9"]}),
    },
}
# (prefix, origin, visibility): 192.0.2.0/25 is more specific than /24; the invisible /25 of
# 198.51.100.0 is ignored; 203.0.113.9 is not routed.
ORIGINS = (
    ("192.0.2.0/24", 64500, 1.0),
    ("192.0.2.0/25", 64501, 0.9),
    ("198.51.100.0/24", 64502, 1.0),
    ("198.51.100.0/25", 64999, 0.2),
    ("2001:db8::/32", 64500, 1.0),
)


def _row(target: str, rank: int, check: str, status: str, detail: Any, day: dt.date,
         list_id: str = "country-toplist", cc: str | None = "FR") -> dict[str, Any]:  # fmt: skip
    return {
        "list_id": list_id, "list_date": LIST_DATE, "country": cc, "rank": rank,
        "bucketed": False, "target": target, "check_id": check, "check_version": 1,
        "status": status, "reason": "timeout" if status == "error" else None,
        "detail": json.dumps(detail) if isinstance(detail, dict) else detail,
        "scanned_at": dt.datetime.combine(day, dt.time(3, rank), tzinfo=dt.UTC), "lab": False,
        "simulated": False,
    }  # fmt: skip


def write_scan_set(settings: Settings, with_global: bool = False) -> None:
    """The FR list's scans; `with_global` adds Tranco's list scanned on DAY with a.fr and b.fr
    (the same evidence): hosting AS64501 2 of 2, HHI 10,000."""
    rows = [
        _row(target, rank, check, status, detail, DAY)
        for rank, (target, checks) in enumerate(EVIDENCE.items(), start=1)
        for check, (status, detail) in checks.items()
    ]
    # An adoption result beside them: ignored by the concentration step.
    rows.append(_row("a.fr", 1, "web-https", "pass", "HTTPS", DAY))
    later = [_row("a.fr", 1, "provider-ca", "info", {"issuer_o": "DigiCert Inc"}, LATER)]
    root = store_root(settings) / "country-toplist" / "FR"
    for day, batch in ((DAY, rows), (LATER, later)):
        write_parquet_atomic(root / day.isoformat() / "batch-test.parquet",
                             pa.Table.from_pylist(batch, schema=RESULT_SCHEMA))  # fmt: skip
    if with_global:
        tranco = [
            _row(target, rank, check, status, detail, DAY, "tranco", None)
            for rank, target in enumerate(("a.fr", "b.fr"), start=1)
            for check, (status, detail) in EVIDENCE[target].items()
        ]
        write_parquet_atomic(store_root(settings) / "tranco" / "global" / DAY.isoformat()
                             / "batch-test.parquet",
                             pa.Table.from_pylist(tranco, schema=RESULT_SCHEMA))  # fmt: skip
    write_origins(settings, DAY)


def write_origins(settings: Settings, snapshot: dt.date) -> None:
    from nethealth.bgp.derived import ORIGINS_SCHEMA

    rows = []
    for prefix, asn, visibility in ORIGINS:
        net = ipaddress.ip_network(prefix)
        start, end = int(net.network_address), int(net.broadcast_address)
        if net.version == 4:
            words = (start, end, 0, 0)
        else:
            words = (start >> 64, end >> 64, start & (2**64 - 1), end & (2**64 - 1))
        rows.append({
            "snapshot": snapshot, "af": net.version, "prefix": prefix,
            "prefix_len": net.prefixlen, "range_start": words[0], "range_end": words[1],
            "range_start_lo": words[2], "range_end_lo": words[3], "origin_asn": asn,
            "peers": 10, "full_feed_peers": 10, "visibility": visibility, "simulated": False,
        })  # fmt: skip
    write_parquet_atomic(settings.lake_dir / "bgp_prefix_origins.parquet",
                         pa.Table.from_pylist(rows, schema=ORIGINS_SCHEMA))  # fmt: skip


def add_concentration(settings: Settings) -> None:
    """The scan set's provider evidence (not its adoption row) appended to a lake's
    `scan_results` as the step writes it, the routing table, then the step `concentration`
    alone: the full world's concentration datasets beside its own scan results."""
    import pyarrow.parquet as pq

    from nethealth.lake.build import run_build
    from nethealth.standards.results import SCHEMA
    from nethealth.standards.step import STEPS

    rows = [
        {**_row(target, rank, check, status, detail, DAY), "scan_date": DAY}
        for rank, (target, checks) in enumerate(EVIDENCE.items(), start=1)
        for check, (status, detail) in checks.items()
    ]
    path = settings.lake_dir / "scan_results.parquet"
    ours = pa.Table.from_pylist(rows, schema=SCHEMA)
    table = pa.concat_tables([pq.read_table(path).cast(SCHEMA), ours]) if path.is_file() else ours
    write_parquet_atomic(path, table)
    origins = settings.lake_dir / "bgp_prefix_origins.parquet"
    if origins.is_file():
        raise RuntimeError(f"{origins} exists: add_concentration would replace it")
    write_origins(settings, DAY)
    run_build(STEPS, settings, only=("concentration",))
    origins.unlink()  # the world's other areas see the lake as it was
