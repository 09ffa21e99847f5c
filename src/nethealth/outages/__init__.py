"""Outage detection: signals (BGP visibility, RIPE Atlas, user series), detectors (the IODA
baseline and nethealth's own), evaluation against simulated ground truth, and events."""
