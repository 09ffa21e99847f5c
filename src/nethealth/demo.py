"""The offline demo: real registry data from installed npm packages plus a simulated world.

The simulator writes its files in the publishers' own layouts, so the demo fetches them with the
same fetchers (through file:// URLs) and builds them with the same pipeline as real data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from nethealth import pipeline
from nethealth.areas import get_source
from nethealth.economics import worldbank
from nethealth.errors import ConfigError
from nethealth.lake.build import StepOutcome
from nethealth.lake.raw import RawStore
from nethealth.lake.storage import atomic_path
from nethealth.routing import caida
from nethealth.rpki import source as rpki_source
from nethealth.rpki.config import rpki_config
from nethealth.settings import Settings
from nethealth.shutdowns.importer import import_file
from nethealth.sim.config import GENERATOR_VERSION, SimConfig
from nethealth.sources import atlas, dbip, ipdb, peeringdb, rir, tranco
from nethealth.sources.base import LoadOptions
from nethealth.sources.collectors import Collector, fetch_dumps
from nethealth.sources.load import load_files
from nethealth.standards.scanlist import RESULT_SCHEMA, store_root
from nethealth.standards.source import TOPLIST

Progress = Callable[[str, int, int], None]
# Fixed, so the demo is the same on every machine; on or after the pinned ip-location-db data
# (npm 2.3.2026061719): a RIB older than that snapshot would map its space with a later one,
# which the as-of rule (nethealth.common.asof) refuses.
DEMO_START = date(2026, 6, 18)


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
    log("reading the simulated CAIDA-like AS relationships file (leak detection)")
    serial2 = mirror / "caida" / "as-relationships" / "serial-2"
    caida.fetch(settings, store, month=config.start, base_url=serial2.as_uri())
    log("reading the simulated World Bank figures (cost estimates; invented, not real)")
    worldbank.fetch(
        settings, years=(2010, config.start.year), base_url=(mirror / "worldbank").as_uri(),
        snapshot=config.start.isoformat(),
    )  # fmt: skip
    log("reading the simulated RIPE Atlas dumps and probe archive")
    atlas.fetch(settings.model_copy(update={
        "atlas_dumps_base_url": (mirror / "atlas" / "atlas-daily-dumps").as_uri(),
        "atlas_probes_base_url": (mirror / "atlas" / "probes" / "archive").as_uri(),
    }), store, first=config.start, last=config.start)  # fmt: skip
    log("reading the simulated DB-IP city file (regions of the outage signals; invented)")
    dbip.fetch(settings, store, month=config.start, base_url=(mirror / "dbip").as_uri())
    lists = sorted((mirror / "toplists" / "country").glob("*.csv"))
    log(f"reading the simulator's {len(lists)} per-country top lists (scan targets; invented)")
    toplist = get_source(TOPLIST)
    for path in lists:
        load_files(settings, toplist, [path], LoadOptions(day=config.start, country=path.stem))
    log("reading the simulator's Tranco-style global list (scan targets; invented)")
    load_files(settings, get_source(tranco.SOURCE_ID), [mirror / "tranco" / "top-1m.csv"],
               LoadOptions(day=config.start))  # fmt: skip
    copied = copy_scans(settings, config.out)
    log(f"reading the simulator's scans of those lists ({copied} batches; invented)")
    return pipeline.build(settings, progress=progress, on_step=on_step)


def copy_scans(settings: Settings, sim_out: Path) -> int:
    """The simulator's scan store into the data directory's (`nethealth scan-list`'s), where
    the build step `scan_results` reads it. A batch already there with the same bytes is kept
    (the step's fingerprint does not change); a batch of another schema is an error."""
    src_root = sim_out / "scans"
    batches = sorted(src_root.glob("*/*/*/batch-*.parquet")) if src_root.is_dir() else []
    for src in batches:
        schema = pq.read_schema(src)
        if not schema.equals(RESULT_SCHEMA):
            raise ConfigError(
                f"{src}: simulated scan batch with columns {schema.names}, not scan-list's",
                hint="delete the simulated world (data/sim) and rerun `nethealth demo`",
            )
        dest = store_root(settings) / src.relative_to(src_root)
        data = src.read_bytes()
        if dest.is_file() and dest.read_bytes() == data:
            continue
        with atomic_path(dest) as tmp:
            tmp.write_bytes(data)
    return len(batches)
