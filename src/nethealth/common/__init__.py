"""Pieces every layer may use: dates, as-of selection, value status, country lookup, prefixes.

Imports nothing of nethealth outside `nethealth.errors`, so formats, sources, lake and areas can
all depend on it.
"""
