"""docs/standards.md describes the registry as it is: every check, its points or informative."""

from __future__ import annotations

import re
from pathlib import Path

from nethealth.standards.checks import REGISTRY

DOC = Path(__file__).resolve().parents[2] / "docs" / "standards.md"


def test_every_check_is_documented_with_its_points() -> None:
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (\w+) \|", DOC.read_text(), re.MULTILINE))
    assert set(rows) == {c.id for c in REGISTRY}
    for c in REGISTRY:
        assert rows[c.id] == (str(c.points) if c.mandatory else "informative"), c.id
