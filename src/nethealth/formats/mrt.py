"""Read MRT files (RFC 6396; gz / bz2 / xz / plain) into Arrow record batches with the native
decoder (`nethealth.formats._mrt`, built from `_native/mrtdecode.c` when the package is
installed). A pure parser: the bgp area ingests, the sources list and load, the build steps
report damage; this module only decodes.

    reader = MRTReader(path, collector="rrc06", strict=True)
    for batch in reader:           # pyarrow.RecordBatch with formats.mrt_schema.SCHEMA
        ...
    reader.report                  # records, elements, skipped records / bytes, issues

Memory stays bounded whatever the file size: one decompressed chunk, one record and one batch.
Decompression runs in a reader thread and the decoder releases the GIL, so one file keeps up to
two cores busy.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from nethealth.errors import InputError
from nethealth.formats import _mrt
from nethealth.formats.compression import PLAIN, DecompressedStream, StreamDamage, open_stream
from nethealth.formats.mrt_schema import ELEM_TYPES, LARGE_COMMUNITY, ORIGINS, RECORD_TYPES, SCHEMA

DEFAULT_BATCH = 1 << 16
Progress = Callable[[int, int], None]

_RECORD_TYPES = pa.array(RECORD_TYPES, pa.string())
_ELEM_TYPES = pa.array(ELEM_TYPES, pa.string())
_ORIGINS = pa.array(ORIGINS, pa.string())


class MRTDecodeError(InputError):
    """Damaged input in strict mode: names the file, the byte offset (in the decompressed data)
    and the record; for a damaged compressed stream also the offset in the compressed file."""

    def __init__(
        self,
        path: str,
        offset: int,
        record: int,
        reason: str,
        *,
        compressed_offset: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.offset = offset
        self.record_index = record
        self.reason = reason
        self.compressed_offset = compressed_offset
        super().__init__(
            f"byte offset {offset} (decompressed): {reason}",
            path=path,
            record=f"#{record}",
            hint=hint
            or "the file is damaged or truncated; decode with strict=False (--lenient) to "
            "skip what cannot be read and count it",
        )


@dataclass
class DecodeReport:
    """What a decode did: counts, what lenient mode skipped (first 100 issues kept), and where
    the data end early: a damaged compressed stream (`stream_damage`) and the record the data
    end inside (`incomplete_record`: offset, bytes present, bytes its header announces)."""

    path: str
    records: int = 0
    records_ok: int = 0
    elements: int = 0
    skipped_records: int = 0
    skipped_bytes: int = 0
    unsupported_records: int = 0
    resyncs: int = 0
    partial_records: int = 0
    bytes_decompressed: int = 0
    compression: str = PLAIN
    compressed_bytes: int = 0  # the file's size
    compressed_read: int = 0  # of which the decompressor consumed this much
    stream_damage: dict[str, Any] | None = None
    incomplete_record: dict[str, int] | None = None
    issues: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return (
            self.skipped_records == 0
            and self.skipped_bytes == 0
            and self.stream_damage is None
            and self.incomplete_record is None
        )

    @property
    def truncated(self) -> bool:
        """The data end early: a cut compressed stream, or a record cut by the end of data."""
        cut = self.stream_damage is not None and self.stream_damage["kind"] == "truncated"
        return cut or self.incomplete_record is not None

    @property
    def damage(self) -> str | None:
        """What was wrong and what was lost, in one sentence; None for a clean decode."""
        return describe_damage(self._counts())

    def _counts(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "records": self.records,
            "records_ok": self.records_ok,
            "elements": self.elements,
            "skipped_records": self.skipped_records,
            "skipped_bytes": self.skipped_bytes,
            "unsupported_records": self.unsupported_records,
            "resyncs": self.resyncs,
            "partial_records": self.partial_records,
            "bytes_decompressed": self.bytes_decompressed,
            "compression": self.compression,
            "compressed_bytes": self.compressed_bytes,
            "compressed_read": self.compressed_read,
            "stream_damage": self.stream_damage,
            "incomplete_record": self.incomplete_record,
        }

    def as_dict(self) -> dict[str, Any]:
        out = self._counts()
        out["clean"] = self.clean
        out["truncated"] = self.truncated
        out["damage"] = self.damage
        out["issues"] = [{"offset": o, "record": r, "message": m} for o, r, m in self.issues]
        return out


_LOST_AFTER = {
    "truncated": "the rest of the file (missing)",
    "corrupt": "everything after the corrupt data",
    "trailing": "the bytes after the end of the compressed data (ignored)",
}


def describe_damage(report: Mapping[str, Any]) -> str | None:
    """One sentence on what a decode found damaged, what it kept and what was lost, from a
    report (`DecodeReport.as_dict()`, also as stored beside decoded files); None when clean."""
    stream = report.get("stream_damage")
    tail = report.get("incomplete_record")
    found: list[str] = []
    lost: list[str] = []
    if stream:
        found.append(str(stream["message"]))
    if tail:
        where = "decompressed data" if report.get("compression", PLAIN) != PLAIN else "file"
        offset = f"byte offset {tail['offset']:,} of the {where}"
        if tail["announced"]:
            found.append(
                f"incomplete record at {offset} "
                f"({tail['present']:,} of its {tail['announced']:,} bytes present)"
            )
        else:
            found.append(
                f"incomplete record at {offset} ({tail['present']:,} of its 12 header bytes)"
            )
        lost.append("that record")
    if stream:
        lost.append(_LOST_AFTER.get(str(stream["kind"]), "the rest of the file"))
    elif tail:
        lost.append("whatever followed it (the file ends inside it)")
    if report.get("skipped_records"):
        lost.append(f"{report['skipped_records']:,} malformed records")
    if report.get("partial_records"):
        lost.append(f"parts of {report['partial_records']:,} records")
    if report.get("resyncs"):
        lost.append(f"{report['resyncs']:,} damaged stretches (skipped to the next record)")
    if not found and not lost and not report.get("skipped_bytes"):
        return None
    text = "; ".join(found) if found else "damaged records"
    text += (
        f"; kept {report.get('records_ok', 0):,} complete records "
        f"({report.get('elements', 0):,} elements)"
    )
    if lost:
        text += "; lost: " + (", ".join(lost[:-1]) + " and " if len(lost) > 1 else "") + lost[-1]
    if report.get("skipped_bytes"):
        text += f"; {report['skipped_bytes']:,} bytes skipped"
    return text


def _validity(buf: bytes, nulls: int) -> pa.Buffer | None:
    return None if nulls == 0 else pa.py_buffer(buf)


def _buf(col: tuple[int, int, object]) -> pa.Buffer:
    """A column handed over by the decoder without copying: (address, size, owner)."""
    address, size, owner = col
    return pa.foreign_buffer(address, size, base=owner)


def _n(col: tuple[int, int, object], width: int) -> int:
    return col[1] // width


Col = tuple[int, int, object]


def _list(
    typ: pa.DataType,
    n: int,
    valid: bytes,
    nulls: int,
    offsets: Col,
    values: pa.Array,
) -> pa.Array:
    return pa.Array.from_buffers(
        typ, n, [_validity(valid, nulls), _buf(offsets)], null_count=nulls, children=[values]
    )


def _string(
    n: int, valid: bytes | None, nulls: int, offsets: Col | bytes, data: Col | bytes
) -> pa.Array:
    v = None if valid is None else _validity(valid, nulls)
    off = pa.py_buffer(offsets) if isinstance(offsets, bytes) else _buf(offsets)
    dat = pa.py_buffer(data) if isinstance(data, bytes) else _buf(data)
    return pa.Array.from_buffers(pa.string(), n, [v, off, dat], null_count=nulls)


def _prim(
    typ: pa.DataType, n: int, data: Col, valid: bytes | None = None, nulls: int = 0
) -> pa.Array:
    v = None if valid is None else _validity(valid, nulls)
    return pa.Array.from_buffers(typ, n, [v, _buf(data)], null_count=nulls)


def _dict8(
    n: int, codes: Col, dictionary: pa.Array, valid: bytes | None = None, nulls: int = 0
) -> pa.Array:
    indices = _prim(pa.int8(), n, codes, valid, nulls)
    return pa.DictionaryArray.from_arrays(indices, dictionary, safe=False)


def batch_from_columns(c: dict[str, Any], collector: str | None) -> pa.RecordBatch:
    """Wrap the decoder's column buffers as an Arrow record batch (no per-element work)."""
    n: int = c["n"]
    pfx_valid, pfx_nulls = c["pfx_valid"], c["pfx_valid_nulls"]
    peers = _string(len(c["peers_off"]) // 4 - 1, None, 0, c["peers_off"], c["peers_data"])
    peer_ip = pa.DictionaryArray.from_arrays(_prim(pa.int32(), n, c["peer"]), peers, safe=False)
    if collector is None:
        coll = pa.nulls(n, pa.dictionary(pa.int32(), pa.string()))
    else:
        coll = pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, dtype=np.int32)), pa.array([collector], pa.string()), safe=False
        )
    lc_vals = np.frombuffer(_buf(c["lcomm_val"]), dtype=np.uint32).reshape(-1, 3)
    lcomm_struct = pa.StructArray.from_arrays(
        [pa.array(lc_vals[:, 0]), pa.array(lc_vals[:, 1]), pa.array(lc_vals[:, 2])],
        fields=list(LARGE_COMMUNITY),
    )
    asp_valid, asp_nulls = c["as_path_valid"], c["as_path_valid_nulls"]
    arrays = [
        coll,
        _dict8(n, c["record_type"], _RECORD_TYPES),
        _dict8(n, c["elem"], _ELEM_TYPES),
        _prim(pa.timestamp("us", tz="UTC"), n, c["ts"]),
        peer_ip,
        _prim(pa.uint32(), n, c["peer_asn"]),
        _string(n, pfx_valid, pfx_nulls, c["pfx_off"], c["pfx_data"]),
        _prim(pa.int8(), n, c["af"], pfx_valid, pfx_nulls),
        _prim(pa.uint8(), n, c["plen"], pfx_valid, pfx_nulls),
        _prim(pa.uint64(), n, c["start"], pfx_valid, pfx_nulls),
        _prim(pa.uint64(), n, c["end"], pfx_valid, pfx_nulls),
        _prim(pa.uint64(), n, c["start_lo"], pfx_valid, pfx_nulls),
        _prim(pa.uint64(), n, c["end_lo"], pfx_valid, pfx_nulls),
        _prim(pa.uint32(), n, c["path_id"], c["path_id_valid"], c["path_id_valid_nulls"]),
        _list(
            pa.list_(pa.uint32()),
            n,
            asp_valid,
            asp_nulls,
            c["as_path_off"],
            _prim(pa.uint32(), _n(c["as_path_val"], 4), c["as_path_val"]),
        ),
        _list(
            pa.list_(pa.uint8()),
            n,
            c["as_flags_valid"],
            c["as_flags_valid_nulls"],
            c["as_flags_off"],
            _prim(pa.uint8(), _n(c["as_flags_val"], 1), c["as_flags_val"]),
        ),
        _list(
            pa.list_(pa.uint32()),
            n,
            asp_valid,
            asp_nulls,
            c["origins_off"],
            _prim(pa.uint32(), _n(c["origins_val"], 4), c["origins_val"]),
        ),
        _string(n, c["nh_valid"], c["nh_valid_nulls"], c["nh_off"], c["nh_data"]),
        _dict8(n, c["origin"], _ORIGINS, c["origin_valid"], c["origin_valid_nulls"]),
        _prim(pa.uint32(), n, c["med"], c["med_valid"], c["med_valid_nulls"]),
        _prim(pa.uint32(), n, c["lp"], c["lp_valid"], c["lp_valid_nulls"]),
        _list(
            pa.list_(pa.uint32()),
            n,
            c["comm_valid"],
            c["comm_valid_nulls"],
            c["comm_off"],
            _prim(pa.uint32(), _n(c["comm_val"], 4), c["comm_val"]),
        ),
        _list(
            pa.list_(LARGE_COMMUNITY),
            n,
            c["lcomm_valid"],
            c["lcomm_valid_nulls"],
            c["lcomm_off"],
            lcomm_struct,
        ),
        pa.Array.from_buffers(
            pa.bool_(),
            n,
            [_validity(asp_valid, asp_nulls), pa.py_buffer(c["atomic"])],
            null_count=asp_nulls,
        ),
        _prim(pa.uint32(), n, c["agg_asn"], c["agg_valid"], c["agg_valid_nulls"]),
        _string(n, c["agg_valid"], c["agg_valid_nulls"], c["agg_ip_off"], c["agg_ip_data"]),
        _prim(pa.uint16(), n, c["old_state"], c["state_valid"], c["state_valid_nulls"]),
        _prim(pa.uint16(), n, c["new_state"], c["state_valid"], c["state_valid_nulls"]),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


_EOF = object()


class MRTReader:
    """Iterate over the elements of one MRT file as Arrow record batches.

    `on_done(report)` is called once the whole file has been read (not when iteration stops
    early or fails)."""

    def __init__(
        self,
        path: Path | str,
        *,
        collector: str | None = None,
        strict: bool = True,
        batch_size: int = DEFAULT_BATCH,
        progress: Progress | None = None,
        threaded: bool = True,
        on_done: Callable[[DecodeReport], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.collector = collector
        self.strict = strict
        self.batch_size = batch_size
        self.progress = progress
        self.threaded = threaded
        self.on_done = on_done
        self.report = DecodeReport(path=str(path))

    def _chunks(self, stream: DecompressedStream) -> Iterator[bytes]:
        total = self.report.compressed_bytes
        while chunk := stream.read():
            if self.progress is not None:
                self.progress(stream.compressed_read, total)
            yield chunk

    def _threaded_chunks(self, stream: DecompressedStream) -> Iterator[bytes]:
        q: queue.Queue[object] = queue.Queue(maxsize=4)
        stop = threading.Event()

        def put(item: object) -> bool:
            """Hand an item over unless the consumer has stopped (never blocks for good)."""
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                for chunk in self._chunks(stream):
                    if not put(chunk):
                        return
                put(_EOF)
            except BaseException as exc:  # handed to the consumer
                put(exc)

        t = threading.Thread(target=produce, name=f"mrt-read-{self.path.name}", daemon=True)
        t.start()
        try:
            while True:
                item = q.get()
                if item is _EOF:
                    return
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, bytes)
                yield item
        finally:
            stop.set()
            t.join()

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for cols in self.columns():
            yield batch_from_columns(cols, self.collector)

    def columns(self) -> Iterator[dict[str, Any]]:
        """The decoder's raw column buffers per batch (what `__iter__` wraps as Arrow)."""
        dec = _mrt.Decoder(strict=self.strict, batch_size=self.batch_size)
        stream = _open(self.path)
        self.report.compression = stream.kind
        self.report.compressed_bytes = self.path.stat().st_size
        try:
            chunks = self._threaded_chunks(stream) if self.threaded else self._chunks(stream)
            for chunk in chunks:
                dec.feed(chunk)
                while (cols := self._decode(dec, False)) is not None:
                    yield cols
            if stream.damage is not None and self.strict:
                self._fill_report(dec, stream)
                raise self._stream_error(dec, stream.damage)
            # the end: what is left is one incomplete record at most (lenient: counted)
            while (cols := self._decode(dec, True)) is not None:
                yield cols
        finally:
            stream.close()
            self._fill_report(dec, stream)
        if self.on_done is not None:
            self.on_done(self.report)

    def _stream_error(self, dec: Any, damage: StreamDamage) -> MRTDecodeError:
        s = dec.stats()
        offset, present = int(s["offset"]), int(s["buffered"])
        if present:
            cut = f"the record at byte offset {offset:,} is incomplete ({present:,} bytes present)"
        else:
            cut = f"the data end at a record boundary, byte offset {offset:,}"
        after = _LOST_AFTER.get(damage.kind, "the rest of the file")
        return MRTDecodeError(
            str(self.path),
            offset,
            int(s["records"]),
            f"{damage.message}: {int(s['records_ok']):,} complete records before it; {cut}; "
            f"lost: {after}",
            compressed_offset=damage.compressed_offset,
            hint="the file is damaged or was cut short (an incomplete download?): fetch it "
            "again, or decode with strict=False (--lenient) to keep the complete records "
            "before the damage",
        )

    def _decode(self, dec: Any, final: bool) -> dict[str, Any] | None:
        try:
            cols: dict[str, Any] | None = dec.decode(final)
        except _mrt.DecodeError as exc:
            reason, offset, record = exc.args
            self._fill_report(dec, None)
            raise MRTDecodeError(str(self.path), offset, record, reason) from None
        return cols

    def _fill_report(self, dec: Any, stream: DecompressedStream | None) -> None:
        s = dec.stats()
        r = self.report
        r.records = s["records"]
        r.records_ok = s["records_ok"]
        r.elements = s["elements"]
        r.skipped_records = s["skipped_records"]
        r.skipped_bytes = s["skipped_bytes"]
        r.unsupported_records = s["unsupported_records"]
        r.resyncs = s["resyncs"]
        r.partial_records = s["partial_records"]
        r.issues = [(int(o), int(rec), str(m)) for o, rec, m in dec.issues()]
        if s["tail_offset"] >= 0:
            r.incomplete_record = {
                "offset": int(s["tail_offset"]),
                "present": int(s["tail_present"]),
                "announced": int(s["tail_announced"]),
            }
        if stream is None:
            return
        r.bytes_decompressed = stream.decompressed
        r.compressed_read = stream.compressed_read
        if stream.damage is not None:
            r.stream_damage = stream.damage.as_dict()
            r.issues.append((stream.damage.decompressed_offset, r.records, stream.damage.message))


def _open(path: Path) -> DecompressedStream:
    try:
        return open_stream(path)
    except OSError as exc:
        raise InputError(
            f"cannot open: {exc.strerror}", path=path, hint="check the path and its permissions"
        ) from exc


def read_table(path: Path | str, **kwargs: Any) -> pa.Table:
    """Decode a whole file into one table (for small files and tests)."""
    reader = MRTReader(path, **kwargs)
    return pa.Table.from_batches(list(reader), schema=SCHEMA)
