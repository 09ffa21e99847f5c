"""Damaged input: strict mode names file, byte offset and record; lenient mode skips and counts.

The three damaged RIS files are described in bgpkit-parser's fixtures README: a TABLE_DUMP
bview whose records each declare four bytes fewer than written (and batch several entries),
an updates file with two damaged record boundaries, and an updates file with the historic Zebra
8-byte STATE_CHANGE / address-less OPEN corruption.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from nethealth.formats.mrt import MRTDecodeError, MRTReader

RIPE = "bgp/bgpkit-parser/tests/fixtures/ripe"

# (file, offset and record of the first damage, what the message says)
DAMAGED = [
    ("rrc00/2000.01/bview.20000111.0032.gz", 0, 0, "after its one entry"),
    ("rrc00/2000.03/updates.20000325.0345.gz", 188, 4, "withdrawn routes length"),
    ("rrc01/2000.11/updates.20001104.0124.gz", 1893, 34, "Zebra corruption"),
]


def _decode(path: Path, strict: bool) -> tuple[int, MRTReader]:
    reader = MRTReader(path, strict=strict)
    return sum(b.num_rows for b in reader), reader


@pytest.mark.shared
@pytest.mark.parametrize(("name", "offset", "record", "reason"), DAMAGED)
def test_strict_names_file_offset_and_record(
    shared_data: Path, name: str, offset: int, record: int, reason: str
) -> None:
    path = shared_data / RIPE / name
    with pytest.raises(MRTDecodeError) as info:
        _decode(path, strict=True)
    err = info.value
    assert (err.offset, err.record_index) == (offset, record)
    assert reason in err.reason
    text = str(err)
    assert str(path) in text and f"byte offset {offset}" in text and f"record #{record}" in text


@pytest.mark.shared
def test_lenient_bview_keeps_first_entry_of_each_record(shared_data: Path) -> None:
    n, reader = _decode(shared_data / RIPE / "rrc00/2000.01/bview.20000111.0032.gz", False)
    r = reader.report
    # every physical record yields its first entry; the batched entries behind it and the four
    # bytes each header under-declares are skipped, found again by resynchronisation
    assert n == r.elements == r.records == r.partial_records
    assert n > 2000
    assert r.resyncs > 2000
    assert 0 < r.skipped_bytes < r.bytes_decompressed
    assert r.issues and r.issues[0][:2] == (0, 0)
    assert len(r.issues) == 100  # only the first 100 are kept


@pytest.mark.shared
def test_lenient_updates_with_damaged_boundaries(shared_data: Path) -> None:
    n, reader = _decode(shared_data / RIPE / "rrc00/2000.03/updates.20000325.0345.gz", False)
    r = reader.report
    assert r.skipped_records == 1 and r.resyncs == 1
    assert r.skipped_bytes == 14595
    assert r.records_ok == r.records - 1
    assert n == r.elements > 5000
    offsets = [o for o, _, _ in r.issues]
    assert offsets == [188, 14756]


@pytest.mark.shared
def test_lenient_zebra_corruption_skips_only_bad_records(shared_data: Path) -> None:
    path = shared_data / RIPE / "rrc01/2000.11/updates.20001104.0124.gz"
    n, reader = _decode(path, False)
    r = reader.report
    assert r.resyncs == 0 and r.skipped_records == 63
    assert all("Zebra corruption" in m for _, _, m in r.issues)
    # the good records decode exactly as bgpdump reads them (its output for this file, minus
    # the STATE lines it invents for the 8-byte records with peer 0.0.0.0)
    assert n == r.elements == 841


def _write_gz(path: Path, data: bytes) -> Path:
    with gzip.open(path, "wb") as f:
        f.write(data)
    return path


@pytest.mark.shared
def test_truncated_file(shared_data: Path, tmp_path: Path) -> None:
    """The decompressed data cut mid-record (the gzip stream itself is whole)."""
    src = shared_data / "bgp/ripe-bgpdump/test_data/updates.20070211.0141.gz"
    data = gzip.decompress(src.read_bytes())
    cut = _write_gz(tmp_path / "cut.gz", data[: len(data) // 2])
    with pytest.raises(MRTDecodeError) as info:
        _decode(cut, strict=True)
    assert info.value.reason.startswith("incomplete record: header announces")
    assert info.value.offset == 1239246 and info.value.record_index == 11551
    n, reader = _decode(cut, strict=False)
    r = reader.report
    assert n > 0 and r.skipped_bytes == len(data) // 2 - 1239246
    assert r.incomplete_record == {"offset": 1239246, "present": 78, "announced": 84}
    assert r.resyncs == 0 and r.stream_damage is None and r.truncated and not r.clean
    assert r.issues[-1][:2] == (1239246, 11551)
    assert r.issues[-1][2].startswith("incomplete record")
    assert r.damage is not None
    assert "incomplete record at byte offset 1,239,246 of the decompressed data" in r.damage
    assert f"kept {r.records_ok:,} complete records ({n:,} elements)" in r.damage


@pytest.mark.shared
def test_truncated_compressed_stream(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "bgp/ripe-bgpdump/test_data/updates.20070211.0141.gz"
    raw = src.read_bytes()
    cut = tmp_path / "cut.gz"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(MRTDecodeError) as info:
        _decode(cut, strict=True)
    err = info.value
    assert err.reason.startswith(f"truncated gzip stream after {len(raw) // 2:,} bytes")
    assert err.compressed_offset == len(raw) // 2
    assert str(cut) in str(err) and f"byte offset {err.offset}" in str(err)
    n, reader = _decode(cut, strict=False)
    r = reader.report
    assert n > 0 and not r.clean and r.truncated
    assert r.stream_damage is not None and r.stream_damage["kind"] == "truncated"
    assert r.compressed_read == r.compressed_bytes == len(raw) // 2
    assert r.incomplete_record is not None and r.incomplete_record["offset"] == err.offset
    assert any(m.startswith("truncated gzip stream") for _, _, m in r.issues)


def test_garbage_and_empty_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mrt"
    empty.write_bytes(b"")
    assert _decode(empty, strict=True)[0] == 0
    junk = tmp_path / "junk.mrt"
    junk.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(MRTDecodeError) as info:
        _decode(junk, strict=True)
    assert info.value.offset == 0
    n, reader = _decode(junk, strict=False)
    assert n == 0 and reader.report.skipped_bytes == 256 * 64


@pytest.mark.timeout(60)
def test_strict_error_with_a_full_read_ahead_queue_returns(tmp_path: Path) -> None:
    """The reader thread must not block forever when the consumer stops early (regression)."""
    path = tmp_path / "junk-then-more.mrt"
    path.write_bytes(b"\xff" * 12 + bytes(16 << 20))  # 16 read-ahead chunks after the bad header
    for _ in range(3):
        with pytest.raises(MRTDecodeError):
            _decode(path, strict=True)
    it = iter(MRTReader(path, strict=True))
    with pytest.raises(MRTDecodeError):
        next(it)
    n, reader = _decode(path, strict=False)  # nothing decodable: every byte skipped, no hang
    assert n == 0 and reader.report.skipped_bytes == path.stat().st_size


@pytest.mark.shared
def test_every_compression_gives_the_same_table(shared_data: Path, tmp_path: Path) -> None:
    import bz2
    import lzma

    from nethealth.formats.mrt import read_table

    raw = gzip.decompress(
        (shared_data / "bgp/ripe-bgpdump/test_data/updates.20160811.1600.gz").read_bytes()
    )
    files = {
        "plain": raw,
        "gz": gzip.compress(raw),
        "bz2": bz2.compress(raw),
        "xz": lzma.compress(raw),
    }
    tables = {}
    for kind, data in files.items():
        path = tmp_path / f"u.{kind}"
        path.write_bytes(data)
        tables[kind] = read_table(path, threaded=kind != "xz")
    assert tables["plain"].num_rows == 41234
    for kind in ("gz", "bz2", "xz"):
        assert tables[kind].equals(tables["plain"]), kind
    # multi-member gzip (concatenated streams) reads as one file
    two = tmp_path / "two.gz"
    two.write_bytes(
        gzip.compress(raw[: 12 + int.from_bytes(raw[8:12], "big")])
        + gzip.compress(raw[12 + int.from_bytes(raw[8:12], "big") :])
    )
    assert read_table(two).equals(tables["plain"])
