"""`nethealth outages evaluate`: both detectors on a simulated world with ground truth.

The simulator writes real-format MRT and Atlas files plus labels/events.json; the signals are
computed from those files exactly as from real data (same decoder, same signal code), then
both detectors run on the same series and are scored with the same matching.
"""

from __future__ import annotations

import calendar
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa

from nethealth.errors import InputError
from nethealth.outages import geo, ioda
from nethealth.outages.evaluate import Label, Score, markdown, read_labels, score
from nethealth.outages.fusion import DETECTORS, Detection, only_signals, run_detector
from nethealth.outages.inputs import (
    atlas_coverage,
    coverage,
    delegation_files,
    find_atlas,
    find_mrt,
    read_atlas,
    read_bgp,
    select_mrt,
    update_gaps,
)
from nethealth.outages.series import Series
from nethealth.outages.signals import atlas as atlas_signal
from nethealth.outages.signals import bgp as bgp_signal

Progress = Callable[[str, int, int], None]
SIM_START = date(2025, 6, 1)


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


CLEAN = "as simulated"


@dataclass
class Condition:
    name: str
    series: list[Series]
    detections: dict[str, list[Detection]]
    scores: list[Score]
    notes: dict[str, int] = field(default_factory=dict)


@dataclass
class Evaluation:
    seed: int | None
    scale: str | None
    days: int
    start: int
    end: int
    labels: list[Label]
    conditions: list[Condition]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def scores(self) -> list[Score]:
        """The fused condition's scores (every signal)."""
        return self.conditions[-1].scores

    def condition(self, which: str) -> Condition:
        """`bgp`, `atlas` or `all`."""
        title = dict(SIGNAL_SETS)[which]
        return next(c for c in self.conditions if c.name.startswith(title))

    def markdown(self) -> str:
        from nethealth.outages.seeds import kind_of

        kind = kind_of(self.seed) if self.seed is not None else "unknown"
        out = [
            f"Simulated world: seed {self.seed} ({kind} seed), scale {self.scale}, {self.days} "
            f"day(s); {sum(lab.is_outage for lab in self.labels)} outage events and "
            f"{sum(not lab.is_outage for lab in self.labels)} routing events labelled. "
            f"`{ioda.FEW_NAME}`: IODA's active-probing thresholds on the Atlas series whose "
            f"history holds fewer than {ioda.MIN_PROBES:.0f} probes, reported apart (`ioda` and "
            "`ioda-critical` judge only the others).\n"
        ]
        for c in self.conditions:
            notes = ", ".join(f"{k} {v}" for k, v in c.notes.items())
            out.append(f"### {c.name} ({len(c.series)} series{'; ' + notes if notes else ''})\n")
            out.append(markdown(c.scores))
        return "\n".join(out)


@dataclass
class TreeSeries:
    bgp: list[Series]
    atlas: list[Series]
    timings: dict[str, float]
    views: dict[int, bgp_signal.PeerViews] = field(default_factory=dict)


def tree_regions(mirror: Path, at: int) -> pa.Table | None:
    """Region ranges from the tree's DB-IP city file of the latest month not after `at` (the
    earliest when all are later); None when the tree has none (then no region series)."""
    from nethealth.sources.dbip import FILE_NAME

    found = sorted(p for p in (mirror / "dbip").glob("dbip-city-lite-*") if FILE_NAME.match(p.name))
    if not found:
        return None
    month = time.strftime("%Y-%m", time.gmtime(at))
    before = [p for p in found if p.name[15:22] <= month]
    return geo.region_ranges_from_file(before[-1] if before else found[0])


def series_from_tree(
    root: Path,
    start: int,
    end: int,
    progress: Progress = _noop,
    workers: int = 1,
) -> TreeSeries:
    """BGP and Atlas series from a simulator output tree (or any tree in publisher layout)."""
    timings: dict[str, float] = {}
    mirror = root / "mirror" if (root / "mirror").is_dir() else root
    t = time.monotonic()
    ranges = geo.ranges_from_delegated_files(
        [p for p in delegation_files([mirror / "rir"]) if p.name.endswith("-latest")]
        or delegation_files([mirror / "rir"])
    )
    regions = tree_regions(mirror, start)
    bgp_roots = [d for d in (mirror / "ris", mirror / "routeviews") if d.is_dir()]
    files = select_mrt(find_mrt(bgp_roots), start, end) if bgp_roots else []
    tables = read_bgp(files, progress=progress)
    timings["bgp_decode"] = time.monotonic() - t
    t = time.monotonic()
    vis = bgp_signal.visibility(
        tables, ranges, start=start, end=end, coverage=coverage(files), regions=regions,
        gaps=update_gaps(files), keep_views=True,
    )  # fmt: skip
    timings["bgp_signal"] = time.monotonic() - t
    out = TreeSeries(list(vis.series), [], timings, dict(vis.views))
    if (mirror / "atlas").is_dir():
        t = time.monotonic()
        found = find_atlas([mirror / "atlas"])
        results, probes, _ = read_atlas(
            found, start=start, end=end, progress=progress, workers=workers
        )
        span = atlas_coverage(found)
        out.atlas = atlas_signal.signals(
            results,
            start=start,
            end=end,
            probes=probes,
            ranges=ranges,
            data_span=span,
            regions=regions,
        )
        timings["atlas"] = time.monotonic() - t
    return out


NOISY = "as simulated, with measurement noise and routine churn"
# The evaluation per signal: each detector on BGP alone, on Atlas alone, and on everything.
SIGNAL_SETS = (("bgp", "BGP only"), ("atlas", "Atlas only"), ("all", "fused (every signal)"))


def _is_noise_count(key: str) -> bool:
    return key in (
        "atlas_noise_missing_results",
        "atlas_platform_gaps",
        "atlas_power_cut_countries",
        "bgp_background_changes",
        "bgp_session_outages",
    )


def evaluate_tree(root: Path, progress: Progress = _noop, workers: int = 1) -> Evaluation:
    manifest = root / "sim.json"
    try:
        sim = json.loads(manifest.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(
            f"cannot read the simulator manifest: {exc}",
            path=manifest,
            hint="give the output directory of `nethealth sim`",
        ) from None
    first = date.fromisoformat(sim["start"])
    start = calendar.timegm(first.timetuple())
    end = start + int(sim["days"]) * 86400
    labels = read_labels(root / "labels" / "events.json")
    ts = series_from_tree(root, start, end, progress, workers=workers)
    noise = sim.get("noise") or {}
    notes = {k: int(v) for k, v in (sim.get("counts") or {}).items() if _is_noise_count(k)}
    conditions = []
    world = NOISY if noise.get("enabled") else CLEAN
    everything = ts.bgp + ts.atlas
    for which, title in SIGNAL_SETS:
        series = only_signals(everything, which)
        if not series:
            continue
        detections: dict[str, list[Detection]] = {}
        scores: list[Score] = []
        for name in DETECTORS:
            if name == ioda.FEW_NAME and which == "bgp":
                continue  # the thin Atlas series only: nothing to read in BGP
            t = time.monotonic()
            detections[name] = run_detector(name, series, progress, views=ts.views)
            ts.timings[f"detect_{name}"] = ts.timings.get(f"detect_{name}", 0.0) + (
                time.monotonic() - t
            )
            scores.append(score(name, detections[name], labels, data_start=start, data_end=end))
        conditions.append(Condition(f"{title}, {world}", series, detections, scores, notes))
    return Evaluation(
        sim.get("seed"),
        sim.get("scale"),
        int(sim["days"]),
        start,
        end,
        labels,
        conditions,
        ts.timings,
    )


def evaluate_sim(
    seed: int,
    scale: str = "tiny",
    days: int = 3,
    *,
    workdir: Path | None = None,
    progress: Progress = _noop,
    workers: int = 1,
    noise: bool = True,
) -> Evaluation:
    """Simulate a world into a temporary directory (or `workdir`) and evaluate on it;
    `noise=False` turns the simulator's measurement noise and routine churn off."""
    from nethealth.sim import run as run_sim
    from nethealth.sim.config import NoiseConfig, SimConfig

    with tempfile.TemporaryDirectory(prefix="nethealth-eval-") as tmp:
        name = f"sim-{seed}-{scale}-{days}" + ("" if noise else "-clean")
        out = (workdir or Path(tmp)) / name
        t = time.monotonic()
        if not (out / "sim.json").is_file():
            config = SimConfig(
                out=out,
                seed=seed,
                scale=scale,  # type: ignore[arg-type]
                days=days,
                start=SIM_START,
                noise=NoiseConfig(enabled=noise),
            )
            run_sim(config, lambda m, d, n: progress(f"sim {m}", d, n))
        sim_seconds = time.monotonic() - t
        ev = evaluate_tree(out, progress, workers=workers)
        ev.seconds["simulate"] = sim_seconds
        return ev
