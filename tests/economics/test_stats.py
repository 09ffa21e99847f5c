"""Statistics against textbook values and NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from nethealth.economics.stats import pearson, ranks, spearman


def test_spearman_textbook_example() -> None:
    # Wikipedia, "Spearman's rank correlation coefficient": IQ vs hours of TV, rho = -29/165.
    iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110]
    tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17]
    assert spearman(iq, tv) == pytest.approx(-29 / 165)


def test_pearson_equals_numpy() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=50)
    y = 0.6 * x + rng.normal(size=50)
    assert pearson(list(x), list(y)) == pytest.approx(float(np.corrcoef(x, y)[0, 1]))
    assert pearson([1, 2], [2, 1]) is None and pearson([1, 1, 1], [1, 2, 3]) is None


def test_ranks_average_ties() -> None:
    assert ranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4]
    assert spearman([1, 2, 3, 4], [1, 3, 3, 5]) == pytest.approx(
        pearson([1, 2, 3, 4], [1, 2.5, 2.5, 4])
    )
