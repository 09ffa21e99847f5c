"""Both detectors on a simulated world against its ground-truth labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from nethealth.outages.evaluate import OUTAGE_TYPES
from nethealth.outages.simeval import CHURN, CLEAN, Evaluation, evaluate_tree


@pytest.fixture(scope="module")
def evaluation(tiny_sim: Path) -> Evaluation:
    return evaluate_tree(tiny_sim)


def test_every_labelled_outage_is_found_by_both(evaluation: Evaluation) -> None:
    clean = {s.detector: s for s in evaluation.conditions[0].scores}
    assert evaluation.conditions[0].name == CLEAN
    n = sum(lab.is_outage for lab in evaluation.labels)
    assert n >= 5
    for s in clean.values():
        assert s.outage_events == n and s.detected_events == n
        assert s.false_alarms == 0


def test_shutdowns_are_found_at_country_level_within_minutes(evaluation: Evaluation) -> None:
    dets = evaluation.conditions[0].detections["nethealth"]
    for lab in evaluation.labels:
        if lab.type not in ("national_shutdown",):
            continue
        country = next(e for e in lab.entities if e.startswith("country:"))
        hits = [
            d
            for d in dets
            if d.entity == country and d.start < lab.end and (d.end or evaluation.end) > lab.start
        ]
        assert hits, lab.id
        assert 0 <= hits[0].known_at - lab.start <= 10 * 60
        assert abs((hits[0].end or evaluation.end) - lab.end) <= 10 * 60


def test_ours_beats_the_baseline_under_probe_churn_without_delay(evaluation: Evaluation) -> None:
    cond = evaluation.conditions[1]
    assert cond.name == CHURN and cond.notes["disconnections"] > 0
    got = {s.detector: s for s in cond.scores}
    assert got["ioda"].false_alarms > 0  # the baseline does alert on single probes
    assert got["nethealth"].f1 > got["ioda"].f1
    assert got["nethealth"].delay(50) <= got["ioda"].delay(50)
    assert got["nethealth"].recall == 1.0


def test_table_lists_every_type(evaluation: Evaluation) -> None:
    text = evaluation.markdown()
    for t in OUTAGE_TYPES:
        assert f"| {t} | ioda |" in text and f"| {t} | nethealth |" in text
    assert CLEAN in text and CHURN in text
