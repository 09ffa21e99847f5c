"""The `resilience` step on the hand-made world (tests/resilience/world.py)."""

from __future__ import annotations

from datetime import date

import pytest

from nethealth.lake.reader import LakeReader
from nethealth.resilience.compute import index_dates
from nethealth.resilience.config import CONFIG
from nethealth.resilience.method import Tree
from tests.resilience.world import DAY, EARLIER, World


def _lake(world: World) -> LakeReader:
    return LakeReader(world.settings)


def test_index_dates_are_the_latest_and_month_ends() -> None:
    assert index_dates(date(2025, 6, 1), 4) == [date(2025, 3, 31), date(2025, 4, 30),
                                               date(2025, 5, 31), date(2025, 6, 1)]  # fmt: skip
    assert index_dates(date(2025, 1, 15), 2) == [date(2024, 12, 31), date(2025, 1, 15)]


def test_only_dates_with_an_index_are_kept(world: World) -> None:
    got = [
        r[0] for r in _lake(world).query("SELECT DISTINCT date FROM resilience_scores ORDER BY 1")
    ]
    assert got == [EARLIER, DAY]


def test_capping_and_min_max_in_the_step(world: World) -> None:
    # ixps_active 0 1 2 3 4 5 6 60: Q1 1.75, Q3 5.25, fences −3.5 and 10.5; ZA 60 → 10.5
    lake = _lake(world)
    b = lake.query("SELECT reference_date, q1, q3, low, high, min, max, countries FROM "
                   "resilience_bounds WHERE date = ? AND input_id = 'ixps_active'", [DAY])  # fmt: skip
    assert b == [(DAY, 1.75, 5.25, -3.5, 10.5, 0.0, 10.5, 8)]
    rows = dict(((cc, (v, c, s)) for cc, v, c, s in lake.query(
        "SELECT cc, value, capped, score FROM resilience_inputs WHERE date = ? AND "
        "input_id = 'ixps_active' AND value IS NOT NULL", [DAY])))  # fmt: skip
    assert rows["ZA"] == (60.0, 10.5, 100.0)
    assert rows["NL"] == (0.0, 0.0, 0.0)
    assert rows["KE"][2] == pytest.approx(3 / 10.5 * 100)


def test_unloaded_sources_are_not_measured_never_zero(world: World) -> None:
    rows = _lake(world).query("SELECT DISTINCT input_id, status, value, score, reason FROM "
                              "resilience_inputs WHERE date = ? AND input_id IN ('internet_users', "
                              "'facilities', 'shutdowns', 'route_diversity_hhi', 'upstreams')", [DAY])  # fmt: skip
    assert {r[0] for r in rows} == {"internet_users", "facilities", "shutdowns",
                                    "route_diversity_hhi", "upstreams"}  # fmt: skip
    for _i, status, value, score, reason in rows:
        assert (status, value, score) == ("not measured", None, None)
        assert "not loaded" in reason


def test_coverage_rule(world: World) -> None:
    lake = _lake(world)
    eff = dict(zip([i.id for _p, _d, i in CONFIG.inputs()], Tree.of(CONFIG).effective(),
                   strict=True))  # fmt: skip
    measured = [i for i in eff if i not in ("internet_users", "facilities", "shutdowns",
                                            "route_diversity_hhi", "upstreams", "gdp_per_capita")]  # fmt: skip
    full = sum(eff[i] for i in measured)
    rows = {cc: (s, c, st) for cc, s, c, st in lake.query(
        "SELECT cc, score, coverage, status FROM resilience_scores WHERE date = ? AND "
        "level = 'index'", [DAY])}  # fmt: skip
    assert rows["NL"][1] == pytest.approx(full) and full >= CONFIG.min_coverage
    # JP lacks asns_routed (and APNIC): below the threshold, no score (not zero)
    jp = full - eff["asns_routed"] - eff["ipv6_capable"]
    assert rows["JP"] == (None, pytest.approx(jp), "not measured") and jp < CONFIG.min_coverage
    assert rows["AQ"][0] is None and rows["AQ"][1] == pytest.approx(eff["adoption_https"])
    # a country without any input at all
    assert rows["GB"] == (None, 0.0, "not measured")


def test_ranks_and_intervals(world: World) -> None:
    rows = _lake(world).query("SELECT cc, score, rank, rank_low, rank_high, ranked FROM "
                              "resilience_scores WHERE date = ? AND level = 'index' AND "
                              "score IS NOT NULL ORDER BY rank", [DAY])  # fmt: skip
    assert rows[0][0] == "US" and rows[-1][0] == "KE"
    assert [r[2] for r in rows] == list(range(1, 8))
    for _cc, _s, rank, lo, hi, ranked in rows:
        assert lo <= rank <= hi and ranked == 7
    scores = [r[1] for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_index_is_the_weighted_mean_of_its_pillars(world: World) -> None:
    lake = _lake(world)
    pillars = dict(lake.query("SELECT node, score FROM resilience_scores WHERE date = ? AND "
                              "cc = 'KE' AND level = 'pillar'", [DAY]))  # fmt: skip
    index = lake.query("SELECT score FROM resilience_scores WHERE date = ? AND cc = 'KE' AND "
                       "level = 'index'", [DAY])[0][0]  # fmt: skip
    # equal pillar weights, every pillar measured
    assert index == pytest.approx(sum(pillars.values()) / 4)


class _Notes:
    def __init__(self) -> None:
        self.notes: list[tuple[str, str]] = []

    def note(self, message: str, *, level: str = "info") -> None:
        self.notes.append((message, level))


def test_an_empty_latest_date_is_dropped_when_an_earlier_one_has_an_index() -> None:
    from nethealth.resilience.compute import Tables, _drop_empty_latest

    def rows(day: date, score: float | None) -> list[dict[str, object]]:
        return [{"date": day, "level": "index", "score": score, "cc": "KE"}]

    d1, d2 = date(2025, 5, 31), date(2025, 6, 1)
    tables = Tables(inputs=rows(d1, None) + rows(d2, None), bounds=[],
                    scores=rows(d1, 50.0) + rows(d2, None))  # fmt: skip
    ctx = _Notes()
    _drop_empty_latest(tables, [d1, d2], ctx)  # type: ignore[arg-type]
    assert {r["date"] for r in tables.scores} == {d1} and {r["date"] for r in tables.inputs} == {d1}
    assert ctx.notes and ctx.notes[0][1] == "warning"
    # nothing anywhere: the latest stays, so the API can say why
    empty = Tables(scores=rows(d1, None) + rows(d2, None))
    _drop_empty_latest(empty, [d1, d2], _Notes())  # type: ignore[arg-type]
    assert {r["date"] for r in empty.scores} == {d1, d2}
