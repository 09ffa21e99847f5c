"""The pure-Python LZ4 frame decoder against the reference `lz4` tool (Debian package lz4):
every frame option the tool writes, and damage detected by the checksums, not silently wrong."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from nethealth.errors import InputError
from nethealth.formats.lz4 import decompress, xxh32

LZ4 = shutil.which("lz4")
needs_lz4 = pytest.mark.skipif(LZ4 is None, reason="the lz4 tool (Debian package lz4) is absent")


def _compress(data: bytes, *flags: str) -> bytes:
    assert LZ4 is not None
    return subprocess.run([LZ4, "-q", "-c", *flags], input=data, capture_output=True,
                          check=True).stdout  # fmt: skip


def test_xxh32_known_values() -> None:
    # the reference implementation's published test values
    assert xxh32(b"") == 0x02CC5D05
    assert xxh32(b"a") == 0x550D7456
    assert xxh32(b"abc") == 0x32D153FF
    assert xxh32(b"Nobody inspects the spammish repetition") == 0xE2293B2F


@needs_lz4
@pytest.mark.shared
@pytest.mark.parametrize(
    "flags",
    [(), ("-BD",), ("--content-size",), ("-BX",), ("--no-frame-crc",), ("-9",), ("-B4", "-BD"),
     ("-1", "-BX", "-BD", "--content-size")],
)  # fmt: skip
def test_every_frame_option_of_the_tool(shared_data: Path, flags: tuple[str, ...]) -> None:
    data = gzip.decompress((shared_data / "bgp/hegemony/AS_hegemony_20230801.csv.gz").read_bytes())
    assert decompress(_compress(data, *flags), "x") == data


@needs_lz4
def test_concatenated_frames_and_overlapping_matches() -> None:
    a, b = b"ab" * 5000 + b"x", bytes(range(256)) * 40
    assert decompress(_compress(a) + _compress(b), "x") == a + b
    assert decompress(_compress(b"\x00" * 100_000), "x") == b"\x00" * 100_000


@needs_lz4
def test_damage_is_detected() -> None:
    frame = bytearray(_compress(b"timebin,originasn,asn,hege,af\n" * 2000))
    with pytest.raises(InputError, match=r"no end mark|truncated"):
        decompress(bytes(frame[:-9]), "f.lz4")
    frame[len(frame) // 2] ^= 0x55
    with pytest.raises(InputError, match="damaged LZ4") as info:
        decompress(bytes(frame), "f.lz4")
    assert info.value.path == "f.lz4"
    with pytest.raises(InputError, match="not an LZ4 frame"):
        decompress(b"asn,hege\n", "f")
