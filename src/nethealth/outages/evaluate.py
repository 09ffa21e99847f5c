"""Scoring detections against ground-truth labels (event-level matching).

A detection *matches* a labelled event when it concerns one of the event's entities (its
country, its ISO 3166-2 region when labelled with one, or one of its ASNs; for a national
shutdown, any region of its country), their time intervals overlap, and the detection began no earlier
than `MAX_LEAD` before the event (three 5-minute bins: bin alignment and the labels' own
precision). An alarm that was already running well before the onset was not raised by the
event: matching it would credit a detector that alarms all the time with every event at zero
delay. Such a detection is scored like any other that matches no event. Outage events (national,
regional and curfew shutdowns, single-ASN outages, short outages) are the targets: each is
detected or missed (recall), and each detection is a true alarm (matches an outage), a false
alarm (matches no labelled event, or only throttling, which keeps reachability) or
*explained* (matches only a labelled routing event, such as the victim AS of a prefix hijack,
whose address space did leave its origin): explained detections count neither way, and the
table says how many there were.

Onset delay = when the detector knew (end of its confirming bin) minus the labelled start,
clipped at zero, taken from the earliest matching detection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nethealth.errors import InputError
from nethealth.outages.fusion import Detection

OUTAGE_TYPES = (
    "national_shutdown",
    "partial_national_shutdown",  # real-route replays: a share of a country's prefixes
    "regional_shutdown",
    "curfew_shutdown",
    "asn_outage",
    "short_outage",
)
NATIONAL_TYPES = ("national_shutdown",)
# Labelled, but not an outage a detector should report: a detection on it is a false alarm.
NOT_OUTAGE_TYPES = ("throttling",)
OTHER_TYPES = ("exact_prefix_hijack", "subprefix_hijack", "route_leak")
WEEK = 7 * 86400
_REGION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")  # ISO 3166-2, as series entities take it


@dataclass(frozen=True)
class Label:
    id: str
    type: str
    start: int
    end: int
    entities: frozenset[str]

    @property
    def is_outage(self) -> bool:
        return self.type in OUTAGE_TYPES

    def concerns(self, entity: str) -> bool:
        """One of its entities — or, for a national outage, any region of its country (a
        country cut off is cut off in each of its regions)."""
        if entity in self.entities:
            return True
        if self.type in NATIONAL_TYPES and entity.startswith("region:"):
            return f"country:{entity[7:9]}" in self.entities
        return False


def label_entities(doc: dict[str, Any]) -> frozenset[str]:
    """The entities a labelled event concerns: its country, its region (when the label gives
    an ISO 3166-2 code) and every AS involved."""
    out: set[str] = set()
    if doc.get("country"):
        out.add(f"country:{doc['country']}")
    if isinstance(doc.get("region"), str) and _REGION.match(doc["region"]):
        out.add(f"region:{doc['region']}")
    for key in ("asns", "leaked_origin_asns"):
        out.update(f"asn:{int(a)}" for a in doc.get(key) or [])
    for key in ("victim_asn", "hijacker_asn", "leaker_asn"):
        if doc.get(key) is not None:
            out.add(f"asn:{int(doc[key])}")
    return frozenset(out)


def labels_from_doc(doc: dict[str, Any], where: str = "labels") -> list[Label]:
    """Labels of outage and routing events (ROA changes carry no interval and are skipped)."""
    events = doc.get("events")
    if not isinstance(events, list):
        raise InputError(
            "no 'events' list",
            path=where,
            field="events",
            hint="give the simulator's labels/events.json",
        )
    out = []
    for i, ev in enumerate(events):
        kind = ev.get("type")
        if kind not in OUTAGE_TYPES + NOT_OUTAGE_TYPES + OTHER_TYPES:
            continue
        try:
            out.append(
                Label(
                    str(ev["id"]),
                    str(kind),
                    int(ev["start_ts"]),
                    int(ev["end_ts"]),
                    label_entities(ev),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"bad event: {exc}",
                path=where,
                record=f"#{i}",
                field="start_ts/end_ts",
                hint="every event needs id, start_ts, end_ts",
            ) from None
    return out


def read_labels(path: Path) -> list[Label]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read labels: {exc}", path=path) from None
    return labels_from_doc(doc, str(path))


@dataclass
class TypeRow:
    type: str
    events: int = 0
    detected: int = 0
    delays: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.detected / self.events if self.events else float("nan")

    def delay(self, q: float = 50.0) -> float:
        return float(np.percentile(self.delays, q)) if self.delays else float("nan")


@dataclass
class Score:
    detector: str
    weeks: float
    true_alarms: int = 0
    false_alarms: int = 0
    explained: int = 0
    outage_events: int = 0
    detected_events: int = 0
    delays: list[float] = field(default_factory=list)
    by_type: dict[str, TypeRow] = field(default_factory=dict)
    by_scope: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind → (true, false)

    @property
    def precision(self) -> float:
        n = self.true_alarms + self.false_alarms
        return self.true_alarms / n if n else float("nan")

    @property
    def recall(self) -> float:
        return self.detected_events / self.outage_events if self.outage_events else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if np.isnan(p) or np.isnan(r) or p + r == 0:
            return 0.0 if not (np.isnan(p) and np.isnan(r)) else float("nan")
        return 2 * p * r / (p + r)

    @property
    def false_per_week(self) -> float:
        return self.false_alarms / self.weeks if self.weeks > 0 else float("nan")

    def delay(self, q: float = 50.0) -> float:
        return float(np.percentile(self.delays, q)) if self.delays else float("nan")


MAX_LEAD = 15 * 60  # seconds a detection may start before the labelled onset and still match


def _end(d: Detection, data_end: int) -> int:
    return data_end if d.end is None else d.end


def score(
    detector: str,
    detections: Sequence[Detection],
    labels: Sequence[Label],
    *,
    data_start: int,
    data_end: int,
    max_lead: int = MAX_LEAD,
) -> Score:
    """Score one detector's detections over [data_start, data_end)."""
    s = Score(detector=detector, weeks=(data_end - data_start) / WEEK)
    by_entity: dict[str, list[Label]] = {}
    for lab in labels:
        for e in lab.entities:
            by_entity.setdefault(e, []).append(lab)
            if lab.type in NATIONAL_TYPES and e.startswith("country:"):
                by_entity.setdefault(f"regions-of:{e[8:]}", []).append(lab)
    matched: dict[str, list[Detection]] = {}
    for d in detections:
        cands = list(by_entity.get(d.entity, ()))
        if d.entity.startswith("region:"):
            cands += by_entity.get(f"regions-of:{d.entity[7:9]}", ())
        hits = [
            lab
            for lab in cands
            if d.start < lab.end
            and _end(d, data_end) > lab.start
            and d.start >= lab.start - max_lead
        ]
        kind = d.entity.partition(":")[0]
        t, f = s.by_scope.get(kind, (0, 0))
        if any(h.is_outage for h in hits):
            s.true_alarms += 1
            s.by_scope[kind] = (t + 1, f)
        elif any(h.type in OTHER_TYPES for h in hits):
            s.explained += 1
        else:
            s.false_alarms += 1
            s.by_scope[kind] = (t, f + 1)
        for h in hits:
            matched.setdefault(h.id, []).append(d)
    for lab in labels:
        row = s.by_type.setdefault(lab.type, TypeRow(lab.type))
        row.events += 1
        found = matched.get(lab.id, [])
        if lab.is_outage:
            s.outage_events += 1
        if not found:
            continue
        row.detected += 1
        delay = max(0.0, float(min(d.known_at for d in found) - lab.start))
        row.delays.append(delay)
        if lab.is_outage:
            s.detected_events += 1
            s.delays.append(delay)
    return s


def _fmt(x: float, spec: str = ".3f") -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def _minutes(seconds: float) -> str:
    return _fmt(seconds / 60.0, ".1f")


def markdown(scores: Iterable[Score]) -> str:
    """The evaluation tables: overall, per scope, per event type."""
    scores = list(scores)
    lines = [
        "| detector | precision | recall | F1 | onset delay median (min) | p90 (min) "
        "| false alarms / week | true | false | explained |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        lines.append(
            f"| {s.detector} | {_fmt(s.precision)} | {_fmt(s.recall)} | {_fmt(s.f1)} "
            f"| {_minutes(s.delay(50))} | {_minutes(s.delay(90))} | {_fmt(s.false_per_week, '.1f')} "
            f"| {s.true_alarms} | {s.false_alarms} | {s.explained} |"
        )
    lines += [
        "",
        "| detector | scope | true alarms | false alarms | precision |",
        "|---|---|---|---|---|",
    ]
    for s in scores:
        for kind, (t, f) in sorted(s.by_scope.items()):
            lines.append(
                f"| {s.detector} | {kind} | {t} | {f} | {_fmt(t / (t + f) if t + f else float('nan'))} |"
            )
    lines += [
        "",
        "Throttling keeps reachability: its *detected* column counts detections that fired on "
        "it (false alarms), not found outages.",
        "",
        "| event type | detector | events | detected | recall | onset delay median (min) "
        "| p90 (min) |",
        "|---|---|---|---|---|---|---|",
    ]
    order = OUTAGE_TYPES + NOT_OUTAGE_TYPES
    types = sorted(
        {k for s in scores for k in s.by_type},
        key=lambda k: (order.index(k) if k in order else len(order), k),
    )
    for kind in types:
        for s in scores:
            row = s.by_type.get(kind, TypeRow(kind))
            lines.append(
                f"| {kind} | {s.detector} | {row.events} | {row.detected} "
                f"| {_fmt(row.recall)} | {_minutes(row.delay(50))} | {_minutes(row.delay(90))} |"
            )
    return "\n".join(lines) + "\n"
