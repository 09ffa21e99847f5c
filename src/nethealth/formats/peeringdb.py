"""PeeringDB API JSON: one object type per document (`{"data": [...]}`, as the API answers and as
its `<obj>-0.json` cache files hold it) or a whole dump (`{"ix": {"data": [...]}, "net": {...},
...}` as in CAIDA's daily archive).

We keep a fixed, typed subset of columns per object so that dumps from 2010 to today load into
one schema: a column missing from an old dump is NULL; a required column missing is an error.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
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
# Every object type the API serves; those without a schema above are kept raw, not parsed.
ALL_OBJECTS = (*OBJECTS, "campus", "carrier", "carrierfac", "ixfac", "netfac", "poc")
# Which object a record is, from the fields only it has (first match wins; order matters).
SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("carrierfac", ("carrier_id", "fac_id")), ("ixfac", ("ix_id", "fac_id")),
    ("netfac", ("net_id", "fac_id")), ("netixlan", ("net_id", "ixlan_id")),
    ("ixpfx", ("ixlan_id", "prefix")), ("ixlan", ("ix_id",)), ("poc", ("net_id", "role")),
    ("net", ("asn", "info_type")), ("ix", ("media",)), ("ix", ("proto_unicast",)),
    ("fac", ("clli",)), ("fac", ("npanxx",)), ("fac", ("rencode",)),
)  # fmt: skip
_NAME = re.compile(r"^(?:peeringdb[_-])?(?P<obj>[a-z]+?)(?:-\d+)?(?:\.json)?(?:\.(?:gz|bz2|xz))?$")


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


def object_of_name(name: str) -> str | None:
    """The object type a file name states (`ix.json`, `ixlan-0.json`, `netixlan.json.gz`)."""
    m = _NAME.match(name.lower())
    return m["obj"] if m and m["obj"] in ALL_OBJECTS else None


def object_of_record(rec: Any) -> str | None:
    """The object type of one record, from the fields only that type has (None: cannot tell)."""
    if not isinstance(rec, dict):
        return None
    for obj, keys in SIGNATURES:
        if all(k in rec for k in keys):
            return obj
    if "org_id" not in rec and "name" in rec and ("address1" in rec or "website" in rec):
        return "org"
    if "org_id" in rec and "org_name" in rec:
        return "campus" if "city" in rec else "carrier"
    return None


def object_of(doc: Any, name: str, path: Path | str) -> str:
    """The object type of an API document `{"data": [...]}`: from its records, checked against
    the file name when that names one; from the name alone when the list is empty."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise InputError(
            'expected an object with a "data" list of records',
            path=path,
            hint="give a PeeringDB API response (ix.json, ixlan-0.json, …) or a CAIDA dump",
        )
    named = object_of_name(name)
    found = {object_of_record(r) for r in doc["data"][:50]}
    if None in found or len(found) > 1:
        index = next(i for i, r in enumerate(doc["data"]) if object_of_record(r) is None) if (
            None in found) else 0  # fmt: skip
        raise InputError(
            "cannot tell which PeeringDB object the records are"
            if None in found
            else f"records of several object types ({', '.join(sorted(map(str, found)))})",
            path=path,
            record=f"data[{index}]",
            hint="give one API object type per file",
        )
    inferred = found.pop() if found else None
    if inferred is not None and named is not None and inferred != named:
        raise InputError(
            f"the file is named for {named} but holds {inferred} records",
            path=path,
            hint=f"rename it {inferred}.json, or check you gave the right file",
        )
    obj = inferred or named
    if obj is None:
        raise InputError(
            "an empty list, and the file name does not say which object it is",
            path=path,
            hint="name the file after its object, e.g. ix.json",
        )
    return obj


def is_dump(doc: Any) -> bool:
    """A CAIDA-style dump: an object keyed by object type, each `{"data": [...]}`."""
    return (
        isinstance(doc, dict)
        and "data" not in doc
        and any(isinstance(doc.get(o), dict) and "data" in doc[o] for o in ALL_OBJECTS)
    )


def generated_at(doc: Any) -> datetime | None:
    """When PeeringDB generated the document (`meta.generated`, epoch seconds), if it says.
    For a dump, the latest of its objects' times."""
    metas = [doc.get("meta")] if isinstance(doc, dict) and "data" in doc else [
        v.get("meta") for v in (doc.values() if isinstance(doc, dict) else ()) if isinstance(v, dict)
    ]  # fmt: skip
    times = []
    for meta in metas:
        value = meta.get("generated") if isinstance(meta, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 2**33:
            times.append(datetime.fromtimestamp(value, UTC))
    return max(times) if times else None


def newest_update(doc: Any) -> datetime | None:
    """The latest `updated` time of any record: the snapshot was taken at or after it."""
    lists = [doc.get("data")] if isinstance(doc, dict) and "data" in doc else [
        v.get("data") for v in (doc.values() if isinstance(doc, dict) else ()) if isinstance(v, dict)
    ]  # fmt: skip
    newest: datetime | None = None
    for records in lists:
        for rec in records if isinstance(records, list) else ():
            value = rec.get("updated") if isinstance(rec, dict) else None
            if not isinstance(value, str):
                continue
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            newest = when if newest is None or when > newest else newest
    return newest


def check_records(doc: Any, obj: str, path: Path | str) -> int:
    """An API document of an object type nethealth keeps but does not parse: every record an
    object with an integer id. Returns the number of records."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise InputError(f'expected an object with a "data" list of {obj} records', path=path)
    for index, rec in enumerate(doc["data"]):
        rid = rec.get("id") if isinstance(rec, dict) else None
        if not isinstance(rid, int) or isinstance(rid, bool):
            raise InputError("record without an integer id", path=path, record=f"{obj}[{index}]",
                             field="id")  # fmt: skip
    return len(doc["data"])
