"""Every MRT file the simulator writes is read by Debian's bgpdump with the same element count,
and the AS paths in them are valley-free except where a route leak was injected."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from nethealth.sim import SimResult
from nethealth.sim.routing import Topology, is_valley_free
from nethealth.sim.world import build_world

BGPDUMP = shutil.which("bgpdump")
pytestmark = pytest.mark.skipif(BGPDUMP is None, reason="Debian bgpdump is not installed")


def bgpdump_lines(path: Path) -> tuple[list[str], list[str]]:
    assert BGPDUMP is not None
    proc = subprocess.run([BGPDUMP, "-m", str(path)], capture_output=True, check=False)
    errors = [
        ln
        for ln in proc.stderr.decode().splitlines()
        if ln.strip() and "logging to syslog" not in ln
    ]
    assert proc.returncode == 0, (path, errors)
    return proc.stdout.decode().splitlines(), errors


@pytest.fixture(scope="module")
def dumped(tiny: SimResult) -> dict[str, list[str]]:
    doc = json.loads(tiny.manifest.read_text())
    out = {}
    for rel in doc["mrt_elements"]:
        lines, errors = bgpdump_lines(tiny.config.out / rel)
        assert not errors, (rel, errors[:5])
        out[rel] = lines
    return out


def test_bgpdump_counts_equal_simulator_counts(
    tiny: SimResult, dumped: dict[str, list[str]]
) -> None:
    doc = json.loads(tiny.manifest.read_text())
    assert doc["mrt_elements"], "no MRT files written"
    mismatched = {
        rel: (n, len(dumped[rel]))
        for rel, n in doc["mrt_elements"].items()
        if len(dumped[rel]) != n
    }
    assert not mismatched
    kinds = Counter(ln.split("|")[2] for lines in dumped.values() for ln in lines)
    assert kinds["B"] == doc["counts"]["rib_entries"]
    assert kinds["A"] + kinds["W"] + kinds["STATE"] == doc["counts"]["update_elements"]
    assert kinds["A"] > 0 and kinds["W"] > 0
    # session outages are real BGP4MP state changes: one down and one up per outage
    assert kinds["STATE"] == 2 * doc["counts"]["bgp_session_outages"] > 0


def test_every_mrt_file_is_in_the_publisher_layout(tiny: SimResult) -> None:
    doc = json.loads(tiny.manifest.read_text())
    for rel in doc["mrt_elements"]:
        parts = rel.split("/")
        if parts[1] == "routeviews":
            assert parts[3] == "bgpdata" and parts[5] in ("RIBS", "UPDATES"), rel
            assert parts[-1].endswith(".bz2")
        else:
            assert parts[1] == "ris" and parts[2].startswith("rrc"), rel
            assert parts[-1].startswith(("bview.", "updates.")) and rel.endswith(".gz")


def _collapse(path: list[int]) -> list[int]:
    out: list[int] = []
    for a in path:
        if not out or out[-1] != a:
            out.append(a)
    return out


def test_paths_are_valley_free_except_injected_leaks(
    tiny: SimResult, dumped: dict[str, list[str]]
) -> None:
    world = build_world(tiny.config)
    topo = Topology(world)
    index = {int(a): i for i, a in enumerate(world.asn)}
    events = json.loads((tiny.config.out / "labels/events.json").read_text())["events"]
    leaks = [e for e in events if e["type"] == "route_leak"]
    leak_prefixes = {p for e in leaks for p in e["prefixes"]}
    checked = violations = leak_valleys = 0
    for lines in dumped.values():
        for ln in lines:
            f = ln.split("|")
            if f[2] not in ("A", "B"):
                continue
            path = [index[int(a)] for a in _collapse([int(x) for x in f[6].split()])]
            checked += 1
            if is_valley_free(path, topo):
                continue
            ts = float(f[1])
            in_leak = f[5] in leak_prefixes and any(
                e["start_ts"] <= ts <= e["end_ts"] + 300 for e in leaks
            )
            if in_leak:
                leak_valleys += 1
            else:
                violations += 1
    assert checked > 1000
    assert violations == 0
    if any(e["peers_seeing"] for e in leaks):
        assert leak_valleys > 0, "the injected leak should be visible as valleys"
