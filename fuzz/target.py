"""The fuzz target: any bytes, strict and lenient, fed in two pieces; and the same bytes as a
file — plain, or gzip / bzip2 / xz compressed, cut short and possibly corrupted — through the
whole reader (decompression, end of data, report), for a quarter of the inputs.

Properties checked on every input: strict mode returns batches or raises DecodeError (nothing
else); lenient mode never raises; every batch is a valid Arrow record batch (offsets, bitmaps
and dictionary indices checked by `validate(full=True)`) and formats to one bgpdump line per
element; skipped bytes never exceed the input; the record the data end inside is where the
input ends. Through the reader: a cut stream yields a prefix of the original bytes and names
the cut, lenient reading never raises and finds exactly the elements a one-shot decode of the
recovered bytes finds, strict reading raises only `MRTDecodeError`, a damaged file is never
reported clean.
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import io
import lzma
import os
import sys
import tempfile
from pathlib import Path
from typing import Any


def _load_native() -> Any:
    """NETHEALTH_MRT_SO points at an alternative build (e.g. with AddressSanitizer)."""
    so = os.environ.get("NETHEALTH_MRT_SO")
    if so:
        spec = importlib.util.spec_from_file_location("nethealth.formats._mrt", so)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules["nethealth.formats._mrt"] = mod
    from nethealth.formats import _mrt

    return _mrt


_mrt = _load_native()

from nethealth.formats.compression import DecompressedStream  # noqa: E402
from nethealth.formats.mrt import MRTDecodeError, MRTReader, batch_from_columns  # noqa: E402

COMPRESS = (
    None,
    lambda b: gzip.compress(b, 1),
    lambda b: bz2.compress(b, 1),
    lambda b: lzma.compress(b, preset=0),
)
_scratch: list[Path] = []  # one temp file per process, made on first use
READER_BYTES = 1 << 16  # the file path needs no more (and compressing more is slow)


def _drain(dec: Any, final: bool) -> int:
    n = 0
    while (cols := dec.decode(final)) is not None:
        text = _mrt.format_bgpdump(cols)
        assert text.count(b"\n") == cols["n"]
        batch = batch_from_columns(cols, "fuzz")
        batch.validate(full=True)
        n += batch.num_rows
    return n


def one_input(data: bytes) -> None:
    split = data[-1] * len(data) // 256 if data else 0
    for strict in (True, False):
        dec = _mrt.Decoder(strict=strict, batch_size=7)
        try:
            dec.feed(data[:split])
            _drain(dec, False)
            dec.feed(data[split:])
            _drain(dec, True)
        except _mrt.DecodeError as exc:
            if not strict:
                raise AssertionError(f"lenient mode raised {exc!r}") from exc
            reason, offset, record = exc.args
            assert isinstance(reason, str) and 0 <= offset <= len(data) and record >= 0
            continue
        stats = dec.stats()
        assert stats["skipped_bytes"] <= len(data), stats
        assert stats["buffered"] == 0, stats
        if stats["tail_offset"] >= 0:  # the incomplete record runs to the end of the input
            assert stats["tail_offset"] + stats["tail_present"] == len(data), stats
            assert stats["tail_announced"] == 0 or stats["tail_announced"] > stats["tail_present"]
    if len(data) > 1 and data[1] % 4 == 0:  # a quarter of the inputs: it is 6x the work
        through_reader(data)


def _scratch_file() -> Path:
    if not _scratch:
        fd, name = tempfile.mkstemp(prefix="nethealth-fuzz-", suffix=".mrt")
        os.close(fd)
        _scratch.append(Path(name))
    return _scratch[0]


def through_reader(data: bytes) -> None:
    """The bytes as a file: compressed (by the first byte), cut and maybe corrupted (by the
    last two), read by `DecompressedStream` and by `MRTReader` strict and lenient."""
    data = data[:READER_BYTES]
    sel = data[0] if data else 0
    compress = COMPRESS[sel % len(COMPRESS)]
    blob = data if compress is None else compress(data)
    cut = len(blob) - (data[-1] * len(blob) // 1024 if len(data) > 1 else 0)  # up to a 1/4 off
    flip = compress is not None and len(data) > 2 and data[-2] < 16
    damaged = bytearray(blob[:cut])
    if flip and damaged:
        damaged[data[-2] * len(damaged) // 16] ^= 0x41
    stream = DecompressedStream(io.BytesIO(bytes(damaged)), piece=1 << 12)
    recovered = bytearray()
    while chunk := stream.read():
        recovered += chunk
    if compress is not None and not flip:
        assert data.startswith(recovered), "a cut stream yielded bytes not in the original"
        if cut == len(blob):
            assert recovered == data and stream.damage is None
        else:
            assert stream.damage is not None and stream.damage.kind == "truncated"
            assert stream.damage.compressed_offset == cut
    if stream.damage is not None:
        assert stream.damage.decompressed_offset == len(recovered)
    path = _scratch_file()
    path.write_bytes(bytes(damaged))
    reader = MRTReader(path, strict=False, threaded=sel & 0x10 != 0, batch_size=5)
    rows = 0
    for batch in reader:
        batch.validate(full=True)
        rows += batch.num_rows
    report = reader.report
    assert rows == report.elements and report.bytes_decompressed == len(recovered)
    one_shot = _mrt.Decoder(strict=False)
    one_shot.feed(bytes(recovered))
    assert rows == _drain(one_shot, True), "streamed and one-shot decodes differ"
    if stream.damage is not None:
        assert not report.clean and report.damage is not None
    assert report.clean == (report.damage is None)
    try:
        for _ in MRTReader(path, strict=True, threaded=False):
            pass
    except MRTDecodeError as exc:
        assert exc.path == str(path) and exc.offset <= len(recovered)
    else:
        assert report.clean, "strict mode accepted what lenient mode found damaged"
