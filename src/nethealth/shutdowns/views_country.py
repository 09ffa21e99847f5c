"""The tracker on other pages: a country's events (country page) and the home map's layer
"shutdown events in the last 12 months" (data computed from the tracker, not an indicator)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.shutdowns.events import Clock, DistinctEvent, event_index
from nethealth.shutdowns.query import (
    EventFilter,
    coverage_year,
    events_of,
    layer_counts,
    layer_events,
    layer_window,
    select,
)
from nethealth.shutdowns.store import StoreState
from nethealth.shutdowns.views import (
    API,
    DistinctEventRow,
    Names,
    YearCount,
    distinct_row,
    year_counts,
    year_summary,
)
from nethealth.ui.context import AppContext
from nethealth.ui.formatting import fmt_count
from nethealth.ui.i18n import ENGLISH, Translator
from nethealth.ui.map_classes import class_for, classify
from nethealth.ui.views import (
    HomeView,
    MapRow,
    MapWindow,
    PageLinks,
    SortKey,
    SortOrder,
    event_layer_view,
    home_query,
)

COUNTRY_EVENTS_SHOWN = 40  # the country page lists the newest; the tracker page has them all


class YearGroup(BaseModel):
    year: int = Field(description="The year the events began (0: unknown)")
    events: list[DistinctEventRow]


class CountryShutdownLinks(BaseModel):
    list: str
    api: str
    csv: str


class CountryShutdowns(BaseModel):
    count: int = Field(description="Distinct events (current records grouped) in this country")
    records: int = Field(description="Their records: one per source row (a year of an event)")
    ongoing: int = Field(description="Distinct events ongoing, by the documented rule")
    summary: str
    simulated: bool
    per_year: list[YearCount] = Field(description="Distinct events active per count year")
    per_year_summary: str
    shown: int = Field(description="Events listed below (the newest); the list link has all")
    years: list[YearGroup]
    links: CountryShutdownLinks


def _state_text(event: DistinctEvent, clock: Clock, t: Translator) -> str:
    status = event.status(clock)
    if status.status == "ongoing":
        until = clock.ongoing_until(event.latest)
        if until != clock.today:
            return t.gettext(
                "ongoing as of %(date)s, the latest information", date=until.isoformat()
            )
        return t.gettext("still ongoing")
    if status.status == "ended":
        return t.gettext("ended")
    if status.since is not None:
        return t.gettext("status unknown since %(year)s", year=status.since)
    return t.gettext("status unknown")


def country_shutdowns(
    state: StoreState,
    names: Names,
    cc: str,
    country_name: str,
    today: dt.date,
    t: Translator = ENGLISH,
) -> CountryShutdowns:
    clock = Clock.of(state, today)
    index = event_index(state)
    records = select(state, EventFilter(country=cc))  # newest start first
    events = events_of(records, index)
    shown = events[:COUNTRY_EVENTS_SHOWN]
    groups: dict[int, list[DistinctEventRow]] = {}
    for event in shown:
        groups.setdefault(event.start.year if event.start else 0, []).append(
            distinct_row(event, names, clock)
        )
    ongoing = sum(1 for e in events if e.is_ongoing(clock))
    per_year = year_counts(records, through=coverage_year(state) if records else None, index=index)
    if events:
        latest = events[0]
        started = latest.start.isoformat() if latest.start else t.gettext("an unknown date")
        summary = (
            t.ngettext(
                "The tracker records %(num)s shutdown event in %(country)s",
                "The tracker records %(num)s shutdown events in %(country)s",
                len(events),
                country=country_name,
            )
            + t.ngettext(
                " (%(num)s record: a source lists an event once per year it runs). ",
                " (%(num)s records: a source lists an event once per year it runs). ",
                len(records),
            )
            + t.gettext(
                "The latest began on %(date)s (%(state)s). ",
                date=started,
                state=_state_text(latest, clock, t),
            )
            + (
                t.gettext("None is ongoing.")
                if not ongoing
                else t.ngettext("%(num)s event ongoing.", "%(num)s events ongoing.", ongoing)
            )
        )
    else:
        summary = t.gettext(
            "The tracker records no shutdown event in %(country)s.", country=country_name
        )
    query = urlencode({"country": cc})
    return CountryShutdowns(
        count=len(events),
        records=len(records),
        ongoing=ongoing,
        summary=summary,
        simulated=any(e.simulated for e in events),
        per_year=per_year,
        per_year_summary=year_summary(per_year, clock.today, distinct=len(events)),
        shown=len(shown),
        years=[YearGroup(year=y, events=rows) for y, rows in groups.items()],
        links=CountryShutdownLinks(
            list=f"/shutdowns?{query}", api=f"{API}/events?{query}", csv=f"{API}?{query}&format=csv"
        ),
    )


# The home map's layer --------------------------------------------------------------------------


SHUTDOWN_LAYER = "shutdowns-12m"  # a map layer, not an indicator: computed from the tracker
LAYER_TITLE = "Shutdown events in the last 12 months"
LAYER_METHOD = (
    "Distinct events of the shutdown tracker (Access Now #KeepItOn records and events curated "
    "by nethealth, retracted records left out; an event Access Now lists in several years is "
    "one event) whose days overlap the 365 days to today: an event that began earlier and is "
    "still running counts, and an event in several countries counts in each. An ongoing event "
    "runs to its latest information (the newest imported sheet, or a curator's last change); "
    "an event whose status is unknown counts to the end of the last year it was listed as "
    "ongoing, else to its start or its latest record's year. An event is ongoing only when its "
    "latest record says so and is recent (its count year at least the newest sheet's year "
    "minus one). Countries with an ongoing event are outlined."
)


def shutdown_map_view(
    ctx: AppContext, state: StoreState, sort: SortKey, order: SortOrder, today: dt.date
) -> HomeView:
    """The home page coloured by the tracker: distinct events per country in the last 12
    months."""
    countries = ctx.lake.countries()  # 503 without a lake, like the indicator maps
    clock = Clock.of(state, today)
    counts = layer_counts(state, clock)
    values = [float(n.count) for c in countries if (n := counts.get(c.cc)) is not None]
    classes = classify(values)
    rows = []
    for c in countries:
        n = counts.get(c.cc)
        if n is None:
            continue
        cls = class_for(float(n.count), classes)
        text = fmt_count(n.count, "event") + (f", {n.ongoing:,} ongoing" if n.ongoing else "")
        rows.append(
            MapRow(
                cc=c.cc,
                numeric=c.numeric,
                name=c.name,
                region=c.region,
                value=float(n.count),
                value_text=text,
                date=n.latest_start,
                simulated=n.simulated,
                colour=cls.colour,
                step=cls.step,
                ongoing=n.ongoing,
            )
        )
    first, last = layer_window(today)
    on_map = {c.cc for c in countries}
    in_window = [e for e in layer_events(state, clock) if any(cc in on_map for cc in e.countries)]
    query = home_query(SHUTDOWN_LAYER, sort, order)
    return event_layer_view(
        ctx,
        rows=rows,
        classes=classes,
        countries_total=len(countries),
        sort=sort,
        order=order,
        links=PageLinks(html=f"/?{query}", json_=f"/index.json?{query}", api=f"{API}/events"),
        window=MapWindow(
            id=SHUTDOWN_LAYER,
            title=LAYER_TITLE,
            unit="events",
            start=first,
            end=last,
            events=len(in_window),
            ongoing=sum(1 for e in in_window if e.is_ongoing(clock)),
            countries=len(rows),
            method=LAYER_METHOD,
        ),
    )
