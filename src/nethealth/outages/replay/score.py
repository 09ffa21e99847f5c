"""Both detectors on a replay tree, scored against its truth — at the level a reader sees
(events, after grouping) and per detection.

The series are computed from the tree's MRT files exactly as from a collector's archive (same
decoder, same signal code, the collectors' file gaps as no data); countries from
ip-location-db as the scenario placed them. Each detector's detections become events through
the same grouping (outages.events), so the comparison is of detection rules only; the effect
sizes are part of nethealth's rules, the baseline is IODA's as published.

An event *matches* an injected outage when one of its entities (country, region or network)
is one of the outage's, their times overlap and the event began no earlier than
`evaluate.MAX_LEAD` before the onset. Events matching no outage are false; those on
throttling are false too and counted apart, and so are false events that overlap a
collector artefact (a session reset, a collector gap or a withdrawal burst, ± 15 min).
Onset delay = when the event was known (end of its confirming bin) − the labelled onset.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from nethealth.errors import InputError
from nethealth.outages import artefacts as artefact_mod
from nethealth.outages import ioda, robust
from nethealth.outages.episodes import Episode
from nethealth.outages.evaluate import MAX_LEAD, Label, Score, labels_from_doc, markdown, score
from nethealth.outages.events import EventContext, events_table
from nethealth.outages.fusion import Detection, run_detector
from nethealth.outages.inputs import coverage, find_mrt, read_bgp, select_mrt, update_gaps
from nethealth.outages.replay.scenario import geo_ranges
from nethealth.outages.series import Series
from nethealth.outages.signals import bgp as bgp_signal

Progress = Callable[[str, int, int], None]
DETECTORS = (ioda.NAME, ioda.CRITICAL_NAME, robust.NAME)
LONG = 30 * 60  # the goals speak of outages of at least this long
ARTEFACT_MARGIN = 15 * 60


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


@dataclass
class EventScore:
    detector: str
    days: float
    events: int = 0
    true_events: int = 0
    false_events: int = 0
    on_throttling: int = 0
    on_artefacts: int = 0
    small_country_events: int = 0  # country events whose country fell by < 5 %
    found: dict[str, list[float]] = field(default_factory=dict)  # label id → delays (s)
    per_outage: dict[str, int] = field(default_factory=dict)  # label id → matching events
    labels: list[Label] = field(default_factory=list)

    def _outages(self, min_seconds: int = 0) -> list[Label]:
        return [lab for lab in self.labels if lab.is_outage and lab.end - lab.start >= min_seconds]

    def recall(self, min_seconds: int = 0) -> float:
        labs = self._outages(min_seconds)
        return sum(lab.id in self.found for lab in labs) / len(labs) if labs else float("nan")

    def delays(self, min_seconds: int = 0) -> list[float]:
        return [min(self.found[lab.id]) for lab in self._outages(min_seconds)
                if lab.id in self.found]  # fmt: skip

    @property
    def false_per_day(self) -> float:
        return self.false_events / self.days if self.days else float("nan")


def score_events(
    detector: str,
    events: pa.Table,
    labels: Sequence[Label],
    artefacts: Sequence[dict[str, Any]],
    *,
    data_start: int,
    data_end: int,
) -> EventScore:
    out = EventScore(detector, (data_end - data_start) / 86400, labels=list(labels))
    spans = [(int(a["start_ts"]) - ARTEFACT_MARGIN, int(a["end_ts"]) + ARTEFACT_MARGIN)
             for a in artefacts]  # fmt: skip
    for ev in events.to_pylist():
        out.events += 1
        start = _ts(ev["start"])
        end = data_end if ev["end"] is None else _ts(ev["end"])
        known = _ts(ev["known_at"])
        ents = set(ev["entities"] or [])
        hits = [lab for lab in labels if ents & lab.entities and start < lab.end
                and end > lab.start and start >= lab.start - MAX_LEAD]  # fmt: skip
        outages = [lab for lab in hits if lab.is_outage]
        if outages:
            out.true_events += 1
            for lab in outages:
                out.found.setdefault(lab.id, []).append(max(0.0, float(known - lab.start)))
                out.per_outage[lab.id] = out.per_outage.get(lab.id, 0) + 1
        else:
            out.false_events += 1
            if hits:
                out.on_throttling += 1
            elif any(start < b and end > a for a, b in spans):
                out.on_artefacts += 1
        if ev["scope"] == "country" and _country_drop(ev) < 0.05:
            out.small_country_events += 1
    return out


def _country_drop(ev: dict[str, Any]) -> float:
    doc = json.loads(ev["evidence"]) if isinstance(ev["evidence"], str) else ev["evidence"]
    mine = doc.get(f"country:{ev['country']}", {})
    drops = [float(e["max_drop"]) for eps in mine.values() for e in eps]
    return max(drops, default=float(ev["max_drop"]))


def _ts(v: Any) -> int:
    if isinstance(v, int | float):
        return int(v)
    return int(v.timestamp())


@dataclass
class ReplayEvaluation:
    root: Path
    manifest: dict[str, Any]
    labels: list[Label]
    events: dict[str, pa.Table]
    event_scores: list[EventScore]
    detection_scores: list[Score]
    artefacts: pa.Table
    seconds: dict[str, float]

    @property
    def peers(self) -> int:
        return len(self.manifest.get("peers", []))

    def markdown(self) -> str:
        m = self.manifest
        lines = [
            f"Replay of {Path(str(m['rib']['path'])).name} ({m['rib']['prefixes']} prefixes): "
            f"{self.peers} full-feed peers at {len({p['collector'] for p in m['peers']})} "
            f"collector(s), {m['days']} day(s), seed {m['seed']} ({m.get('seed_kind', '?')}); "
            f"{sum(lab.is_outage for lab in self.labels)} injected outages, "
            f"{sum(not lab.is_outage for lab in self.labels)} throttling; "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(m["counts"].items()))
            + f"; collector artefacts recognised: {self.artefacts.num_rows}.",
            "",
            "| detector | events | true | false | false / day | recall (≥ 30 min) | recall (all) "
            "| onset delay median / max (min) | events per outage (max) | false on artefacts "
            "| on throttling | country events < 5 % |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for s in self.event_scores:
            d = s.delays()
            lines.append(
                f"| {s.detector} | {s.events} | {s.true_events} | {s.false_events} "
                f"| {s.false_per_day:.1f} | {_f(s.recall(LONG))} | {_f(s.recall())} "
                f"| {_m(float(np.median(d)) if d else None)} / {_m(max(d) if d else None)} "
                f"| {max(s.per_outage.values(), default=0)} | {s.on_artefacts} "
                f"| {s.on_throttling} | {s.small_country_events} |"
            )
        lines += ["", "| outage | type | where | minutes | share of country "
                  + "".join(f"| {s.detector} " for s in self.event_scores) + "|",
                  "|---|---|---|---|---|" + "---|" * len(self.event_scores)]  # fmt: skip
        docs = {str(e["id"]): e for e in json.loads(
            (self.root / "labels" / "events.json").read_text())["events"]}  # fmt: skip
        for lab in self.labels:
            doc = docs.get(lab.id, {})
            cells = []
            for s in self.event_scores:
                if lab.id in s.found:
                    cells.append(f"{min(s.found[lab.id]) / 60:.1f} min, {s.per_outage[lab.id]} ev.")
                else:
                    cells.append("–" if lab.is_outage else "none (good)")
            share = doc.get("share_of_country")
            lines.append(
                f"| {lab.id} | {lab.type} | {doc.get('country')} ({len(doc.get('asns') or [])} "
                f"AS) | {(lab.end - lab.start) // 60} | {_f(share, '.3f')} | "
                + " | ".join(cells)
                + " |"
            )
        lines += ["", "Per detection (every entity's detection counts), BGP only:", "",
                  markdown(self.detection_scores)]  # fmt: skip
        return "\n".join(lines)

    def doc(self) -> dict[str, Any]:
        return {
            "replay": str(self.root),
            "seed": self.manifest["seed"],
            "seed_kind": self.manifest.get("seed_kind"),
            "peers": self.peers,
            "days": self.manifest["days"],
            "counts": self.manifest["counts"],
            "artefacts_recognised": self.artefacts.num_rows,
            "events": [
                {
                    "detector": s.detector,
                    "events": s.events,
                    "true": s.true_events,
                    "false": s.false_events,
                    "false_per_day": s.false_per_day,
                    "recall_30min": s.recall(LONG),
                    "recall": s.recall(),
                    "onset_delays_s": s.delays(),
                    "events_per_outage": s.per_outage,
                    "false_on_artefacts": s.on_artefacts,
                    "on_throttling": s.on_throttling,
                    "country_events_under_5pct": s.small_country_events,
                }
                for s in self.event_scores
            ],
            "detections": [
                {
                    "detector": s.detector,
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                    "false_alarms": s.false_alarms,
                    "true_alarms": s.true_alarms,
                }
                for s in self.detection_scores
            ],
            "seconds": self.seconds,
        }


def _f(x: float | None, spec: str = ".3f") -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def _m(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.1f}"


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / "replay.json"
    try:
        doc: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(
            f"cannot read the replay manifest: {exc}",
            path=path,
            hint="give the output directory of `nethealth outages replay`",
        ) from None
    return doc


@dataclass
class ReplaySignals:
    series: list[Series]
    result: bgp_signal.VisibilityResult
    gaps: dict[str, list[tuple[int, int]]]


def replay_signals(root: Path, start: int, end: int, assets_dir: Path,
                   progress: Progress = _noop) -> ReplaySignals:  # fmt: skip
    files = select_mrt(find_mrt([root / "ris"]), start, end)
    tables = read_bgp(files, progress=progress)
    gaps = update_gaps(files)
    progress("bgp visibility", 0, 1)
    result = bgp_signal.visibility(
        tables, geo_ranges(assets_dir), start=start, end=end, coverage=coverage(files),
        gaps=gaps, keep_views=True,
    )  # fmt: skip
    del tables
    progress("bgp visibility", 1, 1)
    return ReplaySignals(list(result.series), result, gaps)


def evaluate_replay(root: Path, assets_dir: Path, progress: Progress = _noop) -> ReplayEvaluation:
    m = read_manifest(root)
    start, end = int(m["start"]), int(m["end"])
    labels = labels_from_doc(json.loads((root / "labels" / "events.json").read_text()),
                             str(root / "labels" / "events.json"))  # fmt: skip
    injected_artefacts = json.loads((root / "labels" / "artefacts.json").read_text())["artefacts"]
    seconds: dict[str, float] = {}
    t = time.monotonic()
    sig = replay_signals(root, start, end, assets_dir, progress)
    seconds["signals"] = time.monotonic() - t
    ctx = EventContext(
        asn_places=bgp_signal.asn_places(sig.result.views[4]) if 4 in sig.result.views else {},
        views=sig.result.views,
        series={(s.signal, s.entity): s for s in sig.series if s.entity.startswith("country:")},
    )
    places = ctx.asn_places
    asn_country = {a: max(p, key=lambda k: p[k]).partition(":")[2] for a, p in places.items()
                   if any(k.startswith("country:") for k in p)}  # fmt: skip
    events: dict[str, pa.Table] = {}
    single_peer: dict[str, list[Episode]] = {}
    ev_scores: list[EventScore] = []
    det_scores: list[Score] = []
    for name in DETECTORS:
        t = time.monotonic()
        rejected: list[Episode] = []
        dets: list[Detection] = run_detector(name, sig.series, progress,
                                             views=sig.result.views, rejected=rejected)  # fmt: skip
        if rejected:
            single_peer[name] = rejected
        seconds[f"detect_{name}"] = time.monotonic() - t
        det_scores.append(score(name, dets, labels, data_start=start, data_end=end))
        table = events_table(dets, method_version=name, asn_country=asn_country, data_end=end,
                             simulated=True, context=ctx)  # fmt: skip
        events[name] = table
        ev_scores.append(score_events(name, table, labels, injected_artefacts,
                                      data_start=start, data_end=end))  # fmt: skip
    found = artefact_mod.find(sig.result, sig.gaps, simulated=True,
                              single_peer=single_peer.get(robust.NAME, []))  # fmt: skip
    return ReplayEvaluation(root, m, labels, events, ev_scores, det_scores, found, seconds)
