"""Benchmark: nethealth's pure-Python LZ4 frame decoder against the `lz4` tool, same input, and
the IHR hegemony parser's rate on what it decompresses.

    .venv/bin/python benchmarks/bench_lz4.py [--bins 4]

Input: the real IHR global hegemony list in ../shared/data (74,862 ASes) written in the IHR
archive's shape (`timebin,originasn,asn,hege,af`) for `--bins` 15-minute time bins, compressed
by `lz4` (Debian package lz4, the reference implementation). Both sides decompress it; the
outputs must be identical. Times are CPU seconds of each side (the tool's from its process's
rusage), so a shared machine does not distort the ratio much.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nethealth.formats.hegemony import parse_hegemony
from nethealth.formats.lz4 import decompress

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HEGEMONY = SHARED / "bgp/hegemony/AS_hegemony_20230801.csv.gz"


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bins", type=int, default=4)
    args = ap.parse_args()
    tool = shutil.which("lz4")
    if tool is None or not HEGEMONY.is_file():
        print("skipped: needs the lz4 tool and ../shared/data")
        return 0
    rows = gzip.decompress(HEGEMONY.read_bytes()).decode().splitlines()[1:]
    t0 = datetime(2023, 8, 1, tzinfo=UTC)
    lines = ["timebin,originasn,asn,hege,af"]
    for b in range(args.bins):
        stamp = (t0 + timedelta(minutes=15 * b)).strftime("%Y-%m-%d %H:%M:%S+00")
        lines += [f"{stamp},0,{r},4" for r in rows]
    data = ("\n".join(lines) + "\n").encode()
    packed = subprocess.run([tool, "-q", "-c"], input=data, capture_output=True, check=True).stdout

    before = _children_cpu()
    theirs = subprocess.run([tool, "-q", "-d", "-c"], input=packed, capture_output=True,
                            check=True).stdout  # fmt: skip
    tool_cpu = _children_cpu() - before
    start = time.process_time()
    ours = decompress(packed, "bench")
    our_cpu = time.process_time() - start
    assert ours == theirs == data
    start = time.process_time()
    table = parse_hegemony(ours, "bench").table
    parse_cpu = time.process_time() - start
    assert table.num_rows == len(lines) - 1

    mb = len(data) / 1e6
    print(f"input: {len(lines) - 1:,} rows, {mb:.1f} MB CSV, {len(packed) / 1e6:.1f} MB LZ4\n")
    print("| step | nethealth | lz4 tool | ratio |\n|---|---:|---:|---:|")
    print(f"| LZ4 frame decompression (checksums verified) | {mb / our_cpu:.1f} MB/s | "
          f"{mb / max(tool_cpu, 1e-3):.0f} MB/s | {our_cpu / max(tool_cpu, 1e-3):.0f}× slower |")  # fmt: skip
    print(
        f"| hegemony CSV parse (no peer) | {table.num_rows / parse_cpu / 1e3:.0f} k rows/s | "
        "– | – |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
