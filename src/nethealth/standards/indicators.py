"""The open-standards area's indicators: adoption per technology (nethealth.standards.adoption)
and the providers' concentration per building block (nethealth.standards.concentration)."""

from __future__ import annotations

from nethealth.standards import adoption, concentration

INDICATORS = (*adoption.INDICATORS, *concentration.INDICATORS)

__all__ = ["INDICATORS"]
