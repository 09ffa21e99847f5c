"""Market concentration of the providers a set of targets depends on: HHI, CR-n and Gini.

Pure functions over amounts per provider (targets served, or any non-negative weight); no data,
no I/O. Definitions (docs/methodology/adoption.md, "Concentration"):

- shares are percentages of the total, 0–100;
- HHI = Σ sᵢ² over the shares in percent, 0–10,000 (U.S. DoJ/FTC Horizontal Merger Guidelines,
  §5.3); bands as the Internet Society's Pulse words them: < 1,500 low, 1,500–2,500 moderate,
  2,500–5,000 high, > 5,000 extremely high (a boundary value falls in the lower band: 2,500 is
  moderate, 5,000 high);
- CR-k = the sum of the k largest shares, in percent (all of them when fewer than k providers);
- Gini = Σᵢ (2i − n − 1) xᵢ / (n Σ xᵢ) over the values sorted ascending, i = 1…n (0: all equal;
  (n − 1)/n: one provider holds everything);
- population-weighted Gini = Σᵢ Σⱼ wᵢ wⱼ |xᵢ − xⱼ| / (2 W² μ), W = Σ wᵢ, μ = Σ wᵢ xᵢ / W: the
  Gini mean-difference formula with each unit counted w times (Lerman & Yitzhaki, "Improving the
  accuracy of estimates of Gini coefficients", J. Econometrics 42, 1989, eq. 1; with equal
  weights it is the unweighted Gini above, with integer weights the Gini of the values repeated
  w times).

No providers (or a total of zero) is `not measured`, never a concentration of zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nethealth.common.status import Status

BANDS = ("low", "moderate", "high", "extremely high")
LOW_BELOW = 1500.0
MODERATE_UP_TO = 2500.0
HIGH_UP_TO = 5000.0


def _checked(values: Sequence[float], what: str = "amount") -> list[float]:
    out = [float(v) for v in values]
    bad = [v for v in out if not v >= 0]  # also catches NaN
    if bad:
        raise ValueError(f"a provider's {what} must be a non-negative number, not {bad[0]}")
    return out


def shares_percent(values: Sequence[float]) -> list[float] | None:
    """Each value as a percentage of their total; None when there is nothing to share."""
    xs = _checked(values)
    total = sum(xs)
    if not xs or total == 0:
        return None
    return [100.0 * x / total for x in xs]


def hhi(values: Sequence[float]) -> float | None:
    """Herfindahl–Hirschman index on shares in percent (0–10,000); None when not measurable."""
    shares = shares_percent(values)
    return None if shares is None else sum(s * s for s in shares)


def hhi_band(index: float) -> str:
    """Pulse's band of an HHI value."""
    if not 0 <= index <= 10_000:
        raise ValueError(f"an HHI on percent shares lies in 0–10,000, not {index}")
    if index < LOW_BELOW:
        return "low"
    if index <= MODERATE_UP_TO:
        return "moderate"
    if index <= HIGH_UP_TO:
        return "high"
    return "extremely high"


def concentration_ratio(values: Sequence[float], k: int) -> float | None:
    """CR-k: the k largest shares summed, in percent; None when not measurable."""
    if k < 1:
        raise ValueError(f"CR-k needs k >= 1, not {k}")
    shares = shares_percent(values)
    return None if shares is None else sum(sorted(shares, reverse=True)[:k])


def gini(values: Sequence[float]) -> float | None:
    """Σ(2i−n−1)xᵢ / (n Σxᵢ) over the values sorted ascending; None when not measurable."""
    xs = sorted(_checked(values))
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return None
    return sum((2 * i - n - 1) * x for i, x in enumerate(xs, start=1)) / (n * total)


def weighted_gini(values: Sequence[float], weights: Sequence[float]) -> float | None:
    """The population-weighted Gini (module docstring): units with value xᵢ and population wᵢ.
    None when not measurable (no unit with a weight, or a weighted mean of zero)."""
    xs = _checked(values)
    ws = _checked(weights, "weight")
    if len(xs) != len(ws):
        raise ValueError(f"{len(xs)} values but {len(ws)} weights")
    big_w = sum(ws)
    if big_w == 0:
        return None
    mean = sum(w * x for w, x in zip(ws, xs, strict=True)) / big_w
    if mean == 0:
        return None
    # Sorted, Σᵢ Σⱼ wᵢwⱼ|xᵢ−xⱼ| = 2 Σⱼ wⱼ (xⱼ·W_<j − S_<j): one pass, not n² pairs.
    pairs = sorted(zip(xs, ws, strict=True))
    below_w = below_s = acc = 0.0
    for x, w in pairs:
        acc += w * (x * below_w - below_s)
        below_w += w
        below_s += w * x
    return 2 * acc / (2 * big_w * big_w * mean)


@dataclass(frozen=True)
class Concentration:
    """Every measure of one set of providers; all None (status `not measured`) when empty."""

    providers: int
    total: float
    status: Status
    hhi: float | None
    band: str | None
    cr1: float | None
    cr3: float | None
    cr5: float | None
    gini: float | None


def measure(values: Sequence[float]) -> Concentration:
    """HHI with its band, CR-1/3/5 and Gini of the amounts per provider."""
    index = hhi(values)
    if index is None:
        return Concentration(len(values), 0.0, Status.NOT_MEASURED, *([None] * 6))
    return Concentration(
        providers=len(values), total=float(sum(values)), status=Status.MEASURED, hhi=index,
        band=hhi_band(index), cr1=concentration_ratio(values, 1),
        cr3=concentration_ratio(values, 3), cr5=concentration_ratio(values, 5), gini=gini(values),
    )  # fmt: skip
