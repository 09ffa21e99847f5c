"""The index's arithmetic pinned with examples computed by hand (the steps are in the comments)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from nethealth.errors import ConfigError
from nethealth.resilience.config import (
    CONFIG,
    Config,
    Dimension,
    Direction,
    Input,
    Kind,
    Missing,
    Pillar,
    check,
)
from nethealth.resilience.method import (
    Tree,
    aggregate,
    fences,
    normalise,
    quartiles,
    rank_intervals,
    ranks,
)

UP, DOWN = Direction.HIGHER_IS_BETTER, Direction.HIGHER_IS_WORSE


def test_quartiles_type_7_odd() -> None:
    # sorted 1 2 3 4 100; Q1 at (5−1)·0.25 = 1 → 2; Q3 at 3 → 4
    assert quartiles([100, 3, 1, 4, 2]) == (2.0, 4.0)


def test_quartiles_type_7_interpolated() -> None:
    # sorted −50 10 11 12 13 14; Q1 at 5·0.25 = 1.25 → 10 + 0.25·(11 − 10) = 10.25;
    # Q3 at 3.75 → 12 + 0.75·(13 − 12) = 12.75
    assert quartiles([-50, 10, 11, 12, 13, 14]) == (10.25, 12.75)


def test_high_outlier_capped_at_the_fence_then_min_max() -> None:
    # Q1 2, Q3 4, IQR 2: fences 2 − 3 = −1 and 4 + 3 = 7; 100 → 7; min 1, max 7 (range 6):
    # 1 → 0, 2 → 100/6, 3 → 200/6, 4 → 50, 7 → 100
    out = normalise({"A": 1, "B": 2, "C": 3, "D": 4, "E": 100}, UP)
    assert out is not None
    bounds, capped, scores = out
    assert (bounds.q1, bounds.q3, bounds.low, bounds.high) == (2.0, 4.0, -1.0, 7.0)
    assert capped == {"A": 1, "B": 2, "C": 3, "D": 4, "E": 7.0}
    assert scores == pytest.approx({"A": 0, "B": 100 / 6, "C": 200 / 6, "D": 50, "E": 100})


def test_low_outlier_capped_at_the_fence() -> None:
    # Q1 10.25, Q3 12.75, IQR 2.5: fences 6.5 and 16.5; −50 → 6.5; min 6.5, max 14 (range 7.5)
    values = {"A": -50, "B": 10, "C": 11, "D": 12, "E": 13, "F": 14}
    out = normalise(values, UP)
    assert out is not None
    bounds, capped, scores = out
    assert (bounds.low, bounds.high) == (6.5, 16.5)
    assert capped["A"] == 6.5 and capped["F"] == 14
    assert scores == pytest.approx({"A": 0, "B": 3.5 / 7.5 * 100, "C": 4.5 / 7.5 * 100,
                                    "D": 5.5 / 7.5 * 100, "E": 6.5 / 7.5 * 100, "F": 100})  # fmt: skip


def test_capping_never_reorders() -> None:
    values = {"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0, "E": 100.0, "F": 90.0}
    out = normalise(values, UP)
    assert out is not None
    order = sorted(values, key=values.__getitem__)
    scores = out[2]
    assert [scores[c] for c in order] == sorted(scores.values())


def test_higher_is_worse_turns_the_scale_around() -> None:
    out = normalise({"A": 1, "B": 2, "C": 3, "D": 4, "E": 100}, DOWN)
    assert out is not None
    assert out[2] == pytest.approx({"A": 100, "B": 500 / 6, "C": 400 / 6, "D": 50, "E": 0})


def test_an_iqr_of_zero_means_no_capping() -> None:
    # seven 0, then 2 and 5 (n = 9): Q1 = Q3 = 0 (position 6 is still 0), fences 0 and 0 —
    # capping would flatten 2 and 5 onto 0; the values are scaled as they are
    counts = {c: 0.0 for c in "ABCDEFI"} | {"G": 2.0, "H": 5.0}
    out = normalise(counts, DOWN)
    assert out is not None
    bounds, capped, scores = out
    assert (bounds.q1, bounds.q3, bounds.low, bounds.high) == (0, 0, 0, 0) and capped["H"] == 5.0
    # min 0, max 5, turned around: 0 → 100, 2 → 60, 5 → 0
    assert (scores["A"], scores["G"], scores["H"]) == pytest.approx((100, 60, 0))


def test_sparse_counts_squashed_by_the_fences_unless_capping_is_off() -> None:
    # six 0, then 2 and 5 (n = 8): Q3 at position 5.25 → 0 + 0.25 · 2 = 0.5, fences −0.75 and
    # 1.25: both 2 and 5 are capped to 1.25 and tie; uncapped (the shutdown input) they do not
    counts = {c: 0.0 for c in "ABCDEF"} | {"G": 2.0, "H": 5.0}
    capped_out = normalise(counts, DOWN)
    assert capped_out is not None
    assert capped_out[1]["G"] == capped_out[1]["H"] == 1.25
    assert capped_out[2]["G"] == capped_out[2]["H"] == 0
    free = normalise(counts, DOWN, capping=False)
    assert free is not None
    assert (free[2]["A"], free[2]["G"], free[2]["H"]) == pytest.approx((100, 60, 0))


def test_all_equal_cannot_be_scaled() -> None:
    assert normalise({"A": 5, "B": 5, "C": 5}, UP) is None
    assert fences([5, 5, 5]) == (5, 5)


def _inp(id_: str, weight: float, missing: Missing = Missing.RENORMALISE) -> Input:
    return Input(id_, id_, Kind.INDICATOR, id_, "test", "%", UP, weight, 31, missing)


def small(missing_a: Missing = Missing.RENORMALISE) -> Config:
    """P1 (weight 1) > D1 > a (2), b (1); P2 (weight 3) > D2 > c (1)."""
    return replace(
        CONFIG,
        pillars=(
            Pillar("p1", "P1", 1.0, (Dimension("d1", "D1", 1.0, (_inp("a", 2, missing_a),
                                                                _inp("b", 1))),)),
            Pillar("p2", "P2", 3.0, (Dimension("d2", "D2", 1.0, (_inp("c", 1),)),)),
        ),
        min_coverage=0.5, draws=200,
    )  # fmt: skip


NAN = math.nan
# rows X, Y, Z; columns a, b, c (normalised scores)
MATRIX = np.array([[90.0, 30.0, 50.0], [NAN, 30.0, 50.0], [90.0, NAN, NAN]])


def test_weights_up_the_tree() -> None:
    tree = Tree.of(small())
    # effective shares: a 2/3·1·1/4 = 1/6, b 1/3·1/4 = 1/12, c 3/4
    assert tree.effective() == pytest.approx([1 / 6, 1 / 12, 3 / 4])
    s = aggregate(MATRIX, tree, 0.5)
    # X: D1 = (2·90 + 30)/3 = 70 = P1; P2 = 50; index (1·70 + 3·50)/4 = 55
    assert s.dims[0] == pytest.approx([70, 50])
    assert s.index[0] == pytest.approx(55)
    # Y: a missing, renormalised: D1 = 30; index (30 + 150)/4 = 45; coverage 1/12 + 3/4
    assert s.index[1] == pytest.approx(45)
    assert s.coverage[1] == pytest.approx(1 / 12 + 3 / 4)
    # Z: only a measured, coverage 1/6 < 0.5: no index (not zero)
    assert s.coverage[2] == pytest.approx(1 / 6)
    assert math.isnan(s.index[2])
    assert s.pillars[2][0] == pytest.approx(90) and math.isnan(s.pillars[2][1])


def test_coverage_threshold_is_inclusive_and_configurable() -> None:
    tree = Tree.of(small())
    assert not math.isnan(aggregate(MATRIX, tree, 1 / 6).index[2])
    assert math.isnan(aggregate(MATRIX, tree, 0.9).index[1])


def test_required_input_missing_means_no_index() -> None:
    tree = Tree.of(small(Missing.REQUIRED))
    s = aggregate(MATRIX, tree, 0.5)
    assert not math.isnan(s.index[0])
    assert math.isnan(s.index[1])  # coverage 0.83 but the required `a` is missing


def test_ranks_are_competition_ranks() -> None:
    assert ranks(np.array([55.0, 45.0, 55.0, 10.0])).tolist() == [1, 3, 1, 4]


def test_monte_carlo_is_deterministic_and_contains_the_point_rank() -> None:
    config = small()
    tree = Tree.of(config)
    rng = np.random.default_rng(1)
    scores = rng.uniform(0, 100, size=(30, 3))
    first = rank_intervals(scores, tree, config)
    again = rank_intervals(scores, tree, config)
    assert first == again
    point = ranks(aggregate(scores, tree, 0.5).index)
    for r, p in zip(first, point, strict=True):
        assert r is not None and r.rank == p and r.low <= r.rank <= r.high
    # weights do move ranks: some interval is wider than one rank
    assert any(r is not None and r.high > r.low for r in first)
    other = rank_intervals(scores, tree, replace(config, seed=config.seed + 1))
    assert other != first


def test_monte_carlo_skips_countries_without_index() -> None:
    config = small()
    out = rank_intervals(MATRIX, Tree.of(config), config)
    assert out[2] is None
    assert out[0] is not None and out[0].rank == 1
    assert out[1] is not None and out[1].rank == 2


def test_a_dominant_country_keeps_rank_one() -> None:
    # better on every input: no weighting can move it
    config = small()
    scores = np.array([[100.0, 100.0, 100.0], [10.0, 50.0, 20.0], [50.0, 10.0, 30.0]])
    out = rank_intervals(scores, Tree.of(config), config)
    assert out[0] is not None and (out[0].low, out[0].high) == (1, 1)


def test_shipped_config_is_valid() -> None:
    assert check(CONFIG) is CONFIG
    assert Tree.of(CONFIG).effective().sum() == pytest.approx(1)


def test_config_check_rejects_zero_weight_and_duplicates() -> None:
    bad = small()
    zero = replace(bad, pillars=(replace(bad.pillars[0], weight=0.0), bad.pillars[1]))
    with pytest.raises(ConfigError, match="weights must be > 0"):
        check(zero)
    dup = replace(bad, pillars=(bad.pillars[0], replace(bad.pillars[1], id="p1")))
    with pytest.raises(ConfigError, match="duplicate"):
        check(dup)
