"""Small helpers shared by the RPKI tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from nethealth.common.prefixes import parse_prefixes
from nethealth.formats.vrp import vrp_table
from nethealth.rpki.rov import NO_ORIGIN, VrpIndex, reason_text, state_text


def table_of(vrps: Sequence[tuple[str, int, int]], *, mask_host_bits: bool = False) -> pa.Table:
    """VRPs given as (prefix, maxLength, asn)."""
    return vrp_table(
        [p for p, _, _ in vrps],
        [m for _, m, _ in vrps],
        [a for _, _, a in vrps],
        [None] * len(vrps),
        path="test",
        mask_host_bits=mask_host_bits,
    )


def validate(
    vrps: Sequence[tuple[str, int, int]] | pa.Table, routes: Sequence[tuple[str, int | None]]
) -> list[tuple[str, str]]:
    """(state, reason) per route through the vectorised engine."""
    table = vrps if isinstance(vrps, pa.Table) else table_of(vrps, mask_host_bits=True)
    index = VrpIndex.from_table(table)
    p = parse_prefixes([r for r, _ in routes])
    origin = np.array([NO_ORIGIN if o is None else o for _, o in routes], dtype=np.int64)
    result = index.validate(p.af, p.hi, p.lo, p.length, origin)
    return list(
        zip(state_text(result).to_pylist(), reason_text(result, table).to_pylist(), strict=True)
    )
