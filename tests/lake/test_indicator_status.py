"""The indicators step holds every compute to the status rules (nethealth.common.status)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from nethealth.errors import BuildError
from nethealth.indicators.step import checked


def _result(values: list[float | None], statuses: list[str]) -> pa.Table:
    n = len(values)
    return pa.table({
        "country": ["NL"] * n, "date": pa.array([date(2024, 1, 1)] * n, pa.date32()),
        "value": pa.array(values, pa.float64()), "simulated": [False] * n,
        "status": statuses, "reason": ["r"] * n,
    })  # fmt: skip


def test_a_value_is_null_unless_measured_and_zero_is_stated() -> None:
    value, status = checked("x", _result(
        [5.0, 0.0, 7.0, None, float("nan"), 3.0],
        ["measured", "measured", "not comparable", "measured", "measured", "zero measured"]))  # fmt: skip
    assert value.to_pylist() == [5.0, 0.0, None, None, None, 3.0]
    assert status.to_pylist() == ["measured", "zero measured", "not comparable", "not measured",
                                  "not measured", "measured"]  # fmt: skip


def test_an_unknown_status_is_a_build_error() -> None:
    with pytest.raises(BuildError, match="unknown status 'missing'"):
        checked("x", _result([1.0], ["missing"]))
