"""Indicator definitions: typed, versioned, each with the text a reader needs to judge a number
(method, unit, sources, licence) and the function that computes it from the lake. Method versions
change whenever results could.

Areas declare their indicators as data (`Area.indicators`); the closed list of every indicator is
`nethealth.areas.all_indicators()`. Nothing registers itself at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from nethealth.common.status import Judgement, Status
from nethealth.errors import NotFoundError

# The function gets a DuckDB connection on which every input dataset is a view, and returns a
# table (country VARCHAR, date DATE, value DOUBLE, simulated BOOLEAN, status VARCHAR,
# reason VARCHAR): status from nethealth.common.status, value null unless measured, reason the
# inputs' dates (or why there is no value). `with_status` adds the last two from per-date
# judgements of the inputs.
Compute = Callable[[duckdb.DuckDBPyConnection], pa.Table]


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    unit: str
    area: str
    method: str
    version: str
    sources: tuple[str, ...]
    datasets: tuple[str, ...]
    compute: Compute
    higher_is: str = "neutral"  # "better", "worse" or "neutral": only for colouring and wording
    caveats: str = ""


def with_status(table: pa.Table, judgements: Mapping[Any, Judgement]) -> pa.Table:
    """Add status and reason to (country, date, value, simulated) rows from the judgement of
    each date's inputs: a date whose inputs are not ok gets null values; an ok date keeps its
    numbers (0 is `zero measured`). A date without a judgement is `not measured`."""
    values, statuses, reasons = [], [], []
    missing = Judgement(Status.NOT_MEASURED, "no input judged for this date")
    for day, value in zip(table["date"].to_pylist(), table["value"].to_pylist(), strict=True):
        v, st, why = judgements.get(day, missing).value(value)
        values.append(v)
        statuses.append(st.value)
        reasons.append(why)
    return pa.table({
        "country": table["country"], "date": table["date"],
        "value": pa.array(values, pa.float64()), "simulated": table["simulated"],
        "status": pa.array(statuses, pa.string()), "reason": pa.array(reasons, pa.string()),
    })  # fmt: skip


def find(indicators: Sequence[Indicator], indicator_id: str) -> Indicator:
    """The indicator with this id among `indicators`, or a NotFoundError naming the known ones."""
    for ind in indicators:
        if ind.id == indicator_id:
            return ind
    known = ", ".join(sorted(i.id for i in indicators))
    raise NotFoundError(f"unknown indicator {indicator_id!r}", hint=f"known indicators: {known}")
