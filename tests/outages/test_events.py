"""Events from detections: grouping by place and time, status, evidence."""

from __future__ import annotations

import json

from nethealth.outages.episodes import Episode
from nethealth.outages.events import events_table
from nethealth.outages.fusion import Detection, merge

H = 3600


def ep(entity: str, signal: str, start: int, end: int | None, drop: float = 1.0) -> Episode:
    return Episode(
        "nethealth",
        signal,
        entity,
        start,
        end,
        start + 300,
        "critical" if drop >= 0.5 else "warning",
        drop,
        10.0,
        0.0,
        100.0,
        0.9,
    )


def table(dets: list[Detection], data_end: int = 48 * H) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = events_table(
        dets,
        method_version="v",
        asn_country={1: "ET", 2: "ET", 3: "US"},
        data_end=data_end,
        links={},
    ).to_pylist()
    return rows


def test_asn_detections_join_their_country_event() -> None:
    dets = merge(
        [
            ep("country:ET", "bgp", 10 * H, 12 * H, 0.3),
            ep("asn:1", "bgp", 10 * H, 12 * H),
            ep("asn:2", "atlas", 11 * H, 13 * H),
            ep("asn:3", "bgp", 10 * H, 11 * H),
            ep("asn:1", "bgp", 20 * H, 21 * H),
        ]
    )
    rows = table(dets)
    assert len(rows) == 3
    country = next(r for r in rows if r["scope"] == "country")
    assert country["asns"] == [1, 2] and country["country"] == "ET"
    assert country["end"] is not None and country["duration_seconds"] == 3 * H
    assert country["signals"] == ["atlas", "bgp"] and country["severity"] == "critical"
    doc = json.loads(str(country["evidence"]))
    assert set(doc) == {"country:ET", "asn:1", "asn:2"}
    lone = [r for r in rows if r["scope"] == "asn"]
    assert {(r["asn"], r["country"]) for r in lone} == {(3, "US"), (1, "ET")}


def test_ongoing_until_recovery() -> None:
    (row,) = table(merge([ep("country:ET", "bgp", 40 * H, None)]))
    assert row["status"] == "ongoing" and row["end"] is None
    assert row["duration_seconds"] == 8 * H


def test_overlapping_signals_of_one_entity_are_one_detection() -> None:
    (d,) = merge([ep("asn:1", "bgp", 10 * H, 12 * H), ep("asn:1", "atlas", 11 * H, 14 * H)])
    assert (d.start, d.end, d.signals) == (10 * H, 14 * H, ("atlas", "bgp"))
    assert d.confidence == round(1 - 0.1 * 0.1, 4)
    assert d.overall_score == 100.0 * 100.0  # IODA's overall score: product of alert areas
