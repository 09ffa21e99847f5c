"""Deterministic, atomic file output with a running manifest (size + sha256 per file)."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Literal

from nethealth.sim.config import WrittenFile

Compression = Literal["", "gz", "bz2"]


class _HashingWriter:
    """Raw-file wrapper that hashes and counts what reaches the disk."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self._raw.write(data)

    def flush(self) -> None:
        self._raw.flush()


def compression_for(path: str) -> Compression:
    if path.endswith(".gz"):
        return "gz"
    if path.endswith(".bz2"):
        return "bz2"
    return ""


class OutputTree:
    """Writes files under ``root``; each file appears only once complete (write + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[WrittenFile] = []

    @contextmanager
    def open(self, rel: str, compresslevel: int = 6) -> Iterator[BinaryIO]:
        """A binary stream for ``rel``; compression follows the name (.gz/.bz2). gzip headers
        carry mtime 0 and no file name so equal content gives equal bytes."""
        final = self.root / rel
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(final.name + ".part")
        kind = compression_for(rel)
        with open(tmp, "wb") as raw:
            hw = _HashingWriter(raw)
            stream: Any = hw
            if kind == "gz":
                stream = gzip.GzipFile(
                    filename="", mode="wb", fileobj=stream, compresslevel=compresslevel, mtime=0
                )
            elif kind == "bz2":
                stream = bz2.BZ2File(stream, mode="wb", compresslevel=9)
            try:
                yield stream
                if kind:
                    stream.close()
            except BaseException:
                raw.close()
                tmp.unlink(missing_ok=True)
                raise
        os.replace(tmp, final)
        self.files.append(WrittenFile(rel, hw.size, hw.sha.hexdigest()))

    def write_bytes(self, rel: str, data: bytes) -> None:
        with self.open(rel) as fh:
            fh.write(data)

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))
