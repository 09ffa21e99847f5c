"""Route intervals: for each peer and prefix, which route it had from when to when.

The initial RIB gives each peer's state at the window start; every later announcement or
withdrawal for the same (peer, prefix) ends the previous state. A state still held at the end of
the window ends there (`open_end` true). Baseline rows (from the RIB) keep `baseline` true, so the
detectors can tell routes that appeared during the window from routes that were already there.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

INTERVALS_SQL = """
WITH ev AS (
  SELECT collector || '|' || peer_ip AS peer, peer_asn, af, prefix, prefix_length, start, "end",
         start_lo, end_lo, origin_asn, as_path, elem_type,
         CASE WHEN elem_type = 'rib' THEN ?::TIMESTAMPTZ ELSE timestamp END AS ts,
         elem_type = 'rib' AS baseline, row_number() OVER () AS seq
  FROM routes),
nxt AS (
  SELECT *, lead(ts) OVER (PARTITION BY peer, prefix ORDER BY ts, seq) AS next_ts FROM ev)
SELECT peer, peer_asn, af, prefix, prefix_length, start, "end", start_lo, end_lo, origin_asn,
       as_path, array_to_string(as_path, ' ') AS path_text, baseline, ts AS t0,
       coalesce(next_ts, ?::TIMESTAMPTZ) AS t1, next_ts IS NULL AS open_end
FROM nxt WHERE elem_type <> 'withdraw' AND coalesce(next_ts, ?::TIMESTAMPTZ) > ts
"""


def route_intervals(routes: pa.Table, window_start: datetime, window_end: datetime) -> pa.Table:
    """Intervals of the RIB rows (state at `window_start`) and later updates of `routes`."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("routes", routes)
        return con.sql(
            INTERVALS_SQL, params=[window_start, window_end, window_end]
        ).to_arrow_table()
    finally:
        con.close()
