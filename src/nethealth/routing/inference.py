"""AS relationships inferred from AS paths, by the method asked for: Gao 2001
(`relationships.infer_gao`) or AS-Rank, Luckie et al. 2013 (`asrank.infer_asrank`).

Its own module because AS-Rank builds on `relationships` (the schema, prepending collapsed): the
choice between the two sits above both, so neither imports the other's caller.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from nethealth.errors import InputError
from nethealth.routing.asrank import infer_asrank
from nethealth.routing.relationships import infer_gao

METHODS = ("asrank", "gao")
# What nethealth infers with when not told: Gao, because on the simulator's worlds (few vantage
# points, a clique that is not at the top of the transit-degree ranking) it measured better
# than AS-Rank — docs/routing-security.md has the figures. AS-Rank is one argument away.
DEFAULT_METHOD = "gao"


def infer(
    paths: pa.Array, method: str = DEFAULT_METHOD, weights: npt.NDArray[np.integer] | None = None
) -> pa.Table:
    """Relationships inferred from AS paths (list<uint32>, collector side first): "asrank"
    (Luckie et al. 2013) or "gao" (Gao 2001). `weights`: routes per path when `paths` are
    distinct (AS-Rank counts distinct paths only)."""
    if method == "asrank":
        return infer_asrank(paths)
    if method == "gao":
        return infer_gao(paths, weights=weights)
    raise InputError(
        f"unknown relationship inference method {method!r}", field="method",
        hint=f"use one of {', '.join(METHODS)}",
    )  # fmt: skip
