"""Provider attribution and concentration from stored scans: the rules (registrable domain, CDN
rules, unknowns) and the step `concentration` end to end on a small scan set whose answers are
computed by hand (tests/standards/scanset.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from nethealth.areas import get_indicator, get_source
from nethealth.bgp.derived import ORIGINS_SCHEMA
from nethealth.lake.build import run_build
from nethealth.lake.storage import write_parquet_atomic
from nethealth.settings import Settings, load_settings
from nethealth.sources.base import LoadOptions
from nethealth.sources.load import load_files
from nethealth.standards import api
from nethealth.standards.attribution import (
    CDN_HEADERS,
    CDN_RULES,
    attribute,
    operator_of,
    registrable_domain,
)
from nethealth.standards.checks.providers import PROVIDERS
from nethealth.standards.concentration import Group, choose_snapshot, value_rows, weighted
from nethealth.standards.scanlist import choose_list, run_list
from nethealth.standards.step import STEPS
from tests.apps import router_app
from tests.standards.lab import Lab
from tests.standards.scanset import DAY, LATER, write_scan_set


@pytest.mark.parametrize(("host", "expected"), [
    ("www.example.com", "example.com"),
    ("example.com.", "example.com"),
    ("mx.example.co.uk", "example.co.uk"),
    ("a.b.example.com.br", "example.com.br"),
    ("ns1.gouv.fr", "ns1.gouv.fr"),  # gouv.fr is a second level: the name under it registers
    ("co.uk", "co.uk"),  # too short to have a second level: the rule's limit, named in the docs
    ("localhost", None),
    ("192.0.2.1", None),
])  # fmt: skip
def test_registrable_domain_rule(host: str, expected: str | None) -> None:
    assert registrable_domain(host) == expected


def test_operators_spread_over_domains() -> None:
    assert operator_of("awsdns-01.com") == operator_of("awsdns-22.co.uk") == "Amazon Route 53"
    assert operator_of("ovh.net") == "ovh.net"


@pytest.mark.parametrize(("evidence", "asns", "cdn", "rule"), [
    ({"headers": {"cf-ray": "8a-CDG"}}, [], "Cloudflare", "cloudflare-header"),
    ({"cnames": ["shop.example.com.edgekey.net."]}, [], "Akamai", "akamai-cname-edgekey"),
    ({"cnames": ["d1.cloudfront.net"]}, [], "Amazon CloudFront", "cloudfront-cname"),
    ({"headers": {"via": "1.1 google"}}, [], "Google Cloud CDN", "google-cdn-via"),
    ({"headers": {"via": "1.1 varnish"}}, [], None, "unknown"),
    ({"addresses": ["192.0.2.1"]}, [54113], "Fastly", "fastly-asn"),
    ({"cnames": ["www.example.net"], "headers": {"server": "nginx"}}, [64500], None, "unknown"),
])  # fmt: skip
def test_cdn_rules(evidence: dict[str, Any], asns: list[int], cdn: str | None, rule: str) -> None:
    found = attribute("cdn", "example.com", {**evidence, "asns": asns})
    assert (found.provider, found.rule) == (cdn, rule)


def test_every_cdn_rule_has_a_source_and_its_header_is_recorded() -> None:
    assert len({r.id for r in CDN_RULES}) == len(CDN_RULES)
    assert all(r.source.startswith("https://") for r in CDN_RULES)
    for r in CDN_RULES:
        if r.kind == "header":
            assert r.pattern in CDN_HEADERS


def test_unknowns_are_unknown_never_empty() -> None:
    assert attribute("hosting", "x.fr", {"addresses": ["192.0.2.1"]}, None).provider is None
    nothing = attribute("hosting", "x.fr", {"addresses": ["192.0.2.1"]}, lambda _a: None)
    assert nothing.provider is None and "no routed prefix" in nothing.why
    assert attribute("ca", "x.fr", {"issuer_o": None, "issuer_cn": None}).provider is None
    assert attribute("ca", "x.fr", {"issuer_cn": "nethealth test lab CA"}).provider == (
        "nethealth test lab CA"
    )  # no O: the issuer's CN, with the rule saying so
    assert attribute("mail", "x.fr", {"mx": ["localhost"]}).provider is None
    assert attribute("tld", "localhost", None).provider is None
    named = attribute("hosting", "x.fr", {"asns": [13335]}, None, {13335: "CLOUDFLARENET"}.get)
    assert (named.provider, named.name) == ("AS13335", "CLOUDFLARENET")


def test_origin_snapshot_is_never_later_than_the_scan() -> None:
    snaps = [dt.date(2026, 11, 20), dt.date(2026, 11, 29), dt.date(2026, 12, 2)]
    assert choose_snapshot(snaps, dt.date(2026, 12, 1)) == dt.date(2026, 11, 29)
    assert choose_snapshot(snaps, dt.date(2026, 11, 19)) is None
    assert choose_snapshot([dt.date(2026, 11, 1)], dt.date(2026, 12, 1)) is None  # > 7 days


def _built(settings: Settings) -> duckdb.DuckDBPyConnection:
    write_scan_set(settings)
    run_build(STEPS, settings, only=("scan_results", "concentration"))
    con = duckdb.connect()
    for name in ("concentration", "concentration_providers", "provider_attributions"):
        con.read_parquet(str(settings.lake_dir / f"{name}.parquet")).create_view(name)
    return con


def _value(con: duckdb.DuckDBPyConnection, block: str, day: dt.date) -> dict[str, Any]:
    cur = con.execute("SELECT * FROM concentration WHERE block = ? AND date = ? AND "
                      "country = 'FR'", [block, day])  # fmt: skip
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0], strict=True))


def _table(con: duckdb.DuckDBPyConnection, block: str, day: dt.date) -> list[tuple[Any, ...]]:
    return con.execute("SELECT provider, targets, round(share, 4) FROM concentration_providers "
                       "WHERE block = ? AND date = ? ORDER BY targets DESC, provider",
                       [block, day]).fetchall()  # fmt: skip


def test_step_end_to_end_by_hand(settings: Settings) -> None:
    con = _built(settings)
    # CA: Let's Encrypt 3, DigiCert 1, e.fr's handshake timed out (unknown, counted).
    ca = _value(con, "ca", DAY)
    assert (ca["attributed"], ca["unknown"], ca["providers"]) == (3 + 1, 1, 2)
    assert ca["hhi"] == pytest.approx(75**2 + 25**2)  # 6,250
    assert ca["band"] == "extremely high"
    assert (ca["cr1"], ca["cr3"], ca["cr5"]) == pytest.approx((75, 100, 100))
    assert ca["gini"] == pytest.approx(((2 - 3) * 1 + (4 - 3) * 3) / (2 * 4))  # 0.25
    assert _table(con, "ca", DAY) == [("Let's Encrypt", 3, 75.0), ("DigiCert Inc", 1, 25.0)]
    # A fortnight later a.fr's new certificate is DigiCert's; the others' results of 1 December
    # are still in the 30-day window: 2 and 2, HHI 5,000 — the boundary is in the lower band.
    later = _value(con, "ca", LATER)
    assert (later["hhi"], later["band"], later["gini"]) == (pytest.approx(5000), "high", 0)
    # Hosting: the longest visible prefix decides (192.0.2.0/25 over /24; the invisible /25 of
    # 198.51.100.0 is ignored); 203.0.113.9 is not routed: unknown.
    assert _table(con, "hosting", DAY) == [("AS64501", 2, 50.0), ("AS64500", 1, 25.0),
                                           ("AS64502", 1, 25.0)]  # fmt: skip
    hosting = _value(con, "hosting", DAY)
    assert (hosting["hhi"], hosting["band"], hosting["unknown"]) == (pytest.approx(3750), "high", 1)
    assert hosting["gini"] == pytest.approx(((2 - 4) * 1 + 0 * 1 + (6 - 4) * 2) / (3 * 4))
    # DNS: both awsdns domains are Amazon Route 53; ovh.net runs two zones.
    assert _table(con, "dns", DAY) == [("ovh.net", 2, 40.0), ("Amazon Route 53", 1, 20.0),
                                       ("cloudflare.com", 1, 20.0), ("example.co.uk", 1, 20.0)]  # fmt: skip
    dns = _value(con, "dns", DAY)
    assert (dns["hhi"], dns["cr1"], dns["cr3"]) == pytest.approx((2800, 40, 80))
    assert dns["gini"] == pytest.approx((-3 - 1 + 1 + 2 * 3) / (4 * 5))  # 0.15
    # Mail: d.fr has no MX: not applicable, neither a provider nor unknown.
    mail = _value(con, "mail", DAY)
    assert (mail["attributed"], mail["unknown"], mail["not_applicable"]) == (4, 0, 1)
    assert _table(con, "mail", DAY)[0] == ("google.com", 2, 50.0)
    # CDN: two sites behind a CDN the rules know, three unknown.
    cdn = _value(con, "cdn", DAY)
    assert (cdn["attributed"], cdn["unknown"], cdn["hhi"]) == (2, 3, pytest.approx(5000))
    assert _value(con, "tld", DAY)["hhi"] == pytest.approx(10_000)
    # The global weighted Gini is computed on the global list only.
    assert mail["weighted_status"] == "not applicable"
    why = con.execute("SELECT why FROM provider_attributions WHERE target = 'e.fr' AND "
                      "block = 'ca'").fetchone()  # fmt: skip
    assert why is not None and "timeout" in why[0]
    # the name servers' ASNs are recorded beside the operator (c.fr's NS in 198.51.100.0/24)
    ns = con.execute("SELECT provider, asns, origins_snapshot FROM provider_attributions "
                     "WHERE target = 'c.fr' AND block = 'dns'").fetchone()  # fmt: skip
    assert ns == ("ovh.net", "64502", DAY)
    source = con.execute("SELECT DISTINCT origins_source FROM provider_attributions WHERE "
                         "block = 'hosting'").fetchall()  # fmt: skip
    assert source == [("bgp_prefix_origins",)]


def test_weighted_gini_across_countries_by_hand() -> None:
    fr = Group({"A": (None, 3), "B": (None, 1)})  # shares 75, 25
    de = Group({"A": (None, 2)})  # 100
    groups = {("ca", "country-toplist", "FR", DAY): fr, ("ca", "country-toplist", "DE", DAY): de,
              ("ca", "tranco", None, DAY): Group({"A": (None, 1)})}  # fmt: skip
    people = {"FR": 2.0, "DE": 1.0}
    value, status, reason = weighted("ca", DAY, groups, lambda cc, _y: people.get(cc))
    # values 75, 25, 100 with weights 2, 2, 1: W = 5, mean 60; Σᵢⱼ wᵢwⱼ|xᵢ−xⱼ| = 2·(200 + 50 +
    # 150) = 800; 800 / (2 · 25 · 60) = 0.2667
    assert value == pytest.approx(800 / 3000)
    assert status == "measured" and "2 countries" in reason
    assert weighted("ca", DAY, groups, None)[1] == "not measured"
    rows, _tables = value_rows(groups, None)
    by = {(r["list_id"], r["country"]): r for r in rows}
    assert by[("tranco", None)]["weighted_status"] == "not measured"
    assert by[("country-toplist", "FR")]["weighted_status"] == "not applicable"


def test_no_scans_builds_empty_datasets(settings: Settings, tmp_path: Path) -> None:
    run_build(STEPS, settings, only=("scan_results", "concentration"))
    con = duckdb.connect()
    n = con.execute("SELECT count(*) FROM read_parquet(?)",
                    [str(settings.lake_dir / "concentration.parquet")]).fetchone()  # fmt: skip
    assert n == (0,)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    _built(settings).close()
    return TestClient(router_app(api.router, settings=settings))


def test_api_block_with_providers_series_and_countries(client: TestClient) -> None:
    body = client.get("/api/v1/concentration/ca?country=fr").json()
    assert (body["country"], body["list"], body["indicator"]) == (
        "FR",
        "country-toplist",
        "concentration_hhi_ca",
    )
    assert [(v["date"], v["hhi"], v["band"]) for v in body["series"]] == [
        ("2026-12-01", pytest.approx(6250), "extremely high"),
        ("2026-12-15", pytest.approx(5000), "high")]  # fmt: skip
    assert body["value"]["date"] == "2026-12-15" and body["value"]["unknown"] == 1
    assert [(p["provider"], p["targets"]) for p in body["providers"]] == [
        ("DigiCert Inc", 2), ("Let's Encrypt", 2)]  # fmt: skip
    assert [c["country"] for c in body["countries"]] == ["FR"]
    dated = client.get("/api/v1/concentration/ca?country=FR&date=2026-12-10").json()
    assert dated["value"]["date"] == "2026-12-01"
    assert [p["share"] for p in dated["providers"]] == [75.0, 25.0]
    world = client.get("/api/v1/concentration/ca").json()
    assert (world["value"]["status"], world["value"]["hhi"]) == ("not measured", None)
    assert world["providers"] == [] and "Tranco" in world["value"]["reason"]


def test_api_index_errors_and_csv(client: TestClient) -> None:
    index = client.get("/api/v1/concentration").json()
    assert [b["block"] for b in index["blocks"]] == ["hosting", "dns", "ca", "cdn", "mail", "tld"]
    assert all(b["global"]["status"] == "not measured" for b in index["blocks"])
    assert [b["countries_measured"] for b in index["blocks"]] == [1] * 6
    assert client.get("/api/v1/concentration/isp").status_code == 404
    assert client.get("/api/v1/concentration/ca?list=nope").status_code == 400
    assert client.get("/api/v1/concentration/ca?country=XZ").status_code == 400
    got = client.get("/api/v1/concentration/hosting?country=FR&table=providers&format=csv")
    assert got.headers["content-type"].startswith("text/csv")
    assert got.text.splitlines() == [
        "block,list,country,date,provider,name,targets,share",
        "hosting,country-toplist,FR,2026-12-01,AS64501,,2,50.0",
        "hosting,country-toplist,FR,2026-12-01,AS64500,,1,25.0",
        "hosting,country-toplist,FR,2026-12-01,AS64502,,1,25.0",
    ]
    series = client.get("/api/v1/concentration/ca?country=FR&format=csv").text.splitlines()
    assert series[0].startswith("block,list,country,date,status,reason,hhi,band")
    assert len(series) == 1 + 2 and series[1].startswith("ca,country-toplist,FR,2026-12-01,")


def test_api_without_the_datasets(tmp_path: Path) -> None:
    app = router_app(api.router, settings=load_settings(data_dir=tmp_path / "d"))
    got = TestClient(app).get("/api/v1/concentration/ca")
    assert got.status_code == 503 and "scan-list" in got.json()["error"]["hint"]


def test_indicators_registered_per_block(settings: Settings) -> None:
    con = _built(settings)
    hhi = get_indicator("concentration_hhi_hosting")
    assert hhi.area == "standards" and "Pulse" in hhi.method
    table = hhi.compute(con).to_pylist()
    assert [(r["country"], r["value"], r["status"]) for r in table] == [
        ("FR", pytest.approx(3750), "measured")]  # fmt: skip


def test_the_lab_scanned_for_real_records_its_providers(lab: Lab, tmp_path: Path) -> None:
    """scan-list over lab domains with the provider checks, then the step: the lab CA, the lab
    zones' name servers and MX hosts, and the loopback addresses' origin from a routing table
    that announces 127.0.0.0/8 (AS64496, a documentation ASN)."""
    settings = lab.settings(data_dir=tmp_path / "data")
    ranked = tmp_path / "fr.csv"
    ranked.write_text("1,ideal.lab\n2,no-hsts.lab\n3,no-spf.mail.lab\n")
    load_files(settings, get_source("country-toplist"), [ranked],
               LoadOptions(day=DAY, country="FR"))  # fmt: skip
    run_build(STEPS, settings, only=("target_lists",))
    choice = choose_list(settings, "country-toplist", "FR")
    summary = asyncio.run(run_list(settings, choice, PROVIDERS, max_age=dt.timedelta(days=1),
                                   concurrency=1, lab=True))  # fmt: skip
    assert (summary.scanned, summary.results) == (3, 3 * len(PROVIDERS))
    scanned = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)  # a RIB before the scan
    write_parquet_atomic(settings.lake_dir / "bgp_prefix_origins.parquet", pa.Table.from_pylist(
        [{"snapshot": scanned, "af": 4, "prefix": "127.0.0.0/8", "prefix_len": 8,
          "range_start": 127 << 24, "range_end": (128 << 24) - 1, "range_start_lo": 0,
          "range_end_lo": 0, "origin_asn": 64496, "peers": 1, "full_feed_peers": 1,
          "visibility": 1.0, "simulated": False}], schema=ORIGINS_SCHEMA))  # fmt: skip
    run_build(STEPS, settings, only=("scan_results", "concentration"))
    con = duckdb.connect()
    rows = con.execute(
        "SELECT target, block, status, provider FROM read_parquet(?) ORDER BY target, block",
        [str(settings.lake_dir / "provider_attributions.parquet")],
    ).fetchall()
    got = {(t, b): (s, p) for t, b, s, p in rows}
    assert got[("ideal.lab", "ca")] == ("attributed", "nethealth test lab CA")
    assert got[("ideal.lab", "hosting")] == ("attributed", "AS64496")
    assert got[("ideal.lab", "dns")] == ("attributed", "ideal.lab")  # ns1/ns2.ideal.lab
    assert got[("ideal.lab", "mail")] == ("attributed", "ideal.lab")  # mx1.ideal.lab
    assert got[("ideal.lab", "cdn")] == ("unknown", None)  # no CDN sign on the lab's servers
    assert got[("ideal.lab", "tld")] == ("attributed", "lab")
    assert got[("no-spf.mail.lab", "mail")] == ("attributed", "mail.lab")
    # no web address for the mail-only zone: its certificate is unknown (the scan's error)
    assert got[("no-spf.mail.lab", "ca")] == ("unknown", None)
    ca = con.execute(
        "SELECT hhi, attributed, unknown FROM read_parquet(?) WHERE block = 'ca'",
        [str(settings.lake_dir / "concentration.parquet")],
    ).fetchall()
    assert ca == [(pytest.approx(10_000), 2, 1)]  # one CA for both web sites: a monopoly


def test_the_latest_attribution_counts_with_its_own_name() -> None:
    """A site moved from AS1 (named) to AS2 (no name loaded), and another became unknown: the
    window takes each site's latest row whole, never an older row's provider or name."""
    from nethealth.standards.concentration import ATTRIBUTION_SCHEMA, groups

    def row(target: str, day: dt.date, status: str, provider: str | None,
            name: str | None) -> dict[str, Any]:  # fmt: skip
        return {"list_id": "tranco", "list_date": DAY, "country": None, "target": target,
                "block": "hosting", "scan_date": day, "scanned_at": dt.datetime.combine(
                    day, dt.time(1), tzinfo=dt.UTC), "check_version": 1, "rules_version": 1,
                "status": status, "provider": provider, "name": name, "asns": None,
                "rule": "r", "why": "w", "origins_snapshot": None, "simulated": False}  # fmt: skip

    rows = [row("a.fr", DAY, "attributed", "AS1", "ONE"), row("a.fr", LATER, "attributed",
            "AS2", None), row("b.fr", DAY, "attributed", "AS1", "ONE"),
            row("b.fr", LATER, "unknown", None, None)]  # fmt: skip
    con = duckdb.connect()
    con.register("provider_attributions", pa.Table.from_pylist(rows, schema=ATTRIBUTION_SCHEMA))
    got = groups(con)[("hosting", "tranco", None, LATER)]
    assert got.providers == {"AS2": (None, 1)} and got.unknown == 1
    assert groups(con)[("hosting", "tranco", None, DAY)].providers == {"AS1": ("ONE", 2)}


def test_ip_to_asn_ranges_when_no_routing_table_is_near(settings: Settings) -> None:
    """Without a RIB snapshot within 7 days of the scan, ip-location-db's ranges (ipdb_asn, a
    snapshot within its 31-day tolerance) give the ASN and its name; the narrowest range wins."""
    from nethealth.sources.ipdb import ASN_SCHEMA

    write_scan_set(settings)
    (settings.lake_dir / "bgp_prefix_origins.parquet").unlink()
    v6 = int(ipaddress.ip_address("2001:db8::")) >> 64
    ranges = [(4, "192.0.2.0", "192.0.2.255", 64510, "EXAMPLE-NET"),
              (4, "192.0.2.16", "192.0.2.31", 64511, "SMALL-NET")]  # fmt: skip
    rows = [{"snapshot": DAY - dt.timedelta(days=20), "af": af,
             "start": int(ipaddress.ip_address(a)), "end": int(ipaddress.ip_address(b)),
             "asn": asn, "as_name": name, "simulated": False}
            for af, a, b, asn, name in ranges]  # fmt: skip
    rows.append({"snapshot": DAY - dt.timedelta(days=20), "af": 6, "start": v6, "end": v6 + 0xFFFF,
                 "asn": 64512, "as_name": "V6-NET", "simulated": False})  # fmt: skip
    write_parquet_atomic(settings.lake_dir / "ipdb_asn.parquet",
                         pa.Table.from_pylist(rows, schema=ASN_SCHEMA))  # fmt: skip
    run_build(STEPS, settings, only=("scan_results", "concentration"))
    con = duckdb.connect()
    got = con.execute(
        "SELECT target, provider, name, origins_source, origins_snapshot FROM read_parquet(?) "
        "WHERE block = 'hosting' ORDER BY target",
        [str(settings.lake_dir / "provider_attributions.parquet")]).fetchall()  # fmt: skip
    snap = DAY - dt.timedelta(days=20)
    assert got == [
        ("a.fr", "AS64510", "EXAMPLE-NET", "ipdb_asn", snap),  # 192.0.2.10
        ("b.fr", "AS64511", "SMALL-NET", "ipdb_asn", snap),  # 192.0.2.20: the narrower range
        ("c.fr", None, None, "ipdb_asn", snap),  # 198.51.100.5: in no range
        ("d.fr", "AS64512", "V6-NET", "ipdb_asn", snap),  # 2001:db8::1
        ("e.fr", None, None, "ipdb_asn", snap),
    ]
