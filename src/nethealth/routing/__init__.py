"""Routing security (MANRS-class): ROV indicators, incidents, relationships, scorecards."""
