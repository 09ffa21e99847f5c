"""Open plain, gzip, bzip2 or xz files by their magic bytes, not their names."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path
from typing import IO, cast

MAGIC = {b"\x1f\x8b": "gzip", b"BZ": "bzip2", b"\xfd7": "xz"}


def detect(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(2)
    return MAGIC.get(head, "plain")


def open_binary(path: Path) -> IO[bytes]:
    kind = detect(path)
    if kind == "gzip":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if kind == "bzip2":
        return bz2.open(path, "rb")
    if kind == "xz":
        return lzma.open(path, "rb")
    return open(path, "rb")


def read_bytes(path: Path) -> bytes:
    """The whole decompressed content; a truncated or corrupt archive raises OSError/EOFError."""
    with open_binary(path) as fh:
        return fh.read()


def open_text(path: Path) -> io.TextIOWrapper:
    return io.TextIOWrapper(open_binary(path), encoding="utf-8", errors="strict", newline="")
