"""Open plain, gzip, bzip2 or xz files by their magic bytes, not their names.

`DecompressedStream` reads a file's decompressed bytes chunk by chunk and keeps everything that
could be decompressed before damage: a truncated or corrupt stream ends the data there and is
described in `.damage` (kind, compressed and decompressed offsets) instead of raising and taking
the last chunk with it. Concatenated members / streams (multi-member gzip, pbzip2, multi-stream
xz) read as one file.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Literal, Protocol, cast

GZIP, BZIP2, XZ, PLAIN = "gzip", "bzip2", "xz", "plain"
CHUNK = 1 << 20  # decompressed bytes per read() at most
PIECE = 1 << 18  # compressed bytes handed to the decompressor at a time
_MAGIC = {GZIP: b"\x1f\x8b", BZIP2: b"BZh", XZ: b"\xfd7zXZ\x00"}

DamageKind = Literal["truncated", "corrupt", "trailing"]


def detect_bytes(head: bytes) -> str:
    """The compression of data starting with `head` (its first 6 bytes suffice)."""
    if head[:2] == _MAGIC[GZIP]:
        return GZIP
    # "BZh" + block size digit: two bytes alone would also match plain MRT of April 2005
    if head[:3] == _MAGIC[BZIP2] and len(head) >= 4 and 0x31 <= head[3] <= 0x39:
        return BZIP2
    if head[:6] == _MAGIC[XZ]:
        return XZ
    return PLAIN


def detect(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(6)
    return detect_bytes(head)


def open_binary(path: Path) -> IO[bytes]:
    kind = detect(path)
    if kind == GZIP:
        return cast(IO[bytes], gzip.open(path, "rb"))
    if kind == BZIP2:
        return bz2.open(path, "rb")
    if kind == XZ:
        return lzma.open(path, "rb")
    return open(path, "rb")


def read_bytes(path: Path) -> bytes:
    """The whole decompressed content; a truncated or corrupt archive raises OSError/EOFError."""
    with open_binary(path) as fh:
        return fh.read()


def open_text(path: Path) -> io.TextIOWrapper:
    return io.TextIOWrapper(open_binary(path), encoding="utf-8", errors="strict", newline="")


@dataclass(frozen=True)
class StreamDamage:
    """Where and how a compressed stream stopped being readable."""

    kind: DamageKind
    compression: str
    compressed_offset: int  # bytes of the compressed file read when the damage was met
    decompressed_offset: int  # decompressed bytes delivered before it (all kept)
    detail: str = ""  # the decompressor's own words, when it raised

    @property
    def message(self) -> str:
        c, d = self.compressed_offset, self.decompressed_offset
        if self.kind == "truncated":
            return (
                f"truncated {self.compression} stream after {c:,} bytes ({d:,} bytes decompressed)"
            )
        if self.kind == "corrupt":
            return (
                f"corrupt {self.compression} data detected at compressed byte {c:,} "
                f"({d:,} bytes decompressed before it, kept unverified): {self.detail}"
            )
        return (
            f"bytes after the end of the {self.compression} data at byte {c:,} are not "
            f"{self.compression} data ({d:,} bytes decompressed before them; the rest ignored)"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "compression": self.compression,
            "compressed_offset": self.compressed_offset,
            "decompressed_offset": self.decompressed_offset,
            "detail": self.detail,
            "message": self.message,
        }


class _Engine(Protocol):
    """The incremental decompressor interface of bz2/lzma/isal (`needs_input`, `eof`, …)."""

    @property
    def eof(self) -> bool: ...
    @property
    def needs_input(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _Zlib:
    """zlib's decompressobj behind the bz2/lzma interface (used when `isal` is absent)."""

    def __init__(self) -> None:
        self._d = zlib.decompressobj(wbits=31)
        self._tail = b""
        self._full = False  # the last call filled max_length: output may be pending

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def needs_input(self) -> bool:
        return not self._tail and not self._full

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        buf = self._tail + data if self._tail else data
        out = self._d.decompress(buf, max(max_length, 0))
        self._tail = self._d.unconsumed_tail
        self._full = max_length > 0 and len(out) >= max_length
        return out


def _gzip_engine(fast: bool) -> Callable[[], _Engine]:
    """ISA-L's inflate (the `isal` package) is about twice as fast as zlib's; same format and
    the same checks (header, CRC-32, length)."""
    if fast:
        try:
            from isal import igzip_lib
        except ImportError:
            pass
        else:
            return lambda: cast(_Engine, igzip_lib.IgzipDecompressor(flag=igzip_lib.DECOMP_GZIP))
    return _Zlib


def _errors() -> tuple[type[BaseException], ...]:
    """What the decompressors raise on damaged data (bz2: OSError, lzma: LZMAError, …)."""
    errs: list[type[BaseException]] = [OSError, EOFError, ValueError, zlib.error, lzma.LZMAError]
    try:
        from isal import igzip_lib
    except ImportError:
        pass
    else:  # its stub declares an instance, it is the class
        errs.append(cast(type[BaseException], igzip_lib.IsalError))
    return tuple(errs)


class DecompressedStream:
    """Decompressed bytes of a (possibly compressed) file, `read()` by chunk; b"" at the end.

    Never raises for damaged data: it ends the stream where the damage is and sets `damage`.
    A member that fails mid-way is decoded once more from its start, the piece that failed one
    byte at a time, so everything the decompressor can produce before the damage is delivered
    (when `raw` is seekable); a damaged gzip member is read again with zlib, which unlike ISA-L
    holds nothing back at the point where the data end or break."""

    def __init__(
        self,
        raw: BinaryIO,
        *,
        chunk: int = CHUNK,
        piece: int = PIECE,
        fast: bool = True,
    ) -> None:
        self._raw = raw
        self._chunk = chunk
        self._piece = piece
        self._input = raw.read(6)
        self._pos = len(self._input)  # compressed bytes read from `raw`
        self.kind = detect_bytes(self._input)
        self._new: Callable[[], _Engine] | None = {
            GZIP: _gzip_engine(fast),
            BZIP2: bz2.BZ2Decompressor,
            XZ: lambda: lzma.LZMADecompressor(format=lzma.FORMAT_XZ),
        }.get(self.kind)
        self._errs = _errors()
        self._dec: _Engine | None = None
        self._members = 0
        self._member_start = 0  # compressed offset of the current member
        self._member_base = 0  # decompressed bytes delivered before it
        self._last_piece = 0  # compressed offset of the last piece handed over
        self._skip = 0  # replay: output already delivered, to discard
        self._replaying = False
        self._fine_from = 0  # replay: from this compressed offset on, one byte at a time
        self._done = False
        self.decompressed = 0
        self.damage: StreamDamage | None = None

    @property
    def compressed_read(self) -> int:
        """Bytes of the compressed file read so far (its size once the stream is at its end)."""
        return self._pos

    def read(self) -> bytes:
        while not self._done:
            out = self._step()
            if out:
                self.decompressed += len(out)
                return out
        return b""

    def close(self) -> None:
        self._raw.close()

    # ---------------------------------------------------------------------------- internals

    def _take(self, n: int) -> bytes:
        if self._input:
            data, self._input = self._input[:n], self._input[n:]
            return data
        data = self._raw.read(n)
        self._pos += len(data)
        return data

    def _offset(self) -> int:
        """Compressed bytes handed to the decompressor so far."""
        return self._pos - len(self._input)

    def _step(self) -> bytes:
        if self._new is None:  # plain
            data = self._take(self._chunk)
            self._done = not data
            return data
        if self._dec is None:
            self._start_member()
            return b""
        dec = self._dec
        data = b""
        if dec.needs_input:
            at = self._last_piece = self._offset()
            n = self._piece
            if self._replaying:  # whole pieces up to the one that failed, then byte by byte
                n = min(n, self._fine_from - at) if at < self._fine_from else 1
            data = self._take(n)
            if not data:  # the file ends inside this member
                if self._new is not _Zlib and self.kind == GZIP and not self._replaying:
                    # ISA-L may hold back the last symbols of a cut stream; zlib gives them
                    self._replay(_Zlib, fine_from=None)
                    return b""
                self._stop("truncated", self._pos)
                return b""
        try:
            out = dec.decompress(data, self._chunk)
        except self._errs as exc:
            self._corrupt(exc)
            return b""
        if dec.eof:
            self._input = dec.unused_data + self._input
            self._dec = None
        if self._skip:
            k = min(self._skip, len(out))
            out = out[k:]
            self._skip -= k
        return out

    def _start_member(self) -> None:
        """At the start or after a member's end: the next member, padding, garbage or EOF."""
        assert self._new is not None
        self._replaying = False
        while True:
            if len(self._input) < 6:
                more = self._raw.read(max(self._piece, 6))
                self._pos += len(more)
                self._input += more
            if not self._input:
                self._done = True  # a clean end between members
                return
            if self._members and self._input[:1] == b"\x00":
                # zero padding after a member (xz stream padding, zero-filled blocks): skipped
                self._input = self._input.lstrip(b"\x00")
                continue
            break
        if self._members and detect_bytes(self._input[:6]) != self.kind:
            self._stop("trailing", self._offset())
            return
        self._member_start = self._offset()
        self._member_base = self.decompressed
        self._dec = self._new()
        self._members += 1

    def _corrupt(self, exc: BaseException) -> None:
        if self._replaying or not self._seekable():
            self._stop("corrupt", self._offset(), str(exc) or type(exc).__name__)
            return
        # decode this member again, the failing piece byte by byte (its output up to the damage
        # was lost with the exception); gzip with zlib, which holds no symbol back (ISA-L can)
        assert self._new is not None
        self._replay(_Zlib if self.kind == GZIP else self._new, fine_from=self._last_piece)

    def _replay(self, new: Callable[[], _Engine], fine_from: int | None) -> None:
        """Decode the current member again from its start with a fresh `new()` decompressor,
        from `fine_from` on one byte at a time, discarding what was delivered already."""
        if not self._seekable():
            self._stop("truncated", self._pos)
            return
        self._fine_from = self._pos + 1 if fine_from is None else fine_from
        self._raw.seek(self._member_start)
        self._pos = self._member_start
        self._input = b""
        self._dec = new()
        self._skip = self.decompressed - self._member_base
        self._replaying = True

    def _seekable(self) -> bool:
        try:
            return self._raw.seekable()
        except (OSError, ValueError):
            return False

    def _stop(self, kind: DamageKind, offset: int, detail: str = "") -> None:
        assert self.kind != PLAIN
        self.damage = StreamDamage(kind, self.kind, offset, self.decompressed, detail)
        self._dec = None
        self._done = True


def open_stream(path: Path, *, fast: bool = True) -> DecompressedStream:
    """A `DecompressedStream` over a file; the caller closes it."""
    raw = open(path, "rb")  # noqa: SIM115 - owned by the stream, closed by its close()
    try:
        return DecompressedStream(raw, fast=fast)
    except BaseException:
        raw.close()
        raise
