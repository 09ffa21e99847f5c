"""RPKI VRP exports, Atlas results, the shutdown sheet and the top-site lists."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import ipaddress
import json
from pathlib import Path

import pytest

from nethealth.sim import SimResult
from nethealth.sim.shutdowns import COLUMNS
from nethealth.sim.toplists import FEATURES


def test_vrps_in_rpki_client_json(tiny: SimResult, shared_data: Path) -> None:
    out = tiny.config.out
    daily = sorted((out / "mirror/rpki").glob("*/vrps.json"))
    assert len(daily) == tiny.config.days + 1
    assert (out / "mirror/rpki/vrps.json").read_bytes() == daily[-1].read_bytes()
    doc = json.loads(daily[0].read_text())
    assert doc["metadata"]["vrps"] == len(doc["roas"]) > 0
    for roa in doc["roas"]:
        net = ipaddress.ip_network(roa["prefix"])
        assert net.prefixlen <= roa["maxLength"] <= (32 if net.version == 4 else 128)
        assert isinstance(roa["asn"], int) and roa["ta"] in (
            "afrinic",
            "apnic",
            "arin",
            "lacnic",
            "ripe",
        )
    ref = shared_data / "rpki/stayrtr/test.rpki.json"
    if ref.is_file():
        real = json.loads(ref.read_text())
        assert set(doc["metadata"]) >= set(real["metadata"]) - {"aspas", "spls"}
        assert list(doc["roas"][0]) == list(real["roas"][0])


def test_roa_changes_show_in_next_export(tiny: SimResult) -> None:
    out = tiny.config.out
    evs = json.loads((out / "labels/events.json").read_text())["events"]
    changes = [e for e in evs if e["type"].startswith("roa_")]
    assert changes
    days = sorted((out / "mirror/rpki").glob("*/vrps.json"))
    before = {(r["asn"], r["prefix"]) for r in json.loads(days[0].read_text())["roas"]}
    after = {(r["asn"], r["prefix"]) for r in json.loads(days[-1].read_text())["roas"]}
    for e in changes:
        key = (e["asns"][0], e["prefixes"][0])
        if e["type"] == "roa_added":
            assert key not in before and key in after
        else:
            assert key in before and key not in after


def test_atlas_results_parse_like_real_ones(tiny: SimResult, shared_data: Path) -> None:
    base = tiny.config.out / "mirror/atlas/atlas-daily-dumps"
    pings = sorted(base.rglob("ping-*.bz2"))
    traces = sorted(base.rglob("traceroute-*.bz2"))
    assert len(pings) == len(traces) == 24 * tiny.config.days
    ping = json.loads(bz2.decompress(pings[0].read_bytes()).splitlines()[0])
    trace = json.loads(bz2.decompress(traces[-1].read_bytes()).splitlines()[0])
    assert ping["type"] == "ping" and len(ping["result"]) == ping["sent"] == 3
    assert (
        trace["type"] == "traceroute"
        and trace["result"][-1]["result"][0]["from"] == trace["dst_addr"]
    )
    ref = shared_data / "atlas/ping.ndjson"
    if ref.is_file():
        real = [json.loads(ln) for ln in ref.read_text().splitlines()]
        modern = [r for r in real if r.get("fw", 0) >= 4600]
        assert set(modern[-1]) <= set(ping) | {"lts", "stored_timestamp"}


def test_shutdown_sheet_has_the_real_columns(tiny: SimResult, shared_data: Path) -> None:
    text = (tiny.config.out / "mirror/accessnow/keepiton-stop-combined.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and list(rows[0]) == COLUMNS
    assert any("ground truth" in r["event"] for r in rows)
    real = (
        shared_data
        / "shutdowns/access_now_keepiton_stop_combined_2016-2025_snapshot_2026-05-20.csv.gz"
    )
    if not real.is_file():
        pytest.skip("real shutdown sheet not available")
    with gzip.open(real, "rt") as fh:
        assert next(csv.reader(fh)) == COLUMNS


def test_toplists(tiny: SimResult) -> None:
    out = tiny.config.out
    lists = sorted((out / "mirror/toplists/country").glob("*.csv"))
    assert len(lists) == json.loads(tiny.manifest.read_text())["counts"]["countries"]
    rows = list(csv.DictReader(io.StringIO(lists[0].read_text())))
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    for r in rows:
        ipaddress.ip_network(r["hosting_prefix"])
        assert int(r["hosting_asn"]) > 0
        assert all(r[f] in ("0", "1") for f in FEATURES)
    tranco = (out / "mirror/tranco/top-1m.csv").read_text().splitlines()
    assert tranco[0].startswith("1,") and len(tranco) == len(set(tranco))
