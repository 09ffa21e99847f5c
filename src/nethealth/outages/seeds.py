"""Which seeds tune the outage detectors and which evaluate them, named apart.

A seed is a *tuning* seed once any result on it was looked at before a rule or parameter of
a detector was (re)chosen; only seeds simulated after the last change, and scored once, are
*evaluation* (held-out) seeds. A rule changed after looking at an evaluation seed moves that
seed here to tuning, and new evaluation seeds are drawn. Tests and docs use these names.

History of the simulator seeds (from the git history; docs/methodology/outage-detection.md §5):

* 2, 3 — chose `min_lost` and the quantile onset rule (first detector, simulator without noise);
  4–6 were then scored.
* 1 — chose the common-mode and `alone_min_drop` rules (`nethealth-robust/1`, noisy simulator);
  4–8 were then scored as held out.
* 4, 5 (and so 4–8) — looked at event by event, then `nethealth-robust/2` (BGP confirms in
  one bin at 10 %) and the matching rule were introduced; 9–13 were then scored.
* 14, 15 — chose the region rule of `nethealth-robust/3` after 9–13 had been scored (so 9–13
  were held out for `/2` only); 16–20 were then scored.
* 16–20 — re-scored BGP-only in issue 12 (16 and 18 by the reviewer), then looked at while
  `nethealth-robust/4` was built (effect sizes per scope, peer-weighted BGP, causal scoring).

Replay seeds (`outages.replay`) follow the same rule.
"""

from __future__ import annotations

# Simulator (`nethealth outages evaluate --seed N`): every seed whose results were seen.
SIM_TUNING_SEEDS: tuple[int, ...] = tuple(range(1, 21))
# Drawn for `nethealth-robust/4` and simulated only after its rules were frozen.
SIM_EVALUATION_SEEDS: tuple[int, ...] = (41, 42, 43, 44, 45)

# Real-route replays (`nethealth outages replay --seed N`).
REPLAY_TUNING_SEEDS: tuple[int, ...] = (1, 2, 3)
REPLAY_EVALUATION_SEEDS: tuple[int, ...] = (101, 102, 103)


def kind_of(seed: int, *, replay: bool = False) -> str:
    """`tuning`, `evaluation` or `unused` (a seed neither list names)."""
    tuning = REPLAY_TUNING_SEEDS if replay else SIM_TUNING_SEEDS
    evaluation = REPLAY_EVALUATION_SEEDS if replay else SIM_EVALUATION_SEEDS
    if seed in tuning:
        return "tuning"
    if seed in evaluation:
        return "evaluation"
    return "unused"
