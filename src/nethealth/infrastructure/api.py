"""`/api/v1/ixps`: the IXP tracker over HTTP (JSON, or CSV with `format=csv`).

    GET /api/v1/ixps?country=KE&active=true&date=2025-06-01&format=csv
    GET /api/v1/ixps/{ix_id}?date=2025-06-01

One PeeringDB snapshot per answer: the latest on or before `date` (default the latest stored),
named in `snapshot`. Null values are not measured; each group of values carries its status and
reason (docs/methodology/ixps.md). Routes raise the typed errors of `nethealth.errors`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from nethealth.common.dates import parse_date
from nethealth.infrastructure import query
from nethealth.infrastructure.query import FIELDS, HistoryPoint, Ixp, Member
from nethealth.ui.context import get_context
from nethealth.ui.formats import OutputFormat, csv_response, wants_csv
from nethealth.ui.models import ErrorBody
from nethealth.ui.params import DATE

router = APIRouter(prefix="/api/v1/ixps", tags=["IXPs"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameter (country, date, active, id)"},
    404: {"model": ErrorBody, "description": "No such IXP, or no snapshot on or before the date"},
    503: {"model": ErrorBody, "description": "The IXP tracker has not been built"},
}
DateParam = Annotated[
    str | None,
    DATE,
    Query(alias="date", description="The latest PeeringDB snapshot on or before this day"),
]


class IxpList(BaseModel):
    snapshot: date = Field(description="The PeeringDB snapshot every row comes from")
    count: int = Field(description="IXPs listed (after the filters)")
    ixps: list[Ixp]


class IxpDetail(BaseModel):
    ixp: Ixp
    members: list[Member] = Field(description="Empty when members are not measured")
    history: list[HistoryPoint] = Field(description="Member counts in every stored snapshot")


def _csv_cell(value: object) -> object:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value


@router.get(
    "",
    response_model=IxpList,
    responses={**RESPONSES, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    summary="IXPs of one PeeringDB snapshot, with members, activity and growth",
)
def list_ixps(
    request: Request,
    country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2 code")] = None,
    active: Annotated[
        str | None, Query(description="true: ≥ 3 members; false: fewer (unmeasured left out)")
    ] = None,
    day: DateParam = None,
    fmt: Annotated[OutputFormat | None, Query(alias="format", description="json or csv")] = None,
) -> Any:
    lake = get_context(request).lake
    snap, rows = query.ixps(lake, parse_date(day, "date"), query.check_country(country),
                            query.check_active(active))  # fmt: skip
    if wants_csv(request, fmt):
        return csv_response(f"ixps-{snap}.csv", FIELDS,
                            ([_csv_cell(v) for v in r.model_dump().values()] for r in rows))  # fmt: skip
    return IxpList(snapshot=snap, count=len(rows), ixps=rows)


@router.get(
    "/{ix_id}",
    response_model=IxpDetail,
    responses=RESPONSES,
    summary="One IXP: its values, members (with AS names where loaded) and member history",
)
def get_ixp(request: Request, ix_id: int, day: DateParam = None) -> IxpDetail:
    lake = get_context(request).lake
    ix = query.ixp(lake, ix_id, parse_date(day, "date"))
    return IxpDetail(ixp=ix, members=query.members(lake, ix), history=query.history(lake, ix_id))
