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

Every run is scored with each relationship source the leak detector can have: the simulator's
CAIDA-like file (mirror/caida/..., fetched through `routing.caida` as production would — the
truth with errors at CAIDA's validated rates, `nethealth.sim.asrel`), nethealth's own inference
(Gao 2001, AS-Rank), and the simulator's truth (labels/as-rel.txt, the upper bound). Every
observable leak label a source missed is listed with why (`Evaluation.misses`).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.errors import InputError
from nethealth.formats.vrp import read_vrps
from nethealth.lake.raw import RawStore
from nethealth.routing import caida, inference, relationships
from nethealth.routing.detect import Window, detect_all, intervals_of
from nethealth.routing.relationships import CUSTOMER, PEER, PROVIDER, UNKNOWN, Relations
from nethealth.routing.routes import read_routes
from nethealth.routing.rov import states_of
from nethealth.settings import Settings
from nethealth.sim.asrel import MIRROR_DIR
from nethealth.sim.config import Scale, SimConfig
from nethealth.sim.run import run

# Where the leak detector's relationships come from, in the order the table shows them.
SOURCE_NAMES = {
    "caida": "CAIDA-like file (production path)",
    "gao": "Gao 2001 (inferred)",
    "asrank": "AS-Rank (inferred)",
    "truth": "simulator's truth (upper bound)",
}
INFERENCE_METHODS = ("gao", "asrank")
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
    """Per relationship source (SOURCE_NAMES) and incident type a Tally; the relationship
    files' agreement with the truth; and every observable leak label a source missed."""

    seeds: list[int]
    sources: tuple[str, ...] = tuple(SOURCE_NAMES)
    tallies: dict[str, dict[str, Tally]] = field(default_factory=dict)
    relationships: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def tally(self, kind: str, source: str = "caida") -> Tally:
        return self.tallies.setdefault(source, {}).setdefault(kind, Tally())

    def table(self) -> str:
        head = "| incident type | labels | observable |" + "".join(
            f" {SOURCE_NAMES[s]}: det / P / R |" for s in self.sources
        )
        lines = [head, "|---|---:|---:|" + "---:|" * len(self.sources)]
        for kind in (*TYPES, "rpki_invalid"):
            ref = self.tally(kind, self.sources[0])
            cells = "".join(
                f" {t.detections} / {t.precision:.3f} / {t.recall:.3f} |"
                for t in (self.tally(kind, s) for s in self.sources)
            )
            lines.append(f"| {kind} | {ref.labels} | {ref.observable} |{cells}")
        lines.append("")
        for s in self.sources:
            if s != "truth" and self.relationships.get(s):
                lines.append(f"{SOURCE_NAMES[s]} vs labels/as-rel.txt, mean over "
                             f"{len(self.relationships[s])} runs: " + ", ".join(
                                 f"{k} {v:.3f}" for k, v in self.relationship_means(s).items()))  # fmt: skip
        return "\n".join(lines)

    def relationship_means(self, source: str) -> dict[str, float]:
        keys = ("accuracy", "p2c_precision", "p2c_recall", "p2p_precision", "p2p_recall")
        runs = self.relationships.get(source, [])
        n = max(1, len(runs))
        return {k: sum(r[k] for r in runs) / n for k in keys}


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


def _hit(d: dict[str, Any], e: dict[str, Any], kind: str) -> bool:
    t0 = datetime.fromisoformat(e["start"].replace("Z", "+00:00"))
    t1 = datetime.fromisoformat(e["end"].replace("Z", "+00:00"))
    if kind == "route_leak":
        return bool(d["culprit_asn"] == e["leaker_asn"] and _overlap(d["start"], d["end"], t0, t1))
    return bool(d["prefix"] == e["hijacked_prefix"] and d["origin_asn"] == e["hijacker_asn"])


def why_missed(iv: pa.Table, e: dict[str, Any], rel: pa.Table, found: list[dict[str, Any]]) -> str:
    """Observability of a missed leak label and what the detector made of its paths."""
    new = iv.filter(pc.invert(iv["baseline"]))
    rows = new.filter(pc.is_in(new["prefix"], pa.array(e["prefixes"])))
    leaker = int(e["leaker_asn"])
    paths = sorted({tuple(p) for p in rows["as_path"].to_pylist() if leaker in p})
    peers = {p for p, a in zip(rows["peer"].to_pylist(), rows["as_path"].to_pylist(),
                               strict=True) if leaker in a}  # fmt: skip
    seen = f"{len(paths)} new paths via AS{leaker} at {len(peers)} collector peers"
    r = Relations.from_table(rel)
    blamed = sorted({int(d["culprit_asn"]) for d in found if d["type"] == "route_leak"
                     and set(d["paths"]) & {" ".join(map(str, p)) for p in paths}})  # fmt: skip
    if blamed:
        return f"{seen}; blamed AS{', AS'.join(map(str, blamed))} instead"
    names = {PROVIDER: "provider", PEER: "peer", CUSTOMER: "customer", UNKNOWN: "unknown"}
    why = set()
    for p in paths[:20]:
        i = p.index(leaker)
        if i == 0 or i == len(p) - 1:
            why.add("the leaker is at a path end (a collector peer or the origin)")
            continue
        pair = np.array([leaker, leaker], np.uint64)
        role, guessed = r.lookup_or_guess(pair, np.array([p[i + 1], p[i - 1]], np.uint64))
        why.add(f"AS{p[i + 1]} is {names[int(role[0])]}{' (guessed)' * bool(guessed[0])} "
                f"and AS{p[i - 1]} {names[int(role[1])]}{' (guessed)' * bool(guessed[1])} "
                f"of the leaker")  # fmt: skip
    return f"{seen}; no new valley at the leaker: " + "; ".join(sorted(why))


def _relations_of(out: Path, start: datetime, base: pa.Array, source: str) -> pa.Table:
    if source == "truth":
        return relationships.read_caida(out / "labels/as-rel.txt")
    if source == "caida":  # the production path: fetched over file:// like a real mirror
        store = RawStore(out / "eval-raw")
        caida.fetch(Settings(), store, month=start.date(), base_url=(out / MIRROR_DIR).as_uri())
        rel, _ = caida.RelationshipSource(store.files(caida.SOURCE_ID)).for_day(
            start.date(), lambda: (base, None)
        )
        return rel
    return inference.infer(base, source)


def evaluate_run(out: Path, ev: Evaluation, progress: Progress | None = None) -> None:
    """Score one simulator output tree with every relationship source, adding to `ev`."""
    doc = json.loads((out / "sim.json").read_text())
    start = datetime.fromisoformat(doc["start"]).replace(tzinfo=UTC)
    end = start + timedelta(days=int(doc["days"]))
    ribs, updates = _files(out)
    iv = intervals_of(Window(ribs, updates, start, end), progress)
    vrps = read_vrps(out / f"mirror/rpki/{start:%Y%m%d}/vrps.json").vrps
    truth_rel = relationships.read_caida(out / "labels/as-rel.txt")
    base = iv.filter(iv["baseline"])["as_path"].combine_chunks()
    labels = json.loads((out / "labels/events.json").read_text())["events"]
    for source in ev.sources:
        rel = _relations_of(out, start, base, source)
        incidents, _ = detect_all(iv, vrps, rel, basis=source)
        ev.relationships.setdefault(source, []).append(relationships.score(rel, truth_rel))
        found = incidents.to_pylist()
        for kind, det in TYPES.items():
            t = ev.tally(kind, source)
            mine = [d for d in found if d["type"] == det]
            truth = [e for e in labels if e["type"] == kind]
            t.detections += len(mine)
            t.labels += len(truth)
            t.matched_detections += sum(any(_hit(d, e, kind) for e in truth) for d in mine)
            t.matched_labels += sum(any(_hit(d, e, kind) for d in mine) for e in truth)
            observable = [e for e in truth if _observable(iv, e)]
            t.observable += len(observable)
            if kind != "route_leak":
                continue
            for e in observable:
                if not any(_hit(d, e, kind) for d in mine):
                    ev.misses.append(f"seed {doc['seed']} {SOURCE_NAMES[source]}: {e['id']} "
                                     f"leaker AS{e['leaker_asn']} ({e['peers_seeing']} peers "
                                     f"seeing per label): {why_missed(iv, e, rel, found)}")  # fmt: skip
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
    for source in ev.sources:  # ROV does not use relationships: the same for every source
        t = ev.tally("rpki_invalid", source)
        t.detections += len(got)
        t.labels += len(truth)
        t.observable += len(truth)
        t.matched_detections += len(got & truth)
        t.matched_labels += len(got & truth)


def evaluate(seed: int, runs: int = 10, days: int = 2, scale: Scale = "tiny",
             progress: Progress | None = None, *,
             methods: Sequence[str] = INFERENCE_METHODS,
             sources: Sequence[str] | None = None) -> Evaluation:  # fmt: skip
    """Simulate `runs` worlds (seeds seed .. seed+runs-1) and score the detectors on each with
    every relationship source: the simulator's CAIDA-like file, nethealth's inference with each
    of `methods` ("gao", "asrank"), and the simulator's truth. `sources` picks a subset."""
    for m in methods:
        if m not in INFERENCE_METHODS:
            raise InputError(f"unknown relationship inference method {m!r}", field="method",
                             hint=f"use one of {', '.join(INFERENCE_METHODS)}")  # fmt: skip
    chosen = tuple(sources) if sources is not None else ("caida", *methods, "truth")
    ev = Evaluation(seeds=list(range(seed, seed + runs)), sources=chosen)
    for i, s in enumerate(ev.seeds):
        if progress is not None:
            progress(f"simulating seed {s}", i, runs)
        with tempfile.TemporaryDirectory(prefix="nethealth-eval-") as tmp:
            run(SimConfig(out=Path(tmp), seed=s, scale=scale, days=days))
            evaluate_run(Path(tmp), ev)
    if progress is not None:
        progress("simulating", runs, runs)
    return ev
