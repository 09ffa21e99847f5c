"""Routing incident detectors, one module per incident type."""
