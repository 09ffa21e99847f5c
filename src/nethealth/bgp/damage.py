"""How every build step that reads MRT files reports a damaged or truncated file: one function.

`report_decode(path, report)` hands what decoding a raw file found (a `DecodeReport`, or the
report stored with a decoded file) to the running build step (`StepContext.record_integrity`):
the file is recorded as read completely or as damaged with what was lost, the build's report
names it, and a strict build (`nethealth build --strict`) refuses it. Outside a build it does
nothing: command-line decodes report through their own `--lenient` output.

`build_reader` is the `MRTReader` for code that also runs inside build steps: there it decodes
leniently (the build decides what damage means) and reports when the file has been read;
elsewhere it is a plain `MRTReader` with the caller's `strict`.

The running step is a context variable (`lake.build.current_step`): a decode in a worker process
or a bare `ThreadPoolExecutor` thread does not see it — there, return the report to the step's
own thread and call `report_decode` with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nethealth.formats.mrt import DecodeReport, MRTReader, describe_damage
from nethealth.lake.build import current_step

# the report fields kept in the integrity record (the issue list is summarised by its head)
_DETAIL = (
    "records",
    "records_ok",
    "elements",
    "skipped_records",
    "skipped_bytes",
    "partial_records",
    "resyncs",
    "bytes_decompressed",
    "compression",
    "compressed_bytes",
    "compressed_read",
    "stream_damage",
    "incomplete_record",
)


def report_decode(path: Path, report: DecodeReport | Mapping[str, Any] | None) -> None:
    """Report what decoding the raw MRT file `path` found to the running build step (if any);
    raises the step's InputError when a strict build refuses the damaged file. None: nothing
    is known (a decoded file without its report), so nothing is recorded."""
    ctx = current_step()
    if ctx is None or report is None:
        return
    r = report.as_dict() if isinstance(report, DecodeReport) else dict(report)
    damage = describe_damage(r)
    detail = {k: r[k] for k in _DETAIL if k in r}
    if damage is not None:
        detail["first_issues"] = list(r.get("issues", []))[:5]
    ctx.record_integrity(path, damage, detail)


def build_reader(
    path: Path,
    *,
    collector: str | None = None,
    strict: bool = True,
    threaded: bool = True,
) -> MRTReader:
    """An `MRTReader` that, inside a build step, reads leniently and reports through
    `report_decode` once the file has been read; outside a build, `strict` applies."""
    if current_step() is None:
        return MRTReader(path, collector=collector, strict=strict, threaded=threaded)

    def done(report: DecodeReport) -> None:
        report_decode(path, report)

    return MRTReader(path, collector=collector, strict=False, threaded=threaded, on_done=done)
