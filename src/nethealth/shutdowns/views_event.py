"""The page of one distinct event (`/shutdowns/events/{ev-…}`): the records it groups (one per
count year for an Access Now event that ran over several years), its status by the documented
rule, what was cut (from its latest record), its cost (the sum of its records' estimates, each
counted once) and the curators' merges and splits that shaped it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from nethealth.lake.reader import LakeReader
from nethealth.shutdowns.events import GROUPING_VERSION, STALE_AFTER_YEARS, Clock
from nethealth.shutdowns.query import distinct_event, grouping_history
from nethealth.shutdowns.store import ShutdownStore
from nethealth.shutdowns.views import (
    API,
    FEED,
    SCOPE_LABELS,
    TYPE_LABELS,
    CountryRef,
    Names,
    event_duration,
    where_text,
    years_text,
)
from nethealth.shutdowns.views_cost import CostSection, event_cost
from nethealth.shutdowns.views_record import (
    EventRef,
    FactGroup,
    HistoryEntry,
    event_ref,
    fact_groups,
    history_entry,
)
from nethealth.ui.models import API_VERSION
from nethealth.ui.views import PageLinks


class GroupLinks(PageLinks):
    feed: str
    list: str
    latest_record: str


class DistinctEventView(BaseModel):
    api_version: str = API_VERSION
    event_id: str
    title: str
    summary: str
    countries: list[CountryRef]
    start_date: dt.date | None
    end_date: dt.date | None
    status: str = Field(description="ongoing, ended or unknown (by the documented rule)")
    status_since: int | None
    status_text: str
    ongoing: bool
    status_rule: str = Field(description="When an event counts as ongoing")
    duration_text: str
    duration_short: str
    type: str | None
    scope: str | None
    records: int
    years_text: str
    simulated: bool
    event: EventRef = Field(description="The event and its records")
    groups: list[FactGroup] = Field(description="What, where, why: from the latest record")
    latest_record: str
    cost: CostSection = Field(description="The sum of its records' estimates, each once")
    grouping: str = Field(description="rule, or curated (a curator merged or split it)")
    grouping_version: str
    grouping_history: list[HistoryEntry] = Field(
        description="Curators' merges and splits of its records"
    )
    links: GroupLinks


def status_rule() -> str:
    return (
        "An event is ongoing when its latest record says so, has no end date and is recent: an "
        "Access Now record's count year is at least the newest imported sheet's year minus "
        f"{STALE_AFTER_YEARS}, a curated record was changed this year or the last. Otherwise "
        "an open-ended event's status is unknown since the year of its latest record."
    )


def distinct_event_view(
    store: ShutdownStore, lake: LakeReader, names: Names, event_id: str, today: dt.date
) -> DistinctEventView:
    state = store.state()
    event = distinct_event(state, event_id)
    clock = Clock.of(state, today)
    latest = event.latest
    f = latest.fields
    status = event.status(clock)
    kind = TYPE_LABELS.get(str(f.get("type")), "Disruption")
    where = where_text(latest, names)
    start = event.start.isoformat() if event.start else None
    place = ", ".join(
        p for p in (f.get("area_name"), SCOPE_LABELS.get(str(f.get("scope")), "").lower()) if p
    )
    summary = (
        f"{kind} in {where}" + (f" ({place})" if place else "")
        + (f", since {start}" if start else "")
        + f": {event_duration(event, clock)}. "
        + (
            f"{len(event.records)} records, one per count year ({years_text(event.years)}), "
            "as its source lists an event each year it runs."
            if len(event.records) > 1
            else "One record."
        )
    )  # fmt: skip
    history = [history_entry(e) for e in grouping_history(store, event)]
    return DistinctEventView(
        event_id=event.event_id,
        title=f"{kind} in {where}" + (f", since {start}" if start else ""),
        summary=summary,
        countries=[names.ref(cc) for cc in event.countries],
        start_date=event.start,
        end_date=event.end,
        status=status.status,
        status_since=status.since,
        status_text=status.text,
        ongoing=status.status == "ongoing",
        status_rule=status_rule(),
        duration_text=event_duration(event, clock),
        duration_short=event_duration(event, clock, short=True),
        type=f.get("type"),
        scope=f.get("scope"),
        records=len(event.records),
        years_text=years_text(event.years),
        simulated=event.simulated,
        event=event_ref(None, event, clock),
        groups=fact_groups(latest, names, clock, event, event_page=True),
        latest_record=latest.event_id,
        cost=event_cost(lake, names, event),
        grouping="curated" if event.curated_grouping else "rule",
        grouping_version=GROUPING_VERSION,
        grouping_history=history,
        links=GroupLinks(
            html=f"/shutdowns/events/{event.event_id}",
            json_=f"/shutdowns/events/{event.event_id}.json",
            api=f"{API}/events/{event.event_id}",
            feed=FEED,
            list="/shutdowns",
            latest_record=f"/shutdowns/{latest.event_id}",
        ),
    )
