"""The home map's layer "Ongoing outages": countries with a detected event still ongoing, from
the `outage_events` dataset (computed when the page is served, not an indicator of the
registry), following the shutdown tracker's layer in nethealth.shutdowns.views_country."""

from __future__ import annotations

import datetime as dt

from nethealth.ui.context import AppContext
from nethealth.ui.formatting import fmt_count
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
from nethealth.web.outage_views import (
    API,
    LAYER_METHOD,
    LAYER_TITLE,
    OUTAGE_LAYER,
    first_start,
    latest_data_end,
    ongoing_by_country,
    parse_time,
)


def outage_map_view(ctx: AppContext, sort: SortKey, order: SortOrder, today: dt.date) -> HomeView:
    """The home page coloured by ongoing detected outages per country."""
    countries = ctx.lake.countries()  # 503 without a lake, like the other maps
    found = ongoing_by_country(ctx.settings)
    values = [float(len(evs)) for c in countries if (evs := found.get(c.cc))]
    classes = classify(values)
    rows = []
    for c in countries:
        evs = found.get(c.cc)
        if not evs:
            continue
        cls = class_for(float(len(evs)), classes)
        rows.append(
            MapRow(
                cc=c.cc,
                numeric=c.numeric,
                name=c.name,
                region=c.region,
                value=float(len(evs)),
                value_text=fmt_count(len(evs), "ongoing event"),
                date=max(parse_time(e["start"]).date() for e in evs),
                simulated=any(bool(e.get("simulated")) for e in evs),
                colour=cls.colour,
                step=cls.step,
                ongoing=len(evs),
            )
        )
    shown = [e for r in rows for e in found[r.cc]]
    end = latest_data_end(ctx.settings) or today
    query = home_query(OUTAGE_LAYER, sort, order)
    return event_layer_view(
        ctx,
        rows=rows,
        classes=classes,
        countries_total=len(countries),
        sort=sort,
        order=order,
        links=PageLinks(
            html=f"/?{query}", json_=f"/index.json?{query}", api=f"{API}?status=ongoing"
        ),
        window=MapWindow(
            id=OUTAGE_LAYER,
            title=LAYER_TITLE,
            unit="ongoing events",
            start=first_start(shown) or end,
            end=end,
            events=len(shown),
            ongoing=len(shown),
            countries=len(rows),
            method=LAYER_METHOD,
        ),
    )
