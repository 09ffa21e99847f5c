"""Colour classes of the world map: quantile classes over the values shown, on a colour-blind-safe
sequential palette, with a hatched "no data" fill. Pure: the web layer draws the map with them and
the areas' map layers classify their counts with them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# ColorBrewer YlGnBu without its palest step, so every class stands out from the page background.
PALETTE = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
NO_DATA_FILL = "url(#nodata)"
# Counts of events: a country without one has data (zero), so it is not hatched as "no data".
NONE_FILL = "#dde3ea"


@dataclass(frozen=True)
class ColourClass:
    lower: float
    upper: float
    colour: str
    count: int

    @property
    def step(self) -> int:
        """Position of the colour in PALETTE: the CSS class `c<step>` paints the same colour."""
        return PALETTE.index(self.colour)


def quantile_breaks(values: Sequence[float], classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of up to `classes` classes holding about equal numbers of values.

    Each class takes its share of what the previous classes left, so a value repeated many
    times (zero, for most counts) fills one class and the others still split the rest.
    """
    rest = sorted(values)
    breaks: list[float] = []
    while rest and len(breaks) < classes:
        share = math.ceil(len(rest) / (classes - len(breaks)))
        upper = rest[share - 1]
        breaks.append(upper)
        rest = [v for v in rest[share:] if v > upper]
    return breaks


def classify(values: Sequence[float]) -> list[ColourClass]:
    """Quantile classes with colours spread over the whole palette and the count in each."""
    breaks = quantile_breaks(values)
    if not breaks:
        return []
    n = len(breaks)
    # With fewer classes than colours, pick evenly spaced colours so contrast stays high.
    colours = [PALETTE[round(i * (len(PALETTE) - 1) / max(1, n - 1))] for i in range(n)]
    if n == 1:
        colours = [PALETTE[len(PALETTE) // 2]]
    out = []
    lower = min(values)
    for i, upper in enumerate(breaks):
        count = sum(1 for v in values if (v <= upper) and (i == 0 or v > breaks[i - 1]))
        out.append(ColourClass(lower=lower, upper=upper, colour=colours[i], count=count))
        lower = upper
    return out


def class_for(value: float, classes: Sequence[ColourClass]) -> ColourClass:
    for c in classes:
        if value <= c.upper:
            return c
    return classes[-1]


# Painting --------------------------------------------------------------------------------------
