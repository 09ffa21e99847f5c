"""Real-route replays: a real RIB as the routing state, replicated to N full-feed peers with
their own addresses, then two (or more) days of RIS-style update files with routine churn,
collector artefacts and injected outages, with the truth beside (`nethealth outages replay`).

* `base` reads the real table (MRT or `bgpdump -m` text) into one route per prefix.
* `scenario` draws, from a seed, the peers, the churn, the artefacts and the outages.
* `write` streams the RIB and the 5-minute update files in the RIS layout.
* `score` runs both detectors on a replay tree and scores them against its truth.
"""
