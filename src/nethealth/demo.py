"""The offline demo: real registry data from installed npm packages plus a simulated world.

The simulator writes its files in the publishers' own layouts, so the demo fetches them with the
same fetchers (through file:// URLs) and builds them with the same pipeline as real data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from nethealth import pipeline
from nethealth.bgp.collectors import Collector, fetch_dumps
from nethealth.lake.build import StepOutcome
from nethealth.lake.raw import RawStore
from nethealth.rpki import source as rpki_source
from nethealth.rpki.config import rpki_config
from nethealth.settings import Settings
from nethealth.shutdowns.importer import import_file
from nethealth.sim.config import GENERATOR_VERSION, SimConfig
from nethealth.sources import ipdb, peeringdb, rir

Progress = Callable[[str, int, int], None]
DEMO_START = date(2026, 6, 1)  # fixed, so the demo is the same on every machine


def sim_dir(settings: Settings) -> Path:
    return settings.data_dir / "sim"


def _sim_is_current(config: SimConfig) -> bool:
    manifest = config.out / "sim.json"
    if not manifest.is_file():
        return False
    doc = json.loads(manifest.read_text())
    return bool(
        doc.get("seed") == config.seed
        and doc.get("scale") == config.scale
        and doc.get("start") == config.start.isoformat()
        and doc.get("generator_version") == GENERATOR_VERSION
    )


def _fetch_ribs(
    settings: Settings, store: RawStore, config: SimConfig, mirror: Path, log: Callable[[str], None]
) -> None:
    """The first RIB dump of the start day and the day's update dumps from every simulated
    collector: RIBs give the state (routing indicators), updates the changes (incidents and
    outage signals)."""
    manifest = json.loads((config.out / "sim.json").read_text())
    t0 = datetime.combine(config.start, time(0), tzinfo=UTC)
    log(f"reading simulated RIB and update dumps of {len(manifest['collectors'])} collectors")
    for c in manifest["collectors"]:
        collector = Collector(c["project"], c["name"])
        # The simulator keeps route-views2 in a directory of its own; the real archive (and
        # archive_url) has it at the root, the other RouteViews collectors below it.
        if c["project"] == "ris":
            base = mirror / "ris"
        elif c["name"] == "route-views2":
            base = mirror / "routeviews" / "route-views2"
        else:
            base = mirror / "routeviews"
        fetch_dumps(settings, store, [collector], "rib", t0, t0 + timedelta(hours=1),
                    base_url=base.as_uri())  # fmt: skip
        fetch_dumps(settings, store, [collector], "updates", t0, t0 + timedelta(days=1),
                    base_url=base.as_uri())  # fmt: skip


def prepare(
    settings: Settings,
    *,
    seed: int = 7,
    scale: str = "small",
    progress: Progress | None = None,
    on_step: Callable[[StepOutcome], None] | None = None,
    log: Callable[[str], None] = lambda _m: None,
) -> list[StepOutcome]:
    """Simulate (if needed), fetch everything from local sources, and build the lake."""
    from nethealth.sim import run as run_sim

    config = SimConfig(out=sim_dir(settings), seed=seed, scale=scale, days=1, start=DEMO_START)  # type: ignore[arg-type]
    if _sim_is_current(config):
        log(f"simulated world in {config.out} is current (seed {seed})")
    else:
        log(f"simulating a {scale} world (seed {seed}) into {config.out}")
        run_sim(config, progress)
    snapshots = [
        date.fromisoformat(d)
        for d in json.loads((config.out / "sim.json").read_text())["snapshots"]
    ]
    store = RawStore(settings.raw_dir)
    log(f"reading real ip-location-db data from {settings.assets_dir}")
    ipdb.fetch(settings, store, base_url=settings.assets_dir.resolve().as_uri(), progress=progress)
    mirror = (config.out / "mirror").resolve()
    local = settings.model_copy(update={
        "rir_base_urls": {r: (mirror / "rir" / r).as_uri() for r in rir.RIRS},
        "peeringdb_archive_base_url": (mirror / "peeringdb").as_uri(),
    })  # fmt: skip
    log(f"reading {len(snapshots)} simulated monthly snapshots of RIR and PeeringDB data")
    for day in snapshots:
        rir.fetch(local, store, day=day)
        peeringdb.fetch(local, store, day=day)
    log("reading the simulated RPKI validator export and shutdown sheet")
    vrps = rpki_config(settings, vrp_archive_url=mirror.as_uri() + "/rpki/{ymd}/vrps.json")
    rpki_source.fetch(settings, store, vrps, day=config.start)
    import_file(settings, mirror / "accessnow" / "keepiton-stop-combined.csv", actor="demo")
    _fetch_ribs(settings, store, config, mirror, log)
    outcomes = pipeline.build(settings, progress=progress, on_step=on_step)
    _detect_outages(settings, mirror, progress, log)
    _detect_incidents(settings, config, mirror, progress, log)
    pipeline.build(settings)  # nothing to rebuild: refreshes the catalog with the events
    return outcomes


def _detect_incidents(
    settings: Settings,
    config: SimConfig,
    mirror: Path,
    progress: Progress | None,
    log: Callable[[str], None],
) -> None:
    """Routing incidents (hijacks, leaks, MOAS, bogons) in the simulated start day's updates."""
    import pyarrow as pa

    from nethealth.formats.vrp import read_vrps
    from nethealth.lake.storage import write_parquet_atomic
    from nethealth.routing.detect import Window, detect_all, intervals_of

    month = f"{config.start:%Y.%m}"
    ribs = sorted(mirror.glob(f"ris/*/{month}/bview.{config.start:%Y%m%d}.0000.gz"))
    ribs += sorted(
        mirror.glob(f"routeviews/*/bgpdata/{month}/RIBS/rib.{config.start:%Y%m%d}.0000.bz2")
    )
    updates = sorted(mirror.glob(f"ris/*/{month}/updates.{config.start:%Y%m%d}.*.gz"))
    updates += sorted(
        mirror.glob(f"routeviews/*/bgpdata/{month}/UPDATES/updates.{config.start:%Y%m%d}.*")
    )
    t0 = datetime.combine(config.start, time(0), tzinfo=UTC)
    window = Window(
        [(r, None) for r in ribs], [(u, None) for u in updates], t0, t0 + timedelta(days=1)
    )
    intervals = intervals_of(window, progress or (lambda _m, _d, _t: None))
    vrps = read_vrps(mirror / "rpki" / f"{config.start:%Y%m%d}" / "vrps.json").vrps
    found, _ = detect_all(intervals, vrps, None)
    found = found.append_column("simulated", pa.array([True] * found.num_rows, pa.bool_()))
    write_parquet_atomic(settings.lake_dir / "routing_incidents.parquet", found)
    log(f"detected {found.num_rows} routing incidents in the simulated BGP updates")


def _detect_outages(
    settings: Settings, mirror: Path, progress: Progress | None, log: Callable[[str], None]
) -> None:
    """Detected events from the simulated BGP updates and Atlas results, beside curated ones."""
    from nethealth.outages import lake as outage_lake
    from nethealth.outages.config import load_outage_settings

    result = outage_lake.detect(
        settings,
        start=None,
        end=None,
        config=load_outage_settings(),
        detector="nethealth",
        extra_bgp=[mirror / "ris", mirror / "routeviews"],
        extra_atlas=[mirror / "atlas"],
        progress=progress or (lambda _m, _d, _t: None),
        strict=True,
    )
    outage_lake.write(settings, result)
    log(f"detected {result.events.num_rows} outage events in the simulated BGP and Atlas data")
