"""`DecompressedStream`: every byte a damaged gzip / bzip2 / xz stream still yields, and where
and how it is damaged.

The reference for "every byte it still yields" is the same library fed one byte at a time
(nothing can come out later than that), and for truncated files also the command-line tools
(`gzip -dc`, `xz -dc`, `bzip2 -dc`), which write what they could decompress before failing.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import shutil
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nethealth.formats.compression import (
    BZIP2,
    GZIP,
    PLAIN,
    XZ,
    DecompressedStream,
    detect_bytes,
    open_stream,
)

# Real MRT bytes (an updates file), so the compressed structure is realistic.
UPDATES = "bgp/ripe-bgpdump/test_data/updates.20160811.1600.gz"


@pytest.fixture
def data(shared_data: Path) -> bytes:
    return gzip.decompress((shared_data / UPDATES).read_bytes())[:400_000]


Compressor = Callable[[bytes], bytes]
KINDS: dict[str, tuple[Compressor, Callable[[], Any], type[Exception], str]] = {
    GZIP: (gzip.compress, lambda: zlib.decompressobj(31), zlib.error, "gzip"),
    # level 1: 100k blocks, so a cut bzip2 file still has complete blocks to give
    BZIP2: (lambda b: bz2.compress(b, 1), bz2.BZ2Decompressor, OSError, "bzip2"),
    XZ: (lzma.compress, lambda: lzma.LZMADecompressor(format=lzma.FORMAT_XZ), lzma.LZMAError, "xz"),
}


def _read(blob: bytes, *, fast: bool = True) -> tuple[bytes, DecompressedStream]:
    stream = DecompressedStream(io.BytesIO(blob), fast=fast, piece=1 << 14)
    out = bytearray()
    while chunk := stream.read():
        out += chunk
    return bytes(out), stream


def _byte_by_byte(blob: bytes, kind: str) -> bytes:
    """What the reference library (zlib, bz2, lzma) yields fed one byte at a time, until it
    fails or ends: nothing can come out later than that."""
    _comp, new, error, _tool = KINDS[kind]
    dec = new()
    out = bytearray()
    try:
        for i in range(len(blob)):
            out += dec.decompress(blob[i : i + 1])
            if dec.eof:
                break
    except error:
        pass
    return bytes(out)


@pytest.mark.shared
@pytest.mark.parametrize("kind", [GZIP, BZIP2, XZ])
@pytest.mark.parametrize("fast", [True, False])
def test_truncated_stream_yields_every_byte_before_the_cut(
    data: bytes, kind: str, fast: bool
) -> None:
    blob = KINDS[kind][0](data)
    for cut in (7, 100, len(blob) // 7, len(blob) // 3, len(blob) // 2, len(blob) - 1):
        out, stream = _read(blob[:cut], fast=fast)
        ref = _byte_by_byte(blob[:cut], kind)
        assert out == ref and data.startswith(out), (kind, cut)
        d = stream.damage
        assert d is not None and d.kind == "truncated" and d.compression == kind
        assert (d.compressed_offset, d.decompressed_offset) == (cut, len(out))
        assert d.message.startswith(f"truncated {kind} stream after {cut:,} bytes")
        assert stream.compressed_read == cut and stream.decompressed == len(out)
    out, stream = _read(blob, fast=fast)
    assert out == data and stream.damage is None


@pytest.mark.shared
@pytest.mark.parametrize("kind", [GZIP, BZIP2, XZ])
def test_truncated_stream_matches_the_command_line_tool(
    data: bytes, kind: str, tmp_path: Path
) -> None:
    tool = KINDS[kind][3]
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    blob = KINDS[kind][0](data)
    for cut in (len(blob) // 3, len(blob) - 9):
        path = tmp_path / f"cut.{kind}"
        path.write_bytes(blob[:cut])
        proc = subprocess.run([tool, "-dc", str(path)], capture_output=True, check=False)
        assert proc.returncode != 0  # the tool reports the damage too
        stream = open_stream(path)
        out = bytearray()
        while chunk := stream.read():
            out += chunk
        stream.close()
        if kind == BZIP2:  # bzip2 writes in 5,000-byte pieces and drops the unfinished one
            assert out.startswith(proc.stdout) and len(out) - len(proc.stdout) < 5000
        else:
            assert bytes(out) == proc.stdout


@pytest.mark.shared
@pytest.mark.parametrize("kind", [GZIP, BZIP2, XZ])
@pytest.mark.parametrize("fast", [True, False])
def test_corrupt_stream_yields_what_precedes_the_damage(data: bytes, kind: str, fast: bool) -> None:
    blob = KINDS[kind][0](data)
    for pos in (20, len(blob) // 4, len(blob) // 2, len(blob) - 6):
        bad = bytearray(blob)
        bad[pos] ^= 0x55
        out, stream = _read(bytes(bad), fast=fast)
        assert out == _byte_by_byte(bytes(bad), kind), (kind, pos)  # zlib's, with ISA-L too
        d = stream.damage
        assert d is not None and d.kind == "corrupt" and d.detail
        assert d.decompressed_offset == len(out) and d.compressed_offset >= pos
        assert "kept unverified" in d.message


@pytest.mark.shared
@pytest.mark.parametrize("kind", [GZIP, BZIP2, XZ])
def test_members_padding_and_trailing_garbage(data: bytes, kind: str) -> None:
    comp = KINDS[kind][0]
    joined = comp(data[:1000]) + comp(data[1000:])
    out, stream = _read(joined)
    assert out == data and stream.damage is None
    out, stream = _read(joined + bytes(8))  # zero padding (xz stream padding) is no damage
    assert out == data and stream.damage is None
    out, stream = _read(joined + b"not compressed")
    assert out == data
    assert stream.damage is not None and stream.damage.kind == "trailing"
    assert stream.damage.compressed_offset == len(joined)
    # the second member cut inside: the first member's bytes and what the second gave so far
    out, stream = _read(joined[: len(joined) - 20])
    assert data.startswith(out) and len(out) >= 1000
    assert stream.damage is not None and stream.damage.kind == "truncated"


def test_detection_needs_the_full_magic() -> None:
    assert detect_bytes(b"\x1f\x8b\x08\x00\x00\x00") == GZIP
    assert detect_bytes(b"BZh91AY") == BZIP2
    assert detect_bytes(b"\xfd7zXZ\x00") == XZ
    # a plain MRT record of 2005-04-11 begins with "BZ": not bzip2 without "h" and a digit
    assert detect_bytes(b"BZh\x00\x00\x0d") == PLAIN
    assert detect_bytes(b"BZ\x00\x10\x00\x0d") == PLAIN
    assert detect_bytes(b"\xfd7zX") == PLAIN
    out, stream = _read(b"plain bytes")
    assert out == b"plain bytes" and stream.kind == PLAIN and stream.damage is None


@pytest.mark.shared
def test_isal_holds_nothing_back_at_a_cut(data: bytes) -> None:
    """ISA-L's inflate, given a cut stream at once, can stop a symbol short of what zlib gives
    (about 3% of cuts); the stream then takes the member's output from zlib."""
    blob = gzip.compress(data)
    for cut in range(97, len(blob), len(blob) // 61):
        out, _ = _read(blob[:cut], fast=True)
        assert out == zlib.decompressobj(31).decompress(blob[:cut]), cut
