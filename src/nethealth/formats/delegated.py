"""RIR delegated(-extended) statistics, the NRO format shared by all five RIRs.

Lines: `version|registry|serial|records|startdate|enddate|UTCoffset` (header),
`registry|*|type|*|count|summary` (summaries) and
`registry|cc|type|start|value|date|status[|opaque-id[|extensions…]]` (records).
For ipv4 `value` counts addresses; for ipv6 it is a prefix length; for asn a count of ASNs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from nethealth.errors import InputError

TYPES = ("asn", "ipv4", "ipv6")
STATUSES = ("allocated", "assigned", "available", "reserved")


@dataclass(frozen=True)
class DelegatedHeader:
    version: str
    registry: str
    serial: str
    records: int
    start: str
    end: str
    utc_offset: str


@dataclass(frozen=True)
class Delegation:
    registry: str
    cc: str | None
    type: str
    start: str
    value: int
    date: date | None
    status: str
    opaque_id: str | None


@dataclass
class DelegatedFile:
    header: DelegatedHeader
    summaries: dict[str, int]
    records: list[Delegation]

    def present(self) -> dict[str, int]:
        """Records present per type."""
        out: dict[str, int] = {}
        for r in self.records:
            out[r.type] = out.get(r.type, 0) + 1
        return out

    def incomplete(self) -> str | None:
        """Why the file does not hold what its header and summaries announce (a truncated
        download, a cut copy), or None when it does. Counts from such a file would be too low."""
        present = self.present()
        total = sum(present.values())
        name = self.header.registry
        # Fewer records than announced is a cut file. More is not a loss (AFRINIC's header has
        # been seen counting fewer records than its file holds), so it is not refused.
        if self.header.records > total:
            return (
                f"the {name} file is incomplete: its header announces {self.header.records:,} "
                f"records, {total:,} are present"
            )
        for kind, announced in sorted(self.summaries.items()):
            if announced > present.get(kind, 0):
                return (
                    f"the {name} file is incomplete: its summary announces {announced:,} {kind} "
                    f"records, {present.get(kind, 0):,} are present"
                )
        return None


def _parse_date(text: str, path: str, line: int) -> date | None:
    if text in ("", "00000000"):
        return None
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise InputError(
            f"bad date {text!r} (expected YYYYMMDD)", path=path, line=line, field="date"
        ) from None


def _parse_record(parts: list[str], path: str, line: int) -> Delegation:
    if len(parts) < 7:
        raise InputError(
            f"expected at least 7 '|'-separated fields, found {len(parts)}",
            path=path,
            line=line,
            hint="the file may be truncated or not a delegated-extended file",
        )
    registry, cc, kind, start, value_s, date_s, status = (p.strip() for p in parts[:7])
    if kind not in TYPES:
        raise InputError(f"unknown resource type {kind!r}", path=path, line=line, field="type")
    status = status.lower()
    if status not in STATUSES:
        raise InputError(f"unknown status {status!r}", path=path, line=line, field="status")
    try:
        value = int(value_s)
    except ValueError:
        raise InputError(
            f"value {value_s!r} is not a number", path=path, line=line, field="value"
        ) from None
    _check_start(kind, start, value, path, line)
    cc_norm = cc.upper() if cc and cc not in ("*", "ZZ") else None
    opaque = parts[7].strip() if len(parts) > 7 and parts[7].strip() else None
    return Delegation(
        registry, cc_norm, kind, start, value, _parse_date(date_s, path, line), status, opaque
    )


def _check_start(kind: str, start: str, value: int, path: str, line: int) -> None:
    try:
        if kind == "asn":
            ok = 0 <= int(start) < 2**32 and 0 < value <= 2**32
        elif kind == "ipv4":
            ipaddress.IPv4Address(start)
            ok = 0 < value <= 2**32
        else:
            ipaddress.IPv6Address(start)
            ok = 0 <= value <= 128
    except ValueError:
        ok = False
    if not ok:
        raise InputError(
            f"invalid {kind} resource start={start!r} value={value}",
            path=path,
            line=line,
            field="start",
        )


def parse_delegated(lines: Iterable[str], path: str) -> DelegatedFile:
    """Parse a whole file strictly; the first bad line raises InputError naming file and line."""
    header: DelegatedHeader | None = None
    summaries: dict[str, int] = {}
    records: list[Delegation] = []
    for lineno, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split("|")
        if header is None:
            header = _parse_header(parts, path, lineno)
            continue
        if len(parts) >= 6 and parts[-1].strip() == "summary":
            summaries[parts[2].strip()] = _int_field(parts[4], path, lineno, "count")
            continue
        records.append(_parse_record(parts, path, lineno))
    if header is None:
        raise InputError("no header line found", path=path, hint="is this a delegated stats file?")
    return DelegatedFile(header, summaries, records)


def _int_field(text: str, path: str, line: int, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(
            f"{field} {text!r} is not a number", path=path, line=line, field=field
        ) from None


def _parse_header(parts: list[str], path: str, line: int) -> DelegatedHeader:
    if len(parts) < 7 or not parts[0][:1].isdigit():
        raise InputError(
            "first line is not a version header `version|registry|serial|records|start|end|UTCoffset`",
            path=path,
            line=line,
        )
    return DelegatedHeader(
        parts[0],
        parts[1],
        parts[2],
        _int_field(parts[3], path, line, "records"),
        parts[4],
        parts[5],
        parts[6],
    )
