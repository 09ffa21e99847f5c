"""`nethealth routing incidents` over arbitrary files names the peers that saw each incident."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from nethealth.routing.cli import app
from nethealth.sim.config import SimConfig
from nethealth.sim.run import run


def test_incidents_cli_pairs_peers_with_collectors(tmp_path: Path) -> None:
    sim = tmp_path / "sim"
    run(SimConfig(out=sim, seed=5, scale="tiny", days=1))
    doc = json.loads((sim / "sim.json").read_text())
    day = doc["start"].replace("-", "")
    ris = sim / "mirror/ris"
    ribs = sorted(ris.glob(f"rrc*/*/bview.{day}.0000.gz"))
    updates = sorted(ris.glob(f"rrc*/*/updates.{day}.*.gz"))
    assert ribs and updates
    out = tmp_path / "incidents.parquet"
    args = ["incidents", "--start", f"{doc['start']}T00:00:00+00:00",
            "--end", f"{doc['start']}T23:59:59+00:00", "--out", str(out)]  # fmt: skip
    for r in ribs:
        args += ["--rib", str(r)]
    for u in updates:
        args += ["--updates", str(u)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out).to_pylist()
    labels = json.loads((sim / "labels/events.json").read_text())["events"]
    assert rows and any(e["type"].endswith("hijack") for e in labels)
    collectors = {r.parent.parent.name for r in ribs}  # …/rrc00/2025.06/bview…
    for r in rows:
        # every incident names its peers, each "collector|peer" from the archive layout
        assert r["peer_count"] > 0 and r["peers"], r
        assert {s["collector"] for s in r["sightings"]} <= collectors, r["sightings"]
        assert {s["path"] for s in r["sightings"]} <= set(r["paths"])
