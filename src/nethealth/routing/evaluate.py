"""Precision and recall of the incident detectors against the simulator's ground truth.

For each seed the simulator writes RIBs, updates, VRPs and labels; the detectors see the first
RIB of each collector (state at the start), every update file and the first day's VRPs. A
detection matches a label of its type when:

- exact_prefix_hijack <-> moas: same prefix and new origin = hijacker;
- subprefix_hijack <-> subprefix_hijack: same prefix and origin = hijacker;
- route_leak <-> route_leak: culprit = leaker and the time ranges overlap;
- rpki_invalid: the RPKI-invalid routes of the first RIB <-> the misconfigured ROAs' own
  prefixes the simulator lists (labels/rpki-misconfigurations.json).

Precision = matched detections / detections; recall = matched labels / observable labels
(labels whose changed routes reached at least one collector peer; summed over seeds).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from nethealth.formats.vrp import read_vrps
from nethealth.routing import relationships
from nethealth.routing.detect import Window, detect_all, intervals_of
from nethealth.routing.routes import read_routes
from nethealth.routing.rov import states_of
from nethealth.sim.config import Scale, SimConfig
from nethealth.sim.run import run

TYPES = {"exact_prefix_hijack": "moas", "subprefix_hijack": "subprefix_hijack",
         "route_leak": "route_leak"}  # fmt: skip
Progress = Callable[[str, int, int], None]


@dataclass
class Tally:
    detections: int = 0
    observable: int = 0  # labels whose announcements reached a collector at all
    matched_detections: int = 0
    labels: int = 0
    matched_labels: int = 0

    @property
    def precision(self) -> float:
        return self.matched_detections / self.detections if self.detections else 1.0

    @property
    def recall(self) -> float:
        return self.matched_labels / self.observable if self.observable else 1.0


@dataclass
class Evaluation:
    seeds: list[int]
    tallies: dict[str, Tally] = field(default_factory=dict)
    relationships: list[dict[str, float]] = field(default_factory=list)

    def table(self) -> str:
        lines = [
            "| incident type | labels | observable | detections | precision | recall |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, t in self.tallies.items():
            lines.append(
                f"| {name} | {t.labels} | {t.observable} | {t.detections} | {t.precision:.3f} | {t.recall:.3f} |"
            )
        if self.relationships:
            acc = sum(r["accuracy"] for r in self.relationships) / len(self.relationships)
            lines.append("")
            lines.append(f"Gao 2001 relationship inference vs labels/as-rel.txt: mean accuracy {acc:.3f} "
                         f"over {len(self.relationships)} runs")  # fmt: skip
        return "\n".join(lines)


def _files(out: Path) -> tuple[list[tuple[Path, str | None]], list[tuple[Path, str | None]]]:
    ribs: list[tuple[Path, str | None]] = []
    updates: list[tuple[Path, str | None]] = []
    for col in sorted((out / "mirror/ris").glob("rrc*")):
        b = sorted(col.glob("*/bview.*"))
        ribs += [(b[0], col.name)] if b else []
        updates += [(p, col.name) for p in sorted(col.glob("*/updates.*"))]
    for col in sorted((out / "mirror/routeviews").glob("*")):
        b = sorted(col.glob("bgpdata/*/RIBS/rib.*"))
        ribs += [(b[0], col.name)] if b else []
        updates += [(p, col.name) for p in sorted(col.glob("bgpdata/*/UPDATES/updates.*"))]
    return ribs, updates


def _observable(iv: pa.Table, e: dict[str, Any]) -> bool:
    """Did any collector peer get a route the event changed (new origin, or a path through
    the leaker for a leaked prefix)? Events the simulator injected out of collectors' sight
    cannot be detected from their data and are left out of recall."""
    new = iv.filter(pc.invert(iv["baseline"]))
    if e["type"] == "route_leak":
        rows = new.filter(pc.is_in(new["prefix"], pa.array(e["prefixes"])))
        leaker = e["leaker_asn"]
        return any(leaker in p for p in rows["as_path"].to_pylist())
    rows = new.filter(pc.equal(new["prefix"], e["hijacked_prefix"]))
    return e["hijacker_asn"] in rows["origin_asn"].to_pylist()


def _overlap(a0: Any, a1: Any, b0: datetime, b1: datetime) -> bool:
    return bool(a0 <= b1 and (a1 is None or a1 >= b0))


def evaluate_run(
    out: Path, ev: Evaluation, progress: Progress | None = None, *, caida: bool = False
) -> None:
    """Score one simulator output tree, adding to `ev`."""
    doc = json.loads((out / "sim.json").read_text())
    start = datetime.fromisoformat(doc["start"]).replace(tzinfo=UTC)
    end = start + timedelta(days=int(doc["days"]))
    ribs, updates = _files(out)
    iv = intervals_of(Window(ribs, updates, start, end), progress)
    vrps = read_vrps(out / f"mirror/rpki/{start:%Y%m%d}/vrps.json").vrps
    truth_rel = relationships.read_caida(out / "labels/as-rel.txt")
    incidents, rel = detect_all(iv, vrps, truth_rel if caida else None)
    ev.relationships.append(relationships.score(rel, truth_rel))
    labels = json.loads((out / "labels/events.json").read_text())["events"]
    found = incidents.to_pylist()
    for kind, det in TYPES.items():
        t = ev.tallies.setdefault(kind, Tally())
        mine = [d for d in found if d["type"] == det]
        truth = [e for e in labels if e["type"] == kind]
        t.detections += len(mine)
        t.labels += len(truth)

        def hit(d: dict[str, Any], e: dict[str, Any], kind: str = kind) -> bool:
            t0 = datetime.fromisoformat(e["start"].replace("Z", "+00:00"))
            t1 = datetime.fromisoformat(e["end"].replace("Z", "+00:00"))
            if kind == "route_leak":
                return d["culprit_asn"] == e["leaker_asn"] and _overlap(
                    d["start"], d["end"], t0, t1
                )
            return bool(
                d["prefix"] == e["hijacked_prefix"] and d["origin_asn"] == e["hijacker_asn"]
            )

        t.matched_detections += sum(any(hit(d, e) for e in truth) for d in mine)
        t.matched_labels += sum(any(hit(d, e) for d in mine) for e in truth)
        t.observable += sum(_observable(iv, e) for e in truth)
    _score_invalids(out, ribs, vrps, ev)


def _score_invalids(
    out: Path, ribs: list[tuple[Path, str | None]], vrps: pa.Table, ev: Evaluation
) -> None:
    routes = read_routes(ribs, datetime.now(UTC).date())
    st = states_of(routes, vrps)
    got = {
        p
        for p, s in zip(st["prefix"].to_pylist(), st["state"].to_pylist(), strict=True)
        if s == "invalid"
    }
    doc = json.loads((out / "labels/rpki-misconfigurations.json").read_text())
    truth = {p for m in doc["misconfigured_roas"] for p in m["invalid_own_prefixes"]}
    t = ev.tallies.setdefault("rpki_invalid", Tally())
    t.detections += len(got)
    t.labels += len(truth)
    t.observable += len(truth)
    t.matched_detections += len(got & truth)
    t.matched_labels += len(got & truth)


def evaluate(seed: int, runs: int = 10, days: int = 2, scale: Scale = "tiny",
             progress: Progress | None = None, *, caida: bool = False) -> Evaluation:  # fmt: skip
    """Simulate `runs` worlds (seeds seed .. seed+runs-1) and score the detectors on each."""
    ev = Evaluation(seeds=list(range(seed, seed + runs)))
    for i, s in enumerate(ev.seeds):
        if progress is not None:
            progress(f"simulating seed {s}", i, runs)
        with tempfile.TemporaryDirectory(prefix="nethealth-eval-") as tmp:
            run(SimConfig(out=Path(tmp), seed=s, scale=scale, days=days))
            evaluate_run(Path(tmp), ev, caida=caida)
    if progress is not None:
        progress("simulating", runs, runs)
    return ev
