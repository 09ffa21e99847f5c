"""PeeringDB API JSON: one object type per document (`{"data": [...]}`) or a whole dump
(`{"ix": {"data": [...]}, "net": {...}, ...}` as in CAIDA's daily archive).

We keep a fixed, typed subset of columns per object so that dumps from 2010 to today load into
one schema: a column missing from an old dump is NULL; a required column missing is an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from nethealth.errors import InputError

# (column, arrow type, required)
Column = tuple[str, pa.DataType, bool]
S, N, F, B = pa.string(), pa.int64(), pa.float64(), pa.bool_()  # short names keep the table legible

SCHEMAS: dict[str, tuple[Column, ...]] = {
    "org": (("id", N, True), ("name", S, True), ("website", S, False), ("city", S, False),
            ("country", S, False), ("status", S, False)),
    "fac": (("id", N, True), ("org_id", N, False), ("name", S, True), ("city", S, False),
            ("country", S, False), ("latitude", F, False), ("longitude", F, False),
            ("status", S, False)),
    "ix": (("id", N, True), ("org_id", N, False), ("name", S, True), ("name_long", S, False),
           ("city", S, False), ("country", S, True), ("region_continent", S, False),
           ("media", S, False), ("proto_ipv6", B, False), ("website", S, False),
           ("tech_email", S, False), ("policy_email", S, False), ("net_count", N, False),
           ("created", S, False), ("updated", S, False), ("status", S, False)),
    "ixlan": (("id", N, True), ("ix_id", N, True), ("name", S, False), ("mtu", N, False),
              ("rs_asn", N, False), ("status", S, False)),
    "ixpfx": (("id", N, True), ("ixlan_id", N, True), ("protocol", S, True),
              ("prefix", S, True), ("in_dfz", B, False), ("status", S, False)),
    "net": (("id", N, True), ("org_id", N, False), ("asn", N, True), ("name", S, True),
            ("info_type", S, False), ("info_scope", S, False), ("info_prefixes4", N, False),
            ("info_prefixes6", N, False), ("policy_general", S, False),
            ("irr_as_set", S, False), ("website", S, False), ("looking_glass", S, False),
            ("status", S, False)),
    "netixlan": (("id", N, True), ("net_id", N, True), ("ix_id", N, False),
                 ("ixlan_id", N, True), ("asn", N, True), ("speed", N, False),
                 ("ipaddr4", S, False), ("ipaddr6", S, False), ("is_rs_peer", B, False),
                 ("operational", B, False), ("status", S, False)),
}  # fmt: skip
OBJECTS = tuple(SCHEMAS)


def load_json(data: bytes, path: Path | str) -> Any:
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg} (column {exc.colno})",
            path=path,
            line=exc.lineno,
            hint="the download is probably truncated; fetch it again",
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None


def parse_object_list(doc: Any, obj: str, path: Path | str) -> pa.Table:
    """One API document `{"data": [...]}` of object type `obj` → typed table."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise InputError(
            f'expected an object with a "data" list of {obj} records',
            path=path,
            hint="is this a PeeringDB API response?",
        )
    schema = SCHEMAS[obj]
    cols: dict[str, list[Any]] = {name: [] for name, _t, _r in schema}
    for index, rec in enumerate(doc["data"]):
        if not isinstance(rec, dict):
            raise InputError("record is not a JSON object", path=path, record=f"{obj}[{index}]")
        for name, typ, required in schema:
            cols[name].append(_value(rec, name, typ, required, path, f"{obj}[{index}]"))
    return pa.table({name: pa.array(cols[name], typ) for name, typ, _r in schema})


def parse_dump(doc: Any, path: Path | str) -> dict[str, pa.Table]:
    """A whole dump keyed by object type; object types absent from the dump are skipped."""
    if not isinstance(doc, dict):
        raise InputError("expected a JSON object keyed by PeeringDB object type", path=path)
    return {obj: parse_object_list(doc[obj], obj, path) for obj in OBJECTS if obj in doc}


def _value(rec: dict[str, Any], name: str, typ: pa.DataType, required: bool,
           path: Path | str, where: str) -> Any:  # fmt: skip
    value = rec.get(name)
    if value is None or (value == "" and typ != S):
        if required:
            raise InputError("required field is missing", path=path, record=where, field=name)
        return None
    ok = (
        (typ == S and isinstance(value, str))
        or (typ == N and isinstance(value, int) and not isinstance(value, bool))
        or (typ == F and isinstance(value, int | float) and not isinstance(value, bool))
        or (typ == B and isinstance(value, bool))
    )
    if not ok:
        raise InputError(
            f"expected {typ} but found {type(value).__name__} {value!r}",
            path=path,
            record=where,
            field=name,
        )
    return value
