"""Truncated MRT files: lenient decoding keeps every complete record before the cut — at least
what Debian `bgpdump -m` recovers from the same file, the same elements — and says so; strict
decoding refuses the file naming it and the offsets.

Four real reference files (a TABLE_DUMP v1 bview, the TABLE_DUMP_V2 rrc06 2010 RIB, BGP4MP and
BGP4MP_ET update files), each its first ~0.6 MB of complete records (to keep the module fast),
are re-compressed as gzip, bzip2 (100k blocks, so a cut leaves whole blocks) and xz in a temp
dir; each compressed file is cut at ten points, and the plain bytes too. bgpdump 1.6.2 cannot
read xz: its reference for a cut xz file is its output on what `xz -dc` recovers from it.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from nethealth.errors import InputError
from nethealth.formats.bgpdump import dump
from nethealth.formats.mrt import MRTDecodeError, MRTReader

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(shutil.which("bgpdump") is None, reason="Debian bgpdump is not installed"),
]

FILES = {
    "table_dump_v1": "ripe-bgpdump/test_data/bview.20020722.2337.gz",
    "table_dump_v2": "derived/rrc06-full-20100701.tdv2.mrt.gz",
    "bgp4mp": "ripe-bgpdump/test_data/updates.20160811.1600.gz",
    "bgp4mp_et": "ripe-bgpdump/test_data/updates.et-header.2015.gz",
}
PREFIX = 600_000  # decompressed bytes of whole records taken from each file
COMPRESS = {
    "gz": gzip.compress,
    "bz2": lambda b: bz2.compress(b, 1),
    "xz": lzma.compress,
}
NAMES = {"gz": "gzip", "bz2": "bzip2", "xz": "xz"}


def _boundaries(data: bytes) -> list[int]:
    """Offsets where records start (and the end), read off the MRT headers' lengths."""
    out, pos = [0], 0
    while pos + 12 <= len(data):
        pos += 12 + struct.unpack_from(">I", data, pos + 8)[0]
        if pos > len(data):
            break
        out.append(pos)
    return out


def _records_prefix(path: Path) -> bytes:
    with gzip.open(path, "rb") as fh:
        head = fh.read(PREFIX + (1 << 16))
    ends = [b for b in _boundaries(head) if b <= PREFIX]
    return head[: ends[-1]]


def _ours(path: Path) -> tuple[list[bytes], MRTReader]:
    reader = MRTReader(path, strict=False, threaded=False)
    out = io.BytesIO()
    dump(reader, out)
    return out.getvalue().splitlines(), reader


def _bgpdump(path: Path) -> list[bytes]:
    proc = subprocess.run(
        ["bgpdump", "-m", "-q", str(path)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    return proc.stdout.splitlines()


def _bgpdump_of_cut(path: Path, ext: str, tmp: Path) -> list[bytes]:
    if ext == "bz2":
        # bgpdump 1.6.2 hangs (or crashes) on a bzip2 file cut inside its first block, where
        # nothing can be decompressed: then the reference is bzip2's own (empty) output
        first = subprocess.run(["bzip2", "-dc", str(path)], capture_output=True, check=False)
        if not first.stdout:
            return []
    if ext != "xz":
        return _bgpdump(path)
    recovered = subprocess.run(["xz", "-dc", str(path)], capture_output=True, check=False)
    plain = tmp / (path.name + ".xz-dc.mrt")
    plain.write_bytes(recovered.stdout)
    return _bgpdump(plain)


def _cuts(size: int) -> list[int]:
    return [size * (2 * i + 1) // 20 for i in range(10)]  # 5%, 15%, ..., 95%


def _check_common_prefix(ours: list[bytes], ref: list[bytes], where: str) -> None:
    assert len(ours) >= len(ref), f"{where}: {len(ours)} elements, bgpdump {len(ref)}"
    assert ours[: len(ref)] == ref, f"{where}: elements differ from bgpdump's"


@pytest.fixture(scope="module")
def prefixes() -> dict[str, bytes]:
    from tests.conftest import SHARED

    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent")
    return {name: _records_prefix(SHARED / "bgp" / rel) for name, rel in FILES.items()}


@pytest.mark.parametrize("ext", ["gz", "bz2", "xz"])
@pytest.mark.parametrize("name", list(FILES))
def test_cut_compressed_file(
    prefixes: dict[str, bytes], name: str, ext: str, tmp_path: Path
) -> None:
    data = prefixes[name]
    blob = COMPRESS[ext](data)
    kind = NAMES[ext]
    whole = tmp_path / f"whole.{ext}"
    whole.write_bytes(blob)
    full, _ = _ours(whole)
    assert full == _bgpdump_of_cut(whole, ext, tmp_path) and full  # the uncut file agrees
    starts = set(_boundaries(data))
    kept_any = 0
    for i, cut in enumerate(_cuts(len(blob))):
        path = tmp_path / f"cut{i}.{ext}"
        path.write_bytes(blob[:cut])
        where = f"{name}.{ext} cut at {cut:,} of {len(blob):,}"
        ours, reader = _ours(path)
        _check_common_prefix(ours, _bgpdump_of_cut(path, ext, tmp_path), where)
        assert full[: len(ours)] == ours, f"{where}: not a prefix of the whole file's elements"
        kept_any += bool(ours)
        r = reader.report
        assert not r.clean and r.truncated, where
        assert r.stream_damage is not None and r.stream_damage["kind"] == "truncated", where
        assert r.stream_damage["compressed_offset"] == cut == r.compressed_read, where
        assert r.elements == len(ours)
        assert r.bytes_decompressed <= len(data)
        # the complete records are exactly those that fit in the decompressed bytes
        fit = max(b for b in starts if b <= r.bytes_decompressed)
        if fit < r.bytes_decompressed:
            assert r.incomplete_record is not None, where
            assert r.incomplete_record["offset"] == fit, where
            assert r.incomplete_record["present"] == r.bytes_decompressed - fit, where
        else:
            assert r.incomplete_record is None, where
        damage = r.damage
        assert damage is not None
        assert damage.startswith(f"truncated {kind} stream after {cut:,} bytes "), damage
        assert f"({r.bytes_decompressed:,} bytes decompressed)" in damage
        assert f"kept {r.records_ok:,} complete records ({len(ours):,} elements)" in damage
        assert "lost:" in damage and "the rest of the file" in damage
        # strict: an InputError naming the file, the offsets and what was lost
        with pytest.raises(MRTDecodeError) as info:
            for _ in MRTReader(path, strict=True, threaded=False):
                pass
        err = info.value
        assert isinstance(err, InputError) and err.path == str(path)
        assert err.compressed_offset == cut and err.offset == fit
        assert f"truncated {kind} stream after {cut:,} bytes" in str(err)
        assert f"byte offset {fit}" in str(err)
    assert kept_any >= 8  # the cuts do leave records to keep (bzip2: whole 100k blocks)


@pytest.mark.parametrize("name", list(FILES))
def test_cut_plain_file(prefixes: dict[str, bytes], name: str, tmp_path: Path) -> None:
    data = prefixes[name]
    starts = _boundaries(data)
    for i, cut in enumerate(_cuts(len(data))):
        path = tmp_path / f"cut{i}.mrt"
        path.write_bytes(data[:cut])
        where = f"{name} plain cut at {cut:,}"
        ours, reader = _ours(path)
        _check_common_prefix(ours, _bgpdump(path), where)
        r = reader.report
        fit = max(b for b in starts if b <= cut)
        assert r.stream_damage is None and r.compression == "plain"
        if fit == cut:  # the cut fell on a record boundary: nothing is damaged
            assert r.clean
            continue
        assert r.incomplete_record == {
            "offset": fit,
            "present": cut - fit,
            "announced": 12 + struct.unpack_from(">I", data, fit + 8)[0] if cut - fit >= 12 else 0,
        }, where
        assert r.resyncs == 0 and r.skipped_bytes == cut - fit and not r.clean
        assert r.damage is not None
        assert r.damage.startswith(f"incomplete record at byte offset {fit:,} of the file")
        with pytest.raises(MRTDecodeError) as info:
            for _ in MRTReader(path, strict=True, threaded=False):
                pass
        assert info.value.offset == fit and info.value.path == str(path)
        assert info.value.reason.startswith("incomplete record")
