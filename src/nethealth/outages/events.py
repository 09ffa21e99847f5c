"""Outage events: detections grouped by place and time, with the evidence behind them.

A country detection absorbs the detections of that country's regions (ISO 3166-2 `XX-YYY`,
from DB-IP city ranges or loaded series) and ASNs that overlap it (scope `country`, with the
regions in `entities` and the ASNs in `asns`); region detections left over become events of
scope `region`, ASN detections left over events of scope `asn` (with the ASN's registration
country).
An event is `ongoing` while its signals have not recovered by the end of the data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from nethealth.outages.fusion import Detection

EVENT_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("detector", pa.string(), nullable=False),
        pa.field("method_version", pa.string(), nullable=False),
        pa.field("start", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("end", pa.timestamp("s", tz="UTC")),
        pa.field("status", pa.string(), nullable=False),
        pa.field("duration_seconds", pa.int64(), nullable=False),
        pa.field("known_at", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("scope", pa.string(), nullable=False),
        pa.field("country", pa.string()),
        pa.field("region", pa.string()),
        pa.field("asn", pa.uint32()),
        pa.field("asns", pa.list_(pa.uint32())),
        pa.field("entities", pa.list_(pa.string())),
        pa.field("severity", pa.string(), nullable=False),
        pa.field("max_drop", pa.float64()),
        pa.field("alert_area", pa.float64()),
        pa.field("signals", pa.list_(pa.string())),
        pa.field("confidence", pa.float64()),
        pa.field("evidence", pa.string()),
        pa.field("shutdown_ids", pa.list_(pa.string())),
        pa.field("data_end", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("simulated", pa.bool_(), nullable=False),
        pa.field("cost_low_usd", pa.float64()),
        pa.field("cost_central_usd", pa.float64()),
        pa.field("cost_high_usd", pa.float64()),
        pa.field("cost_method_version", pa.string()),
        pa.field("cost_basis", pa.string()),
        pa.field("cost_inputs", pa.string()),
    ],
    metadata={
        "nethealth.schema": "outages.events/2",
        "end": "first bin back to normal; null while ongoing",
        "duration_seconds": "end - start, or data_end - start while ongoing",
        "known_at": "when a live detector would have raised the event",
        "max_drop": "largest relative drop of any signal below its reference (0..1)",
        "confidence": "1 - prod(1 - evidence strength of each signal that fired)",
        "evidence": "JSON: per entity and signal, the episode(s) behind the event",
        "cost_basis": "curated (linked shutdown records' estimates) or detected (the model)",
        "cost_inputs": "JSON: the cost model's inputs for this event (outages.cost)",
    },
)


@dataclass
class _Group:
    head: Detection
    members: list[Detection] = field(default_factory=list)

    @property
    def all(self) -> list[Detection]:
        return [self.head, *self.members]


def _overlap(a: Detection, b: Detection, data_end: int) -> bool:
    a_end = data_end if a.end is None else a.end
    b_end = data_end if b.end is None else b.end
    return a.start < b_end and b.start < a_end


def group(
    detections: Sequence[Detection], asn_country: Mapping[int, str], data_end: int
) -> list[_Group]:
    """Country detections with the overlapping detections of their regions and ASNs; the rest
    on their own."""
    by_country: dict[str, list[_Group]] = {}
    groups: list[_Group] = []
    for d in detections:
        if d.entity.startswith("country:"):
            g = _Group(d)
            groups.append(g)
            by_country.setdefault(d.entity[8:], []).append(g)
    for d in detections:
        if d.entity.startswith("region:"):
            cc = d.entity[7:].partition("-")[0]
        elif d.entity.startswith("asn:"):
            cc = asn_country.get(int(d.entity[4:])) or ""
        else:
            continue
        home = [g for g in by_country.get(cc, []) if _overlap(g.head, d, data_end)]
        if home:
            home[0].members.append(d)
        else:
            groups.append(_Group(d))
    groups.sort(key=lambda g: (g.head.start, g.head.entity))
    return groups


def _evidence(dets: list[Detection]) -> str:
    doc: dict[str, dict[str, list[dict[str, object]]]] = {}
    for d in dets:
        for e in d.episodes:
            doc.setdefault(d.entity, {}).setdefault(e.signal, []).append({
                "start": e.start, "end": e.end, "known_at": e.known_at,
                "severity": e.severity, "max_drop": round(e.max_drop, 4),
                "reference": e.reference, "minimum": e.minimum,
                "alert_area": round(e.alert_area, 1), "score": round(e.score, 4),
            })  # fmt: skip
    return json.dumps(doc, sort_keys=True)


def event_id(detector: str, entity: str, start: int) -> str:
    digest = hashlib.sha256(f"{detector}|{entity}|{start}".encode()).hexdigest()[:12]
    return f"out-{digest}"


def events_table(
    detections: Sequence[Detection],
    *,
    method_version: str,
    asn_country: Mapping[int, str],
    data_end: int,
    simulated: bool = False,
    links: Mapping[str, list[str]] | None = None,
) -> pa.Table:
    rows = []
    for g in group(detections, asn_country, data_end):
        dets = g.all
        head = g.head
        kind, _, code = head.entity.partition(":")
        start = min(d.start for d in dets)
        ongoing = any(d.end is None for d in dets)
        end = None if ongoing else max(d.end for d in dets if d.end is not None)
        asns = sorted({int(d.entity[4:]) for d in dets if d.entity.startswith("asn:")})
        signals = sorted({s for d in dets for s in d.signals})
        miss = float(np.prod([1.0 - d.confidence for d in dets]))
        country = (
            code
            if kind == "country"
            else (code[:2] if kind == "region" else asn_country.get(int(code)))
        )
        eid = event_id(head.detector, head.entity, start)
        rows.append({
            "event_id": eid,
            "detector": head.detector,
            "method_version": method_version,
            "start": start,
            "end": end,
            "status": "ongoing" if ongoing else "ended",
            "duration_seconds": (data_end if end is None else end) - start,
            "known_at": min(d.known_at for d in dets),
            "scope": kind,
            "country": country,
            "region": code if kind == "region" else None,
            "asn": int(code) if kind == "asn" else None,
            "asns": asns,
            "entities": sorted({d.entity for d in dets}),
            "severity": "critical" if any(d.severity == "critical" for d in dets) else "warning",
            "max_drop": max(d.max_drop for d in dets),
            "alert_area": float(sum(e.alert_area for d in dets for e in d.episodes)),
            "signals": signals,
            "confidence": round(1.0 - miss, 4),
            "evidence": _evidence(dets),
            "shutdown_ids": list((links or {}).get(eid, [])),
            "data_end": data_end,
            "simulated": simulated,
        })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)
