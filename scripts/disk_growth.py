"""Disk growth per source per month, measured on a simulated world (docs/operations.md, "Disk").

    nethealth sim --scale full --out OUT            # once: ~1.5 GB, minutes
    python scripts/disk_growth.py --sim OUT --data DATA [--build]
    python scripts/disk_growth.py --data DATA --no-fetch     # measure an existing data directory

Runs `nethealth update` (fetch only) against the simulator's mirror (file:// URLs laid out as
the publishers lay them out) for the day after the simulated day, measures what each source
stored (bytes counted once per inode), and projects it per month from the source's cadence:
everything kept, and under the source's default retention (`nethealth prune`). `--build` also
builds the `bgp` step to measure the decoded-RIB cache (`lake/.work/decoded-ribs`) and the
lake's datasets. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from nethealth.areas import all_sources
from nethealth.lake.raw import RawStore
from nethealth.ops.update import run_update
from nethealth.settings import load_settings

RIRS = ("afrinic", "apnic", "arin", "lacnic", "ripencc")
DAYS_PER_MONTH = 30.44


def mirror_with_fixes(sim: Path, work: Path) -> Path:
    """The simulator's mirror, plus what its layout lacks for the fetchers: Tranco's list is
    served zipped (the simulator writes the CSV)."""
    mirror = sim / "mirror"
    extra = work / "mirror-extra"
    extra.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(extra / "top-1m.csv.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(mirror / "tranco/top-1m.csv", "top-1m.csv")
    return extra


def settings_for(sim: Path, data: Path, extra: Path) -> Any:
    m = (sim / "mirror").resolve()
    url = m.as_uri()
    ris = sorted(p.name for p in (m / "ris").iterdir())
    rv = sorted(p.name for p in (m / "routeviews").iterdir() if p.name != "route-views2")
    return load_settings(
        data_dir=data,
        rir_base_urls={r: f"{url}/rir/{r}" for r in RIRS},
        atlas_dumps_base_url=f"{url}/atlas/atlas-daily-dumps",
        atlas_probes_base_url=f"{url}/atlas/probes/archive",
        worldbank_base_url=f"{url}/worldbank",
        update_collectors={"bgp-ris": ris, "bgp-routeviews": rv},
        update_bgp_kinds=["rib", "updates"],
        update_backfill_days=1,
        update_base_urls={
            "peeringdb": f"{url}/peeringdb-api",
            "rpki": f"{url}/rpki/vrps.json",
            "bgp-ris": f"{url}/ris",
            "bgp-routeviews": f"{url}/routeviews",
            "tranco": extra.resolve().as_uri(),
            "caida-asrel": f"{url}/caida/as-relationships/serial-2",
            "dbip-city": f"{url}/dbip",
            "access-now": f"{url}/accessnow/keepiton-stop-combined.csv",
        },
        update_sources=",".join(
            s.id
            for s in all_sources()
            if s.fetch is not None
            and s.id
            not in ("ipdb", "as-names", "ihr-hegemony", "irr")  # not written by the simulator
        ),
    )


def unique_bytes(paths: list[Path]) -> int:
    seen: dict[tuple[int, int], int] = {}
    for p in paths:
        st = p.stat()
        seen[(st.st_dev, st.st_ino)] = st.st_size
    return sum(seen.values())


def du(path: Path) -> int:
    return unique_bytes([p for p in path.rglob("*") if p.is_file()]) if path.exists() else 0


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB" if n < 1e9 else f"{n / 1e9:,.2f} GB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sim", type=Path, help="the simulator's output directory")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--build", action="store_true")
    ap.add_argument("--no-fetch", action="store_true", help="measure DATA as it is")
    args = ap.parse_args()
    settings: Any
    if args.no_fetch:
        settings = load_settings(data_dir=args.data)
    else:
        if args.sim is None:
            ap.error("--sim is needed unless --no-fetch")
        manifest = json.loads((args.sim / "sim.json").read_text())
        start = date.fromisoformat(manifest["start"])
        if args.data.exists():
            shutil.rmtree(args.data)
        extra = mirror_with_fixes(args.sim, args.data.parent / f"{args.data.name}-work")
        settings = settings_for(args.sim, args.data, extra)
        t0 = time.monotonic()
        report = run_update(settings, today=start + timedelta(days=1), build=False, prune=False)
        print(f"update: {report.status} in {time.monotonic() - t0:.0f}s (scale "
              f"{manifest.get('scale')}, simulated day {start})\n", file=sys.stderr)  # fmt: skip
    store = RawStore(settings.raw_dir)
    print(
        "| source | files | snapshot days | bytes per snapshot day | per month, all kept "
        "| default retention | per month under it | after a year under it |"
    )
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for source in all_sources():
        files = store.files(source.id)
        if not files:
            continue
        days = {f.provenance.snapshot for f in files}
        per_day = unique_bytes([f.path for f in files]) / len(days)
        cad = source.cadence
        every = cad.every_days or 1
        per_month_all = per_day * DAYS_PER_MONTH / every
        kept = cad.retention
        # under retention: the newest `daily` snapshot days, then one a month (kept for
        # `monthly` months, or forever): the store grows by one snapshot a month
        snaps_per_month = min(DAYS_PER_MONTH / every, 1.0)
        year = per_day * (min(kept.daily, 365 / every) + 12 * snaps_per_month)
        print(f"| {source.id} | {len(files)} | {len(days)} | {mb(per_day)} | {mb(per_month_all)} "
              f"| {kept.describe()} | {mb(per_day * snaps_per_month)} | {mb(year)} |")  # fmt: skip
    if args.build:
        from nethealth import pipeline

        t1 = time.monotonic()
        pipeline.build(settings, only=("countries", "ipdb", "rir", "bgp"))
        lake = settings.lake_dir
        ribs = [f for s in ("bgp-ris", "bgp-routeviews") for f in store.files(s)
                if ".bview." in f.path.name or ".rib." in f.path.name]  # fmt: skip
        cache = du(lake / ".work")
        print(f"\nbgp step: {time.monotonic() - t1:.0f}s; decoded-RIB cache {mb(cache)} for "
              f"{len(ribs)} RIBs ({mb(sum(f.provenance.size for f in ribs))} compressed); "
              f"lake datasets {mb(du(lake) - cache)}")  # fmt: skip
    print(f"\nraw store: {mb(du(settings.raw_dir))}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault(
        "NETHEALTH_ASSETS_DIR", str(Path(__file__).resolve().parents[1] / "node_modules")
    )
    sys.exit(main())
