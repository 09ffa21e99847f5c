"""The detector a day at a time (outages.dayscores) against the detector over the whole
window: scoring is causal, so a day scored from its look-back and the settled flags of the
days before equals the same bins scored over the whole series; and the episodes found from
the stored rows equal those `fusion.detect_robust` finds from the whole window — here on a
hand-made 12-day world with what the simulator does not exercise: regions (one explained by
a network), a platform gap of the Atlas signals, outages longer than the freeze and crossing
midnight, IODA's majority count, and weekly seasonality long enough for the seasonal rule."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from nethealth.outages import daily, dayscores, fusion, robust
from nethealth.outages.episodes import Episode, runs
from nethealth.outages.series import Series
from nethealth.outages.signals import bgp as daily_bgp
from nethealth.settings import Settings, load_settings

STEP = 300
PER_DAY = 86400 // STEP
START = date(2025, 3, 1)
DAYS = 12


def _converged(series: Series) -> bool:
    """Whether `robust.score`'s passes reached their fixed point (the long runs it froze are
    those of its final flags); where they did not, its references depend on the pass count."""
    p = robust.params_for(series.signal)
    eff = robust.effect_for(series.signal, series.entity)
    v = series.values.astype(float)
    ref = robust._reference(v, v, series.step, p)
    cur = robust._score(v, ref[0], ref[1], None, p, eff)
    frozen = np.zeros(len(v), dtype=bool)
    for k in range(robust.MAX_PASSES):  # as robust.score
        long_runs = [(int(a), int(b)) for a, b in runs(cur.anomalous) if b - a >= p.freeze_bins]
        grown = np.zeros(len(v), dtype=bool)
        for a, b in long_runs:
            grown[a:b] = True
        if k > 0 and (grown == frozen).all():
            return True
        frozen = grown
        if frozen.any():
            ref = robust._causal_reference(v, frozen, long_runs, series.step, p)
        cur = robust._score(v, *ref, p, eff)
    return False


def _random_series(rng: np.random.Generator, trial: int) -> Series:
    n = PER_DAY * 14
    t = np.arange(n)
    signal, entity = [("bgp_weighted", "asn:1"), ("atlas", "country:NL"), ("bgp", "asn:2")][
        trial % 3
    ]
    diurnal = 100 + 30 * np.sin(2 * np.pi * t / PER_DAY)
    v = (diurnal if signal == "atlas" else np.full(n, 200.0)) + rng.normal(0, 3, n)
    for _ in range(int(rng.integers(1, 6))):
        a = int(rng.integers(0, n - 10))
        v[a : a + int(rng.choice([3, 10, 20, 100, 600]))] *= rng.uniform(0.0, 0.8)
    v[rng.random(n) < 0.01] = np.nan
    return Series(signal, entity, 0, STEP, np.round(v))


def test_scoring_the_tail_equals_scoring_the_whole_series() -> None:
    """48 series × 2 cut points (one mid-day) × whole or 9-day look-back: the flags are equal
    every time; the references too wherever the whole computation converged."""
    rng = np.random.default_rng(1)
    compared = refs = 0
    for trial in range(48):
        s = _random_series(rng, trial)
        whole = robust.score(s)
        converged = _converged(s)
        for cut in (PER_DAY * 10, PER_DAY * 12 + 100):
            for lo in (0, cut - PER_DAY * dayscores.LOOKBACK_DAYS):
                part = Series(s.signal, s.entity, lo * STEP, STEP, s.values[lo:])
                tail = robust.score_tail(part, cut - lo, whole.anomalous[lo:cut])
                assert np.array_equal(tail.anomalous, whole.anomalous[cut:]), (trial, cut, lo)
                compared += 1
                if converged:
                    refs += 1
                    assert np.array_equal(tail.reference, whole.reference[cut:], equal_nan=True)
                    assert np.array_equal(tail.z, whole.z[cut:], equal_nan=True)
    assert compared == 192 and refs > 150


# --- a hand-made world stored as days -------------------------------------------------


def _world() -> list[Series]:
    """Whole-window series (12 days): six countries (BGP counts and Atlas), networks, and
    two regions of NL, with known outages."""
    rng = np.random.default_rng(7)
    n = PER_DAY * DAYS
    t = np.arange(n)
    day = lambda d, h=0.0: int(d * PER_DAY + h * 12)  # noqa: E731  (bin of day d, hour h)
    out: list[Series] = []

    def add(signal: str, entity: str, v: np.ndarray) -> np.ndarray:
        out.append(Series(signal, entity, 0, STEP, v))
        return v

    ccs = ["NL", "DE", "FR", "BE", "LU", "AT"]
    for i, cc in enumerate(ccs):
        level = 2000.0 + 300 * i
        bgp = np.round(level + rng.normal(0, 2, n))
        weighted = bgp + 0.5
        atlas = np.round(60 + 10 * np.sin(2 * np.pi * t / PER_DAY) + rng.normal(0, 1.5, n))
        if cc == "DE":  # a national outage across midnight, longer than the freeze
            for v in (bgp, weighted):
                v[day(9, 22) : day(10, 3)] *= 0.3
            atlas[day(9, 22) : day(10, 3)] *= 0.4
        add("bgp", f"country:{cc}", bgp)
        add("bgp_weighted", f"country:{cc}", weighted)
        atlas[day(8, 12) : day(8, 12) + 2] *= 0.5  # the platform gap: every country at once
        add("atlas", f"country:{cc}", atlas)
    for asn in range(1, 41):
        size = float(rng.integers(2, 400))
        v = np.round(size + rng.normal(0, 0.3, n))
        if asn == 3:  # a network outage of two hours on day 6, confirmed by the majority count
            v[day(6, 10) : day(6, 12)] = 0
        if asn == 4:  # a five-minute dip every day at 03:00
            for d in range(DAYS):
                v[day(d, 3) : day(d, 3) + 1] = size * 0.4
        if asn == 5:  # gone for three days from day 10 (frozen history), then back
            v[day(8, 0) :] = np.round(size * 0.2)
        if asn == 7:  # the network that explains region NL-NH's episode
            v[:] = 40.0
            v[day(7, 6) : day(7, 8)] = 10.0
        add("bgp", f"asn:{asn}", v)
        add("bgp_weighted", f"asn:{asn}", v + 0.25)
        if asn % 5 == 0:
            probes = np.round(12 + rng.normal(0, 0.5, n))
            if asn == 10:
                probes[day(11, 2) : day(11, 4)] = 0
            add("atlas", f"asn:{asn}", probes)
    nh = np.round(500 + rng.normal(0, 0.5, n))
    nh[day(7, 6) : day(7, 8)] -= 30.0  # asn:7 lost 30 there
    add("bgp_weighted", "region:NL-NH", nh)
    ut = np.round(300 + rng.normal(0, 0.5, n))
    ut[day(4, 20) : day(5, 2)] *= 0.5  # a region's own outage, across midnight
    add("bgp_weighted", "region:NL-UT", ut)
    return out


def _store(settings: Settings, series: list[Series], days: range) -> list[date]:
    """Each day's part of the series written as the outage step stores it."""
    stored = []
    for d in days:
        when = START + timedelta(days=d)
        where = daily.day_dir(settings, when)
        where.mkdir(parents=True, exist_ok=True)
        key = f"k{d}"
        part = [Series(s.signal, s.entity, daily.epoch_of(when), STEP,
                       s.values[d * PER_DAY : (d + 1) * PER_DAY].copy()) for s in series]  # fmt: skip
        daily._write_series(where / "series.parquet", part, key)
        daily._write(where / "grid.parquet", daily._grid_rows(part), key)
        daily._write(where / "peers.parquet", daily.PEERS_SCHEMA.empty_table(), key)
        daily._write(where / "places.parquet", daily.PLACES_SCHEMA.empty_table(), key)
        state = daily_bgp.STATE_SCHEMA.empty_table()
        daily._write(where / "state.parquet", state, key)
        daily._write(where / "state_peers.parquet", daily_bgp.PEER_SCHEMA.empty_table(), key)
        (where / "meta.json").write_text(json.dumps({"day": when.isoformat(), "key": key}))
        stored.append(when)
    return stored


def _shifted(series: list[Series]) -> list[Series]:
    t0 = daily.epoch_of(START)
    return [Series(s.signal, s.entity, t0, s.step, s.values) for s in series]


def _episodes(eps: list[Episode]) -> list[tuple[object, ...]]:
    return sorted((e.entity, e.signal, e.start, e.end, e.known_at, e.severity,
                   round(e.max_drop, 9), e.reference, e.minimum, round(e.alert_area, 6),
                   round(e.score, 9)) for e in eps)  # fmt: skip


def _by_days(settings: Settings, days: list[date]) -> list[Episode]:
    t0 = daily.epoch_of(days[0])
    stop = daily.epoch_of(days[-1]) + daily.DAY
    dayscores.score_days(settings, days)
    stored = dayscores.window_scored(settings, days, t0, stop)
    return fusion.detect_scored(stored.entities(), stored.routed, stored.network_losses)


def _whole(settings: Settings, days: list[date]) -> list[Episode]:
    t0 = daily.epoch_of(days[0])
    stop = daily.epoch_of(days[-1]) + daily.DAY
    series = daily.window_series(settings, days, t0, stop, STEP)
    return fusion.detect_robust(fusion.our_series(series), majority=fusion.majority_twins(series))


@pytest.fixture
def lake(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data")


@pytest.mark.parametrize("small", [False, True], ids=["one-range", "ranges-of-200-rows"])
def test_episodes_from_the_stored_days_equal_the_whole_window(
    lake: Settings, small: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also with the rows read a few entities at a time (small row groups and ranges)."""
    if small:
        monkeypatch.setattr(dayscores, "ROW_GROUP", 100)
        monkeypatch.setattr(dayscores, "CHUNK_ROWS", 200)
    world = _shifted(_world())
    days = _store(lake, world, range(DAYS))
    new, old = _by_days(lake, days), _whole(lake, days)
    assert _episodes(new) == _episodes(old)
    t0 = daily.epoch_of(START)
    ranges = dayscores.window_scored(lake, days, t0, t0 + DAYS * 86400).ranges
    assert len(ranges) > 5 if small else len(ranges) == 1
    found = {(e.entity, e.signal) for e in old}
    # the outages planted are found, the region one network explains is not
    assert {("country:DE", "bgp_weighted"), ("asn:3", "bgp_weighted"),
            ("region:NL-UT", "bgp_weighted"), ("asn:7", "bgp_weighted")} <= found  # fmt: skip
    assert ("region:NL-NH", "bgp_weighted") not in found
    assert not any(e.signal == "atlas" and e.entity != "country:DE" and
                   e.start <= daily.epoch_of(START) + 8 * 86400 + 12 * 3600 < (e.end or 2**62)
                   for e in old)  # fmt: skip


def test_days_added_later_and_a_moved_window_reuse_what_was_scored(lake: Settings) -> None:
    world = _shifted(_world())
    first = _store(lake, world, range(8))
    stats = dayscores.score_days(lake, first)
    assert stats.computed == first and stats.scored < stats.scored + stats.screened
    rest = _store(lake, world, range(8, DAYS))
    stats = dayscores.score_days(lake, first + rest)
    assert stats.reused == first and stats.computed == rest
    # most series cannot be anomalous on a given day: they are not scored at all
    assert stats.screened > stats.scored
    assert _episodes(_by_days(lake, first + rest)) == _episodes(_whole(lake, first + rest))
    # the window moves on: the days kept are read back, the first one on its own key
    moved = (first + rest)[3:]
    daily.drop_days(lake, moved)
    stats = dayscores.score_days(lake, moved)
    assert stats.computed == [] and stats.reused == moved
    # a changed day rescored with the days after it, not the days before
    _store(lake, [Series(s.signal, s.entity, s.start, s.step, s.values + (s.entity == "asn:9"))
                  for s in world], range(9, 10))  # fmt: skip
    changed = moved[moved.index(START + timedelta(days=9)) :]
    daily._write(daily.day_dir(lake, changed[0]) / "grid.parquet",
                 daily._read(lake, changed[0], "grid"), "k9b")  # fmt: skip
    for name in daily.FILES:
        path = daily.day_dir(lake, changed[0]) / f"{name}.parquet"
        daily._write(path, daily.pq.read_table(path), "k9b")
    stats = dayscores.score_days(lake, moved)
    assert stats.computed == changed and stats.reused == moved[: len(moved) - len(changed)]


def test_a_quiet_window_stores_no_rows_and_finds_nothing(lake: Settings) -> None:
    """Nothing anomalous anywhere: no rows, no losses, no episodes (and no error)."""
    flat = [Series("bgp_weighted", f"asn:{a}", daily.epoch_of(START), STEP,
                   np.full(PER_DAY * 2, 50.0)) for a in (1, 2)]  # fmt: skip
    days = _store(lake, flat, range(2))
    stats = dayscores.score_days(lake, days)
    assert stats.scored == 0 and stats.screened == 4
    stored = dayscores.window_scored(
        lake, days, daily.epoch_of(START), daily.epoch_of(START) + 2 * 86400
    )
    assert stored.ranges == [] and stored.network_losses({("bgp_weighted", 0)}) == {}
    assert fusion.detect_scored(stored.entities(), stored.routed, stored.network_losses) == []
    assert stored.routed == {"asn:1", "asn:2"}
