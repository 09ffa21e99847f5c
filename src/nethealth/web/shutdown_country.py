"""The tracker on other pages: a country's events (country page) and the home map's layer
"shutdown events in the last 12 months" (data computed from the tracker, not an indicator)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from nethealth.api.context import AppContext
from nethealth.shutdowns.query import EventFilter, select
from nethealth.shutdowns.store import EventState, StoreState
from nethealth.web.formatting import fmt_count
from nethealth.web.i18n import ENGLISH, Translator
from nethealth.web.map import class_for, classify
from nethealth.web.shutdown_views import (
    API,
    Clock,
    EventRow,
    Names,
    YearCount,
    coverage_year,
    event_row,
    is_ongoing,
    period,
    year_counts,
    year_summary,
)
from nethealth.web.views import (
    CountryView,
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
    year: int
    events: list[EventRow]


class CountryShutdownLinks(BaseModel):
    list: str
    api: str
    csv: str


class CountryShutdowns(BaseModel):
    count: int = Field(description="Current (not retracted) events that list this country")
    ongoing: int
    summary: str
    simulated: bool
    per_year: list[YearCount]
    per_year_summary: str
    shown: int = Field(description="Events listed below (the newest); the list link has all")
    years: list[YearGroup]
    links: CountryShutdownLinks


class CountryPageView(CountryView):
    shutdowns: CountryShutdowns


def country_shutdowns(
    state: StoreState,
    names: Names,
    cc: str,
    country_name: str,
    today: dt.date,
    t: Translator = ENGLISH,
) -> CountryShutdowns:
    clock = Clock.of(state, today)
    events = select(state, EventFilter(country=cc))  # newest start first
    shown = events[:COUNTRY_EVENTS_SHOWN]
    groups: dict[int, list[EventRow]] = {}
    for ev in shown:
        year = ev.fields.get("year")
        groups.setdefault(year if isinstance(year, int) else 0, []).append(
            event_row(ev, names, clock)
        )
    ongoing = sum(1 for ev in events if is_ongoing(ev))
    per_year = year_counts(events, through=coverage_year(state) if events else None)
    if events:
        latest = events[0]
        started = latest.fields.get("start_date") or t.gettext("an unknown date")
        status = latest.fields.get("status")
        state_text = {"ongoing": t.gettext("still ongoing"), "ended": t.gettext("ended")}.get(
            str(status), t.gettext("status unknown")
        )
        if is_ongoing(latest) and (until := clock.ongoing_until(latest)) != clock.today:
            state_text = t.gettext(
                "ongoing as of %(date)s, the latest information", date=until.isoformat()
            )
        summary = (
            t.ngettext(
                "The tracker records %(num)s shutdown event in %(country)s. ",
                "The tracker records %(num)s shutdown events in %(country)s. ",
                len(events),
                country=country_name,
            )
            + t.gettext(
                "The latest began on %(date)s (%(state)s). ", date=started, state=state_text
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
        ongoing=ongoing,
        summary=summary,
        simulated=any(ev.simulated for ev in events),
        per_year=per_year,
        per_year_summary=year_summary(per_year, clock.today),
        shown=len(shown),
        years=[YearGroup(year=y, events=rows) for y, rows in groups.items()],
        links=CountryShutdownLinks(
            list=f"/shutdowns?{query}", api=f"{API}?{query}", csv=f"{API}?{query}&format=csv"
        ),
    )


# The home map's layer --------------------------------------------------------------------------


SHUTDOWN_LAYER = "shutdowns-12m"  # a map layer, not an indicator: computed from the tracker
LAYER_TITLE = "Shutdown events in the last 12 months"
LAYER_METHOD = (
    "Events of the shutdown tracker (Access Now #KeepItOn records and events curated by "
    "nethealth, retracted ones left out) whose days overlap the 365 days to today: an event "
    "that began earlier and is still running counts, and an event in several countries counts "
    "in each. An ongoing event runs to its latest information (the newest imported sheet, or "
    "a curator's last change); an event without an end date counts on its start date only. "
    "Countries with an event ongoing by that information are outlined."
)


@dataclass(frozen=True)
class LayerCount:
    count: int
    ongoing: int
    latest_start: dt.date
    simulated: bool


def layer_window(today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=364), today  # 365 days, today included


def layer_counts(state: StoreState, clock: Clock) -> dict[str, LayerCount]:
    """Per country: current events whose days overlap the window (an event that began before
    it and is still running counts), how many of them are ongoing, the latest start."""
    first, last = layer_window(clock.today)
    found: dict[str, list[EventState]] = {}
    for ev in state.events.values():
        days = period(ev, clock)
        if ev.retracted or days is None or days[0] > last or days[1] < first:
            continue
        for cc in ev.fields.get("countries") or []:
            found.setdefault(cc, []).append(ev)
    out = {}
    for cc, evs in found.items():
        starts = [p[0] for ev in evs if (p := period(ev, clock)) is not None]
        out[cc] = LayerCount(
            count=len(evs),
            ongoing=sum(1 for ev in evs if is_ongoing(ev)),
            latest_start=max(starts),
            simulated=any(ev.simulated for ev in evs),
        )
    return out


def shutdown_map_view(
    ctx: AppContext, state: StoreState, sort: SortKey, order: SortOrder, today: dt.date
) -> HomeView:
    """The home page coloured by the tracker: events per country in the last 12 months."""
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
    in_window = {
        ev.event_id
        for ev in state.events.values()
        if not ev.retracted
        and (days := period(ev, clock)) is not None
        and days[0] <= last
        and days[1] >= first
        and any(cc in counts for cc in ev.fields.get("countries") or [])
    }
    query = home_query(SHUTDOWN_LAYER, sort, order)
    return event_layer_view(
        ctx,
        rows=rows,
        classes=classes,
        countries_total=len(countries),
        sort=sort,
        order=order,
        links=PageLinks(html=f"/?{query}", json_=f"/index.json?{query}", api=API),
        window=MapWindow(
            id=SHUTDOWN_LAYER,
            title=LAYER_TITLE,
            unit="events",
            start=first,
            end=last,
            events=len(in_window),
            ongoing=sum(
                1 for ev in state.events.values() if ev.event_id in in_window and is_ongoing(ev)
            ),
            countries=len(rows),
            method=LAYER_METHOD,
        ),
    )
