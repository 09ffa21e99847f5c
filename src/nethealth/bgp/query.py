"""The bgp area's read model: AS hegemony and country transit dependency from the datasets of
the step `bgp_hegemony` (`nethealth.bgp.hegemony_step`), as the API (`bgp.api`) answers them.

Every answer comes from one RIB date: the latest, or with `day` the latest on or before it (the
as-of rule); it names that date, the address family and, for a country, the ip-location-db
snapshot that located its addresses. A scope or country without scores says why (no data is
never a zero). The datasets are the lake's Parquet files, read with DuckDB, every value bound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from fastapi import Request

from nethealth.bgp import hegemony as heg
from nethealth.bgp.hegemony_step import AS_HEGEMONY, COUNTRY_DEPENDENCY, DAYS
from nethealth.common.status import Status
from nethealth.errors import DatasetNotBuiltError, InputError, NotFoundError
from nethealth.ui.context import get_context

Row = dict[str, Any]
MAX_ASN = 2**32 - 1
BUILD_HINT = "run `nethealth build` (the bgp_hegemony step writes it from stored RIB dumps)"
METHOD = "docs/methodology/hegemony.md"
NO_SCORE = (
    "no transit AS scored: fewer than {min} peer ASes see the scope, or its paths cross no "
    "AS other than the peer's and the origin"
)


@dataclass(frozen=True)
class BgpLake:
    """The directory of the lake's datasets."""

    root: Path

    def path(self, dataset: str) -> Path:
        return self.root / f"{dataset}.parquet"

    def rows(self, dataset: str, sql: str, params: list[Any]) -> list[Row]:
        """Rows of `sql` where `{t}` is the dataset; a dataset not built is a 503."""
        if not self.path(dataset).is_file():
            raise DatasetNotBuiltError(f"dataset {dataset} has not been built", hint=BUILD_HINT)
        con = duckdb.connect()
        try:
            rel = con.sql(sql.replace("{t}", "read_parquet(?)"),
                          params=[str(self.path(dataset)), *params])  # fmt: skip
            rows: list[Row] = rel.to_arrow_table().to_pylist()
            return rows
        finally:
            con.close()


def bgp_lake(request: Request) -> BgpLake:
    """FastAPI dependency: the served lake's directory."""
    return BgpLake(get_context(request).settings.lake_dir)


def check_af(af: int) -> int:
    if af not in (4, 6):
        raise InputError(f"address family {af} is not 4 or 6", field="af", hint="give 4 or 6")
    return af


def check_scope(scope: str | None) -> int:
    """`global` (or nothing, or 0) is the global graph; else an origin AS number (AS prefix
    allowed)."""
    if scope is None or scope.strip().lower() in ("", "global", "0"):
        return heg.GLOBAL
    text = scope.strip().upper().removeprefix("AS")
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ASN:
        raise InputError(f"scope {scope[:20]!r} is neither `global` nor an AS number",
                         field="scope", hint="e.g. scope=global or scope=AS3333")  # fmt: skip
    return int(text)


def check_country(cc: str) -> str:
    code = cc.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise InputError(f"not an ISO 3166 alpha-2 code: {cc[:10]!r}", field="cc", hint="e.g. NL")
    return code


def rib_day(lake: BgpLake, af: int, day: date | None) -> Row:
    """The `bgp_hegemony_days` row of the RIB date used: the latest (on or before `day`)."""
    rows = lake.rows(DAYS, "SELECT * FROM {t} WHERE af = ? AND (CAST(? AS DATE) IS NULL OR "
                     "date <= ?) ORDER BY date DESC LIMIT 1", [af, day, day])  # fmt: skip
    if not rows:
        when = f"on or before {day}" if day else "at all"
        raise NotFoundError(f"no IPv{af} hegemony computed {when}",
                            hint="give a later date, or load RIB dumps and build")  # fmt: skip
    return rows[0]


def _about(found: Row) -> Row:
    return {
        "date": found["date"], "af": found["af"], "collectors": found["collectors"].split(","),
        "peer_ases": found["peer_ases"], "peer_sessions": found["peer_sessions"],
        "routes": found["routes"], "skipped_routes": json.loads(found["skipped"]),
        "simulated": found["simulated"], "method": METHOD,
    }  # fmt: skip


def hegemony(
    lake: BgpLake, scope: int = heg.GLOBAL, day: date | None = None, af: int = 4,
    limit: int | None = None,
) -> Row:  # fmt: skip
    """The scope's transit ASes by hegemony (highest first) on one RIB date."""
    found = rib_day(lake, check_af(af), day)
    rows = lake.rows(
        AS_HEGEMONY,
        "SELECT asn, hegemony, peers FROM {t} WHERE date = ? AND af = ? AND scope = ? "
        "ORDER BY hegemony DESC, asn LIMIT ?",
        [found["date"], af, scope, limit if limit is not None else MAX_ASN],
    )
    body = {
        **_about(found), "scope": "global" if scope == heg.GLOBAL else scope,
        "peers": rows[0]["peers"] if rows else None,
        "reason": None if rows else NO_SCORE.format(min=heg.MIN_PEERS),
        "hegemony": [{"asn": r["asn"], "hegemony": r["hegemony"]} for r in rows],
    }  # fmt: skip
    if scope != heg.GLOBAL and limit is None:  # an origin's dependency, as a country's
        body.update(_diversity([r["hegemony"] for r in rows]))
    return body


def _diversity(scores: list[float]) -> Row:
    """Upstream and route diversity of a scope's scores (null without scores)."""
    return {
        "upstream_diversity": {
            "threshold": heg.UPSTREAM_THRESHOLD,
            "count": heg.upstream_diversity(scores) if scores else None,
        },
        "route_diversity": {
            "hhi": heg.route_diversity(scores), "scale": "0-10000", "floor": heg.HHI_FLOOR,
            "ases": sum(1 for h in scores if h > heg.HHI_FLOOR) if scores else None,
        },
    }  # fmt: skip


def country_dependency(lake: BgpLake, cc: str, day: date | None = None, af: int = 4) -> Row:
    """A country's transit dependency on one RIB date: the hegemony of the transit ASes over
    the paths towards its address space, with upstream and route diversity."""
    code = check_country(cc)
    found = rib_day(lake, check_af(af), day)
    rows = lake.rows(
        COUNTRY_DEPENDENCY,
        "SELECT asn, hegemony, peers, geo_snapshot FROM {t} WHERE date = ? AND af = ? AND cc = ? "
        "ORDER BY hegemony DESC, asn",
        [found["date"], af, code],
    )
    scores = [r["hegemony"] for r in rows]
    status, reason = found["country_status"], found["country_reason"]
    if status == Status.MEASURED.value and not rows:
        status = Status.NOT_MEASURED.value
        reason = (f"no routed IPv{af} address space located in {code} by ip-location-db "
                  f"{found['geo_snapshot']}, or " + NO_SCORE.format(min=heg.MIN_PEERS))  # fmt: skip
    return {
        **_about(found), "cc": code, "status": status, "reason": reason,
        "geo_snapshot": found["geo_snapshot"], "peers": rows[0]["peers"] if rows else None,
        "dependencies": [{"asn": r["asn"], "hegemony": r["hegemony"]} for r in rows],
        **_diversity(scores),
        "inputs": {
            "hegemony": f"/api/v1/hegemony?date={found['date']}&af={af}",
            "ribs": found["collectors"].split(","),
            "geolocation": f"ip-location-db {found['geo_snapshot']}" if found["geo_snapshot"] else None,
        },
    }  # fmt: skip
