"""JSON value types shared by the layers that read and write JSON records (the shutdown
tracker's log and records, the cost model's inputs)."""

from __future__ import annotations

from typing import Any

Json = Any  # a JSON value: str, int, float, bool, None, list (or dict); checked where it is read
