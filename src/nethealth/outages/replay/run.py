"""Generate a replay tree: read the real table, draw the scenario, write the files."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from nethealth.errors import ConfigError
from nethealth.outages import seeds
from nethealth.outages.replay.base import BaseTable, read_base
from nethealth.outages.replay.scenario import ReplayConfig, geo_ranges, locate, plan
from nethealth.outages.replay.write import write_replay

Progress = Callable[[str, int, int], None]


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


def only_countries(base: BaseTable, cc: np.ndarray, countries: Sequence[str]) -> BaseTable:
    """The table restricted to prefixes located in some countries (small, fast replays)."""
    keep = np.isin(np.where(cc == None, "", cc).astype(str), list(countries))  # noqa: E711
    if not keep.any():
        raise ConfigError(
            f"no prefix of the table is located in {', '.join(countries)}",
            hint="give ISO 3166-1 alpha-2 codes of countries with routes in the table",
        )
    idx = np.flatnonzero(keep)
    return replace(
        base,
        af=base.af[idx],
        net=base.net[idx],
        plen=base.plen[idx],
        origin=base.origin[idx],
        paths=[base.paths[i] for i in idx.tolist()],
    )


def generate(
    rib: Path,
    out: Path,
    config: ReplayConfig,
    *,
    assets_dir: Path,
    countries: Sequence[str] = (),
    progress: Progress = _noop,
) -> dict[str, Any]:
    """Write a replay of `rib` into `out` (which must not hold one already); the manifest."""
    config.check()
    if (out / "replay.json").exists():
        raise ConfigError(
            f"{out} already holds a replay", hint="give a new directory, or delete that one"
        )
    t = time.monotonic()
    progress("read rib", 0, 1)
    base = read_base(rib)
    ranges = geo_ranges(assets_dir)
    g = locate(base, ranges)
    if countries:
        base = only_countries(base, g.cc, [c.upper() for c in countries])
        g = locate(base, ranges)
    progress("read rib", 1, 1)
    p = plan(base, g, config)
    manifest = write_replay(
        p,
        base,
        out,
        progress,
        extra={
            "seed_kind": seeds.kind_of(config.seed, replay=True),
            "countries": sorted(c.upper() for c in countries) or None,
            "generate_seconds": None,
        },
    )
    manifest["generate_seconds"] = round(time.monotonic() - t, 1)
    return manifest
