"""An Atom 1.0 feed (RFC 4287) of detected outage events, newest first (events dismissed by a
reviewer are left out).

Entry ids are `urn:nethealth:outage:<event_id>`: the event id hashes the detector, the entity
and the start, so a rebuild over the same data (or more of it) keeps every id. `updated` is
the event's last change: its end once it has ended, else the end of the data it was seen in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pycountry

from nethealth.formats import atom

API_PATH = "/api/v1/events"
PAGE_PATH = "/outages"


def entry_id(event_id: str) -> str:
    return f"urn:nethealth:outage:{event_id}"


def _country(cc: str | None) -> str:
    if not cc:
        return "unknown country"
    c = pycountry.countries.get(alpha_2=cc)
    name = str(getattr(c, "common_name", None) or getattr(c, "name", cc)) if c else cc
    return f"{name} ({cc})"


def _where(ev: dict[str, Any]) -> str:
    if ev["scope"] == "asn":
        return f"AS{ev['asn']}, {_country(ev.get('country'))}"
    if ev["scope"] == "region":
        return f"region {ev['region']}, {_country(ev.get('country'))}"
    return _country(ev.get("country"))


def entry_title(ev: dict[str, Any]) -> str:
    status = {
        "ongoing": "ongoing",
        "stale": f"ongoing when the data end ({ev['data_end']})",
    }.get(ev["status"], f"ended {ev['end']}")
    return f"{ev['severity'].capitalize()} outage in {_where(ev)}: from {ev['start']}, {status}"


def entry_summary(ev: dict[str, Any]) -> str:
    parts = [str(ev["summary"])] if ev.get("summary") else []
    parts += [
        f"Scope: {ev['scope']}; country: {ev.get('country') or 'unknown'}.",
        f"Start: {ev['start']}; end: {ev['end'] or 'ongoing'}.",
        f"Severity: {ev['severity']}; signals: {', '.join(ev.get('signals') or []) or 'none'}; "
        f"confidence: {float(ev.get('confidence') or 0.0):.2f}.",
    ]
    asns = ev.get("asns") or []
    if asns:
        shown = ", ".join(f"AS{a}" for a in asns[:10])
        parts.append(f"Networks: {shown}{' …' if len(asns) > 10 else ''}.")
    if ev.get("confidence_class"):
        parts.append(f"Confidence class: {ev['confidence_class']}.")
    if (ev.get("review") or {}).get("status") == "confirmed":
        parts.append(f"Confirmed by reviewer {ev['review'].get('by')}.")
    if ev.get("shutdown_ids"):
        parts.append(f"Curated shutdown records: {', '.join(ev['shutdown_ids'])}.")
    if ev.get("simulated"):
        parts.append("Detected in SIMULATED data.")
    return " ".join(parts)


def _updated(ev: dict[str, Any]) -> str:
    return str(ev["end"] or ev["data_end"])


def outage_feed(events: list[dict[str, Any]], *, base_url: str) -> bytes:
    """The feed of `events` (rows as `outages.query.list_events` returns them)."""
    base = base_url.rstrip("/")
    self_url = f"{base}{API_PATH}/feed.atom"
    entries = []
    for ev in events:
        eid = ev["event_id"]
        entries.append(atom.Entry(
            id=entry_id(eid), title=entry_title(ev), updated=_updated(ev),
            published=str(ev["known_at"]), summary=entry_summary(ev),
            links=[atom.Link(f"{base}{PAGE_PATH}/{eid}", type="text/html"),
                   atom.Link(f"{base}{API_PATH}/{eid}", rel="related", type="application/json")],
            categories=[t for t in (ev["scope"], ev["severity"], ev.get("country")) if t],
        ))  # fmt: skip
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return atom.render(atom.Feed(
        id=self_url,
        title="nethealth: detected Internet outages",
        subtitle="Outages detected in BGP visibility, RIPE Atlas and loaded signals",
        updated=max((e.updated for e in entries), default=now),
        links=[atom.Link(self_url, rel="self", type="application/atom+xml"),
               atom.Link(f"{base}{PAGE_PATH}", type="text/html")],
        entries=entries,
    ))  # fmt: skip
