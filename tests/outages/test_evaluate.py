"""Event-level scoring: matching by entity and overlapping time, per type, per scope."""

from __future__ import annotations

import pytest

from nethealth.errors import InputError
from nethealth.outages.evaluate import Label, label_entities, labels_from_doc, markdown, score
from nethealth.outages.fusion import Detection

H = 3600


def det(entity: str, start: int, end: int | None, known: int | None = None) -> Detection:
    return Detection(
        "x",
        entity,
        start,
        end,
        known if known is not None else start + 300,
        "critical",
        ("bgp",),
        0.9,
        1.0,
        1.0,
        (),
    )


LABELS = [
    Label("e1", "national_shutdown", 10 * H, 14 * H, frozenset({"country:ET", "asn:1"})),
    Label("e2", "asn_outage", 20 * H, 21 * H, frozenset({"asn:2", "country:US"})),
    Label("e3", "regional_shutdown", 30 * H, 31 * H, frozenset({"country:IR", "asn:3"})),
    Label("h1", "exact_prefix_hijack", 40 * H, 41 * H, frozenset({"asn:4", "asn:5"})),
]


def test_precision_recall_f1_delay_and_false_alarms() -> None:
    dets = [
        det("country:ET", 10 * H, 14 * H, known=10 * H + 600),  # true, 10 min
        det("asn:1", 10 * H - 600, 10 * H + 60),  # true: began 10 min early (< MAX_LEAD)
        det("asn:2", 20 * H + 120, None, known=20 * H + 420),  # true, ongoing at the end
        det("asn:4", 40 * H, 40 * H + 900),  # matches only the hijack: explained
        det("asn:9", 50 * H, 51 * H),  # nothing labelled: false
        det("country:ET", 15 * H, 16 * H),  # after the event: false
        # already alarming an hour before e3 began: not raised by it (false; e3 missed)
        det("country:IR", 29 * H, 30 * H + 600),
    ]
    s = score("x", dets, LABELS, data_start=0, data_end=7 * 24 * H)
    assert (s.true_alarms, s.false_alarms, s.explained) == (3, 3, 1)
    assert s.precision == pytest.approx(3 / 6)
    assert s.recall == pytest.approx(2 / 3)  # e3 missed
    assert s.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert s.false_per_week == pytest.approx(3.0)
    # e1: the earliest matching detection was known before the start -> clipped to 0
    assert sorted(s.delays) == [0.0, 420.0]
    assert s.by_type["national_shutdown"].detected == 1
    assert s.by_type["regional_shutdown"].recall == 0.0
    assert s.by_type["exact_prefix_hijack"].detected == 1
    assert s.by_scope == {"country": (1, 2), "asn": (2, 1)}
    table = markdown([s])
    assert "| x | 0.500 | 0.667 |" in table and "| regional_shutdown | x | 1 | 0 |" in table


def test_no_detections() -> None:
    s = score("x", [], LABELS, data_start=0, data_end=WEEK_S)
    assert s.recall == 0.0 and s.f1 == 0.0 and s.false_per_week == 0.0


WEEK_S = 7 * 24 * H


def test_label_documents() -> None:
    doc = {
        "events": [
            {
                "id": "a",
                "type": "national_shutdown",
                "start_ts": 1,
                "end_ts": 2,
                "country": "ET",
                "asns": [7, 8],
            },
            {"id": "b", "type": "roa_added", "start_ts": 1, "asns": [9]},
            {
                "id": "c",
                "type": "route_leak",
                "start_ts": 3,
                "end_ts": 4,
                "country": "US",
                "leaker_asn": 1,
                "leaked_origin_asns": [2],
            },
        ]
    }
    labels = labels_from_doc(doc)
    assert [lab.id for lab in labels] == ["a", "c"]
    assert labels[0].entities == {"country:ET", "asn:7", "asn:8"} and labels[0].is_outage
    assert label_entities(doc["events"][2]) == {"country:US", "asn:1", "asn:2"}
    with pytest.raises(InputError) as exc:
        labels_from_doc({"events": [{"id": "x", "type": "asn_outage", "start_ts": 1}]}, "f.json")
    assert exc.value.record == "#0"
    with pytest.raises(InputError):
        labels_from_doc({"nothing": []})


def test_a_detection_on_throttling_is_a_false_alarm() -> None:
    """Throttling keeps reachability: not a target (recall ignores it), and firing on it is a
    false alarm, unlike a detection on a hijack's victim (explained)."""
    labels = [
        *LABELS,
        Label("t1", "throttling", 60 * H, 70 * H, frozenset({"country:IR", "asn:6"})),
    ]
    dets = [det("country:IR", 61 * H, 62 * H), det("asn:4", 40 * H, 40 * H + 600)]
    s = score("x", dets, labels, data_start=0, data_end=WEEK_S)
    assert (s.true_alarms, s.false_alarms, s.explained) == (0, 1, 1)
    assert s.outage_events == 3  # throttling is not counted as an outage to find
    assert s.by_type["throttling"].detected == 1
    doc = {
        "events": [
            {"id": "t", "type": "throttling", "start_ts": 1, "end_ts": 2, "country": "IR"},
            {"id": "c", "type": "curfew_shutdown", "start_ts": 3, "end_ts": 4, "country": "IR"},
            {"id": "s", "type": "short_outage", "start_ts": 5, "end_ts": 6, "asns": [9]},
        ]
    }
    got = labels_from_doc(doc)
    assert [(lab.id, lab.is_outage) for lab in got] == [("t", False), ("c", True), ("s", True)]
