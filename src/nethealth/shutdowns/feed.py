"""An Atom 1.0 feed (RFC 4287) of the records most recently added to the tracker.

An entry is one record: a row of Access Now's STOP dataset (which lists an event once per
calendar year it runs, so a long event adds an entry each year) or an event a curator added.
Each entry names the distinct event the record belongs to and that event's status.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pycountry

from nethealth.formats import atom
from nethealth.formats.atom import ATOM_NS, MEDIA_TYPE
from nethealth.shutdowns.events import Clock, DistinctEvent, event_index
from nethealth.shutdowns.store import EventState, StoreState, now_utc

__all__ = ["ATOM_NS", "MEDIA_TYPE", "atom_feed", "entry_summary", "entry_title"]
API_PATH = "/api/v1/shutdowns"
FEED_SUBTITLE = (
    "One entry per record newly added to the tracker: a row of Access Now's #KeepItOn STOP "
    "dataset, which lists an event once per calendar year it runs (a long event adds an entry "
    "each year), or an event curated by nethealth. Each entry names the distinct event the "
    "record belongs to."
)


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
    return f"{where}: {f.get('type')} ({f.get('scope')}), {when}, record of {f.get('year')}"


def entry_summary(
    ev: EventState, event: DistinctEvent | None = None, clock: Clock | None = None
) -> str:
    f = ev.fields
    parts = [
        f"Area: {f.get('area_name') or 'not recorded'}.",
        f"Networks: {', '.join(f.get('networks') or []) or 'not recorded'}.",
    ]
    if f.get("services"):
        parts.append(f"Services: {', '.join(f['services'])}.")
    if f.get("cause"):
        parts.append(f"Cause: {f['cause']}.")
    parts.append(
        f"This record (count year {f.get('year')}) says: {f.get('status')}. Source: {ev.source}."
    )
    if event is not None and clock is not None:
        years = event.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]) if years else "?"
        parts.append(
            f"Event {event.event_id}: {len(event.records)} record(s), {span}; "
            f"{event.status(clock).text}."
        )
    return " ".join(parts)


def atom_feed(
    state: StoreState, *, base_url: str, limit: int = 50, today: date | None = None
) -> bytes:
    """The `limit` newest current (not retracted) records, by when they entered the tracker."""
    base = base_url.rstrip("/")
    index = event_index(state)
    clock = Clock.of(state, today or datetime.now(UTC).date())
    events = [ev for ev in state.events.values() if not ev.retracted]
    events.sort(key=lambda ev: (ev.created_at, ev.event_id), reverse=True)
    events = events[:limit]
    self_url = f"{base}{API_PATH}/feed.atom"
    entries = []
    for ev in events:
        url = f"{base}{API_PATH}/{ev.event_id}"
        terms = [ev.fields.get("type"), ev.fields.get("scope"), *ev.fields.get("countries", [])]
        entries.append(atom.Entry(
            id=url, title=entry_title(ev), updated=ev.updated_at, published=ev.created_at,
            summary=entry_summary(ev, index.by_record.get(ev.event_id), clock),
            links=[atom.Link(url, type="application/json"),
                   *(atom.Link(str(link), rel="related") for link in ev.fields.get("sources") or [])],
            categories=[str(t) for t in terms if t],
        ))  # fmt: skip
    return atom.render(atom.Feed(
        id=self_url,
        title="nethealth: new Internet shutdown records",
        subtitle=FEED_SUBTITLE,
        updated=max((ev.updated_at for ev in events), default=now_utc()),
        links=[atom.Link(self_url, rel="self", type="application/atom+xml"),
               atom.Link(f"{base}{API_PATH}", type="application/json")],
        entries=entries,
    ))  # fmt: skip
