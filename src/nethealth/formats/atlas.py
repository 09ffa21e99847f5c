"""RIPE Atlas measurement results (ping and traceroute) and probe archives, every firmware.

Results come one JSON document per line (the daily dumps and the API's `format=txt`) or as
one JSON array (the API's default). Firmware differences handled here, as documented by RIPE
Atlas and implemented by its own parser (ripe.atlas.sagan, used only as a test oracle):

* firmware 0 (results converted from the pre-2012 system): numbers written as strings;
* firmware < 4460: destination in `addr` / `name`, address family in `pf`;
* `avg` (`min`, `max`) of -1 means no reply; packets are `{"rtt": …}`, `{"x": "*"}` (lost),
  `{"dup": 1, …}` (duplicate), `{"err": …}`; traceroute hops may carry `late` packets, which
  do not count, and an `error` instead of a result;
* a traceroute succeeded when its last hop answered; the destination answered when a last-hop
  reply came from the destination address.

`reached` is the one-bit answer the outage signal needs: a ping got at least one reply, or a
traceroute's destination answered.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from nethealth.errors import InputError
from nethealth.formats.compression import open_binary

TYPES = ("ping", "traceroute")
REQUIRED = ("timestamp", "msm_id", "prb_id", "fw", "type")
BATCH = 65536

RESULT_SCHEMA = pa.schema(
    [
        pa.field("type", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("msm_id", pa.int64(), nullable=False),
        pa.field("prb_id", pa.int64(), nullable=False),
        pa.field("fw", pa.int32(), nullable=False),
        pa.field("timestamp", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("af", pa.int8()),
        pa.field("dst_addr", pa.string()),
        pa.field("dst_name", pa.string()),
        pa.field("from_addr", pa.string()),
        pa.field("src_addr", pa.string()),
        pa.field("proto", pa.string()),
        pa.field("step", pa.int32()),
        pa.field("sent", pa.int32()),
        pa.field("rcvd", pa.int32()),
        pa.field("dup", pa.int32()),
        pa.field("rtt_min", pa.float64()),
        pa.field("rtt_avg", pa.float64()),
        pa.field("rtt_max", pa.float64()),
        pa.field("rtt_median", pa.float64()),
        pa.field("hops", pa.int32()),
        pa.field("dst_responded", pa.bool_()),
        pa.field("last_hop_responded", pa.bool_()),
        pa.field("success", pa.bool_()),
        pa.field("last_median_rtt", pa.float64()),
        pa.field("reached", pa.bool_(), nullable=False),
        pa.field("error", pa.string()),
    ],
    metadata={
        "nethealth.schema": "atlas.results/1",
        "from_addr": "the probe's public address as the Atlas back end saw it ('from')",
        "src_addr": "the address the probe sent from (often private, behind NAT)",
        "rtt_median": "median RTT of the non-duplicate replies (ping)",
        "reached": "ping: at least one reply; traceroute: the destination answered",
    },
)

PROBE_SCHEMA = pa.schema(
    [
        pa.field("prb_id", pa.int64(), nullable=False),
        pa.field("asn_v4", pa.uint32()),
        pa.field("asn_v6", pa.uint32()),
        pa.field("country", pa.string()),
        pa.field("address_v4", pa.string()),
        pa.field("address_v6", pa.string()),
        pa.field("prefix_v4", pa.string()),
        pa.field("is_anchor", pa.bool_()),
        pa.field("status", pa.string()),
    ]
)


@dataclass
class ParseReport:
    """What a read did: counts per kind, and what lenient mode skipped."""

    path: str
    lines: int = 0
    results: int = 0
    other_types: int = 0
    skipped: int = 0
    issues: list[tuple[int, str]] = field(default_factory=list)  # first 100 (line, reason)
    first_time: int | None = None  # earliest and latest result timestamp, every type
    last_time: int | None = None
    other_kinds: dict[str, int] = field(default_factory=dict)  # results of other types, by type

    def saw(self, ts: int) -> None:
        self.first_time = ts if self.first_time is None else min(self.first_time, ts)
        self.last_time = ts if self.last_time is None else max(self.last_time, ts)

    def skip(self, line: int, reason: str) -> None:
        self.skipped += 1
        if len(self.issues) < 100:
            self.issues.append((line, reason))


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _int(v: Any) -> int | None:
    """Like the Atlas tools: int of a number or numeric text, else None."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    try:
        return int(float(v)) if isinstance(v, str) and "." in v else int(v)
    except (TypeError, ValueError, OverflowError):
        return None


def _float(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _str(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = len(s)
    return s[k // 2] if k % 2 else (s[k // 2 - 1] + s[k // 2]) / 2.0


def _required(doc: dict[str, Any]) -> tuple[str, int, int, int, int]:
    for key in REQUIRED:
        if key not in doc:
            raise _Bad(key, f"missing {key!r}: not a RIPE Atlas result")
    kind = doc["type"]
    if not isinstance(kind, str):
        raise _Bad("type", f"type {kind!r} is not text")
    values = []
    for key in ("timestamp", "msm_id", "prb_id", "fw"):
        v = _int(doc[key])
        if v is None or v < 0:
            raise _Bad(key, f"{key} {doc[key]!r} is not a non-negative integer")
        values.append(v)
    ts, msm, prb, fw = values
    return kind.lower(), ts, msm, prb, fw


def _common(doc: dict[str, Any], kind: str, fw: int) -> dict[str, Any]:
    old = 0 < fw < 4460
    af = _int(doc.get("pf") if old else doc.get("af"))
    dst = _str(doc.get("addr") if old else doc.get("dst_addr"))
    name = _str(doc.get("name") if old else doc.get("dst_name"))
    if af is None and dst:
        af = 6 if ":" in dst else 4
    error = doc.get("err", doc.get("dnserr"))
    return {
        "af": af if af in (4, 6) else None,
        "dst_addr": dst,
        "dst_name": name,
        "from_addr": _str(doc.get("from")),
        "src_addr": _str(doc.get("src_addr")),
        "proto": _str(doc.get("proto")),
        "step": _int(doc.get("step")),
        "error": None if error is None else _str(error),
    }


def _ping(doc: dict[str, Any]) -> dict[str, Any]:
    avg = _float(doc.get("avg"))
    lo, hi = _float(doc.get("min")), _float(doc.get("max"))
    if avg is None or avg < 0:
        avg = lo = hi = None
    else:
        avg = round(avg, 3)  # RTTs have microsecond resolution; so has their mean
    rtts: list[float] = []
    packets = doc.get("result")
    if isinstance(packets, list):
        for p in packets:
            if isinstance(p, dict) and "rtt" in p and "dup" not in p:
                r = _float(p["rtt"])
                if r is None:
                    raise _Bad("result.rtt", f"RTT {p['rtt']!r} is not a number")
                rtts.append(round(r, 3))
    rcvd = _int(doc.get("rcvd"))
    return {
        "sent": _int(doc.get("sent")),
        "rcvd": rcvd,
        "dup": _int(doc.get("dup")),
        "rtt_min": lo,
        "rtt_avg": avg,
        "rtt_max": hi,
        "rtt_median": _median(rtts),
        "reached": bool(rcvd and rcvd > 0),
    }


def _hop_packets(hop: Any) -> list[dict[str, Any]]:
    if not isinstance(hop, dict) or not isinstance(hop.get("result"), list):
        return []
    return [p for p in hop["result"] if isinstance(p, dict) and "late" not in p]


def _traceroute(doc: dict[str, Any], dst: str | None) -> dict[str, Any]:
    hops = doc.get("result")
    out: dict[str, Any] = {"hops": 0, "dst_responded": False, "last_hop_responded": False,
                           "success": False, "last_median_rtt": None}  # fmt: skip
    if not isinstance(hops, list):
        out["reached"] = False
        return out
    out["hops"] = len(hops)
    if hops:
        last = _hop_packets(hops[-1])
        out["dst_responded"] = bool(dst) and any(p.get("from") == dst for p in last)
        out["last_hop_responded"] = any(_float(p.get("rtt")) for p in last)
        out["success"] = any(_float(p.get("rtt")) and not p.get("err") for p in last)
    for hop in reversed(hops):
        rtts = [r for p in _hop_packets(hop) if (r := _float(p.get("rtt")))]
        med = _median([round(r, 3) for r in rtts])
        if med:
            out["last_median_rtt"] = med
            break
    out["reached"] = out["dst_responded"]
    return out


def parse_result(doc: Any) -> dict[str, Any] | None:
    """One result as a row of RESULT_SCHEMA; None for other measurement types.

    Raises _Bad (turned into InputError by the readers) when the document is not a result.
    """
    if not isinstance(doc, dict):
        raise _Bad("(document)", "a result must be a JSON object")
    kind, ts, msm, prb, fw = _required(doc)
    if kind not in TYPES:
        return None
    common = _common(doc, kind, fw)
    row: dict[str, Any] = {"type": kind, "msm_id": msm, "prb_id": prb, "fw": fw,
                           "timestamp": ts, **common}  # fmt: skip
    row.update(_ping(doc) if kind == "ping" else _traceroute(doc, common["dst_addr"]))
    return row


def _documents(fh: IO[bytes], path: str) -> Iterator[tuple[int, bytes]]:
    """(line number, text) of each document: NDJSON lines, or the items of one JSON array."""
    peek = getattr(fh, "peek", None)
    head = peek(256).lstrip()[:1] if peek is not None else b""
    if head == b"[":
        try:
            items = json.loads(fh.read())
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON: {exc.msg}",
                path=path,
                line=exc.lineno,
                hint="give the API's JSON array or one result per line",
            ) from None
        for i, item in enumerate(items, start=1):
            yield i, json.dumps(item).encode()
        return
    for n, line in enumerate(fh, start=1):
        if line.strip():
            yield n, line


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)


def iter_results(
    source: Path | str | Iterable[bytes | str],
    *,
    path: str | None = None,
    strict: bool = True,
    report: ParseReport | None = None,
    batch: int = BATCH,
) -> Iterator[pa.Table]:
    """Tables of ping and traceroute results from a file (gz/bz2/xz or plain) or lines.

    Strict mode stops at the first bad document with an InputError naming the file, the line
    and the field; lenient mode skips it and counts it in `report`.
    """
    where = path or (str(source) if isinstance(source, (str, Path)) else "<lines>")
    rep = report if report is not None else ParseReport(where)
    rows: list[dict[str, Any]] = []
    for n, raw in _lines(source, where):
        rep.lines += 1
        try:
            try:
                doc = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise _Bad("(line)", f"not valid JSON: {exc}") from None
            row = parse_result(doc)
        except _Bad as bad:
            if strict:
                raise InputError(
                    bad.message,
                    path=where,
                    line=n,
                    field=bad.field,
                    hint="the file is damaged or not RIPE Atlas results; read it "
                    "leniently (--lenient) to skip and count such lines",
                ) from None
            rep.skip(n, f"{bad.field}: {bad.message}")
            continue
        if row is None:
            rep.other_types += 1
            kind = str(doc.get("type")).lower()
            rep.other_kinds[kind] = rep.other_kinds.get(kind, 0) + 1
            rep.saw(int(_int(doc["timestamp"]) or 0))
            continue
        rep.results += 1
        rep.saw(row["timestamp"])
        rows.append(row)
        if len(rows) >= batch:
            yield _table(rows)
            rows = []
    if rows:
        yield _table(rows)


def _lines(source: Path | str | Iterable[bytes | str], where: str) -> Iterator[tuple[int, Any]]:
    if isinstance(source, (str, Path)):
        try:
            with open_binary(Path(source)) as fh:
                yield from _documents(fh, where)
        except (OSError, EOFError) as exc:
            raise InputError(
                f"cannot read: {exc}",
                path=where,
                hint="the file is damaged or truncated; fetch it again",
            ) from None
        return
    for n, line in enumerate(source, start=1):
        if line.strip() if isinstance(line, (bytes, str)) else line:
            yield n, line


def read_results(
    source: Path | str | Iterable[bytes | str], *, path: str | None = None, strict: bool = True
) -> tuple[pa.Table, ParseReport]:
    """All ping and traceroute results of one source as one table, with the read report."""
    where = path or (str(source) if isinstance(source, (str, Path)) else "<lines>")
    report = ParseReport(where)
    tables = list(iter_results(source, path=where, strict=strict, report=report))
    table = pa.concat_tables(tables) if tables else RESULT_SCHEMA.empty_table()
    return table, report


def read_probes(path: Path) -> pa.Table:
    """A probe archive (`{"objects": [...]}` or a plain list) as PROBE_SCHEMA rows."""
    return parse_probes(load_document(path), path)


def load_document(path: Path) -> Any:
    """One whole JSON document (a probe archive or an API listing), compressed or not."""
    try:
        with open_binary(path) as fh:
            return json.loads(fh.read())
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read: {exc}", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None


def parse_probes(doc: Any, path: Path | str) -> pa.Table:
    """The probes of a parsed probe archive as PROBE_SCHEMA rows."""
    objects = doc.get("objects", doc.get("results")) if isinstance(doc, dict) else doc
    if not isinstance(objects, list):
        raise InputError(
            "no list of probes",
            path=path,
            field="objects",
            hint="give a RIPE Atlas probe archive (probes/archive/YYYY/MM/*.json)",
        )
    rows = []
    for i, o in enumerate(objects):
        pid = _int(o.get("id")) if isinstance(o, dict) else None
        if pid is None:
            raise InputError("probe without an id", path=path, record=f"#{i}", field="id")
        asn4, asn6 = _int(o.get("asn_v4")), _int(o.get("asn_v6"))
        rows.append({
            "prb_id": pid,
            "asn_v4": asn4 if asn4 is not None and 0 <= asn4 < 2**32 else None,
            "asn_v6": asn6 if asn6 is not None and 0 <= asn6 < 2**32 else None,
            "country": (_str(o.get("country_code")) or "").upper() or None,
            "address_v4": _str(o.get("address_v4")),
            "address_v6": _str(o.get("address_v6")),
            "prefix_v4": _str(o.get("prefix_v4")),
            "is_anchor": bool(o.get("is_anchor")),
            "status": _str(o.get("status_name") or o.get("status")),
        })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=PROBE_SCHEMA)


PROBE_KEYS = ("asn_v4", "asn_v6", "address_v4", "country_code")


def probe_objects(doc: Any) -> list[Any] | None:
    """The probe list of a probe archive document, or None when the document is not one (an
    anchor or measurement listing has other fields)."""
    objects = doc.get("objects", doc.get("results")) if isinstance(doc, dict) else doc
    if not isinstance(objects, list) or not objects:
        return None
    first = objects[0]
    if isinstance(first, dict) and "id" in first and sum(k in first for k in PROBE_KEYS) >= 2:
        return objects
    return None


def newest_probe_time(doc: Any) -> datetime | None:
    """The latest `last_connected` / `status_since` of the archive's probes: the archive was
    written at or after it."""
    newest = 0
    for o in probe_objects(doc) or ():
        for key in ("last_connected", "status_since"):
            v = _int(o.get(key)) if isinstance(o, dict) else None
            if v is not None and 0 < v < 2**33:
                newest = max(newest, v)
    return datetime.fromtimestamp(newest, UTC) if newest else None
