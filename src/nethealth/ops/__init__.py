"""Running nethealth day after day: the daily routine (`nethealth update`), retention
(`nethealth prune`) and their machine-readable run reports. See docs/operations.md."""
