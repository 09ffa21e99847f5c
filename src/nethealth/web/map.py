"""Server-side world map: TopoJSON (world-atlas) → Natural Earth I projection → SVG paths.

The outlines are decoded once per file version and cached; colouring is a separate, cheap step
(quantile classes over the values shown, a colour-blind-safe sequential palette).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nethealth.ui.map_classes import (
    NO_DATA_FILL,
)

ATLAS_FILE = Path("world-atlas") / "countries-110m.json"
WIDTH = 960.0
# Antarctica takes a fifth of the map and has no national Internet: it is left out of the map
# (its values, if any, stay in the table).
SKIPPED_IDS = frozenset({"010"})


@dataclass(frozen=True)
class Shape:
    numeric: str | None  # ISO 3166-1 numeric, zero padded; None for disputed areas without one
    name: str  # Natural Earth's short name, used only when the lake has no name
    d: str  # SVG path data in the map's viewBox


@dataclass(frozen=True)
class WorldOutline:
    width: float
    height: float
    shapes: tuple[Shape, ...]


def _natural_earth(lon: float, lat: float) -> tuple[float, float]:
    """Natural Earth I (Šavrič et al. 2011), the polynomial form that d3-geo also uses."""
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)))
    y = phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)))
    return x, y


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Undo TopoJSON's quantisation: delta-encoded integer positions → longitude, latitude."""
    transform = topology.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for p in arc:
            x += p[0]
            y += p[1]
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(
    indexes: Sequence[int], arcs: list[list[tuple[float, float]]]
) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]  # negative index: arc ~i reversed
        points.extend(arc if not points else arc[1:])  # consecutive arcs share an end point
    return points


def _polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["arcs"]]
    if kind == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def _num(tenths: int) -> str:
    text = f"{tenths / 10:g}"
    # SVG accepts ".5" and "-.5": leading zeros are a tenth of the path bytes.
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def _path(rings: list[list[tuple[float, float]]]) -> str:
    """Absolute move, then relative lines on a 0.1 grid: about half the bytes of absolute."""
    parts = []
    for ring in rings:
        grid = [(round(x * 10), round(y * 10)) for x, y in ring]
        steps = [(x - px, y - py) for (px, py), (x, y) in itertools.pairwise(grid)]
        steps = [s for s in steps if s != (0, 0)]  # rounding repeats points
        if len(steps) < 2:
            continue
        head = f"M{_num(grid[0][0])},{_num(grid[0][1])}l"
        parts.append(head + " ".join(f"{_num(dx)},{_num(dy)}" for dx, dy in steps) + "z")
    return "".join(parts)


def _clip(ring: list[tuple[float, float]], x: float, keep_above: bool) -> list[tuple[float, float]]:
    """Sutherland–Hodgman against the vertical line `x` (one side of one meridian)."""
    out: list[tuple[float, float]] = []
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        in0 = (x0 >= x) if keep_above else (x0 <= x)
        in1 = (x1 >= x) if keep_above else (x1 <= x)
        if in0:
            out.append((x0, y0))
        if in0 != in1:
            out.append((x, y0 + (y1 - y0) * (x - x0) / (x1 - x0)))
    return out


def split_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """Cut a ring that jumps across ±180° (Russia, Fiji) into pieces on either side.

    The ring is unwrapped into continuous longitudes, clipped to each 360° window and shifted
    back; without this the jump draws a stripe across the whole map.
    """
    unwrapped = [ring[0]]
    offset = 0.0
    for (lon0, _), (lon1, lat1) in itertools.pairwise(ring):
        if lon1 - lon0 > 180:
            offset -= 360
        elif lon1 - lon0 < -180:
            offset += 360
        unwrapped.append((lon1 + offset, lat1))
    if offset == 0 and all(-180 <= x <= 180 for x, _ in unwrapped):
        return [ring]
    if offset != 0:
        return [ring]  # encircles a pole (only Antarctica, which is not drawn)
    pieces = []
    for k in (-1, 0, 1):
        piece = _clip(_clip(unwrapped, -180 + 360 * k, True), 180 + 360 * k, False)
        if len(piece) >= 3:
            pieces.append([(x - 360 * k, y) for x, y in piece])
    return pieces


def build_outline(topology: dict[str, Any], width: float = WIDTH) -> WorldOutline:
    """Project every country and fit the result into a viewBox `width` wide."""
    arcs = decode_arcs(topology)
    geoms = [
        g
        for g in topology["objects"]["countries"]["geometries"]
        if str(g.get("id", "")) not in SKIPPED_IDS
    ]
    projected = [
        [
            [_natural_earth(lon, lat) for lon, lat in piece]
            for poly in _polygons(g)
            for indexes in poly
            for piece in split_antimeridian(_ring(indexes, arcs))
        ]
        for g in geoms
    ]
    xs = [x for rings in projected for ring in rings for x, _ in ring]
    ys = [y for rings in projected for ring in rings for _, y in ring]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    k = width / (x1 - x0)
    shapes = []
    for g, rings in zip(geoms, projected, strict=True):
        screen = [[((x - x0) * k, (y1 - y) * k) for x, y in ring] for ring in rings]
        raw_id = g.get("id")
        shapes.append(
            Shape(
                numeric=str(raw_id).zfill(3) if raw_id is not None else None,
                name=str(g.get("properties", {}).get("name", "")),
                d=_path(screen),
            )
        )
    shapes.sort(key=lambda s: s.name)  # document order = keyboard order: alphabetical
    return WorldOutline(width=width, height=round((y1 - y0) * k, 1), shapes=tuple(shapes))


@lru_cache(maxsize=4)
def _cached_outline(path: str, stamp: tuple[int, int]) -> WorldOutline:
    with open(path, encoding="utf-8") as fh:
        return build_outline(json.load(fh))


def load_outline(assets_dir: Path) -> WorldOutline:
    """The projected outlines of world-atlas in `assets_dir`, decoded once per file version."""
    path = assets_dir / ATLAS_FILE
    st = path.stat()
    return _cached_outline(str(path.resolve()), (st.st_mtime_ns, st.st_size))


# Colour scale ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaintedShape:
    d: str
    fill: str
    href: str | None  # None: an area without an ISO code or a page (drawn, not focusable)
    label: str | None
    highlight: bool = False  # outlined on top of the map (an ongoing shutdown)


@dataclass(frozen=True)
class MapCountry:
    cc: str
    name: str
    colour: str | None  # None: no data
    value_text: str | None
    highlight: bool = False


def paint(outline: WorldOutline, by_numeric: Mapping[str, MapCountry]) -> list[PaintedShape]:
    """Join outlines to countries by ISO numeric code; label every linked shape for readers."""
    painted = []
    for shape in outline.shapes:
        country = by_numeric.get(shape.numeric) if shape.numeric else None
        if country is None:
            painted.append(PaintedShape(shape.d, NO_DATA_FILL, None, None))
            continue
        value = country.value_text or "no data"
        painted.append(
            PaintedShape(
                d=shape.d,
                fill=country.colour or NO_DATA_FILL,
                href=f"/country/{country.cc}",
                label=f"{country.name}: {value}",
                highlight=country.highlight,
            )
        )
    return painted
