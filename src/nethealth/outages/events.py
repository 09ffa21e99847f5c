"""Outage events: detections grouped by place and time — one event per outage — with the
evidence a reader can repeat.

Grouping (the most general scope that explains a detection wins):
* A country detection heads an event. Detections of that country's regions that overlap it
  are nested under it, and so are overlapping detections of networks (ASNs) whose routed
  space lies mostly (`HOME_SHARE`) in that country — where the space is, from the visibility
  computation (`asn_places`); the ASN's registration country only when that is unknown.
* A region detection left over heads a region event, with the networks whose space lies
  mostly in that region nested likewise.
* A network detection no larger scope explains is an event of its own (scope `asn`).

Each event states its scale: the /24s (or /48s) lost at the worst bin and their share of the
country's routed space, the number of networks, which collectors and how many of their
full-feed peers saw the drop (a peer saw it when its own routes to the entity fell by at
least half the event's drop), one plain sentence, and a confidence class:
* `high` — BGP, seen by at least three quarters of the full-feed peers (at least two), or a
  drop corroborated by a second signal;
* `medium` — seen by at least two peers (or, Atlas alone, by at least `min_lost` probes);
* `low` — the rest: one full-feed peer only (nothing to tell an artefact apart), a thin
  Atlas series.
An event is `ongoing` while its signals have not recovered by the end of the data; the API
says `stale` instead once the data are older than its freshness limit (outages.query).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pycountry

from nethealth.outages.episodes import Episode
from nethealth.outages.fusion import Detection
from nethealth.outages.peers import PeerCount, peers_that_saw
from nethealth.outages.series import ATLAS_SIGNALS, BGP_SIGNALS, Series, signal_family
from nethealth.outages.signals.bgp import PeerViews

HOME_SHARE = 0.5  # a network belongs to the place holding at least this share of its space

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
        pa.field("units_lost", pa.float64()),
        pa.field("share_of_country", pa.float64()),
        pa.field("networks", pa.string()),
        pa.field("networks_count", pa.int32()),
        pa.field("collectors", pa.list_(pa.string())),
        pa.field("peers_seen", pa.int32()),
        pa.field("peers_total", pa.int32()),
        pa.field("confidence_class", pa.string()),
        pa.field("summary", pa.string()),
    ],
    metadata={
        "nethealth.schema": "outages.events/3",
        "end": "first bin back to normal; null while ongoing",
        "duration_seconds": "end - start, or data_end - start while ongoing",
        "known_at": "when a live detector would have raised the event",
        "max_drop": "largest relative drop of any signal below its reference (0..1)",
        "confidence": "1 - prod(1 - evidence strength of each signal that fired)",
        "evidence": "JSON: per entity and signal, the episode(s) behind the event",
        "cost_basis": "curated (linked shutdown records' estimates) or detected (the model)",
        "cost_inputs": "JSON: the cost model's inputs for this event (outages.cost)",
        "units_lost": "/24s (/48s for IPv6-only events) of the head entity lost at the worst "
        "bin, peer-weighted; null without a BGP signal",
        "share_of_country": "units_lost / the country's routed units before the event",
        "networks": "JSON list: per network in the event, asn, max_drop, units_lost, signals",
        "networks_count": "networks (ASNs) in the event",
        "collectors": "collectors of the full-feed peers that saw the drop",
        "peers_seen": "full-feed peers whose own routes to the entity fell by at least half "
        "the event's drop; null without a BGP signal",
        "peers_total": "full-feed peers up before and at the worst bin",
        "confidence_class": "high, medium or low (outages.events)",
        "summary": "one plain English sentence",
    },
)


@dataclass
class _Group:
    head: Detection
    members: list[Detection] = field(default_factory=list)

    @property
    def all(self) -> list[Detection]:
        return [self.head, *self.members]


@dataclass
class EventContext:
    """What the events need beyond detections: where networks' space lies, each family's
    per-peer views, and the series (for the country's routed space before an event)."""

    asn_places: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    views: Mapping[int, PeerViews] = field(default_factory=dict)
    series: Mapping[tuple[str, str], Series] = field(default_factory=dict)
    # when set, asked instead of `views` (views recomputed per episode span: outages.daily)
    peer_count: Callable[[str, Episode], PeerCount | None] | None = None


def _overlap(a: Detection, b: Detection, data_end: int) -> bool:
    a_end = data_end if a.end is None else a.end
    b_end = data_end if b.end is None else b.end
    return a.start < b_end and b.start < a_end


def home_places(
    asn: int, asn_country: Mapping[int, str], places: Mapping[int, Mapping[str, float]]
) -> tuple[str | None, str | None]:
    """(country, region) holding the largest share of a network's routed space (its
    registration country when where its space lies is unknown)."""
    mine = places.get(asn)
    if not mine:
        return asn_country.get(asn), None
    found: dict[str, str | None] = {"country": None, "region": None}
    for kind in found:
        units = {k: v for k, v in mine.items() if k.startswith(kind + ":") and v > 0}
        if units:
            found[kind] = max(units, key=lambda k: units[k]).partition(":")[2]
    return found["country"], found["region"]


def _explained_by(
    d: Detection,
    candidates: Sequence[_Group],
    asn_country: Mapping[int, str],
    places: Mapping[int, Mapping[str, float]],
    data_end: int,
) -> _Group | None:
    """The overlapping country or region event that explains a network's detection: the
    network has space there, enough to hold at least HOME_SHARE of what it lost (or, when the
    loss is unknown, of its space); without knowing where its space lies, its registration
    country."""
    asn = int(d.entity[4:])
    mine = places.get(asn)
    overlapping = [g for g in candidates if _overlap(g.head, d, data_end)]
    if not overlapping:
        return None
    if not mine:
        reg = asn_country.get(asn)
        return next((g for g in overlapping if g.head.entity == f"country:{reg}"), None)
    bgp = _bgp_episode(d)
    lost = _lost(bgp) if bgp is not None else None
    total = sum(v for k, v in mine.items() if k.startswith("country:"))
    best: tuple[float, _Group] | None = None
    for g in overlapping:
        units = float(mine.get(g.head.entity, 0.0))
        fits = units >= HOME_SHARE * (lost if lost is not None else total)
        if units > 0 and fits and (best is None or units > best[0]):
            best = (units, g)
    return best[1] if best else None


def group(
    detections: Sequence[Detection],
    asn_country: Mapping[int, str],
    data_end: int,
    places: Mapping[int, Mapping[str, float]] | None = None,
) -> list[_Group]:
    """Country events with their overlapping regions and the networks they explain; region
    events with theirs; the networks no larger scope explains on their own."""
    where = places or {}
    countries: list[_Group] = []
    regions: list[_Group] = []
    groups: list[_Group] = []
    for d in detections:
        if d.entity.startswith("country:"):
            countries.append(_Group(d))
    groups += countries
    for d in detections:
        if not d.entity.startswith("region:"):
            continue
        cc = d.entity[7:].partition("-")[0]
        home = [g for g in countries
                if g.head.entity == f"country:{cc}" and _overlap(g.head, d, data_end)]  # fmt: skip
        if home:
            home[0].members.append(d)
        else:
            regions.append(_Group(d))
    groups += regions
    for d in detections:
        if not d.entity.startswith("asn:"):
            continue
        g = _explained_by(d, countries, asn_country, where, data_end) or _explained_by(
            d, regions, asn_country, where, data_end
        )
        if g is not None:
            g.members.append(d)
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


def _bgp_episode(d: Detection) -> Episode | None:
    """The strongest BGP episode of a detection (IPv4 before IPv6 at equal drop)."""
    eps = [e for e in d.episodes if signal_family(e.signal) in BGP_SIGNALS]
    if not eps:
        return None
    return max(eps, key=lambda e: (e.max_drop, "6" not in e.signal))


def _lost(e: Episode) -> float:
    return max(0.0, float(e.reference) - float(e.minimum))


def _networks(dets: list[Detection]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for d in dets:
        if not d.entity.startswith("asn:"):
            continue
        bgp = _bgp_episode(d)
        out.append({
            "asn": int(d.entity[4:]),
            "max_drop": round(d.max_drop, 4),
            "units_lost": round(_lost(bgp), 1) if bgp is not None else None,
            "signals": list(d.signals),
        })  # fmt: skip
    out.sort(key=lambda n: (-float(n["units_lost"] or 0.0), -float(n["max_drop"]), n["asn"]))  # type: ignore[arg-type]
    return out


def _country_units(ctx: EventContext, cc: str | None, signal: str, at: int) -> float | None:
    """The country's routed units in the day before `at` (median of that series)."""
    if not cc:
        return None
    s = ctx.series.get((signal, f"country:{cc}"))
    if s is None:
        return None
    lo = max(0, (at - 86400 - s.start) // s.step)
    hi = max(0, (at - s.start) // s.step)
    before = s.values[lo:hi]
    before = before[np.isfinite(before)]
    return float(np.median(before)) if len(before) else None


def confidence_class(
    signals: Sequence[str], peers: PeerCount | None, atlas_lost: float | None
) -> str:
    families = {signal_family(s) for s in signals}
    two = len({"bgp" if f in BGP_SIGNALS else f for f in families}) >= 2
    if peers is not None:
        if peers.seen >= 2 and (peers.seen >= 0.75 * peers.total or two):
            return "high"
        return "medium" if peers.seen >= 2 else "low"
    if two:
        return "high"
    if atlas_lost is not None and atlas_lost >= 3:
        return "medium"
    return "low" if families & set(ATLAS_SIGNALS) else "medium"


def place_name(scope: str, country: str | None, region: str | None, asn: int | None) -> str:
    name = _country_name(country)
    if scope == "asn":
        return f"AS{asn}" + (f" ({name})" if country else "")
    if scope == "region":
        return f"region {region}" + (f" ({name})" if country else "")
    return name


def _country_name(cc: str | None) -> str:
    if not cc:
        return "an unknown country"
    c = pycountry.countries.get(alpha_2=cc)
    return str(getattr(c, "common_name", None) or getattr(c, "name", cc)) if c else cc


def sentence(row: Mapping[str, object], head_signal: str | None) -> str:
    """'BGP visibility of the networks of Namibia fell by 93 % at 22:10 UTC, …'"""
    scope = str(row["scope"])
    country = row.get("country")
    place = place_name(scope, country, row.get("region"), row.get("asn"))  # type: ignore[arg-type]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(int(row["start"])))  # type: ignore[call-overload]
    drop = float(row["head_drop"])  # type: ignore[arg-type]
    fam = signal_family(head_signal or "")
    if fam in BGP_SIGNALS:
        what = ("BGP visibility of the networks of " if scope == "country" else
                "BGP visibility of ") + place  # fmt: skip
    elif fam == "atlas":
        what = f"RIPE Atlas probes answering in {place}"
    elif fam == "atlas_targets":
        what = f"RIPE Atlas targets reached in {place}"
    else:
        what = f"{head_signal} of {place}"
    text = f"{what} fell by {drop * 100:.0f} % at {when}"
    units, share = row.get("units_lost"), row.get("share_of_country")
    if units is not None and fam in BGP_SIGNALS:
        unit = "/48s" if "6" in (head_signal or "") else "/24s"
        text += f" ({float(units):,.0f} {unit} lost"  # type: ignore[arg-type]
        if share is not None and scope != "country":
            text += f", {float(share) * 100:.1f} % of {_country_name(country)}'s routed space"  # type: ignore[arg-type]
        text += ")"
    n = int(row["networks_count"])  # type: ignore[call-overload]
    if n and scope != "asn":
        text += f", {n} network{'s' if n != 1 else ''} affected"
    seen, total = row.get("peers_seen"), row.get("peers_total")
    if seen is not None and total:
        cols = list(row.get("collectors") or [])  # type: ignore[call-overload]
        text += f", seen by {seen} of {total} full-feed peers"
        if cols:
            text += f" ({', '.join(cols)})"
    return text + "."


def events_table(
    detections: Sequence[Detection],
    *,
    method_version: str,
    asn_country: Mapping[int, str],
    data_end: int,
    simulated: bool = False,
    links: Mapping[str, list[str]] | None = None,
    context: EventContext | None = None,
) -> pa.Table:
    ctx = context or EventContext()
    rows = []
    for g in group(detections, asn_country, data_end, ctx.asn_places):
        rows.append(_event_row(g, ctx, asn_country, method_version, data_end, simulated, links))
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)


def _event_row(
    g: _Group,
    ctx: EventContext,
    asn_country: Mapping[int, str],
    method_version: str,
    data_end: int,
    simulated: bool,
    links: Mapping[str, list[str]] | None,
) -> dict[str, object]:
    dets = g.all
    head = g.head
    kind, _, code = head.entity.partition(":")
    start = min(d.start for d in dets)
    ongoing = any(d.end is None for d in dets)
    end = None if ongoing else max(d.end for d in dets if d.end is not None)
    asns = sorted({int(d.entity[4:]) for d in dets if d.entity.startswith("asn:")})
    signals = sorted({s for d in dets for s in d.signals})
    miss = float(np.prod([1.0 - d.confidence for d in dets]))
    if kind == "country":
        country: str | None = code
    elif kind == "region":
        country = code[:2]
    else:
        country = home_places(int(code), asn_country, ctx.asn_places)[0]
    eid = event_id(head.detector, head.entity, start)
    bgp = _bgp_episode(head)
    primary = bgp or max(head.episodes, key=lambda e: e.max_drop, default=None)
    units = _lost(bgp) if bgp is not None else None
    total = _country_units(ctx, country, bgp.signal, bgp.start) if bgp is not None else None
    peers = None
    if bgp is not None:
        peers = (ctx.peer_count(head.entity, bgp) if ctx.peer_count is not None
                 else peers_that_saw(ctx.views, head.entity, bgp))  # fmt: skip
    atlas = [e for e in head.episodes if signal_family(e.signal) in ATLAS_SIGNALS]
    networks = _networks(dets)
    row: dict[str, object] = {
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
        "units_lost": None if units is None else round(units, 2),
        "share_of_country": round(units / total, 4) if units is not None and total else None,
        "networks": json.dumps(networks),
        "networks_count": len(networks),
        "collectors": peers.collectors if peers is not None else [],
        "peers_seen": peers.seen if peers is not None else None,
        "peers_total": peers.total if peers is not None else None,
        "confidence_class": confidence_class(
            signals, peers, max((_lost(e) for e in atlas), default=None)
        ),
    }
    row["head_drop"] = primary.max_drop if primary is not None else head.max_drop
    row["summary"] = sentence(
        row, primary.signal if primary is not None else (head.signals or (None,))[0]
    )
    del row["head_drop"]
    return row
