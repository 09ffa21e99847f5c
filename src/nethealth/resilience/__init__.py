"""The resilience index: pillars → dimensions → indicators, normalised and weighted, with
coverage and a rank interval (docs/methodology/resilience.md)."""
