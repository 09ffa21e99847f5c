"""Both detectors on a simulated world (with the simulator's measurement noise and routine
churn, as generated) against its ground-truth labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from nethealth.outages import seeds
from nethealth.outages.evaluate import OUTAGE_TYPES, Score
from nethealth.outages.simeval import CLEAN, NOISY, SIGNAL_SETS, Evaluation, evaluate_tree

# A tuning seed (looked at when nethealth-robust/2 was chosen): these tests pin behaviour,
# they are not evidence of generalisation — that is docs/benchmarks.md, on evaluation seeds.
TUNING_SEED = 5


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    import datetime as dt

    from nethealth.sim import run
    from nethealth.sim.config import SimConfig

    out = tmp_path_factory.mktemp("eval-held-out") / "sim"
    run(SimConfig(out=out, seed=TUNING_SEED, scale="tiny", days=3, start=dt.date(2025, 6, 1)))
    return evaluate_tree(out)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    import datetime as dt

    from nethealth.sim import run
    from nethealth.sim.config import NoiseConfig, SimConfig

    out = tmp_path_factory.mktemp("eval-clean") / "sim"
    run(
        SimConfig(
            out=out,
            seed=TUNING_SEED,
            scale="tiny",
            days=3,
            start=dt.date(2025, 6, 1),
            noise=NoiseConfig(enabled=False),
        )
    )
    return evaluate_tree(out)


def _by_detector(ev: Evaluation, which: str) -> dict[str, Score]:
    return {s.detector: s for s in ev.condition(which).scores}


def test_the_seed_is_named_a_tuning_seed() -> None:
    assert seeds.kind_of(TUNING_SEED) == "tuning"
    assert not set(seeds.SIM_TUNING_SEEDS) & set(seeds.SIM_EVALUATION_SEEDS)


def test_each_signal_is_scored_apart(evaluation: Evaluation) -> None:
    names = [c.name for c in evaluation.conditions]
    assert names == [f"{title}, {NOISY}" for _w, title in SIGNAL_SETS]
    bgp = evaluation.condition("bgp")
    assert {s.signal for s in bgp.series} <= {"bgp", "bgp6", "bgp_weighted", "bgp6_weighted"}
    assert {s.detector for s in bgp.scores} == {"ioda", "ioda-critical", "nethealth"}
    atlas = evaluation.condition("atlas")
    assert {s.signal for s in atlas.series} <= {"atlas", "atlas_targets"}
    assert "ioda-few-probes" in {s.detector for s in atlas.scores}


def test_on_bgp_ours_is_not_worse_than_ioda_critical(evaluation: Evaluation) -> None:
    got = _by_detector(evaluation, "bgp")
    ours, base = got["nethealth"], got["ioda-critical"]
    assert ours.outage_events >= 5 and ours.recall >= 0.8
    assert ours.f1 >= base.f1 and ours.delay(50) <= base.delay(50)
    assert ours.false_alarms < got["ioda"].false_alarms


def test_noise_makes_iodas_thresholds_alarm_on_thin_atlas_series(
    evaluation: Evaluation, clean: Evaluation
) -> None:
    """IODA's active-probing thresholds on Atlas series of fewer than MIN_PROBES probes (the
    reading reported apart) alarm on probe churn; on a world without noise they hardly do."""
    assert clean.conditions[0].name.endswith(CLEAN)
    noisy = _by_detector(evaluation, "atlas")["ioda-few-probes"]
    quiet = _by_detector(clean, "atlas")["ioda-few-probes"]
    assert noisy.false_alarms > quiet.false_alarms
    # without noise the world does not separate the detectors on BGP: same recall
    q = _by_detector(clean, "bgp")
    assert q["nethealth"].recall == q["ioda"].recall >= 0.8


def test_shutdowns_are_found_at_country_level_within_minutes(evaluation: Evaluation) -> None:
    dets = evaluation.condition("all").detections["nethealth"]
    checked = 0
    for lab in evaluation.labels:
        if lab.type != "national_shutdown":
            continue
        country = next(e for e in lab.entities if e.startswith("country:"))
        hits = [
            d
            for d in dets
            if d.entity == country and d.start < lab.end and (d.end or evaluation.end) > lab.start
        ]
        assert hits, lab.id
        assert 0 <= hits[0].known_at - lab.start <= 10 * 60
        checked += 1
    assert checked > 0


def test_table_lists_every_type_and_both_ioda_levels(evaluation: Evaluation) -> None:
    text = evaluation.markdown()
    seen = {lab.type for lab in evaluation.labels}
    for t in OUTAGE_TYPES:
        if t in seen:
            for d in ("ioda", "ioda-critical", "nethealth"):
                assert f"| {t} | {d} |" in text
    assert NOISY in text and "tuning seed" in text


def test_tree_from_an_older_layout_still_evaluates(tiny_sim: Path) -> None:
    ev = evaluate_tree(tiny_sim)
    assert {s.detector for s in ev.scores} == {
        "ioda",
        "ioda-critical",
        "ioda-few-probes",
        "nethealth",
    }
