"""The tracker's records through the cost model (nethealth.economics.cost_model): what each
record's distinct event tells the model about it, and the estimates of many records.

The model reads a record's fields (dates, count year, status, countries, scope, what was cut);
what only the grouping into distinct events knows — that the event is listed again the next
year, or that its status is unknown since a year — is given as a `RecordContext`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from nethealth.common.json_types import Json
from nethealth.economics.cost_model import CostEstimate, CostParameters, RecordContext, estimate
from nethealth.economics.wdi import WdiPanel
from nethealth.shutdowns.events import Clock, EventIndex


def record_contexts(index: EventIndex, clock: Clock) -> dict[str, RecordContext]:
    """Per record: its distinct event, whether the event is listed the next year, and (for the
    latest record) the year since which the event's status is unknown."""
    out: dict[str, RecordContext] = {}
    for event in index.events:
        status = event.status(clock)
        years = {y for r in event.records if isinstance(y := r.fields.get("year"), int)}
        for rec in event.records:
            year = rec.fields.get("year")
            out[rec.event_id] = RecordContext(
                distinct_event_id=event.event_id,
                continues=isinstance(year, int) and year + 1 in years,
                unknown_since=status.since if status.stale and rec is event.latest else None,
            )
    return out


def estimate_all(
    records: Iterable[Mapping[str, Json]],
    panel: WdiPanel,
    params: CostParameters | None = None,
    *,
    as_of: date | None = None,
    contexts: Mapping[str, RecordContext] | None = None,
) -> list[CostEstimate]:
    ctx = contexts or {}
    return [
        estimate(r, panel, params, as_of=as_of, context=ctx.get(str(r.get("event_id"))))
        for r in records
    ]
