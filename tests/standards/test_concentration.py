"""HHI, CR-n, Gini and the population-weighted Gini against hand-computed examples."""

from __future__ import annotations

import pytest

from nethealth.common.concentration import (
    concentration_ratio,
    gini,
    hhi,
    hhi_band,
    measure,
    shares_percent,
    weighted_gini,
)
from nethealth.common.status import Status


def test_three_providers_by_hand() -> None:
    # 50 + 30 + 20 targets: shares 50 %, 30 %, 20 %.
    values = [30, 50, 20]
    assert shares_percent(values) == pytest.approx([30, 50, 20])
    assert hhi(values) == pytest.approx(50**2 + 30**2 + 20**2)  # 3,800
    assert hhi_band(3800) == "high"
    assert concentration_ratio(values, 1) == pytest.approx(50)
    assert concentration_ratio(values, 3) == pytest.approx(100)
    assert concentration_ratio(values, 5) == pytest.approx(100)  # fewer than 5: all of them
    # ascending 20, 30, 50: (−2·20 + 0·30 + 2·50) / (3 · 100) = 60 / 300
    assert gini(values) == pytest.approx(0.2)


def test_one_provider_is_a_monopoly() -> None:
    m = measure([7])
    assert (m.hhi, m.band, m.cr1, m.gini) == (10_000, "extremely high", 100, 0)
    assert m.status is Status.MEASURED


def test_equal_shares() -> None:
    assert hhi([5, 5, 5, 5]) == pytest.approx(2500)  # 4 × 25²
    assert hhi_band(2500) == "moderate"  # the boundary belongs to the lower band
    assert concentration_ratio([5, 5, 5, 5], 3) == pytest.approx(75)
    assert gini([5, 5, 5, 5]) == 0
    assert hhi([1] * 10) == pytest.approx(1000)
    assert hhi_band(1000) == "low"


def test_all_in_one_of_four_gives_the_gini_maximum() -> None:
    # ascending 0, 0, 0, 1: (2·4 − 4 − 1)·1 / (4 · 1) = 3/4 = (n − 1)/n
    assert gini([1, 0, 0, 0]) == pytest.approx(0.75)


def test_band_boundaries() -> None:
    assert [hhi_band(x) for x in (0, 1499.99, 1500, 2500, 2500.01, 5000, 5000.01, 10_000)] == [
        "low", "low", "moderate", "moderate", "high", "high", "extremely high", "extremely high",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="0–10,000"):
        hhi_band(10_001)


def test_nothing_to_measure_is_not_measured_not_zero() -> None:
    for values in ([], [0, 0]):
        assert hhi(values) is None
        assert gini(values) is None
        assert concentration_ratio(values, 1) is None
        m = measure(values)
        assert m.status is Status.NOT_MEASURED
        assert (m.hhi, m.band, m.cr1, m.cr3, m.cr5, m.gini) == (None,) * 6


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        hhi([3, -1])
    with pytest.raises(ValueError, match="non-negative"):
        gini([float("nan")])


def test_weighted_gini_by_hand() -> None:
    # x = (1, 3), w = (1, 1): ΣΣ wᵢwⱼ|xᵢ−xⱼ| = 2·2 = 4; W = 2, μ = 2: 4 / (2·4·2) = 0.25
    assert weighted_gini([1, 3], [1, 1]) == pytest.approx(0.25)
    # w = (2, 1) is (1, 1, 3) unweighted: ΣΣ = 2·(2·1·2) = 8; W = 3, μ = 5/3: 8 / 30
    assert weighted_gini([1, 3], [2, 1]) == pytest.approx(4 / 15)
    assert gini([1, 1, 3]) == pytest.approx(4 / 15)


def test_weighted_gini_with_equal_weights_is_the_gini() -> None:
    xs = [3.0, 0.5, 7.0, 2.0, 2.0]
    assert weighted_gini(xs, [4.0] * 5) == pytest.approx(gini(xs))


def test_weighted_gini_edge_cases() -> None:
    assert weighted_gini([], []) is None
    assert weighted_gini([1, 2], [0, 0]) is None  # nobody to weigh
    assert weighted_gini([0, 0], [1, 5]) is None  # mean zero
    assert weighted_gini([4], [10]) == 0
    with pytest.raises(ValueError, match="2 values but 1 weights"):
        weighted_gini([1, 2], [1])
