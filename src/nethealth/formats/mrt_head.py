"""The first MRT record header of a file (RFC 6396 §2): what kind of dump it is and when it starts.

An MRT record starts with `timestamp (4) | type (2) | subtype (2) | length (4)`, big-endian. The
first record of a RIB dump is a TABLE_DUMP entry or the TABLE_DUMP_V2 PEER_INDEX_TABLE, stamped
with the dump's time; the first record of an update dump is its first BGP message or state change.
So the header alone tells a file's kind and start, whatever the file is called. Decoding the
records themselves is `nethealth.formats.mrt`'s job.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from nethealth.errors import InputError
from nethealth.formats.compression import open_binary

HEADER = struct.Struct(">IHHI")
RIB_TYPES = {12: "TABLE_DUMP", 13: "TABLE_DUMP_V2"}
UPDATE_TYPES = {5: "BGP", 16: "BGP4MP", 17: "BGP4MP_ET"}
# Earliest plausible record: the first public MRT archives (RouteViews, 1997).
EARLIEST = int(datetime(1995, 1, 1, tzinfo=UTC).timestamp())
MAX_LENGTH = 1 << 24  # no real record is near 16 MiB; a larger length means this is not MRT

Kind = Literal["rib", "updates"]


@dataclass(frozen=True)
class MrtHead:
    time: int  # epoch seconds, UTC
    type: int
    subtype: int
    length: int

    @property
    def kind(self) -> Kind:
        return "rib" if self.type in RIB_TYPES else "updates"

    @property
    def type_name(self) -> str:
        return RIB_TYPES.get(self.type) or UPDATE_TYPES.get(self.type) or str(self.type)

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self.time, UTC)


def parse_head(data: bytes, path: Path | str) -> MrtHead:
    """The header of the first record in `data` (the decompressed start of a file)."""
    if len(data) < HEADER.size:
        raise InputError(
            f"{len(data)} bytes: too short for an MRT record header (12 bytes)",
            path=path,
            record="#1",
            hint="is this an MRT (RIB or updates) dump? it may be truncated",
        )
    time, kind, subtype, length = HEADER.unpack_from(data)
    if kind not in RIB_TYPES and kind not in UPDATE_TYPES:
        raise InputError(
            f"MRT type {kind} is neither a RIB dump (TABLE_DUMP 12, TABLE_DUMP_V2 13) nor BGP "
            "updates (BGP 5, BGP4MP 16, BGP4MP_ET 17)",
            path=path,
            record="#1",
            field="type",
            hint="give a RIS bview/updates or RouteViews rib/updates file (gz, bz2, xz or plain)",
        )
    if length > MAX_LENGTH:
        raise InputError(
            f"record length {length} is implausible for MRT", path=path, record="#1",
            field="length", hint="the file is not MRT or is damaged",
        )  # fmt: skip
    now = int(datetime.now(UTC).timestamp())
    if not EARLIEST <= time <= now + 86_400:
        raise InputError(
            f"timestamp {time} ({datetime.fromtimestamp(time, UTC):%Y-%m-%d}) is outside "
            "1995 .. today",
            path=path,
            record="#1",
            field="timestamp",
            hint="the file is not MRT or is damaged",
        )
    return MrtHead(time, kind, subtype, length)


def read_head(path: Path) -> MrtHead:
    """The first record header of an MRT file, compressed (gz, bz2, xz) or not."""
    try:
        with open_binary(path) as fh:
            data = fh.read(HEADER.size)
    except (OSError, EOFError, ValueError) as exc:  # lzma/bz2/gzip raise these on damage
        raise InputError(
            f"cannot read: {exc}", path=path, hint="the file is damaged or truncated"
        ) from None
    return parse_head(data, path)
