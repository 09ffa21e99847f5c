"""Ground-truth events are present, well formed and visible in the data they claim."""

from __future__ import annotations

import bz2
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from nethealth.sim import SimResult

KINDS = {
    "national_shutdown",
    "regional_shutdown",
    "asn_outage",
    "short_outage",
    "exact_prefix_hijack",
    "subprefix_hijack",
    "route_leak",
    "roa_added",
    "roa_removed",
}


def events(res: SimResult) -> list[dict[str, object]]:
    doc = json.loads((res.config.out / "labels/events.json").read_text())
    assert doc["simulated"] is True
    return list(doc["events"])


def test_labels_cover_every_kind(tiny: SimResult) -> None:
    evs = events(tiny)
    # one simulated day: no curfew series (needs three days); throttling from the second day
    assert {e["type"] for e in evs} == KINDS
    t0 = int(dt.datetime(2025, 6, 1, tzinfo=dt.UTC).timestamp())
    for e in evs:
        assert str(e["id"]).startswith("sim-")
        assert t0 <= int(e["start_ts"]) < t0 + 86400  # type: ignore[call-overload]
        if e["end_ts"] is not None:
            assert int(e["start_ts"]) < int(e["end_ts"]) <= t0 + 86400  # type: ignore[call-overload]
        assert e["signals"]


@pytest.mark.skipif(shutil.which("bgpdump") is None, reason="bgpdump not installed")
def test_shutdown_prefixes_are_missing_from_ribs_during_the_event(tiny: SimResult) -> None:
    shutdowns = [e for e in events(tiny) if str(e["type"]).endswith("shutdown")]
    ribs = sorted((tiny.config.out / "mirror/routeviews").rglob("rib.*.bz2"))
    checked = 0
    for rib in ribs:
        stamp = dt.datetime.strptime(rib.name[4:17], "%Y%m%d.%H%M").replace(tzinfo=dt.UTC)
        ts = int(stamp.timestamp())
        out = subprocess.run(["bgpdump", "-m", str(rib)], capture_output=True, check=True)
        seen = {ln.split("|")[5] for ln in out.stdout.decode().splitlines()}
        for e in shutdowns:
            prefixes = set(e["prefixes"])  # type: ignore[call-overload]
            if int(e["start_ts"]) + 300 < ts < int(e["end_ts"]):  # type: ignore[call-overload]
                assert not prefixes & seen, (e["id"], rib.name)
                checked += 1
            elif ts < int(e["start_ts"]) or ts > int(e["end_ts"]) + 300:  # type: ignore[call-overload]
                assert prefixes & seen, (e["id"], rib.name)
    assert checked > 0


def test_probes_in_shutdown_networks_stop_reporting(tiny: SimResult) -> None:
    evs = [e for e in events(tiny) if "atlas" in e["signals"]]  # type: ignore[operator]
    archive = next((tiny.config.out / "mirror/atlas/probes/archive").rglob("*.json.bz2"))
    probes = json.loads(bz2.decompress(archive.read_bytes()))["objects"]
    asn_of = {p["id"]: p["asn_v4"] for p in probes}
    results = []
    for f in sorted((tiny.config.out / "mirror/atlas/atlas-daily-dumps").rglob("ping-*.bz2")):
        results += [json.loads(ln) for ln in bz2.decompress(f.read_bytes()).splitlines()]
    assert results
    for r in results:
        for e in evs:
            if int(e["start_ts"]) <= r["timestamp"] < int(e["end_ts"]):  # type: ignore[call-overload]
                assert asn_of[r["prb_id"]] not in e["asns"]  # type: ignore[operator]


def test_other_outputs_exist(tiny: SimResult) -> None:
    out: Path = tiny.config.out
    assert (out / "mirror/rpki/vrps.json").is_file()
    assert (out / "mirror/accessnow/keepiton-stop-combined.csv").is_file()
    assert (out / "mirror/tranco/top-1m.csv").is_file()
    assert (out / "labels/as-rel.txt").is_file()
    assert (out / "labels/rpki-misconfigurations.json").is_file()
