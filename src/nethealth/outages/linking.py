"""Linking detected outage events to curated shutdown records by place and time.

The curated `shutdowns` dataset (nethealth.shutdowns) has one row per record with its
countries (`countries`, ISO alpha-2 list; `cc` the first one), `start_date`, `end_date`
(null while unknown or ongoing), `status` and `retracted`. Its dates are local calendar days,
so a record covers [start_date - slack, end_date + 1 day + slack) in UTC; a record without
an end date covers one day, or runs on while its status is `ongoing`. An event links to every
non-retracted record of its country whose span overlaps the event's [start, end or data end).
"""

from __future__ import annotations

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
    events: pa.Table, shutdowns: pa.Table, *, slack_days: int = SLACK_DAYS
) -> dict[str, list[str]]:
    """{outage event id: [shutdown event ids]} for events that overlap curated records."""
    if events.num_rows == 0 or shutdowns.num_rows == 0:
        return {}
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
