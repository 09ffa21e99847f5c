"""Pure functions behind the SVG: TopoJSON decoding, projection, classes, ticks, sentences."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from nethealth.ui.charts import NARROW, WIDE, Point, date_ticks, line_chart, nice_ticks, summarise
from nethealth.ui.formatting import fmt_change, fmt_number, fmt_value
from nethealth.ui.map_classes import PALETTE, class_for, classify, quantile_breaks
from nethealth.web.map import build_outline, decode_arcs, load_outline, split_antimeridian
from tests.api.conftest import ASSETS

ATLAS = ASSETS / "world-atlas" / "countries-110m.json"


def _topology() -> dict[str, object]:
    """Two unit squares sharing one edge, quantised and delta-encoded as TopoJSON does."""
    return {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [-10, -5]},
        "arcs": [
            [[20, 10], [0, 2]],  # shared edge x=0, y from 0 to 1
            [[20, 12], [-2, 0], [0, -2], [2, 0]],  # west square, rest of the ring
            [[20, 10], [2, 0], [0, 2], [-2, 0]],  # east square, rest of the ring
        ],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "001", "properties": {"name": "W"}},
                    {"type": "Polygon", "arcs": [[2, -1]], "id": "2", "properties": {"name": "E"}},
                    {"type": "Polygon", "arcs": [[2, -1]], "properties": {"name": "No id"}},
                ],
            }
        },
    }


def test_decode_arcs_undoes_delta_encoding_and_transform() -> None:
    arcs = decode_arcs(_topology())
    assert arcs[0] == [(0.0, 0.0), (0.0, 1.0)]
    assert arcs[1] == [(0.0, 1.0), (-1.0, 1.0), (-1.0, 0.0), (0.0, 0.0)]


def test_build_outline_joins_arcs_and_fits_the_width() -> None:
    outline = build_outline(_topology(), width=100)
    assert [s.name for s in outline.shapes] == ["E", "No id", "W"]  # alphabetical tab order
    assert [s.numeric for s in outline.shapes] == ["002", None, "001"]
    w = outline.shapes[2].d
    assert w.startswith("M50,") and w.endswith("z")
    numbers = [float(n) for n in re.findall(r"-?\d*\.?\d+", w)]
    assert all(abs(n) <= 100 for n in numbers)
    assert 50 < outline.height < 60  # two squares side by side; Natural Earth stretches y a bit


def test_split_antimeridian_cuts_a_ring_into_two() -> None:
    ring = [(170.0, 60.0), (180.0, 60.0), (-170.0, 60.0), (-170.0, 65.0), (180.0, 65.0),
            (170.0, 65.0), (170.0, 60.0)]  # fmt: skip
    pieces = split_antimeridian(ring)
    assert len(pieces) == 2
    spans = sorted((min(x for x, _ in p), max(x for x, _ in p)) for p in pieces)
    assert spans == [(-180.0, -170.0), (170.0, 180.0)]
    assert split_antimeridian([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]) == [
        [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]
    ]


@pytest.mark.skipif(not ATLAS.is_file(), reason="node_modules/world-atlas is absent (npm ci)")
def test_world_outline_from_world_atlas() -> None:
    outline = load_outline(ASSETS)
    assert outline is load_outline(ASSETS)  # cached
    by_id = {s.numeric: s for s in outline.shapes}
    assert {"528", "250", "643", "242"} <= set(by_id)  # Netherlands, France, Russia, Fiji
    assert "010" not in by_id  # Antarctica is not drawn
    # No shape may span the map: that would be an antimeridian stripe.
    for s in outline.shapes:
        for ring in s.d.split("M")[1:]:
            x = float(ring.split(",")[0])
            assert 0 <= x <= outline.width
    assert 400 < outline.height < 500
    assert len(json.loads(ATLAS.read_text())["objects"]["countries"]["geometries"]) == 177


def test_quantile_classes() -> None:
    values = [float(v) for v in range(1, 101)]
    assert quantile_breaks(values) == [20, 40, 60, 80, 100]
    classes = classify(values)
    assert [c.colour for c in classes] == list(PALETTE)
    assert [c.count for c in classes] == [20] * 5
    assert class_for(20.0, classes).step == 0 and class_for(20.5, classes).step == 1
    # Repeated values merge classes; colours stay spread over the palette.
    few = classify([0.0, 0.0, 0.0, 5.0])
    assert [c.colour for c in few] == [PALETTE[0], PALETTE[-1]]
    assert [c.count for c in few] == [3, 1]
    assert [c.colour for c in classify([3.0])] == [PALETTE[2]]
    # Zero-inflated counts: the zeros take one class, the rest still split into four.
    skewed = [0.0] * 180 + [float(v) for v in range(1, 61)]
    assert quantile_breaks(skewed) == [0, 15, 30, 45, 60]
    assert classify([]) == []


def test_nice_ticks_cover_the_data() -> None:
    assert nice_ticks(51.95, 61.95) == [50, 55, 60, 65]
    assert nice_ticks(0, 4) == [0, 1, 2, 3, 4]
    flat = nice_ticks(7, 7)
    assert flat[0] < 7 < flat[-1]
    ticks = nice_ticks(0.0012, 0.0047)
    assert ticks[0] <= 0.0012 and ticks[-1] >= 0.0047


def test_date_ticks_are_calendar_dates() -> None:
    assert date_ticks(date(2024, 1, 1), date(2026, 1, 1), 6) == [
        (date(2024, 1, 1), "2024"), (date(2025, 1, 1), "2025"), (date(2026, 1, 1), "2026"),
    ]  # fmt: skip
    months = date_ticks(date(2025, 1, 15), date(2025, 6, 30), 6)
    assert [label for _, label in months] == ["2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert len(date_ticks(date(2000, 1, 1), date(2025, 1, 1), 3)) <= 3
    assert date_ticks(date(2025, 1, 1), date(2025, 1, 1), 6) == [(date(2025, 1, 1), "2025-01-01")]


def test_line_chart_geometry() -> None:
    points = [Point(date(2024, 1, 1), 5.0), Point(date(2025, 1, 1), 20.0)]
    chart = line_chart(points, "%", WIDE)
    assert chart is not None
    assert chart.path.startswith(f"M{chart.left},")
    assert chart.last.x == chart.right
    assert chart.y_ticks[0].label == "0"  # near zero: the axis starts at zero
    assert [m.label for m in chart.markers] == ["2024-01-01: 5 %", "2025-01-01: 20 %"]
    narrow = line_chart(points, "%", NARROW)
    assert narrow is not None and narrow.width < chart.width
    assert line_chart([], "%") is None
    single = line_chart(points[:1], "%")
    assert single is not None and single.last.x == (single.left + single.right) / 2


def test_summary_sentence() -> None:
    points = [Point(date(2024, 1, 1), 40.0), Point(date(2024, 6, 1), 35.5),
              Point(date(2025, 1, 1), 45.25)]  # fmt: skip
    text = summarise(points, "%")
    assert text == (
        "Latest value 45.2 % on 2025-01-01; +5.25 percentage points since 2024-01-01 (40 %). "
        "Lowest 35.5 % on 2024-06-01, highest 45.2 % on 2025-01-01; 3 values."
    )
    assert (
        summarise(points[:1], "IXPs")
        == "Latest value 40 IXPs on 2024-01-01 (a single measurement)."
    )
    assert "unchanged" in summarise([points[0], Point(date(2025, 1, 1), 40.0)], "count")


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(1234567.0, "ASNs", "1,234,567 ASNs"), (12.34, "%", "12.3 %"), (3.0, "IXPs", "3 IXPs"),
     (2.345, "count", "2.35"), (0.01234, "index", "0.0123"), (None, "%", "no data"),
     (-4.5, "/24 equivalents", "-4.5 /24 equivalents")],
)  # fmt: skip
def test_value_formatting(value: float | None, unit: str, text: str) -> None:
    assert fmt_value(value, unit) == text


def test_number_and_change_formatting() -> None:
    assert fmt_number(100.0) == "100"
    assert fmt_change(-2.0, "%") == "−2 percentage points"
    assert fmt_change(3.0, "ASNs") == "+3 ASNs"


def test_outline_cache_follows_the_file(tmp_path: Path) -> None:
    atlas = tmp_path / "world-atlas" / "countries-110m.json"
    atlas.parent.mkdir()
    atlas.write_text(json.dumps(_topology()))
    first = load_outline(tmp_path)
    topo = _topology()
    topo["objects"]["countries"]["geometries"].pop()  # type: ignore[index]
    atlas.write_text(json.dumps(topo))
    assert len(load_outline(tmp_path).shapes) == len(first.shapes) - 1
