"""Content negotiation (JSON by default; CSV by `?format=csv` or `Accept: text/csv`) and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from nethealth.common.csv_cells import safe_cell

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"


# The `format` query parameter of the routes that answer JSON or CSV.
Format = Annotated[
    OutputFormat | None,
    Query(description="json (default) or csv; `Accept: text/csv` also selects CSV"),
]


def wants_csv(request: Request, fmt: OutputFormat | None) -> bool:
    """An explicit `format` wins; otherwise CSV only when the client prefers it over JSON."""
    if fmt is not None:
        return fmt is OutputFormat.csv
    accept = request.headers.get("accept", "").lower()
    if "text/csv" not in accept:
        return False
    ranked = [part.split(";")[0].strip() for part in accept.split(",")]
    csv_at = ranked.index("text/csv") if "text/csv" in ranked else len(ranked)
    json_at = ranked.index("application/json") if "application/json" in ranked else len(ranked)
    return csv_at < json_at


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)  # numbers stay numbers; text that could be a formula gets a '


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    """A complete CSV document with a download filename (RFC 4180 line endings)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(
        content=buf.getvalue(),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"},
    )
