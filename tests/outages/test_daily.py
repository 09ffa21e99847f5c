"""The outage step's signals stored per day (outages.daily): a new day's files cost one day of
signal work, and what the step detects from the stored days equals one computation over the
whole window (`lake.detect`), bin for bin, on a simulated world (seed 5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from nethealth.lake.build import run_build
from nethealth.lake.raw import RawStore
from nethealth.outages import daily, lake
from nethealth.outages.cli import app as outages_app
from nethealth.settings import Settings, load_settings
from nethealth.sources import rir

START = dt.date(2025, 6, 1)


def _fetch(settings: Settings, mirror: Path, last: dt.date) -> None:
    root = typer.Typer()

    @root.callback()
    def _cb(ctx: typer.Context) -> None:
        ctx.obj = settings

    root.add_typer(outages_app, name="outages")
    args = [
        "outages", "fetch", "--from", START.isoformat(), "--to", last.isoformat(),
        "--collector", "rrc00", "--collector", "route-views2",
        "--ris-base-url", (mirror / "ris").as_uri(),
        "--routeviews-base-url", (mirror / "routeviews" / "route-views2").as_uri(),
        "--atlas-dumps-base-url", (mirror / "atlas" / "atlas-daily-dumps").as_uri(),
        "--atlas-probes-base-url", (mirror / "atlas" / "probes" / "archive").as_uri(),
    ]  # fmt: skip
    res = CliRunner().invoke(root, args)
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[daily.DayStats]]:
    """A lake built on days 1-2 of a 3-day simulated world (seed 5), then again once day 3's
    files arrived."""
    from nethealth.sim import run
    from nethealth.sim.config import SimConfig

    sim = tmp_path_factory.mktemp("sim") / "sim-5"
    run(SimConfig(out=sim, seed=5, scale="tiny", days=3, start=START))
    mirror = sim / "mirror"
    settings = load_settings(data_dir=tmp_path_factory.mktemp("data"))
    local = settings.model_copy(
        update={"rir_base_urls": {r: (mirror / "rir" / r).as_uri() for r in rir.RIRS}}
    )
    rir.fetch(local, RawStore(settings.raw_dir), day=START)
    run_build([rir.STEP], settings)
    stats = []
    _fetch(settings, mirror, START + dt.timedelta(days=1))
    stats.append(lake.detect_daily(settings)[1])
    _fetch(settings, mirror, START + dt.timedelta(days=2))
    stats.append(lake.detect_daily(settings)[1])
    stats.append(lake.detect_daily(settings)[1])
    return settings, stats


def test_a_new_day_costs_one_day_of_signal_work(
    grown: tuple[Settings, list[daily.DayStats]],
) -> None:
    _settings, (first, second, third) = grown
    d = [START + dt.timedelta(days=i) for i in range(4)]
    # days 1-2, and the minutes of day 3 that day 2's last update files describe
    assert first.computed == d[:3] and first.reused == []
    # day 3 arrives: day 3 (whose partition held only those minutes) and day 4's minutes
    # are computed; days 1 and 2 are read back
    assert second.computed == d[2:4] and second.reused == d[:2]
    assert second.spans_decoded >= 1  # the new day's BGP episodes asked of their peers
    # nothing new: nothing computed, no episode's peers asked again (peer_counts.json)
    assert third.computed == [] and third.reused == d[:4] and third.spans_decoded == 0


def _sorted(t: pa.Table) -> pa.Table:
    return t.sort_by([("signal", "ascending"), ("entity", "ascending"), ("bin_start", "ascending")])


@pytest.mark.parametrize("cells", [None, 2000], ids=["one-chunk", "entity-by-entity"])
def test_stored_days_detect_what_one_whole_window_computation_detects(
    grown: tuple[Settings, list[daily.DayStats]], cells: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also with the detector holding about one entity's series at a time (`cells`): the
    region episodes a network explains are dropped across chunks as in one pass."""
    settings, _stats = grown
    if cells is not None:
        monkeypatch.setattr(daily, "CHUNK_CELLS", cells)
    new, _ = lake.detect_daily(settings)
    old = lake.detect(settings)
    assert (new.start, new.end, new.geo_source) == (old.start, old.end, old.geo_source)
    assert old.events.num_rows >= 3  # the labelled outages of the three days
    assert new.events.equals(old.events)
    assert _sorted(lake.signals_table(new)).equals(_sorted(lake.signals_table(old)))
    assert new.artefacts.equals(old.artefacts)
    assert new.notes == old.notes


def test_every_stored_series_equals_the_whole_window_bin_for_bin(
    grown: tuple[Settings, list[daily.DayStats]],
) -> None:
    """Every series (every ASN, not only those in events), each day's part against the same
    bins of one computation over the window (the latter from the RIB at the start and every
    update since; the days from the state carried from day to day)."""
    import numpy as np

    settings, _stats = grown
    old = lake.detect(settings)
    inputs = lake.lake_inputs(settings)
    ranges, _ = lake.country_ranges(settings, old.history_start)
    whole = lake.compute_series(settings, inputs, ranges, start=old.history_start, end=old.end)
    days = [d for d, _lo, _hi in daily.days_of(old.history_start, old.end)]
    stored = {
        (s.signal, s.entity): s
        for s in daily.window_series(settings, days, old.history_start, old.end, 300)
    }
    bgp = [s for s in whole if not s.signal.startswith("atlas")]
    assert len(bgp) > 50
    for s in whole:
        mine = stored[(s.signal, s.entity)]
        assert np.array_equal(mine.values, s.values, equal_nan=True), (s.signal, s.entity)


def test_each_day_is_a_partition_with_its_fingerprint(
    grown: tuple[Settings, list[daily.DayStats]],
) -> None:
    settings, _stats = grown
    parts = sorted(p.name for p in daily.days_dir(settings).glob("day=*"))
    assert parts == [f"day={START + dt.timedelta(days=i)}" for i in range(4)]
    keys = {
        pq.read_schema(daily.day_dir(settings, START) / f"{n}.parquet").metadata[
            b"nethealth.day_key"
        ]
        for n in daily.FILES
    }
    assert len(keys) == 1
    state = daily.read_state(settings, START)
    routes = pa.concat_tables(state.route_batches())  # stored, read a batch at a time
    assert routes.num_rows > 0 and set(state.peers) >= {
        p.split("|")[0] + "|" + p.split("|")[1] for p in routes["peer"].to_pylist()
    }


def test_a_changed_file_recomputes_its_day_and_the_days_after_only(
    grown: tuple[Settings, list[daily.DayStats]], tmp_path: Path
) -> None:
    """A day's fingerprint chains the previous day's (its state is where the next begins):
    a republished update file of day 2 recomputes days 2 onwards, never day 1."""
    import json
    import shutil

    settings, _stats = grown
    shutil.copytree(settings.data_dir, tmp_path / "copy")
    copy = load_settings(data_dir=tmp_path / "copy")
    prov = sorted((copy.raw_dir / "bgp-ris" / "2025-06-02").glob("*.updates.*.prov.json"))[10]
    doc = json.loads(prov.read_text())
    doc["sha256"] = "0" * 64  # as if the publisher had replaced the file
    prov.write_text(json.dumps(doc))
    _result, stats = lake.detect_daily(copy)
    d = [START + dt.timedelta(days=i) for i in range(4)]
    assert stats.reused == d[:1] and stats.computed == d[1:]
