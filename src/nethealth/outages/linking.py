"""Linking detected outage events to curated shutdown records by place and time.

The curated `shutdowns` dataset (nethealth.shutdowns) has one row per record with its
countries (`countries`, ISO alpha-2 list; `cc` the first one), `start_date`, `end_date`
(null while unknown or ongoing), `status` and `retracted`. Its dates are local calendar days,
so a span covers [start_date - slack, end_date + 1 day + slack) in UTC.

With the `shutdown_events` dataset (records grouped into distinct events, each with a status
that is "ongoing" only while its information is recent), a detected event links to the distinct
events of its country whose span overlaps it: an ended event to its end date, an ongoing one
open-ended, any other to `known_until` (as far as its records tell). Of each linked event it
names the records of the count years the detection falls in (else the latest record before
them), so a STOP event re-listed in ten yearly records is linked once per year, not ten times.
Without `shutdown_events` (older lakes), each record is linked on its own: a record without an
end date covers one day, or runs on while its own status is `ongoing`.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pyarrow as pa

SLACK_DAYS = 1


def _countries(shutdowns: pa.Table) -> str:
    """SQL expression of a record's country list, whatever columns the dataset has."""
    names = shutdowns.column_names
    if "countries" in names:
        return "coalesce(s.countries, [s.cc])" if "cc" in names else "s.countries"
    return "[s.cc]"


def link(
    events: pa.Table,
    shutdowns: pa.Table,
    *,
    slack_days: int = SLACK_DAYS,
    distinct: pa.Table | None = None,
) -> dict[str, list[str]]:
    """{outage event id: [shutdown record ids]} for events that overlap curated records (through
    their distinct events when `distinct`, the `shutdown_events` dataset, is given)."""
    if events.num_rows == 0 or shutdowns.num_rows == 0:
        return {}
    if distinct is not None and "distinct_event_id" in shutdowns.column_names:
        return _link_distinct(events, shutdowns, distinct, slack_days)
    retracted = "coalesce(s.retracted, false)" if "retracted" in shutdowns.column_names else "false"
    status = "s.status" if "status" in shutdowns.column_names else "NULL"
    sql = f"""
        WITH rec AS (
            SELECT s.event_id AS shutdown_id,
                   unnest({_countries(shutdowns)}) AS cc,
                   CAST(s.start_date AS TIMESTAMP) - to_days(CAST(? AS INTEGER)) AS lo,
                   CASE
                     WHEN s.end_date IS NOT NULL
                       THEN CAST(s.end_date AS TIMESTAMP) + to_days(1 + CAST(? AS INTEGER))
                     WHEN {status} = 'ongoing' THEN TIMESTAMP '9999-12-31'
                     ELSE CAST(s.start_date AS TIMESTAMP) + to_days(1 + CAST(? AS INTEGER))
                   END AS hi
            FROM shutdowns_in s
            WHERE NOT {retracted} AND s.start_date IS NOT NULL
        )
        SELECT e.event_id, list(DISTINCT r.shutdown_id ORDER BY r.shutdown_id) AS ids
        FROM events_in e JOIN rec r
          ON r.cc = e.country
         AND CAST(timezone('UTC', e."start") AS TIMESTAMP) < r.hi
         AND CAST(timezone('UTC', coalesce(e."end", e.data_end)) AS TIMESTAMP) > r.lo
        GROUP BY e.event_id
    """  # the f-string only picks column expressions; every value is a bound parameter
    con = duckdb.connect()
    try:
        con.register(
            "events_in", events.select(["event_id", "country", "start", "end", "data_end"])
        )
        con.register("shutdowns_in", shutdowns)
        rows = con.execute(sql, [slack_days, slack_days, slack_days]).fetchall()
    finally:
        con.close()
    return {str(eid): [str(x) for x in ids] for eid, ids in rows}


DISTINCT_SQL = """
    WITH ev AS (
        SELECT d.distinct_event_id AS did, unnest(d.countries) AS cc,
               CAST(d.start_date AS TIMESTAMP) - to_days(CAST(? AS INTEGER)) AS lo,
               CASE
                 WHEN d.status = 'ongoing' THEN TIMESTAMP '9999-12-31'
                 WHEN d.status = 'ended' AND d.end_date IS NOT NULL
                   THEN CAST(d.end_date AS TIMESTAMP) + to_days(1 + CAST(? AS INTEGER))
                 ELSE CAST(coalesce(d.known_until, d.start_date) AS TIMESTAMP)
                      + to_days(1 + CAST(? AS INTEGER))
               END AS hi
        FROM distinct_in d
        WHERE d.start_date IS NOT NULL
    )
    SELECT e.event_id, ev.did,
           year(timezone('UTC', e."start")) AS y0,
           year(timezone('UTC', coalesce(e."end", e.data_end))) AS y1
    FROM events_in e JOIN ev
      ON ev.cc = e.country
     AND CAST(timezone('UTC', e."start") AS TIMESTAMP) < ev.hi
     AND CAST(timezone('UTC', coalesce(e."end", e.data_end)) AS TIMESTAMP) > ev.lo
"""


def _link_distinct(
    events: pa.Table, shutdowns: pa.Table, distinct: pa.Table, slack_days: int
) -> dict[str, list[str]]:
    con = duckdb.connect()
    try:
        con.register(
            "events_in", events.select(["event_id", "country", "start", "end", "data_end"])
        )
        con.register(
            "distinct_in",
            distinct.select(["distinct_event_id", "countries", "start_date", "end_date", "status",
                             "known_until"]),
        )  # fmt: skip
        pairs = con.execute(DISTINCT_SQL, [slack_days, slack_days, slack_days]).fetchall()
    finally:
        con.close()
    records = _records_by_event(shutdowns)
    out: dict[str, set[str]] = defaultdict(set)
    for event_id, did, y0, y1 in pairs:
        out[str(event_id)].update(_records_for_years(records.get(str(did), []), y0, y1))
    return {k: sorted(v) for k, v in out.items() if v}


def _records_by_event(shutdowns: pa.Table) -> dict[str, list[tuple[int | None, str]]]:
    """{distinct event id: [(count year, record id)]} of the non-retracted records."""
    names = shutdowns.column_names
    retracted = shutdowns["retracted"].to_pylist() if "retracted" in names else None
    years = shutdowns["year"].to_pylist() if "year" in names else [None] * shutdowns.num_rows
    out: dict[str, list[tuple[int | None, str]]] = defaultdict(list)
    for i, (rid, did) in enumerate(
        zip(shutdowns["event_id"].to_pylist(), shutdowns["distinct_event_id"].to_pylist(),
            strict=True)
    ):  # fmt: skip
        if did is None or (retracted is not None and retracted[i]):
            continue
        out[str(did)].append((years[i], str(rid)))
    return out


def _records_for_years(records: list[tuple[int | None, str]], y0: int, y1: int) -> list[str]:
    """The records counted in [y0, y1]; else the latest one before y0 (the newest information
    about an event still running); records without a year always count."""
    inside = [rid for y, rid in records if y is None or y0 <= y <= y1]
    if inside:
        return inside
    before = [(y, rid) for y, rid in records if y is not None and y < y0]
    return [max(before)[1]] if before else []
