"""The `outages` build step before vs after "signals computed per day and stored" (issue 11
item 5): wall time, CPU time and peak RSS against the number of days of data, each run in its
own process under an address-space cap.

before:       `lake.detect` — one computation over the whole window: every collector's routes
              replayed from the RIB at the start through every update of the window, every
              series of every entity over the window in memory, then the detector.
after, +1 day: `lake.detect_daily` when the days before the last were stored by the previous
              build and the last day's files just arrived: the step's daily cost (that day
              computed, the others read back, the detector over the stored window a chunk of
              entities at a time).
after, cold:  `lake.detect_daily` on an empty `outage_days` store — every day computed, each
              from its own files and the previous day's end state, and stored.

Input: the simulator (`nethealth sim`, seed 5) at the chosen scale over the longest window,
loaded into a raw store with `outages fetch` for the first N days (RIB at the start, every
update dump and Atlas dump after it). Big files go to a temporary directory, removed at the end.

Usage: python benchmarks/bench_outage_step.py [--scale small] [--days 2,5,10] [--cold 10]
       [--tmp DIR] [--sim DIR (reuse a simulated world of at least max(days) days)]
       [--window 10,20 (the detection alone over synthetic windows: every day scored, then
       one day more)] [--grown DIR (only the windows, from the grown data dir of a run)]
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
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
START = date(2025, 6, 1)
SEED = 5
COLLECTORS = ("rrc00", "route-views2")
CAP_GIB = 12  # address-space cap of each child: a failed run, not an out-of-memory machine
MODES = ("before", "after-incremental", "after-cold", "window", "window+1")


def _local(settings: object, mirror: Path) -> object:
    from nethealth.settings import Settings
    from nethealth.sources import rir

    assert isinstance(settings, Settings)
    return settings.model_copy(
        update={
            "rir_base_urls": {r: (mirror / "rir" / r).as_uri() for r in rir.RIRS},
            "ris_base_url": (mirror / "ris").as_uri(),
            "routeviews_base_url": (mirror / "routeviews" / "route-views2").as_uri(),
            "atlas_dumps_base_url": (mirror / "atlas" / "atlas-daily-dumps").as_uri(),
            "atlas_probes_base_url": (mirror / "atlas" / "probes" / "archive").as_uri(),
        }
    )


def load_days(data_dir: Path, mirror: Path, days: int) -> None:
    """The country map, and the BGP and Atlas files of the first `days` days, into the raw
    store of `data_dir` (files already stored are kept)."""
    from nethealth.lake.build import run_build
    from nethealth.lake.raw import RawStore
    from nethealth.outages.fetch import fetch_inputs
    from nethealth.settings import Settings, load_settings
    from nethealth.sources import rir

    settings = load_settings(data_dir=data_dir)
    local = _local(settings, mirror)
    assert isinstance(local, Settings)
    store = RawStore(settings.raw_dir)
    if (
        not store.files("rir-apnic")
        and not (settings.lake_dir / "rir_delegations.parquet").exists()
    ):
        rir.fetch(local, store, day=START)
        run_build([rir.STEP], settings)
    fetch_inputs(local, store, collectors=COLLECTORS, first=START,
                 last=START + timedelta(days=days - 1))  # fmt: skip


def child(mode: str, data_dir: Path) -> None:
    """One side, in this process (what the parent measures)."""
    from nethealth.outages import lake
    from nethealth.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    if mode in ("window", "window+1"):
        _detect_window(settings)
        return
    if mode == "before":
        result = lake.detect(settings)
    else:
        result, stats = lake.detect_daily(settings)
        print(f"days computed {len(stats.computed)}, read back {len(stats.reused)}",
              file=sys.stderr)  # fmt: skip
    print(f"series {result.series}, events {result.events.num_rows}", file=sys.stderr)


def _detect_window(settings: object) -> None:
    """The window-dependent part of the step alone (`lake.detect_stored`: the days not
    scored yet scored (`dayscores`), the episodes from the stored scores, the events and the
    signals dataset written), over the days stored in `outage_days`; no BGP files, so no peer
    questions."""
    import pyarrow.parquet as pq

    from nethealth.outages import daily, lake, robust
    from nethealth.settings import Settings

    assert isinstance(settings, Settings)
    days = sorted(date.fromisoformat(p.name[4:]) for p in daily.days_dir(settings).glob("day=*"))
    first, stop = daily.epoch_of(days[0]), daily.epoch_of(days[-1]) + daily.DAY
    result = lake.detect_stored(settings, days, first, stop, detector=robust.NAME, notes=[],
                                span_views=None, mrt=[], simulated=True, geo_source="sim")  # fmt: skip
    _events, signals = lake.write(settings, result)
    print(f"series {result.series}, events {result.events.num_rows}, "
          f"signal rows {pq.ParquetFile(signals).metadata.num_rows}", file=sys.stderr)  # fmt: skip


def synthetic_window(grown: Path, out: Path, days: int) -> Path:
    """A data dir whose `outage_days` holds `days` stored days: copies of the first whole day
    the grown lake stored, moved on by a day each (its series and grid `start`), beside a copy
    of the grown lake's other datasets. What the window-dependent part reads at full scale
    without simulating that many days; not the signals of real days."""
    shutil.copytree(grown / "lake", out / "lake", ignore=shutil.ignore_patterns("outage_*", ".*"))
    for i in range(days):
        add_synthetic_day(grown, out, i)
    return out


def add_synthetic_day(grown: Path, out: Path, i: int) -> None:
    """Day i of the synthetic window: the grown lake's first stored day moved on by i days."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    src = sorted((grown / "lake" / "outage_days").glob("day=*"))[0]
    d0 = date.fromisoformat(src.name[4:])
    dst = out / "lake" / "outage_days" / f"day={d0 + timedelta(days=i)}"
    dst.mkdir(parents=True)
    for name in ("series", "grid"):
        t = pq.read_table(src / f"{name}.parquet")
        moved = t.set_column(t.schema.get_field_index("start"), "start",
                             pc.add(t["start"], i * 86400))  # fmt: skip
        pq.write_table(moved, dst / f"{name}.parquet", compression="zstd", row_group_size=256)
    for name in ("peers.parquet", "places.parquet", "meta.json"):
        shutil.copy(src / name, dst / name)


@dataclass
class Run:
    days: int
    mode: str
    wall: float
    cpu: float
    rss_mib: float
    failed: str = ""
    note: str = ""


def _cap() -> None:
    cap = CAP_GIB * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def measure(mode: str, data_dir: Path, days: int) -> Run:
    """Run one mode in a child under GNU time: wall, user+sys CPU and peak RSS of that child."""
    stats = data_dir.parent / f"time-{data_dir.name}.out"
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
    note = "; ".join(
        x for x in proc.stderr.strip().splitlines() if x.startswith(("days", "series"))
    )
    run = Run(days, mode, wall, float(user) + float(sys_), int(rss_kb) / 1024, why, note)
    print(f"  {days} days {mode}: {run}", file=sys.stderr)
    return run


def bench(
    root: Path, mirror: Path, counts: list[int], cold: set[int], before: bool = True
) -> list[Run]:
    """For each number of days N (ascending), on one growing lake: the previous builds
    stored the days before; N-1 days are built (catch-up, measured as "after-catch-up"), day
    N's files arrive, then before (N days) and after, +1 day are measured. A cold after on N
    days (an empty `outage_days`, the same raw store) for N in `cold`."""
    grown = root / "grown"
    runs: list[Run] = []
    for n in counts:
        load_days(grown, mirror, n - 1)
        runs.append(measure("after-catch-up", grown, n - 1))
        load_days(grown, mirror, n)
        runs += [measure("before", grown, n)] if before else []
        runs.append(measure("after-incremental", grown, n))
        if n in cold:
            fresh = root / f"cold-{n}"
            fresh.mkdir()
            (fresh / "raw").symlink_to(grown / "raw")  # the same inputs, no stored days
            shutil.copytree(grown / "lake", fresh / "lake",
                            ignore=shutil.ignore_patterns("outage_*", ".*"))  # fmt: skip
            runs.append(measure("after-cold", fresh, n))
            shutil.rmtree(fresh)
    return runs


def _cells(r: Run | None) -> str:
    if r is None:
        return "not run | | "
    if r.failed:
        return f"failed ({r.wall:.0f} s) | {r.cpu:.0f} | {r.rss_mib:.0f}"
    return f"{r.wall:.1f} | {r.cpu:.1f} | {r.rss_mib:.0f}"


def report(runs: list[Run]) -> list[str]:
    lines = [
        "| days | before: wall s / CPU s / peak RSS MiB | after, +1 day | after, cold "
        "| detection alone, synthetic window: every day scored | the same + 1 day |",
        "|---:|---|---|---|---|---|",
    ]
    by = {(r.days, r.mode): r for r in runs}
    for d in sorted({r.days for r in runs if r.mode in MODES}):  # (catch-up runs: log only)
        cells = [_cells(by[(d, m)]).replace(" | ", " / ") if (d, m) in by else "not run"
                 for m in MODES]  # fmt: skip
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    return lines


def make_sim(out: Path, scale: str, days: int) -> None:
    from nethealth.sim import run
    from nethealth.sim.config import SimConfig

    run(SimConfig(out=out, seed=SEED, scale=scale, days=days, start=START))  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", default="small", choices=("tiny", "small", "full"))
    ap.add_argument("--days", default="2,5,10", help="numbers of days, comma-separated")
    ap.add_argument(
        "--cold", default="", help="numbers of days with a cold after run (default: the largest)"
    )
    ap.add_argument("--sim", type=Path, default=None, help="a simulated world to reuse")
    ap.add_argument("--tmp", type=Path, default=None, help="work directory (default: system)")
    ap.add_argument("--before", action=argparse.BooleanOptionalAction, default=True,
                    help="also measure before (the whole-window computation)")  # fmt: skip
    ap.add_argument("--window", default="", help="numbers of days of a synthetic stored window "
                    "(copies of the last grown lake's first stored day) for the detection alone")  # fmt: skip
    ap.add_argument("--grown", type=Path, default=None, help="a grown data dir of an earlier "
                    "run: only the synthetic windows are measured, copied from it")  # fmt: skip
    ap.add_argument("--child", nargs=2, metavar=("MODE", "DATA_DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    counts = sorted({int(x) for x in args.days.split(",")})
    if counts[0] < 2:
        ap.error("--days: at least 2 (the +1 day run needs a day before it)")
    root = Path(tempfile.mkdtemp(prefix="bench-outage-step-", dir=args.tmp))
    try:
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores",
              file=sys.stderr)  # fmt: skip
        sim = args.sim
        if args.grown is not None:
            sim = root  # unused: no days are loaded
        elif sim is None:
            sim = root / "sim"
            t0 = time.perf_counter()
            make_sim(sim, args.scale, counts[-1])
            print(f"  simulated {counts[-1]} days at {args.scale} scale in "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)  # fmt: skip
        cold = {int(x) for x in args.cold.split(",") if x} or {counts[-1]}
        grown = args.grown or root / "grown"
        runs = [] if args.grown else bench(root, sim / "mirror", counts, cold, before=args.before)
        for w in sorted({int(x) for x in args.window.split(",") if x}):
            data = synthetic_window(grown, root / f"window-{w}", w)
            runs.append(measure("window", data, w))  # every day scored: the catch-up
            add_synthetic_day(grown, data, w)
            runs.append(measure("window+1", data, w + 1))  # the new day scored, w read back
            shutil.rmtree(data)
        print(f"load after: {os.getloadavg()[0]:.2f} (1 min)", file=sys.stderr)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n".join(report(runs)))
    for r in runs:
        print(f"{r.days} days {r.mode}: {r.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
