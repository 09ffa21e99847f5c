"""`/api/v1/routing`: per-ASN and per-country ROV figures and incidents, JSON or CSV.

Reads the `routing_*` Parquet datasets of a directory: `app.state.routing_dir` when set, else
the lake directory of `app.state.nethealth.settings`. Errors use the project's one body
`{"error": {status, code, message, hint}}` with the real HTTP status.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated, Any

import duckdb
import pycountry
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from nethealth.common.csv_cells import safe_cell
from nethealth.common.dates import parse_datetime, parse_month
from nethealth.errors import DatasetNotBuiltError, InputError, NotFoundError
from nethealth.ui.models import ERROR_RESPONSES
from nethealth.ui.params import DATE_TIME, MONTH

# Every route answers CSV as well with `format=csv`.
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}
router = APIRouter(
    prefix="/api/v1/routing", tags=["routing"], responses={**ERROR_RESPONSES, **_CSV}
)
MAX_LIMIT = 1000
MAX_RANGE_DAYS = 366
ASN_COUNTRY = "routing_asn_country"  # nethealth.routing.step.ASN_COUNTRY (not imported: heavy)


def _dir(request: Request) -> Path:
    d = getattr(request.app.state, "routing_dir", None)
    if d is None:
        d = request.app.state.nethealth.settings.lake_dir
    return Path(d)


def _query(request: Request, dataset: str, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    path = _dir(request) / f"{dataset}.parquet"
    if not path.is_file():
        raise DatasetNotBuiltError(
            f"dataset {dataset} has not been built",
            hint="run `nethealth build` (or `nethealth routing coverage` / `incidents`)",
        )
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        rel = con.sql(sql.replace("{t}", "read_parquet(?)"), params=[str(path), *params])
        rows: list[dict[str, Any]] = rel.to_arrow_table().to_pylist()
        return rows
    finally:
        con.close()


def _respond(
    rows: list[dict[str, Any]] | dict[str, Any], fmt: str, flat: list[dict[str, Any]]
) -> Response:
    if fmt == "csv":
        buf = io.StringIO()
        if flat:
            w = csv.DictWriter(buf, fieldnames=list(flat[0]))
            w.writeheader()
            # numbers stay numbers; text that could be a formula gets a ' (common.csv_cells)
            w.writerows({k: safe_cell("|".join(map(str, v)) if isinstance(v, list) else v)
                         for k, v in r.items()} for r in flat)  # fmt: skip
        return Response(buf.getvalue(), media_type="text/csv")
    return JSONResponse(_jsonable(rows))


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    if hasattr(x, "isoformat"):
        return x.isoformat()
    if isinstance(x, float) and x != x:
        return None
    return x


def _fmt(fmt: str) -> str:
    if fmt not in ("json", "csv"):
        raise InputError(f"unknown format {fmt!r}", hint="use json or csv")
    return fmt


@router.get("/asns/{asn}")
def asn_view(request: Request, asn: int, format: str = "json") -> Response:
    """Scorecard figures (ROV per family), prefixes with their ROV state, and incidents."""
    fmt = _fmt(format)
    if not 0 <= asn < 2**32:
        raise InputError(f"AS number out of range: {asn}")
    rov = _query(
        request,
        "routing_rov_asn",
        "SELECT * FROM {t} WHERE asn = ? ORDER BY snapshot, af",
        [asn],
    )
    prefixes = _query(request, "routing_route_states",
                      "SELECT snapshot, prefix, state, reason, peers FROM {t} WHERE origin_asn = ? "
                      "ORDER BY prefix LIMIT ?", [asn, MAX_LIMIT])  # fmt: skip
    if not rov and not prefixes:
        raise NotFoundError(f"AS{asn} originates no route in the data")
    incidents: list[dict[str, Any]] = []
    if (_dir(request) / "routing_incidents.parquet").is_file():
        incidents = _query(request, "routing_incidents",
                           "SELECT * FROM {t} WHERE culprit_asn = ? OR list_contains(victim_asns, ?) "
                           "ORDER BY start LIMIT ?", [asn, asn, MAX_LIMIT])  # fmt: skip
    return _respond({"asn": asn, "rov": rov, "prefixes": prefixes, "incidents": incidents},
                    fmt, prefixes)  # fmt: skip


@router.get("/countries/{cc}")
def country_view(request: Request, cc: str, format: str = "json") -> Response:
    fmt = _fmt(format)
    if len(cc) != 2 or not cc.isalpha():
        raise InputError(f"not an ISO 3166 alpha-2 code: {cc!r}")
    rows = _query(request, "routing_rov_country", "SELECT * FROM {t} WHERE cc = ? ORDER BY snapshot, af",
                  [cc.upper()])  # fmt: skip
    if not rows:
        raise NotFoundError(f"no routing figures for {cc.upper()}")
    return _respond({"cc": cc.upper(), "rov": rows}, fmt, rows)


@router.get("/incidents")
def incident_list(
    request: Request,
    type: str | None = None,
    asn: int | None = None,
    country: Annotated[
        str | None,
        Query(
            description="ISO 3166-1 alpha-2: incidents whose origin, culprit or a victim AS is "
            "registered in this country (the RIR delegations' ASN→country map)"
        ),
    ] = None,
    from_: Annotated[
        str | None,
        DATE_TIME,
        Query(
            alias="from",
            description="Incidents still running at or after this: YYYY-MM-DD (00:00 UTC) or "
            "ISO 8601 (no offset = UTC), 1970..2100",
        ),
    ] = None,
    to: Annotated[
        str | None,
        DATE_TIME,
        Query(description="Incidents starting at or before this (same forms as `from`)"),
    ] = None,
    limit: int = 100,
    format: str = "json",
) -> Response:
    fmt = _fmt(format)
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be 1..{MAX_LIMIT}", field="limit")
    _asn(asn)
    t0, t1 = parse_datetime(from_, "from"), parse_datetime(to, "to")
    if t0 and t1 and ((t1 - t0).days > MAX_RANGE_DAYS or t1 < t0):
        raise InputError(f"range must be 0..{MAX_RANGE_DAYS} days")
    asns = _country_asns(request, country) if country is not None else None
    rows = _query(request, "routing_incidents",
                  "SELECT * FROM {t} WHERE (? IS NULL OR type = ?) AND (? IS NULL OR culprit_asn = ? "
                  "OR list_contains(victim_asns, ?)) AND (? IS NULL OR coalesce(\"end\", start) >= ?) "
                  "AND (? IS NULL OR start <= ?) AND (CAST(? AS UINTEGER[]) IS NULL OR "
                  "list_has_any(list_concat([origin_asn, culprit_asn], victim_asns), ?)) "
                  "ORDER BY start LIMIT ?",
                  [type, type, asn, asn, asn, t0, t0, t1, t1, asns, asns, limit])  # fmt: skip
    return _respond({"incidents": rows}, fmt, rows)


def _asn(asn: int | None) -> None:
    if asn is not None and not 0 <= asn < 2**32:
        raise InputError(
            f"AS number out of range: {asn}", field="asn", hint="AS numbers are 0..4294967295"
        )


def _country_asns(request: Request, country: str) -> list[int]:
    """The ASNs registered in a country, from the same map the country page reads."""
    cc = country.strip().upper()
    if len(cc) != 2 or not cc.isalpha():
        raise InputError(
            f"not an ISO 3166 alpha-2 code: {country!r}", field="country", hint="e.g. country=NL"
        )
    if not (_dir(request) / f"{ASN_COUNTRY}.parquet").is_file():
        raise DatasetNotBuiltError(
            f"dataset {ASN_COUNTRY} has not been built",
            hint="run `nethealth build` (the routing step writes the ASN→country map), or filter "
            "by asn",
        )
    rows = _query(request, ASN_COUNTRY, "SELECT DISTINCT asn FROM {t} WHERE cc = ? ORDER BY asn",
                  [cc])  # fmt: skip
    if not rows and pycountry.countries.get(alpha_2=cc) is None:
        raise InputError(
            f"unknown country code {cc!r}",
            field="country",
            hint="use an ISO 3166-1 alpha-2 code, e.g. NL",
        )
    return [int(r["asn"]) for r in rows]


@router.get("/incidents/{incident_id}")
def incident_view(request: Request, incident_id: str, format: str = "json") -> Response:
    fmt = _fmt(format)
    rows = _query(request, "routing_incidents", "SELECT * FROM {t} WHERE id = ?", [incident_id])
    if not rows:
        raise NotFoundError(f"no incident {incident_id!r}")
    return _respond(rows[0], fmt, rows)


def _month(month: str | None) -> str | None:
    """`YYYY-MM` in 1970..2100 (nethealth.common.dates), or None."""
    return parse_month(month, "month")


@router.get("/asns/{asn}/scorecard")
def asn_scorecard(
    request: Request,
    asn: int,
    month: Annotated[str, MONTH, Query(description="YYYY-MM, 1970..2100")],
    format: str = "json",
) -> Response:
    """MANRS-style readiness per action for one AS and month: the row of the built
    `routing_scorecards` dataset (`"source": "dataset"`); only when the directory has no such
    dataset (files written by the CLI) is it computed from the routing datasets
    (`"source": "computed"`)."""
    from nethealth.routing import scorecard

    fmt = _fmt(format)
    if not 0 <= asn < 2**32:
        raise InputError(f"AS number out of range: {asn}", field="asn")
    wanted = _month(month)
    if wanted is None:
        raise InputError("month is required", field="month", hint="e.g. month=2025-06")
    month = wanted
    if (_dir(request) / f"{scorecard.SCORECARDS}.parquet").is_file():
        rows = _query(request, scorecard.SCORECARDS,
                      "SELECT * FROM {t} WHERE asn = ? AND month = ?", [asn, month])  # fmt: skip
        if not rows:
            raise NotFoundError(
                f"AS{asn} has no scorecard for {month}",
                hint="the AS originates no route in that month's RIB snapshot, or the month has "
                "none",
            )
        card = {**rows[0], "source": "dataset"}
        return _respond(card, fmt, [card])
    try:
        inputs, _cc = scorecard.load_inputs(_dir(request), month, asn)
    except InputError as exc:  # the CLI's files lack what this month needs
        raise NotFoundError(exc.message, hint=exc.hint) from None
    found = scorecard.scorecards(inputs, month).to_pylist()
    if not found:
        raise NotFoundError(f"AS{asn} originates no route in {month}")
    card = {**found[0], "method_version": scorecard.METHOD_VERSION, "source": "computed"}
    return _respond(card, fmt, [card])


@router.get("/countries/{cc}/scorecard")
def country_scorecard(
    request: Request,
    cc: str,
    month: Annotated[str | None, MONTH, Query(description="YYYY-MM (default: latest)")] = None,
    format: str = "json",
) -> Response:
    """Country roll-up of the MANRS-style scorecards (`routing_scorecard_countries`): per
    action the ASes scored, their median readiness and the share at >= 90 %. Without `month`,
    the latest month."""
    from nethealth.routing import scorecard

    fmt = _fmt(format)
    if len(cc) != 2 or not cc.isalpha():
        raise InputError(f"not an ISO 3166 alpha-2 code: {cc!r}")
    code = cc.upper()
    wanted = _month(month)
    rows = _query(request, scorecard.COUNTRY_ROLLUPS,
                  "SELECT * FROM {t} WHERE cc = ? AND (? IS NULL OR month = ?) "
                  "QUALIFY month = max(month) OVER () ORDER BY action",
                  [code, wanted, wanted])  # fmt: skip
    if not rows:
        raise NotFoundError(
            f"no scorecard roll-up for {code}" + (f" in {wanted}" if wanted else ""),
            hint="no AS registered there originates a route in that month",
        )
    body = {"cc": code, "month": rows[0]["month"],
            "method_version": rows[0]["method_version"],
            "simulated": bool(rows[0]["simulated"]),
            "actions": [{k: r[k] for k in ("action", "ases", "median", "share_ready")}
                        for r in rows]}  # fmt: skip
    return _respond(body, fmt, rows)
