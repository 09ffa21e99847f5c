"""Benchmark of nethealth.sim: wall time and peak RSS per scale, element counts, and the
agreement of Debian's bgpdump with the simulator's own MRT element counts.

Usage:
    .venv/bin/python benchmarks/bench_sim.py [--scales tiny small full] [--out DIR]
                                             [--seed N] [--days N] [--workers N] [--verify]

Each scale runs in a fresh interpreter so that peak RSS is per scale. ``--verify`` runs
``bgpdump -m`` over every MRT file written and reports its throughput next to ours.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_one(scale: str, out: Path, seed: int, days: int, workers: int) -> dict[str, Any]:
    from nethealth.sim import SimConfig, run

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    result = run(
        SimConfig(
            out=out,
            seed=seed,
            scale=scale,
            days=days,  # type: ignore[arg-type]
            start=dt.date(2025, 6, 1),
            workers=workers,
        )
    )
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    total_bytes = sum(f.size for f in result.files)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {
        "scale": scale,
        "seed": seed,
        "days": days,
        "workers": workers,
        "wall_s": round(wall, 2),
        "peak_rss_worker_bytes": children,
        "cpu_s": round(time.process_time() - cpu0 + _children_cpu(), 2),
        "peak_rss_bytes": peak,
        "files": len(result.files),
        "bytes": total_bytes,
        "counts": result.counts,
    }


def verify(out: Path) -> dict[str, Any]:
    """bgpdump -m over every MRT file; element counts must equal the simulator's."""
    bgpdump = shutil.which("bgpdump")
    if bgpdump is None:
        return {"bgpdump": "not installed"}
    doc = json.loads((out / "sim.json").read_text())
    mismatches = []
    lines_total = 0
    t0 = time.perf_counter()
    for rel, expected in doc["mrt_elements"].items():
        proc = subprocess.Popen(
            [bgpdump, "-m", str(out / rel)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdout is not None
        n = sum(1 for _ in proc.stdout)
        err = proc.stderr.read().decode() if proc.stderr else ""
        proc.wait()
        errors = [ln for ln in err.splitlines() if ln.strip() and "logging to syslog" not in ln]
        if n != expected or proc.returncode or errors:
            mismatches.append({"file": rel, "sim": expected, "bgpdump": n, "errors": errors[:3]})
        lines_total += n
    secs = time.perf_counter() - t0
    return {
        "mrt_files": len(doc["mrt_elements"]),
        "bgpdump_elements": lines_total,
        "bgpdump_s": round(secs, 1),
        "bgpdump_elements_per_s": round(lines_total / secs) if secs else None,
        "mismatches": mismatches,
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", nargs="+", default=["tiny", "small"])
    ap.add_argument("--out", type=Path, default=Path("/tmp/nethealth-bench-sim"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--verify", action="store_true")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.out, args.seed, args.days, args.workers)))
        return 0
    reports = []
    for scale in args.scales:
        out = args.out / scale
        if out.exists():
            shutil.rmtree(out)
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                scale,
                "--out",
                str(out),
                "--seed",
                str(args.seed),
                "--days",
                str(args.days),
                "--workers",
                str(args.workers),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rep = json.loads(proc.stdout.strip().splitlines()[-1])
        if args.verify:
            rep["verify"] = verify(out)
        reports.append(rep)
        c = rep["counts"]
        print(
            f"{scale:5s} wall {rep['wall_s']:8.1f} s  cpu {rep['cpu_s']:8.1f} s  "
            f"peak RSS {rep['peak_rss_bytes'] / 2**30:5.2f} GiB "
            f"(worker {rep['peak_rss_worker_bytes'] / 2**30:4.2f})  "
            f"prefixes {c['prefixes_v4'] + c['prefixes_v6']:>9,}  "
            f"RIB entries {c['rib_entries']:>11,}  updates {c['update_elements']:>10,}  "
            f"files {rep['files']:>6,}  {rep['bytes'] / 2**20:9.1f} MiB",
            flush=True,
        )
        if args.verify:
            v = rep["verify"]
            print(
                f"      bgpdump: {v.get('bgpdump_elements', 0):,} elements in "
                f"{v.get('bgpdump_s')} s, mismatches: {len(v.get('mismatches', []))}",
                flush=True,
            )
    (args.out / "report.json").write_text(json.dumps(reports, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
