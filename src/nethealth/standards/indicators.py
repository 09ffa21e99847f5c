"""The open-standards area's indicators: adoption per technology (nethealth.standards.adoption)."""

from __future__ import annotations

from nethealth.standards.adoption import INDICATORS

__all__ = ["INDICATORS"]
