"""The `bgp` build step and `nethealth bgp ingest` against the physical floor, plain
decompression of the same file, in the same run (issue 17 item 2).

Every part runs in its own process, pinned to one core by `taskset`, under GNU time (wall,
user+sys CPU, peak RSS) and an 18 GiB address-space cap:

- floor: `gzip -dc FILE > /dev/null` (GNU gzip), and nethealth's own decompression of the file
  (`formats.compression.open_stream`, ISA-L where installed) read to the end;
- ingest: what `nethealth bgp ingest FILE --workers 1` runs (`ingest.ingest_files`: decode,
  Parquet with the decode report); before: the same with the Parquet options before issue 17;
- bgp step, before: the step's code before issue 17 — decode to the decoded-RIB cache with the
  previous Parquet options, then the eleven DuckDB aggregate queries
  (`derived.sql_aggregates`, kept as the reference) and the country tables;
- bgp step, after: `derived.build` on a lake without a decoded-RIB cache (one pass: decode,
  write the cache, aggregate), and again with the cache in place (read back and aggregate).

Rates are RIB entries per CPU second (the machine is shared: CPU time is steadier than wall).
Inputs: (a) the real RIS rrc06 RIB of 2010-07-01 (641,957 entries); (b) 2.57 M and (c) 25 M
entries made by replicating (a)'s peers (`bench_mrt.make_full_rib`); (d) with `--sim DIR`, the
first RIB of a simulated day for each collector (`nethealth sim`), as one step run.

Usage: python benchmarks/bench_bgp_step.py [--skip-large] [--sim DIR [--sim-only]]
       [--no-before] [--no-before-large] [--tmp DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RIB = REPO.parent / "shared" / "data" / "bgp" / "derived" / "rrc06-full-20100701.tdv2.mrt.gz"
DAY = date(2010, 7, 1)
CAP_GIB = 18
PARTS = (
    "floor-gzip", "floor-nethealth", "ingest-before", "ingest", "step-before", "step-after",
    "step-cached",
)  # fmt: skip


@dataclass
class Run:
    input: str
    part: str
    wall: float
    process_cpu: float  # the whole process: interpreter start and imports too
    cpu: float  # the work alone
    rss_mib: float


def _cap() -> None:
    cap = CAP_GIB * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def measure(cmd: list[str], work: Path, own: bool = True) -> tuple[float, float, float, float]:
    """(wall s, user+sys s, CPU s of the work, peak RSS MiB) of `cmd`, pinned to one core; the
    work's CPU time is what a child of this script prints (without interpreter start and
    imports), else the process's."""
    core = str(min(os.sched_getaffinity(0)))
    stats = work / "time.out"
    full = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(stats), "taskset", "-c", core, *cmd]
    t0 = time.perf_counter()
    out = work / "stdout"
    with open(out if own else os.devnull, "wb") as f:
        proc = subprocess.run(
            full, stdout=f, stderr=subprocess.PIPE, cwd=REPO, preexec_fn=_cap, check=False
        )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"{cmd[:3]} failed: {tail}")
    rss_kb, user, sys_ = stats.read_text().split()[-3:]
    cpu = float(user) + float(sys_)
    work_cpu = float(out.read_text().split()[-1]) if own else cpu
    return wall, cpu, work_cpu, int(rss_kb) / 1024


def setup(data_dir: Path, ribs: list[tuple[str, Path]]) -> None:
    """A data directory whose raw store holds each (collector, file) as the day's RIB."""
    from nethealth.lake.raw import RawStore
    from nethealth.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    data_dir.mkdir(parents=True)
    store = RawStore(settings.raw_dir)
    for collector, rib in ribs:
        source = "bgp-routeviews" if collector.startswith("route-views") else "bgp-ris"
        tmp = data_dir / "in.tmp"
        shutil.copy(rib, tmp)
        name = f"{collector}.bview.{DAY:%Y%m%d}.0000{''.join(rib.suffixes[-1:])}"
        store.store_file(
            source, DAY.isoformat(), name, tmp, url=f"file:///{name}",
            licence="benchmark copy", upstream_modified=None,
        )  # fmt: skip
    settings.lake_dir.mkdir(parents=True, exist_ok=True)


def child(part: str, data_dir: Path) -> None:
    """One part of the step, in this process (what the parent measures)."""
    from nethealth.bgp import derived, ingest
    from nethealth.formats.compression import open_stream
    from nethealth.lake.build import StepContext
    from nethealth.lake.raw import RawStore
    from nethealth.settings import load_settings

    if part in ("floor-nethealth", "ingest", "ingest-before"):
        rib = data_dir  # here the file itself
        if part == "ingest-before":
            ingest.WRITE_OPTIONS = {"compression": "zstd"}  # the writer's options before
        t0 = time.process_time()
        if part.startswith("ingest"):  # what `nethealth bgp ingest FILE --workers 1` runs
            out = Path(tempfile.mkdtemp(prefix="ingest-"))
            ingest.ingest_files([rib], out, workers=1)
            shutil.rmtree(out)
        else:
            stream = open_stream(rib)
            while stream.read():
                pass
            stream.close()
        print(time.process_time() - t0)
        return
    settings = load_settings(data_dir=data_dir)
    raw = RawStore(settings.raw_dir)
    ctx = StepContext(settings, "bgp", raw, settings.lake_dir, lambda *_: None)
    t0 = time.process_time()
    if part == "step-before":
        ingest.WRITE_OPTIONS = {"compression": "zstd"}  # the writer's options before
        files = [f for s in derived.SOURCES for f in raw.files(s)]
        for day, ribs in sorted(derived.select_ribs(files).items()):
            parquets = [derived.decoded_rib(settings.lake_dir, f, c) for c, f in ribs]
            peers, origins, links = derived.sql_aggregates(parquets, day, False)
            tables = derived.finish_tables(peers, origins, links, day, False, {})
            for name, table in tables.items():
                ctx.write_dataset(name, table)
    else:
        derived.build(ctx)
    print(time.process_time() - t0)
    ctx.discard()


def bench(label: str, ribs: list[tuple[str, Path]], entries: int, root: Path,
          before: bool) -> list[Run]:  # fmt: skip
    data = root / "data"
    setup(data, ribs)
    runs: list[Run] = []
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    cache = data / "lake" / ".work"
    for part in PARTS:
        if part.endswith("-before") and not before:
            continue
        if part in ("floor-gzip", "floor-nethealth", "ingest-before", "ingest"):
            totals = [0.0, 0.0, 0.0, 0.0]
            for _, rib in ribs:
                if part == "floor-gzip":
                    tool = "gzip" if rib.suffix == ".gz" else "bzip2"
                    m = measure([tool, "-dc", str(rib)], root, own=False)
                else:
                    m = measure([*me, part, str(rib)], root)
                totals = [*(t + x for t, x in zip(totals[:3], m[:3], strict=True)),
                          max(totals[3], m[3])]  # fmt: skip
            runs.append(Run(label, part, *totals))
        else:
            if part != "step-cached":
                shutil.rmtree(cache, ignore_errors=True)  # decode from the raw files
            runs.append(Run(label, part, *measure([*me, part, str(data)], root)))
        r = runs[-1]
        print(f"  {label} {part}: wall {r.wall:.2f} s, CPU {r.cpu:.2f} s "
              f"(process {r.process_cpu:.2f} s), "
              f"{entries / r.cpu / 1e6:.2f} M entries/CPU s, {r.rss_mib:.0f} MiB",
              file=sys.stderr)  # fmt: skip
    shutil.rmtree(data)
    return runs


def report(runs: list[Run], entries: dict[str, int]) -> list[str]:
    lines = [
        "| input | entries | part | wall s | CPU s (process) | M entries / CPU s "
        "| × floor (gzip -dc) | × floor (nethealth) | peak RSS MiB |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in dict.fromkeys(r.input for r in runs):
        by = {r.part: r for r in runs if r.input == label}
        n = entries[label]
        gz, own = by["floor-gzip"].cpu, by["floor-nethealth"].cpu
        for part in PARTS:
            if part not in by:
                continue
            r = by[part]
            lines.append(
                f"| {label} | {n:,} | {part} | {r.wall:.2f} | {r.cpu:.2f} ({r.process_cpu:.2f}) | "
                f"{n / r.cpu / 1e6:.2f} | {r.cpu / gz:.1f}× | {r.cpu / own:.1f}× | "
                f"{r.rss_mib:.0f} |"
            )
        if "step-before" in by:
            speed = by["step-before"].cpu / by["step-after"].cpu
            lines.append(
                f"| {label} | | step after / before (CPU) | | | {speed:.1f}× faster | | | |"
            )
    return lines


def sim_ribs(sim: Path) -> list[tuple[str, Path]]:
    """The first RIB of the simulated day for each collector (what the step picks)."""
    out: dict[str, Path] = {}
    for p in sorted(sim.glob("mirror/ris/*/*/bview.*")):
        out.setdefault(p.parts[-3], p)
    for p in sorted(sim.glob("mirror/routeviews/*/bgpdata/*/RIBS/rib.*")):
        out.setdefault(p.parts[-5], p)
    return sorted(out.items())


def count_entries(ribs: list[tuple[str, Path]]) -> int:
    from nethealth.formats.mrt import MRTReader

    return sum(b.num_rows for _, rib in ribs for b in MRTReader(rib))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skip-large", action="store_true", help="not the 25 M-entry input")
    ap.add_argument("--sim", type=Path, help="a `nethealth sim` output: its day's first RIBs")
    ap.add_argument("--sim-only", action="store_true", help="only the --sim input")
    ap.add_argument("--no-before", action="store_true", help="skip the code before issue 17")
    ap.add_argument(
        "--no-before-large", action="store_true", help="skip it on the 25 M-entry input only"
    )
    ap.add_argument("--tmp", type=Path, default=None, help="work directory (default: system)")
    ap.add_argument("--child", nargs=2, metavar=("PART", "DATA_DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    if not RIB.is_file():
        print(f"skipped: {RIB} is not there (../shared/data)")
        return 0
    from benchmarks.bench_mrt import make_full_rib

    root = Path(tempfile.mkdtemp(prefix="bench-bgp-step-", dir=args.tmp))
    runs: list[Run] = []
    entries: dict[str, int] = {}
    try:
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores",
              file=sys.stderr)  # fmt: skip
        inputs: list[tuple[str, list[tuple[str, Path]]]] = [("(a) rrc06 2010", [("rrc06", RIB)])]
        sizes = [2_570_000] + ([] if args.skip_large else [25_000_000])
        if args.sim_only:
            inputs, sizes = [], []
        for i, size in enumerate(sizes):
            big = root / f"big{i}.mrt.gz"
            n = make_full_rib(size, big)
            inputs.append((f"({'bc'[i]}) replicated {n / 1e6:.2f}M", [("rrc06", big)]))
        if args.sim:
            inputs.append(("(d) simulator day", sim_ribs(args.sim)))
        for label, ribs in inputs:
            entries[label] = count_entries(ribs)
            before = not args.no_before and not (args.no_before_large and label.startswith("(c)"))
            runs += bench(label, ribs, entries[label], root, before)
        print(f"load after: {os.getloadavg()[0]:.2f} (1 min)", file=sys.stderr)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n".join(report(runs, entries)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
