"""Outage detection: nethealth's detector against the IODA baseline, scored causally, per
signal and per scenario family — the tables of docs/benchmarks.md.

* Simulator (`nethealth outages evaluate`): small worlds, 4 days, per signal (BGP only,
  Atlas only, fused), per detector; means over the seeds given.
* Real-route replays (`nethealth outages replay`): the real 2010 RIS table replayed with N
  full-feed peers, two days of churn, artefacts and injected outages; event-level scores per
  detector, summed over the seeds given.

Seeds are named apart in `nethealth.outages.seeds`: `--set tuning` runs the tuning seeds,
`--set evaluation` the held-out ones (run those once, after the rules are frozen); the
report says which it ran. Usage:

    python benchmarks/bench_outages.py --set tuning --work /tmp/outage-bench \\
        [--sim] [--replay] [--peers 2 5 10 30] [--rib PATH] [--json OUT]

Work directories are kept and reused (a simulated world or a replay is generated once).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RIB = (
    REPO.parent / "shared" / "data" / "bgp" / "derived" / "rrc06-full-20100701.tdv2.mrt.gz"
)


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sim_runs(seeds: list[int], work: Path) -> list[dict[str, Any]]:
    from nethealth.outages.simeval import evaluate_sim

    out = []
    for seed in seeds:
        t = time.monotonic()
        ev = evaluate_sim(seed, "small", 4, workdir=work)
        rows = []
        for c in ev.conditions:
            for s in c.scores:
                rows.append({
                    "condition": c.name.split(",")[0], "detector": s.detector,
                    "precision": s.precision, "recall": s.recall, "f1": s.f1,
                    "delay_median_s": s.delay(50), "false_per_week": s.false_per_week,
                    "true": s.true_alarms, "false": s.false_alarms,
                })  # fmt: skip
        out.append({"seed": seed, "rows": rows, "seconds": round(time.monotonic() - t, 1)})
        print(f"sim seed {seed}: {time.monotonic() - t:.0f} s", file=sys.stderr, flush=True)
    return out


def sim_table(runs: list[dict[str, Any]]) -> str:
    keys = []
    for r in runs[0]["rows"] if runs else []:
        keys.append((r["condition"], r["detector"]))
    lines = [
        "| signal | detector | mean precision | mean recall | mean F1 (range) "
        "| median of per-seed median delay (min) | mean false alarms / week |",
        "|---|---|---|---|---|---|---|",
    ]
    for cond, det in keys:
        rows = [
            r for run in runs for r in run["rows"] if (r["condition"], r["detector"]) == (cond, det)
        ]
        f1 = [r["f1"] for r in rows]
        lines.append(
            f"| {cond} | {det} | {_fmt(float(np.nanmean([r['precision'] for r in rows])))} "
            f"| {_fmt(float(np.nanmean([r['recall'] for r in rows])))} "
            f"| {_fmt(float(np.nanmean(f1)))} ({_fmt(min(f1))}–{_fmt(max(f1))}) "
            f"| {_fmt(float(np.nanmedian([r['delay_median_s'] for r in rows])) / 60, '.1f')} "
            f"| {_fmt(float(np.nanmean([r['false_per_week'] for r in rows])), '.1f')} |"
        )
    per_seed = ["", "| seed | signal | detector | precision | recall | F1 | median delay (min) "
                "| false alarms / week |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for run in runs:
        for r in run["rows"]:
            per_seed.append(
                f"| {run['seed']} | {r['condition']} | {r['detector']} | {_fmt(r['precision'])} "
                f"| {_fmt(r['recall'])} | {_fmt(r['f1'])} | {_fmt(r['delay_median_s'] / 60, '.1f')} "
                f"| {_fmt(r['false_per_week'], '.1f')} |"
            )
    return "\n".join(lines + per_seed)


def replay_runs(
    peers: list[int], seeds: list[int], work: Path, rib: Path, assets: Path
) -> list[dict[str, Any]]:
    from nethealth.outages.replay.run import generate
    from nethealth.outages.replay.scenario import ReplayConfig
    from nethealth.outages.replay.score import LONG, evaluate_replay

    out = []
    for n in peers:
        for seed in seeds:
            root = work / f"replay-{n}-{seed}"
            t = time.monotonic()
            if not (root / "replay.json").is_file():
                generate(rib, root, ReplayConfig(peers=n, seed=seed), assets_dir=assets)
            gen = time.monotonic() - t
            ev = evaluate_replay(root, assets)
            rows = []
            for s in ev.event_scores:
                d = s.delays(LONG)
                rows.append({
                    "detector": s.detector, "events": s.events, "true": s.true_events,
                    "false": s.false_events, "days": s.days,
                    "outages_30": len(s._outages(LONG)), "found_30": len(d),
                    "outages": len(s._outages()), "found": len(s.delays()),
                    "delay_max_s": max(d, default=None), "delays_s": d,
                    "per_outage_max": max(s.per_outage.values(), default=0),
                    "on_artefacts": s.on_artefacts, "on_throttling": s.on_throttling,
                    "small_country": s.small_country_events,
                })  # fmt: skip
            out.append({"peers": n, "seed": seed, "rows": rows,
                        "artefacts": ev.artefacts.num_rows, "counts": ev.manifest["counts"],
                        "generate_s": round(gen, 1), "seconds": ev.seconds,
                        "peak_rss_mib": round(_peak_mib())})  # fmt: skip
            print(f"replay {n} peers seed {seed}: {time.monotonic() - t:.0f} s, peak "
                  f"{_peak_mib():.0f} MiB", file=sys.stderr, flush=True)  # fmt: skip
    return out


def replay_table(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| full-feed peers | detector | events | false / day | recall, outages ≥ 30 min "
        "| recall, all outages | onset delay median / max (min) | events per outage (max) "
        "| false events on artefacts | on throttling | country events < 5 % |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in sorted({r["peers"] for r in runs}):
        mine = [r for r in runs if r["peers"] == n]
        for det in [row["detector"] for row in mine[0]["rows"]]:
            rows = [row for r in mine for row in r["rows"] if row["detector"] == det]
            days = sum(r["days"] for r in rows)
            delays = [d for r in rows for d in r["delays_s"]]
            lines.append(
                f"| {n} | {det} | {sum(r['events'] for r in rows)} "
                f"| {sum(r['false'] for r in rows) / days:.1f} "
                f"| {sum(r['found_30'] for r in rows)}/{sum(r['outages_30'] for r in rows)} "
                f"| {sum(r['found'] for r in rows)}/{sum(r['outages'] for r in rows)} "
                f"| {_fmt(float(np.median(delays)) / 60 if delays else None, '.1f')} / "
                f"{_fmt(max(delays) / 60 if delays else None, '.1f')} "
                f"| {max(r['per_outage_max'] for r in rows)} | {sum(r['on_artefacts'] for r in rows)} "
                f"| {sum(r['on_throttling'] for r in rows)} | {sum(r['small_country'] for r in rows)} |"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from nethealth.outages import seeds as seed_sets

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("tuning", "evaluation"), default="tuning")
    ap.add_argument("--work", type=Path, default=Path("/tmp/nethealth-outage-bench"))
    ap.add_argument("--sim", action="store_true", help="the simulator family")
    ap.add_argument("--replay", action="store_true", help="the replay family")
    ap.add_argument("--peers", type=int, nargs="+", default=[2, 5, 10, 30])
    ap.add_argument("--sim-seeds", type=int, nargs="*", help="override the seed set")
    ap.add_argument("--replay-seeds", type=int, nargs="*", help="override the seed set")
    ap.add_argument("--rib", type=Path, default=DEFAULT_RIB)
    ap.add_argument("--assets", type=Path, default=REPO / "node_modules")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    args = ap.parse_args(argv)
    if not args.sim and not args.replay:
        args.sim = args.replay = True
    tuning = args.set == "tuning"
    sim_seeds = args.sim_seeds or list(
        seed_sets.SIM_TUNING_SEEDS[-5:] if tuning else seed_sets.SIM_EVALUATION_SEEDS
    )
    replay_seeds = args.replay_seeds or list(
        seed_sets.REPLAY_TUNING_SEEDS[:1] if tuning else seed_sets.REPLAY_EVALUATION_SEEDS
    )
    args.work.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"set": args.set}
    if args.sim:
        kinds = {seed_sets.kind_of(s) for s in sim_seeds}
        print(f"### Simulator, small, 4 days, seeds {sim_seeds} ({', '.join(sorted(kinds))})\n")
        doc["sim"] = sim_runs(sim_seeds, args.work)
        print(sim_table(doc["sim"]), flush=True)
    if args.replay:
        if not args.rib.is_file():
            print(f"{args.rib} is absent: no replay (it lives in ../shared/data)", file=sys.stderr)
            return 1
        kinds = {seed_sets.kind_of(s, replay=True) for s in replay_seeds}
        print(f"\n### Replays of {args.rib.name}, 2 days, seeds {replay_seeds} "
              f"({', '.join(sorted(kinds))})\n")  # fmt: skip
        doc["replay"] = replay_runs(args.peers, replay_seeds, args.work, args.rib, args.assets)
        print(replay_table(doc["replay"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
