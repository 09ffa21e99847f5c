"""An Atom 1.0 feed (RFC 4287) of the events most recently added to the tracker."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pycountry

from nethealth.shutdowns.store import EventState, StoreState, now_utc

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
API_PATH = "/api/v1/shutdowns"


def _country_names(codes: list[str]) -> str:
    names: list[str] = []
    for cc in codes:
        c = pycountry.countries.get(alpha_2=cc)
        names.append(str(getattr(c, "common_name", None) or getattr(c, "name", cc)) if c else cc)
    return ", ".join(names)


def entry_title(ev: EventState) -> str:
    f = ev.fields
    where = _country_names(list(f.get("countries") or [])) or str(f.get("country_text") or "?")
    when = str(f.get("start_date"))
    if f.get("end_date") and f["end_date"] != f.get("start_date"):
        when += f" to {f['end_date']}"
    return f"{where}: {f.get('type')} ({f.get('scope')}), {when}"


def entry_summary(ev: EventState) -> str:
    f = ev.fields
    parts = [
        f"Area: {f.get('area_name') or 'not recorded'}.",
        f"Networks: {', '.join(f.get('networks') or []) or 'not recorded'}.",
    ]
    if f.get("services"):
        parts.append(f"Services: {', '.join(f['services'])}.")
    if f.get("cause"):
        parts.append(f"Cause: {f['cause']}.")
    parts.append(f"Status: {f.get('status')}. Source: {ev.source}.")
    return " ".join(parts)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def atom_feed(state: StoreState, *, base_url: str, limit: int = 50) -> bytes:
    """The `limit` newest current (not retracted) events, by when they entered the tracker."""
    base = base_url.rstrip("/")
    events = [ev for ev in state.events.values() if not ev.retracted]
    events.sort(key=lambda ev: (ev.created_at, ev.event_id), reverse=True)
    events = events[:limit]
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    self_url = f"{base}{API_PATH}/feed.atom"
    _sub(feed, "id", self_url)
    _sub(feed, "title", "nethealth: new Internet shutdown events")
    _sub(feed, "subtitle", "Access Now #KeepItOn STOP records and curated events")
    updated = max((ev.updated_at for ev in events), default=now_utc())
    _sub(feed, "updated", updated)
    _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=f"{base}{API_PATH}", type="application/json")
    author = _sub(feed, "author")
    _sub(author, "name", "nethealth")
    _sub(feed, "generator", "nethealth")
    for ev in events:
        url = f"{base}{API_PATH}/{ev.event_id}"
        entry = _sub(feed, "entry")
        _sub(entry, "id", url)
        _sub(entry, "title", entry_title(ev))
        _sub(entry, "updated", ev.updated_at)
        _sub(entry, "published", ev.created_at)
        _sub(entry, "link", rel="alternate", href=url, type="application/json")
        for link in ev.fields.get("sources") or []:
            _sub(entry, "link", rel="related", href=str(link))
        for term in [
            ev.fields.get("type"),
            ev.fields.get("scope"),
            *ev.fields.get("countries", []),
        ]:
            if term:
                _sub(entry, "category", term=str(term))
        _sub(entry, "summary", entry_summary(ev), type="text")
    data: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return data
