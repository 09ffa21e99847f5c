"""Reading outage events and their evidence series back from the lake (CLI and API).

Every filter is a bound parameter; the file path is the only text put into the SQL, quoted
as a string literal (DuckDB cannot bind a table function's file name in every version).

Two things are decided when an event is read, not when it was detected:
* its `status`: `ongoing` only while its data are fresh (`data_end` at most
  `Settings.outages_fresh_minutes` old); an event still ongoing at the end of older data is
  `stale` — whether it goes on is not known. Simulated events keep the simulated clock: their
  "now" is the end of the newest simulated data in the lake (a replayed world has no real
  present), real events the wall clock;
* its `review` (outages.review): `unreviewed`, `confirmed` or `dismissed`, by whom, when,
  why, and the notes. Dismissed events stay in the API with that status; the feed and the
  map leave them out (`EventFilter.exclude_dismissed`).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from nethealth.common.csv_cells import safe_cell
from nethealth.errors import DatasetNotBuiltError, InputError, NotFoundError
from nethealth.outages.artefacts import ARTEFACTS
from nethealth.outages.cost import COST_COLUMNS, api_cost
from nethealth.outages.events import EVENT_SCHEMA
from nethealth.outages.lake import EVENTS, SIGNALS, dataset_path
from nethealth.outages.review import STATUSES as REVIEW_STATUSES
from nethealth.outages.review import ReviewStore
from nethealth.settings import Settings

COLUMNS = [f.name for f in EVENT_SCHEMA]
CSV_COLUMNS = [c for c in COLUMNS if c not in ("evidence", "cost_inputs", "networks")] + [
    "review_status"
]
# In JSON the cost columns become one `cost` object (outages.cost.api_cost), null when none.
_CSV_COST = {
    "cost_low_usd": "low_usd",
    "cost_central_usd": "central_usd",
    "cost_high_usd": "high_usd",
    "cost_method_version": "model_version",
    "cost_basis": "basis",
}
MAX_LIMIT = 5000
SCOPES = ("country", "region", "asn")
EVENT_STATUSES = ("ongoing", "stale", "ended")
EVIDENCE_MARGIN = timedelta(hours=6)


@dataclass(frozen=True)
class EventFilter:
    country: str | None = None
    scope: str | None = None
    asn: int | None = None
    start: datetime | None = None  # events that end after this
    end: datetime | None = None  # events that start before this
    status: str | None = None
    limit: int = 1000
    offset: int = 0
    review: str | None = None  # unreviewed, confirmed or dismissed
    exclude_dismissed: bool = False

    def check(self, max_days: int | None = None) -> EventFilter:
        if self.country is not None and (len(self.country) != 2 or not self.country.isalpha()):
            raise InputError(
                f"{self.country!r} is not a country code",
                field="country",
                hint="use an ISO 3166-1 alpha-2 code such as ET",
            )
        if self.scope is not None and self.scope not in SCOPES:
            raise InputError(
                f"unknown scope {self.scope!r}",
                field="scope",
                hint=f"choose among {', '.join(SCOPES)}",
            )
        if self.status is not None and self.status not in EVENT_STATUSES:
            raise InputError(
                f"unknown status {self.status!r}",
                field="status",
                hint="choose ongoing, stale or ended",
            )
        if self.review is not None and self.review not in REVIEW_STATUSES:
            raise InputError(
                f"unknown review status {self.review!r}",
                field="review",
                hint=f"choose {', '.join(REVIEW_STATUSES)}",
            )
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InputError(
                f"limit {self.limit} is out of range", field="limit", hint=f"give 1 to {MAX_LIMIT}"
            )
        if self.offset < 0:
            raise InputError("offset must not be negative", field="offset")
        if self.start and self.end:
            if self.end <= self.start:
                raise InputError(
                    "'to' is not after 'from'", field="to", hint="give a 'to' later than 'from'"
                )
            if max_days is not None and self.end - self.start > timedelta(days=max_days):
                raise InputError(
                    f"the range is longer than {max_days} days",
                    field="to",
                    hint="ask for a shorter range and page through it",
                )
        return self


def _literal(path: Path) -> str:
    return "'" + str(path.resolve()).replace("'", "''") + "'"


def _events_path(settings: Settings) -> Path:
    path = dataset_path(settings, EVENTS)
    if not path.is_file():
        raise DatasetNotBuiltError(
            "no outage events in the lake yet",
            hint="run `nethealth build` (or `nethealth outages detect`) first",
        )
    return path


def fresh_since(settings: Settings) -> datetime:
    """Data ending before this are not fresh: their ongoing events are `stale`."""
    return datetime.now(UTC) - timedelta(minutes=settings.outages_fresh_minutes)


# The event columns as read: status decided by freshness (parameters: the wall clock's
# freshness limit, then the freshness in minutes for the simulated clock), the review joined
# from its log.
_SELECT = (
    "WITH ev AS (SELECT * FROM read_parquet({path})), "
    "clock AS (SELECT max(data_end) FILTER (WHERE simulated) AS sim_now FROM ev) "
    "SELECT e.* REPLACE (CASE WHEN e.status = 'ongoing' AND e.data_end < (CASE WHEN "
    "e.simulated THEN c.sim_now - to_minutes(CAST(? AS INTEGER)) ELSE ? END) THEN 'stale' "
    "ELSE e.status END AS status), coalesce(r.review_status, 'unreviewed') AS review_status "
    "FROM ev e CROSS JOIN clock c LEFT JOIN reviews r USING (event_id)"
)


def _fresh(settings: Settings) -> list[Any]:
    return [settings.outages_fresh_minutes, fresh_since(settings)]


def _reviews_table(settings: Settings) -> pa.Table:
    states = ReviewStore.for_settings(settings).states()
    return pa.table({
        "event_id": pa.array(list(states), pa.string()),
        "review_status": pa.array([st.status for st in states.values()], pa.string()),
    })  # fmt: skip


def list_events(settings: Settings, flt: EventFilter) -> list[dict[str, Any]]:
    where = ["TRUE"]
    params: list[Any] = _fresh(settings)
    if flt.country:
        where.append("country = ?")
        params.append(flt.country.upper())
    if flt.scope:
        where.append("scope = ?")
        params.append(flt.scope)
    if flt.asn is not None:
        where.append("(asn = ? OR list_contains(asns, ?))")
        params += [flt.asn, flt.asn]
    if flt.status:
        where.append("status = ?")
        params.append(flt.status)
    if flt.review:
        where.append("review_status = ?")
        params.append(flt.review)
    if flt.exclude_dismissed:
        where.append("review_status <> 'dismissed'")
    if flt.start:
        where.append('coalesce("end", data_end) > ?')
        params.append(flt.start)
    if flt.end:
        where.append('"start" < ?')
        params.append(flt.end)
    inner = _SELECT.format(path=_literal(_events_path(settings)))
    sql = (
        f"SELECT * FROM ({inner}) WHERE {' AND '.join(where)} "
        'ORDER BY "start" DESC, event_id LIMIT ? OFFSET ?'
    )
    return _rows(sql, [*params, flt.limit, flt.offset], settings)


def _rows(sql: str, params: list[Any], settings: Settings | None = None) -> list[dict[str, Any]]:
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        if settings is not None:
            con.register("reviews", _reviews_table(settings))
        cur = con.execute(sql, params)
        names = [d[0] for d in cur.description]
        rows = [_clean(dict(zip(names, row, strict=True))) for row in cur.fetchall()]
    finally:
        con.close()
    if settings is not None and rows:
        states = ReviewStore.for_settings(settings).states()
        for r in rows:
            st = states.get(str(r.get("event_id")))
            r["review"] = st.doc() if st is not None else {"status": "unreviewed", "by": None,
                                                           "at": None, "reason": None,
                                                           "notes": []}  # fmt: skip
            r.pop("review_status", None)
    return rows


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, datetime):
            v = v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif k in ("evidence", "networks") and isinstance(v, str):
            v = json.loads(v)
        out[k] = v
    if "cost_central_usd" in out:
        out["cost"] = api_cost(out)
        for k in COST_COLUMNS:
            out.pop(k, None)
    return out


def get_event(settings: Settings, event_id: str) -> dict[str, Any]:
    inner = _SELECT.format(path=_literal(_events_path(settings)))
    rows = _rows(
        f"SELECT * FROM ({inner}) WHERE event_id = ?", [*_fresh(settings), event_id], settings
    )
    if not rows:
        raise NotFoundError(
            f"no outage event {event_id!r}", hint="list events with `nethealth events list`"
        )
    return rows[0]


def evidence_series(settings: Settings, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The binned series of the event's entities around it (for evidence charts)."""
    path = dataset_path(settings, SIGNALS)
    if not path.is_file():
        return []
    start = datetime.fromisoformat(event["start"].replace("Z", "+00:00")) - EVIDENCE_MARGIN
    stop = (
        datetime.fromisoformat((event["end"] or event["data_end"]).replace("Z", "+00:00"))
        + EVIDENCE_MARGIN
    )
    entities = list(event.get("entities") or [])
    if not entities:
        return []
    rows = _rows(
        f"SELECT signal, entity, step_seconds, list(bin_start ORDER BY bin_start) AS t, "
        f"list(value ORDER BY bin_start) AS v FROM read_parquet({_literal(path)}) "
        "WHERE list_contains(?, entity) AND bin_start >= ? AND bin_start < ? "
        "GROUP BY signal, entity, step_seconds ORDER BY entity, signal",
        [entities, start, stop],
    )
    out = []
    for r in rows:
        times = [t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for t in r["t"]]
        out.append(
            {
                "signal": r["signal"],
                "entity": r["entity"],
                "step_seconds": r["step_seconds"],
                "points": [[t, v] for t, v in zip(times, r["v"], strict=True)],
            }
        )
    return out


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        cost = r.get("cost") or {}
        flat = {**r, "review_status": (r.get("review") or {}).get("status")}
        w.writerow(
            [_cell(cost.get(_CSV_COST[c]) if c in _CSV_COST else flat.get(c)) for c in CSV_COLUMNS]
        )
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        v = ";".join(str(x) for x in v)
    return safe_cell(v)  # numbers stay numbers; text that could be a formula gets a '


def list_artefacts(
    settings: Settings, start: datetime | None = None, end: datetime | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:  # fmt: skip
    """Collector artefacts recorded by the last detection, newest first ([] before any)."""
    path = dataset_path(settings, ARTEFACTS)
    if not path.is_file():
        return []
    where, params = ["TRUE"], []
    if start:
        where.append('coalesce("end", "start") > ?')
        params.append(start)
    if end:
        where.append('"start" < ?')
        params.append(end)
    sql = (f"SELECT * FROM read_parquet({_literal(path)}) WHERE {' AND '.join(where)} "
           'ORDER BY "start" DESC, artefact_id LIMIT ?')  # fmt: skip
    return _rows(sql, [*params, limit])
