"""An Access Now #KeepItOn STOP-style shutdown sheet: the timeline's shutdowns plus an
invented history, with the 47 columns of the real combined sheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import numpy as np

from nethealth.formats.stop_sheet import CANONICAL_COLUMNS
from nethealth.sim.events import Event
from nethealth.sim.geo import Country
from nethealth.sim.output import OutputTree
from nethealth.sim.rng import stream
from nethealth.sim.world import World

# The real sheet's 47 columns in the publisher's order: the parser's own list, so they agree.
COLUMNS = list(CANONICAL_COLUMNS)
PATH = "mirror/accessnow/keepiton-stop-combined.csv"

NATIONWIDE = "It affected locations in more than one state, province, or region"
REGIONAL = "It affected more than one city in the same state, province, or region"
CITY = "It only affected one city, county, or village"
_CAUSES = (
    "Protests",
    "Conflict",
    "Political instability",
    "Information control",
    "Exam cheating",
    "Elections",
    "Communal violence",
)
_JUSTIFICATIONS = (
    "Unknown",
    "Public safety/ Quell unrest/ Restore public order",
    "National security/ Counter-terrorism",
    "Precautionary measure",
    "Fake news/ Hate speech/ Incendiary content/ Promoting violence",
)
_EECA = {"RU", "UA", "BY", "KZ", "UZ", "KG", "TJ", "TM", "AZ", "AM", "GE", "MD", "TR"}
_MENA_AF = {"EG", "LY", "TN", "DZ", "MA", "SD"}


def an_region(c: Country) -> str:
    if c.cc in _EECA:
        return "EECA"
    if c.region == "ME" or c.cc in _MENA_AF:
        return "MENA"
    return {
        "AF": "Africa",
        "AP": "APAC",
        "AU": "APAC",
        "EU": "Europe",
        "SA": "LAC",
        "NA": "North America" if c.cc in ("US", "CA") else "LAC",
    }[c.region]


def _row(
    c: Country,
    start: dt.date,
    end: dt.date | None,
    scope: str,
    area: str,
    rng: np.random.Generator,
    event: str,
    status: str,
) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS, "")
    election = rng.random() < 0.1
    row.update(
        {
            "start_date_type": "Actual",
            "start_date": start.isoformat(),
            "country": c.name,
            "geo_scope": scope,
            "area_name": area,
            "shutdown_type": "Shutdown",
            "affected_network": "Broadband, Mobile" if scope == NATIONWIDE else "Mobile",
            "shutdown_extent": "Full network",
            "ordered_by": "Executive government" if scope == NATIONWIDE else "State government",
            "actual_cause": "Elections" if election else _CAUSES[int(rng.integers(len(_CAUSES)))],
            "info_source": "News media article",
            "info_source_link": f"https://news.example/{c.cc.lower()}/{start:%Y%m%d}",
            "shutdown_status": status,
            "end_date": end.isoformat() if end else "",
            "duration": str((end - start).days) if end else "",
            "gov_justification": _JUSTIFICATIONS[int(rng.integers(len(_JUSTIFICATIONS)))],
            "gov_ack": "Yes" if rng.random() < 0.6 else "No",
            "election": "Yes" if election else "No",
            "violence": "Unknown",
            "event": event,
            "region": an_region(c),
            "count_year": str(start.year),
        }
    )
    return row


def history_rows(w: World, start: dt.date, years: int = 9) -> list[dict[str, Any]]:
    """Invented past shutdowns for the countries of the world, by shutdown propensity."""
    rng = stream(w.seed, "shutdown-history")
    rows = []
    first = start.replace(year=start.year - years, month=1, day=1)
    span = (start - first).days - 1
    for c in w.countries:
        for _ in range(int(rng.poisson(c.shutdown_propensity * years * 0.25))):
            day = first + dt.timedelta(days=int(rng.integers(0, span)))
            end = day + dt.timedelta(days=int(rng.geometric(0.3)) - 1)
            end = min(end, start - dt.timedelta(days=1))
            scope = (NATIONWIDE, REGIONAL, CITY)[int(rng.choice(3, p=[0.35, 0.35, 0.3]))]
            area = "Nationwide" if scope == NATIONWIDE else c.capital
            rows.append(
                _row(
                    c,
                    day,
                    end,
                    scope,
                    area,
                    rng,
                    "Simulated historical shutdown (nethealth.sim).",
                    "Ended",
                )
            )
    return rows


def event_rows(w: World, events: list[Event]) -> list[dict[str, Any]]:
    rng = stream(w.seed, "shutdown-rows")
    by_cc = {c.cc: c for c in w.countries}
    rows = []
    for ev in events:
        if not ev.kind.endswith("shutdown"):
            continue
        c = by_cc[str(ev.label["country"])]
        start = dt.datetime.fromtimestamp(ev.start, dt.UTC).date()
        end = dt.datetime.fromtimestamp(ev.end, dt.UTC).date()
        national = ev.kind == "national_shutdown"
        rows.append(
            _row(
                c,
                start,
                end,
                NATIONWIDE if national else REGIONAL,
                "Nationwide"
                if national
                else str(ev.label.get("region_name") or ev.label["region"]),
                rng,
                f"Simulated shutdown {ev.id} (nethealth.sim ground truth).",
                "Ended",
            )
        )
    return rows


def write_shutdowns(tree: OutputTree, w: World, events: list[Event], start: dt.date) -> int:
    rows = history_rows(w, start) + event_rows(w, events)
    rows.sort(key=lambda r: (r["start_date"], r["country"], r["area_name"]))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    tree.write_text(PATH, buf.getvalue())
    return len(rows)
