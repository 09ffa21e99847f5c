"""Validated ROA Payloads (VRPs) as exported by RPKI relying-party software.

Supported (auto-detected from the content):
- rpki-client JSON (`rpki-client -j`, also served as `vrps.json` by rpki-client consoles):
  `{"metadata": {"buildtime": ...}, "roas": [{"asn": 13335, "prefix", "maxLength", "ta"}],
  "bgpsec_keys": [...], "aspas" | "provider_authorizations": ...}`;
- routinator `json` / `jsonext` (`"asn": "AS13335"`, `metadata.generatedTime`; jsonext names the
  trust anchor in `source[].tal`) and the same shape from other publishers (`metadata.generated`
  as Unix time);
- CSV with a header: routinator `csv` / `csvcompat` (`ASN,IP Prefix,Max Length,Trust Anchor`),
  `csvext` (`URI,ASN,IP Prefix,Max Length,Not Before,Not After`), rpki-client's csv (`…,Expires`).

Parsing is strict: a bad record raises InputError naming the file, the line (CSV) or record
(JSON), the field and what to do. Prefixes with host bits are refused, as validators refuse them.
A trust anchor written `N/A` (routinator's word for a local exception) is stored as null.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.common.prefixes import (
    PrefixSyntaxError,
    format_prefixes,
    parse_prefixes,
    range_columns,
)
from nethealth.errors import InputError
from nethealth.formats.compression import open_binary

VRP_SCHEMA = pa.schema(
    [
        ("af", pa.int8()),
        ("prefix", pa.string()),
        ("prefix_length", pa.uint8()),
        ("max_length", pa.uint8()),
        ("asn", pa.uint32()),
        ("ta", pa.string()),
        ("start", pa.uint64()),
        ("end", pa.uint64()),
        ("start_lo", pa.uint64()),
        ("end_lo", pa.uint64()),
    ]
)
ROUTER_KEY_SCHEMA = pa.schema(
    [
        ("asn", pa.uint32()),
        ("ski", pa.string()),
        ("router_public_key", pa.string()),
        ("ta", pa.string()),
    ]
)
FORMATS = ("auto", "json", "csv")
ASN_MAX = 2**32 - 1
_ASN_TEXT = r"^(?:[Aa][Ss])?(0|[1-9][0-9]{0,9})$"
_NUMBER_TEXT = r"^(0|[1-9][0-9]{0,2})$"
_NO_TA = "N/A"
CSV_REQUIRED = {"asn": "ASN", "ip prefix": "IP Prefix", "max length": "Max Length"}

# Where a record sits, as InputError keyword arguments: {"line": 7} or {"record": "roas[3]"}.
Locate = Callable[[int], dict[str, Any]]


@dataclass(frozen=True)
class VrpDocument:
    """One parsed export: VRPs and router keys, and what the document says about itself."""

    vrps: pa.Table  # VRP_SCHEMA
    router_keys: pa.Table  # ROUTER_KEY_SCHEMA
    format: str  # rpki-client-json, routinator-json, routinator-jsonext, json, csv, csvext
    generated: datetime | None  # when the validator produced it, if the document says
    aspas: int = 0  # ASPA objects present (not loaded: nethealth does not use them yet)


def read_vrps(path: Path, fmt: str = "auto") -> VrpDocument:
    """Read a VRP export from disk (plain, gzip, bzip2 or xz)."""
    try:
        with open_binary(path) as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise InputError(
            f"cannot read: {exc}", path=path, hint="the file is damaged or truncated; fetch again"
        ) from None
    return parse_vrps(data, path, fmt)


def parse_vrps(data: bytes, path: Path | str, fmt: str = "auto") -> VrpDocument:
    """Parse a VRP export; `fmt` is auto, json or csv."""
    if fmt not in FORMATS:
        raise InputError(f"unknown VRP format {fmt!r}", hint=f"choose among {', '.join(FORMATS)}")
    text = _decode(data, path)
    if fmt == "auto":
        fmt = "json" if text.lstrip()[:1] in ("{", "[") else "csv"
    return parse_vrp_json(text, path) if fmt == "json" else parse_vrp_csv(text, path)


def _decode(data: bytes, path: Path | str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text at byte {exc.start}",
            path=path,
            hint="is this a VRP export? compressed files are opened by read_vrps",
        ) from None


# --- JSON -------------------------------------------------------------------------------------


def parse_vrp_json(text: str, path: Path | str) -> VrpDocument:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}",
            path=path,
            line=exc.lineno,
            hint="the download may be truncated; fetch it again",
        ) from None
    if not isinstance(doc, dict):
        raise InputError("the document is not a JSON object", path=path, hint="expected {roas: …}")
    meta = doc.get("metadata") or {}
    if not isinstance(meta, dict):
        raise InputError("metadata is not an object", path=path, field="metadata")
    roas = _list_member(doc, "roas", path)
    for i, roa in enumerate(roas):
        if not isinstance(roa, dict):
            raise InputError("a ROA entry is not an object", path=path, record=f"roas[{i}]")
    ext = any(
        isinstance(r, dict) and "source" in r
        for name in ("roas", "routerKeys", "aspas")
        for r in _list_member(doc, name, path)
    )
    fmt = (
        "rpki-client-json"
        if "buildtime" in meta
        else ("routinator-jsonext" if ext else "routinator-json")
        if "generatedTime" in meta
        else "json"
    )

    def locate(i: int) -> dict[str, Any]:
        return {"record": f"roas[{i}]"}

    prefixes = [_required(r, "prefix", path, locate(i)) for i, r in enumerate(roas)]
    asns = [_required(r, "asn", path, locate(i)) for i, r in enumerate(roas)]
    max_lengths = [r.get("maxLength") for r in roas]
    tas = [_json_ta(r) for r in roas]
    vrps = vrp_table(prefixes, max_lengths, asns, tas, path=path, locate=locate)
    keys = _router_keys(doc, path)
    aspa_list = doc.get("aspas", doc.get("provider_authorizations"))
    return VrpDocument(vrps, keys, fmt, _generated(meta, path), _count_aspas(aspa_list))


def _list_member(doc: dict[str, Any], name: str, path: Path | str) -> list[Any]:
    value = doc.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{name} is not a list", path=path, field=name)
    return value


def _required(rec: dict[str, Any], key: str, path: Path | str, where: dict[str, Any]) -> Any:
    if key not in rec or rec[key] is None:
        raise InputError(
            f"the {key!r} member is missing",
            path=path,
            field=key,
            hint="is this a VRP export?",
            **where,
        )
    return rec[key]


def _json_ta(roa: dict[str, Any]) -> str | None:
    ta = roa.get("ta")
    if ta is None:
        for src in roa.get("source") or ():  # routinator jsonext
            if isinstance(src, dict) and isinstance(src.get("tal"), str):
                ta = src["tal"]
                break
    if ta is None or ta == _NO_TA:
        return None
    return str(ta)


def _generated(meta: dict[str, Any], path: Path | str) -> datetime | None:
    for key in ("buildtime", "generatedTime"):
        value = meta.get(key)
        if isinstance(value, str):
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise InputError(
                    f"{value!r} is not an ISO 8601 time", path=path, field=f"metadata.{key}"
                ) from None
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    value = meta.get("generated")
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def _count_aspas(value: object) -> int:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):  # rpki-client's older {"ipv4": [...], "ipv6": [...]}
        return sum(len(v) for v in value.values() if isinstance(v, list))
    return 0


def _router_keys(doc: dict[str, Any], path: Path | str) -> pa.Table:
    name = "routerKeys" if "routerKeys" in doc else "bgpsec_keys"
    recs = _list_member(doc, name, path)
    asns: list[int] = []
    skis: list[str] = []
    pubkeys: list[str] = []
    tas: list[str | None] = []
    for i, rec in enumerate(recs):
        where: dict[str, Any] = {"record": f"{name}[{i}]"}
        if not isinstance(rec, dict):
            raise InputError("a router key entry is not an object", path=path, **where)
        asns.append(_asn_value(_required(rec, "asn", path, where), path, where))
        ski = str(_required(rec, "SKI" if "SKI" in rec else "ski", path, where))
        if len(ski) != 40 or any(c not in "0123456789abcdefABCDEF" for c in ski):
            raise InputError(
                "the SKI is not 40 hexadecimal digits", path=path, field="SKI", **where
            )
        skis.append(ski.lower())
        pubkeys.append(
            str(
                _required(rec, "routerPublicKey" if name == "routerKeys" else "pubkey", path, where)
            )
        )
        tas.append(_json_ta(rec))
    return pa.table(
        [pa.array(asns, pa.uint32()), skis, pubkeys, pa.array(tas, pa.string())],
        schema=ROUTER_KEY_SCHEMA,
    )


def _asn_value(value: object, path: Path | str, where: dict[str, Any]) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= ASN_MAX:
        return value
    if isinstance(value, str):
        body = value[2:] if value[:2].upper() == "AS" else value
        if body.isdigit() and (body == "0" or not body.startswith("0")) and int(body) <= ASN_MAX:
            return int(body)
    raise InputError(
        f"{value!r} is not an AS number",
        path=path,
        field="asn",
        hint="write 64500 or AS64500 (0 … 4294967295)",
        **where,
    )


# --- CSV --------------------------------------------------------------------------------------


def parse_vrp_csv(text: str, path: Path | str) -> VrpDocument:
    rows = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    lines: list[int] = []
    records: list[list[str]] = []
    for lineno, row in enumerate(rows, start=1):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if header is None:
            header = [h.strip().lower() for h in row]
            missing = [label for key, label in CSV_REQUIRED.items() if key not in header]
            if missing:
                raise InputError(
                    f"the header lacks {', '.join(missing)}",
                    path=path,
                    line=lineno,
                    hint="expected a routinator or rpki-client CSV export "
                    "(ASN,IP Prefix,Max Length,…)",
                )
            continue
        if len(row) != len(header):
            raise InputError(
                f"expected {len(header)} fields, found {len(row)}",
                path=path,
                line=lineno,
                hint="the file is truncated or not a VRP CSV export",
            )
        lines.append(lineno)
        records.append(row)
    if header is None:
        raise InputError("the file is empty", path=path, hint="expected a VRP CSV header line")
    col = {name: i for i, name in enumerate(header)}

    def locate(i: int) -> dict[str, Any]:
        return {"line": lines[i]}

    def column(name: str) -> list[str]:
        j = col[name]
        return [r[j].strip() for r in records]

    tas: list[str | None] = (
        [None if t in ("", _NO_TA) else t for t in column("trust anchor")]
        if "trust anchor" in col
        else [None] * len(records)
    )
    vrps = vrp_table(
        column("ip prefix"), column("max length"), column("asn"), tas, path=path, locate=locate
    )
    fmt = "csvext" if "uri" in col else "csv"
    return VrpDocument(vrps, ROUTER_KEY_SCHEMA.empty_table(), fmt, None)


# --- The table --------------------------------------------------------------------------------


def vrp_table(
    prefixes: Sequence[object] | pa.Array,
    max_lengths: Sequence[object],
    asns: Sequence[object],
    tas: Sequence[str | None],
    *,
    path: Path | str,
    locate: Locate | None = None,
    mask_host_bits: bool = False,
) -> pa.Table:
    """Check and convert VRP columns into a VRP_SCHEMA table.

    `max_lengths` may hold None (the ROA default: the prefix length). `mask_host_bits` accepts
    prefixes with host bits by clearing them, as RTR caches do (RFC 8210 clients such as rtrlib).
    """
    where = locate or (lambda i: {"record": str(i)})
    texts = (
        prefixes
        if isinstance(prefixes, pa.Array)
        else _string_array(prefixes, "prefix", path, where)
    )
    try:
        parsed = parse_prefixes(texts)
    except PrefixSyntaxError as exc:
        raise InputError(
            f"{exc.text!r} is not a prefix: {exc.reason}",
            path=path,
            field="prefix",
            hint="write address/length, e.g. 192.0.2.0/24 or 2001:db8::/32",
            **where(exc.index),
        ) from None
    if not mask_host_bits and parsed.host_bits.any():
        i = int(np.flatnonzero(parsed.host_bits)[0])
        raise InputError(
            f"{texts[i].as_py()!r} has bits set beyond its length",
            path=path,
            field="prefix",
            hint="a validator never exports such a VRP: the file is damaged or hand-edited",
            **where(i),
        )
    length = parsed.length
    max_len = _max_lengths(max_lengths, length, parsed.af, path, where)
    asn = _asn_array(asns, path, where)
    text = _canonical_text(texts, parsed.af, parsed.hi, parsed.lo, length, parsed.host_bits)
    ranges = range_columns(parsed.af, parsed.hi, parsed.lo, length)
    return pa.table(
        {
            "af": pa.array(parsed.af.astype(np.int8)),
            "prefix": text,
            "prefix_length": pa.array(length),
            "max_length": pa.array(max_len),
            "asn": pa.array(asn),
            "ta": pa.array(list(tas), pa.string()),
            **{k: pa.array(v) for k, v in ranges.items()},
        },
        schema=VRP_SCHEMA,
    )


def _string_array(
    values: Sequence[object], field: str, path: Path | str, where: Locate
) -> pa.Array:
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise InputError(f"{v!r} is not a string", path=path, field=field, **where(i))
    return pa.array(values, pa.string())


def _canonical_text(
    texts: pa.Array,
    af: np.ndarray,
    hi: np.ndarray,
    lo: np.ndarray,
    length: np.ndarray,
    host: np.ndarray,
) -> pa.Array:
    # Strictly parsed IPv4 text without host bits is already canonical; IPv6 text may differ in
    # case and zero compression, so only those (and masked ones) are re-rendered.
    redo = np.flatnonzero((af == 6) | host)
    if not redo.size:
        return texts.cast(pa.string())
    out: list[str | None] = texts.to_pylist()
    new = format_prefixes(af[redo], hi[redo], lo[redo], length[redo])
    for i, t in zip(redo.tolist(), new, strict=True):
        out[i] = t
    return pa.array(out, pa.string())


def _max_lengths(
    values: Sequence[object], length: np.ndarray, af: np.ndarray, path: Path | str, where: Locate
) -> np.ndarray:
    n = len(length)
    out = length.astype(np.int64)
    given = [i for i, v in enumerate(values) if v is not None]
    if given:
        vals = [values[i] for i in given]
        arr = (
            pa.array(vals)
            if all(isinstance(v, int) and not isinstance(v, bool) for v in vals)
            else None
        )
        if arr is None:
            strs = [v if isinstance(v, str) else "" for v in vals]
            sarr = pa.array(strs, pa.string())
            ok = pc.match_substring_regex(sarr, _NUMBER_TEXT).to_numpy(zero_copy_only=False)
            if not ok.all():
                j = int(np.flatnonzero(~ok)[0])
                raise InputError(
                    f"{vals[j]!r} is not a number",
                    path=path,
                    field="maxLength",
                    hint="maxLength is a prefix length such as 24",
                    **where(given[j]),
                )
            arr = pc.cast(sarr, pa.int64())
        out[np.array(given, dtype=np.int64)] = arr.to_numpy()
    width = np.where(af == 6, 128, 32)
    bad = (out < length) | (out > width)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"maxLength {int(out[i])} is outside /{int(length[i])} … /{int(width[i])}",
            path=path,
            field="maxLength",
            hint="maxLength must be at least the prefix length and at most 32 (IPv4) / 128 (IPv6)",
            **where(i),
        )
    return out.astype(np.uint8) if n else np.zeros(0, np.uint8)


def _asn_array(values: Sequence[object], path: Path | str, where: Locate) -> np.ndarray:
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        arr = np.array(values, dtype=np.int64) if len(values) else np.zeros(0, np.int64)
        bad = (arr < 0) | (arr > ASN_MAX)
    elif all(isinstance(v, str) for v in values):
        sarr = pa.array(values, pa.string())
        ok = pc.match_substring_regex(sarr, _ASN_TEXT).to_numpy(zero_copy_only=False)
        arr = np.zeros(len(values), np.int64)
        if ok.all():
            digits = pc.replace_substring_regex(sarr, r"^[Aa][Ss]", "")
            arr = pc.cast(digits, pa.int64()).to_numpy()
        bad = ~ok | (arr > ASN_MAX)
    else:
        for i, v in enumerate(values):
            _asn_value(v, path, where(i))
        return np.array([_asn_value(v, path, {}) for v in values], dtype=np.uint32)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _asn_value(values[i], path, where(i))  # raises with the record's location
    return arr.astype(np.uint32)
