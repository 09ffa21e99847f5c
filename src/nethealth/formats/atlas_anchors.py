"""RIPE Atlas anchors as the API lists them (`GET /api/v2/anchors/`): one page
`{"count": N, "next": URL|null, "results": [...]}` or a bare JSON list of anchor records.

Kept per anchor: id, probe, fqdn, the ASNs of its IPv4 and IPv6 addresses (`as_v4`, `as_v6`),
city, country (ISO alpha-2, upper case) and `is_disabled`. A page says how many anchors exist in
all (`count`): a file holding fewer is one page of several, and the list is then incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from nethealth.errors import InputError

SCHEMA = pa.schema([
    ("id", pa.int64()), ("probe", pa.int64()), ("fqdn", pa.string()), ("as_v4", pa.int64()),
    ("as_v6", pa.int64()), ("city", pa.string()), ("country", pa.string()),
    ("is_disabled", pa.bool_()),
])  # fmt: skip


@dataclass(frozen=True)
class AnchorPage:
    table: pa.Table
    declared: int | None  # the API's `count` of all anchors (None: a bare list says nothing)
    newest_live: datetime | None  # the newest `date_live`: the list is at least this recent


def _int(rec: dict[str, Any], name: str, path: Path | str, where: str, *, required: bool) -> Any:
    value = rec.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(f"expected a whole number, found {value!r}", path=path, record=where,
                         field=name, hint="is this a RIPE Atlas anchors list?")  # fmt: skip
    return value


def _text(rec: dict[str, Any], name: str, path: Path | str, where: str) -> str | None:
    value = rec.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"expected text, found {value!r}", path=path, record=where, field=name)
    return value


def _live(rec: dict[str, Any]) -> datetime | None:
    text = rec.get("date_live")
    if not isinstance(text, str):
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def parse_anchors(doc: Any, path: Path | str) -> AnchorPage:
    """One anchors document → its typed table, the declared total and the newest `date_live`."""
    declared = None
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        records = doc["results"]
        count = doc.get("count")
        declared = count if isinstance(count, int) and not isinstance(count, bool) else None
    elif isinstance(doc, list):
        records = doc
    else:
        raise InputError('expected an API page {"count", "results": [...]} or a list of anchors',
                         path=path, hint="download https://atlas.ripe.net/api/v2/anchors/")  # fmt: skip
    cols: dict[str, list[Any]] = {f.name: [] for f in SCHEMA}
    newest: datetime | None = None
    for i, rec in enumerate(records):
        where = f"results[{i}]"
        if not isinstance(rec, dict):
            raise InputError("an anchor is not a JSON object", path=path, record=where)
        cols["id"].append(_int(rec, "id", path, where, required=True))
        cols["probe"].append(_int(rec, "probe", path, where, required=False))
        cols["fqdn"].append(_text(rec, "fqdn", path, where))
        cols["as_v4"].append(_int(rec, "as_v4", path, where, required=False))
        cols["as_v6"].append(_int(rec, "as_v6", path, where, required=False))
        cols["city"].append(_text(rec, "city", path, where))
        cc = _text(rec, "country", path, where)
        cols["country"].append(cc.strip().upper() if cc else None)
        disabled = rec.get("is_disabled")
        cols["is_disabled"].append(disabled if isinstance(disabled, bool) else None)
        live = _live(rec)
        if live is not None and (newest is None or live > newest):
            newest = live
    table = pa.table({f.name: pa.array(cols[f.name], f.type) for f in SCHEMA})
    return AnchorPage(table, declared, newest)
