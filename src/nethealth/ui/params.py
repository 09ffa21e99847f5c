"""OpenAPI declarations of the date and time parameters.

The values are parsed by `nethealth.common.dates` (one range, one time-zone rule); routes take
them as text so that parser, not the framework, decides and names the parameter in the 400.
These annotations only give the schema its `format`.
"""

from __future__ import annotations

from pydantic import WithJsonSchema

# Use as `Annotated[str | None, DATE, Query(...)]`.
DATE = WithJsonSchema({"type": "string", "format": "date"})
DATE_TIME = WithJsonSchema({"type": "string", "format": "date-time"})
MONTH = WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}$"})
YEAR = WithJsonSchema({"type": "string", "pattern": r"^\d{4}$"})
