"""The fuzz target: any bytes, strict and lenient, fed in two pieces.

Properties checked on every input: strict mode returns batches or raises DecodeError (nothing
else); lenient mode never raises; every batch is a valid Arrow record batch (offsets, bitmaps
and dictionary indices checked by `validate(full=True)`) and formats to one bgpdump line per
element; skipped bytes never exceed the input.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any


def _load_native() -> Any:
    """NETHEALTH_MRT_SO points at an alternative build (e.g. with AddressSanitizer)."""
    so = os.environ.get("NETHEALTH_MRT_SO")
    if so:
        spec = importlib.util.spec_from_file_location("nethealth.bgp._mrt", so)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules["nethealth.bgp._mrt"] = mod
    from nethealth.bgp import _mrt

    return _mrt


_mrt = _load_native()

from nethealth.bgp.mrt import batch_from_columns  # noqa: E402


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
