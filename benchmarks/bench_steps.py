"""The `bgp` + `routing` lake steps for one day, before vs after "one decode per RIB, bounded
memory": wall time, CPU time and peak RSS of each step, each in its own process.

before: the `bgp` step decodes the RIB to a temporary Parquet file and deletes it; the `routing`
        step decodes the same MRT file again (`read_routes`) into one in-memory routes table and
        computes its tables from it (`routing.snapshot.compute`).
after:  the `bgp` step keeps the decoded RIB (`bgp.derived.decoded_rib`); the `routing` step
        reads it with DuckDB in passes over prefix partitions (`snapshot.compute_from_elements`).
Relationships (Gao, no CAIDA file stored): before, from every route's AS path in memory; after,
from the distinct paths with their route counts, grouped out of core by DuckDB
(`routes.route_paths`), the same result (tests/routing/test_asrank.py).

Inputs: (a) the real RIS rrc06 RIB of 2010-07-01 (642k entries), (b) a RIB of >= 25M entries
made by replicating the peers of (a) (`bench_mrt.make_full_rib`). VRPs are made from (a)'s own
routes (no 2010 VRP set exists) so that valid, invalid and not-found routes all occur. Big files
go to a temporary directory outside the repository, removed at the end.

Usage: python benchmarks/bench_steps.py [--entries N] [--skip-large] [--tmp DIR]
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
RAW_NAME = "rrc06.bview.20100701.0000.gz"
MODES = (
    "before-bgp", "after-bgp", "before-rov", "after-rov", "after-relationships",
    "before-relationships",
)  # fmt: skip
CAP_GIB = 18  # address-space cap of each child: a failed run, not an out-of-memory machine


def make_vrps(out: Path) -> None:
    """A VRP dataset (`rpki_vrps`) from the RIB's routes: every 5th (prefix, origin) a ROA, every
    7th another origin's ROA, every 11th a ROA of its covering prefix (too specific)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from nethealth.routing.routes import read_routes
    from nethealth.rpki.constructed import mixed_state_vrps

    seen = read_routes([(RIB, "rrc06")], DAY, strict=False)
    vrps = mixed_state_vrps(seen, "bench")
    n = vrps.num_rows
    vrps = vrps.add_column(0, "snapshot", pa.array([DAY] * n, pa.date32()))
    pq.write_table(vrps.append_column("simulated", pa.array([True] * n)), out)


def setup(data_dir: Path, rib: Path) -> None:
    """A data directory whose raw store holds `rib` as the day's RIS RIB, and its VRPs."""

    from nethealth.lake.raw import RawStore
    from nethealth.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    data_dir.mkdir(parents=True)
    tmp = data_dir / "in.tmp"
    shutil.copy(rib, tmp)
    RawStore(settings.raw_dir).store_file(
        "bgp-ris", DAY.isoformat(), RAW_NAME, tmp, url=f"file:///{RAW_NAME}",
        licence="RIPE NCC RIS (benchmark copy)", upstream_modified=None,
    )  # fmt: skip
    settings.lake_dir.mkdir(parents=True, exist_ok=True)
    make_vrps(settings.lake_dir / "rpki_vrps.parquet")


def child(mode: str, data_dir: Path) -> None:
    """One step of one side, in this process (what the parent measures)."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from nethealth.bgp import derived, step
    from nethealth.bgp.ingest import ingest_file
    from nethealth.lake.build import StepContext
    from nethealth.lake.raw import RawStore
    from nethealth.routing import coverage_step as routing_step
    from nethealth.routing import relationships
    from nethealth.routing import snapshot as snap
    from nethealth.routing.routes import read_routes, route_paths
    from nethealth.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    raw = RawStore(settings.raw_dir)
    ctx = StepContext(settings, mode, raw, settings.lake_dir, lambda *_: None)
    ribs = derived.select_ribs(raw.files("bgp-ris"))[DAY]
    con = duckdb.connect()
    vrps, _ = routing_step.vrps_for(con, ctx.dataset_path("rpki_vrps"), DAY)
    cc = routing_step.asn_country(con, ctx.dataset_path("rir_delegations"), DAY)
    if mode == "after-bgp":
        step.STEP.run(ctx)
    elif mode == "after-rov":  # day_tables now, but for the relationships (measured apart)
        elements = [derived.decoded_rib(settings.lake_dir, f, c) for c, f in ribs]
        snap.compute_from_elements(con, elements, vrps, DAY, cc)
    elif mode == "after-relationships":  # distinct paths with counts (DuckDB, out of core)
        elements = [derived.decoded_rib(settings.lake_dir, f, c) for c, f in ribs]
        paths, counts = route_paths(elements)
        relationships.infer_gao(paths, weights=counts)
    elif mode == "before-relationships":  # every route's path in memory, as before
        elements = [derived.decoded_rib(settings.lake_dir, f, c) for c, f in ribs]
        every = [pq.read_table(e, columns=["as_path"])["as_path"] for e in elements]
        relationships.infer_gao(
            pa.chunked_array([c for t in every for c in t.chunks]).combine_chunks()
        )
    elif mode == "before-bgp":  # the step's body as it was: decode to a temporary file
        work = Path(tempfile.mkdtemp(dir=settings.lake_dir))
        parquets = [
            Path(ingest_file(f.path, work / c, collector=c, strict=False).output) for c, f in ribs
        ]
        derived.snapshot_tables(parquets, DAY, False, {})
        shutil.rmtree(work)
    elif mode == "before-rov":  # day_tables as it was: decode again, one table in memory
        routes = read_routes([(f.path, c) for c, f in ribs], DAY)
        snap.compute(routes, vrps, DAY, cc)
    ctx.discard()


@dataclass
class Run:
    input: str
    mode: str
    wall: float
    cpu: float
    rss_mib: float
    failed: str = ""  # why the child failed (e.g. the address-space cap), else ""


def _cap() -> None:
    cap = CAP_GIB * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def measure(mode: str, data_dir: Path, label: str) -> Run:
    """Run one mode in a child under GNU time: wall, user+sys CPU and peak RSS of that child."""
    stats = data_dir / "time.out"
    cmd = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(stats), sys.executable,
           str(Path(__file__).resolve()), "--child", mode, str(data_dir)]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=REPO, check=False, capture_output=True, text=True, preexec_fn=_cap
    )
    wall = time.perf_counter() - t0
    rss_kb, user, sys_ = stats.read_text().split()[-3:]
    why = ""
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or [f"status {proc.returncode}"]
        why = f"failed under a {CAP_GIB} GiB address-space cap: {last[0][:120]}"
        print(f"  {label} {mode}: {why}", file=sys.stderr)
    return Run(label, mode, wall, float(user) + float(sys_), int(rss_kb) / 1024, why)


def bench(label: str, rib: Path, root: Path, modes: tuple[str, ...]) -> list[Run]:
    data = root / label.split()[0].strip("()")
    setup(data, rib)
    runs = []
    for m in modes:
        runs.append(measure(m, data, label))
        print(f"  {label} {m}: {runs[-1]}", file=sys.stderr)
    cache = sum(p.stat().st_size for p in data.glob("lake/.work/**/*.parquet"))
    print(f"  {label}: decoded-RIB cache {cache / 2**20:.0f} MiB", file=sys.stderr)
    shutil.rmtree(data)
    return runs


def _cells(r: Run | None) -> tuple[str, str, str]:
    if r is None:
        return "not run", "", ""
    if r.failed:
        return f"failed ({r.wall:.0f} s)", f"{r.cpu:.0f}", f"{r.rss_mib:.0f}"
    return f"{r.wall:.1f}", f"{r.cpu:.1f}", f"{r.rss_mib:.0f}"


def report(runs: list[Run]) -> list[str]:
    lines = [
        "| input | part | before wall s | after wall s | before CPU s | after CPU s "
        "| before peak RSS MiB | after peak RSS MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    by = {(r.input, r.mode): r for r in runs}
    parts = {
        "`bgp` step": ("before-bgp", "after-bgp"),
        "`routing`: ROV tables": ("before-rov", "after-rov"),
        "`routing`: relationships (Gao)": ("before-relationships", "after-relationships"),
    }
    for label in dict.fromkeys(r.input for r in runs):
        for name, (bm, am) in parts.items():
            b, a = by.get((label, bm)), by.get((label, am))
            (bw, bc, br), (aw, ac, ar) = _cells(b), _cells(a)
            lines.append(f"| {label} | {name} | {bw} | {aw} | {bc} | {ac} | {br} | {ar} |")
        pairs = [(by[(label, b)], by[(label, a)]) for b, a in list(parts.values())[:2]]
        if all(not x.failed and not y.failed for x, y in pairs):
            bw_, aw_ = (sum(p[i].wall for p in pairs) for i in (0, 1))
            bc_, ac_ = (sum(p[i].cpu for p in pairs) for i in (0, 1))
            br_, ar_ = (max(p[i].rss_mib for p in pairs) for i in (0, 1))
            lines.append(
                f"| {label} | bgp + ROV tables, after/before | {aw_ / bw_:.2f}× | "
                f"| {ac_ / bc_:.2f}× | | {ar_ / br_:.2f}× (peak) | |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=25_000_000)
    ap.add_argument("--skip-large", action="store_true", help="only the real 2010 RIB")
    ap.add_argument(
        "--relationships-large",
        action="store_true",
        help="also infer relationships from every path of (b) (needs ~18 GiB)",
    )
    ap.add_argument("--tmp", type=Path, default=None, help="work directory (default: system)")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "DATA_DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    if not RIB.is_file():
        print(f"skipped: {RIB} is not there (../shared/data)")
        return 0
    from benchmarks.bench_mrt import make_full_rib

    root = Path(tempfile.mkdtemp(prefix="bench-steps-", dir=args.tmp))
    try:
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores",
              file=sys.stderr)  # fmt: skip
        runs = bench("(a) rrc06 2010", RIB, root, MODES)
        if not args.skip_large:
            big = root / "big.mrt.gz"
            n = make_full_rib(args.entries, big)
            modes = MODES if args.relationships_large else MODES[:-1]
            runs += bench(f"(b) replicated {n / 1e6:.1f}M", big, root, modes)
        print(f"load after: {os.getloadavg()[0]:.2f} (1 min)", file=sys.stderr)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n".join(report(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
