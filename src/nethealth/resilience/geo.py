"""Which country a point lies in, from Natural Earth's 1:50m country polygons (the TopoJSON of the
npm package world-atlas, `countries-50m.json`, ISO 3166 numeric ids): even-odd ray casting over
each country's rings, points first filtered by the country's bounding box, then tested only
against the edges that cross their half-degree band of latitude. Used to give Ookla's
tiles (which carry no country) a country. Points in no polygon (sea, Antarctica's ice shelf
edges, disputed areas without an id) get none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pycountry

from nethealth.errors import ConfigError

Floats = npt.NDArray[np.float64]
CHUNK = 4096  # points per crossing matrix (points × edges booleans)


@dataclass(frozen=True)
class Country:
    cc: str
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    x0: Floats  # every ring edge: start and end points
    y0: Floats
    x1: Floats
    y1: Floats


def _arcs(topo: dict[str, object]) -> list[Floats]:
    t = topo.get("transform")
    scale, shift = (t["scale"], t["translate"]) if isinstance(t, dict) else ((1, 1), (0, 0))
    out = []
    for arc in topo["arcs"]:  # type: ignore[attr-defined]
        a = np.asarray(arc, dtype=np.float64)
        if isinstance(t, dict):  # quantized: delta-encoded integers
            a = np.cumsum(a, axis=0)
        out.append(a * np.asarray(scale) + np.asarray(shift))
    return out


def _ring(arcs: list[Floats], indexes: list[int]) -> Floats:
    parts = []
    for k, i in enumerate(indexes):
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(pts if k == 0 else pts[1:])
    return np.concatenate(parts)


def load_countries(path: Path) -> list[Country]:
    """The countries of a world-atlas TopoJSON file that have an ISO 3166 numeric id."""
    try:
        topo = json.loads(path.read_bytes())
        geoms = topo["objects"]["countries"]["geometries"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read country polygons {path}: {exc}",
                          hint="run `make setup` (npm ci installs world-atlas)") from None  # fmt: skip
    arcs = _arcs(topo)
    out = []
    for g in geoms:
        c = pycountry.countries.get(numeric=str(g.get("id", "")).zfill(3)) if "id" in g else None
        if c is None:
            continue
        polygons = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        rings = [_ring(arcs, r) for poly in polygons for r in poly]
        if not rings:
            continue
        pts = np.concatenate(rings)
        x0 = np.concatenate([r[:-1, 0] for r in rings])
        y0 = np.concatenate([r[:-1, 1] for r in rings])
        x1 = np.concatenate([r[1:, 0] for r in rings])
        y1 = np.concatenate([r[1:, 1] for r in rings])
        bbox = (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()),
                float(pts[:, 1].max()))  # fmt: skip
        out.append(Country(c.alpha_2, bbox, x0, y0, x1, y1))
    return out


BAND = 0.5  # degrees of latitude: a point is tested only against the edges crossing its band


def _inside(c: Country, x: Floats, y: Floats) -> npt.NDArray[np.bool_]:
    """Even-odd rule: a point is inside when a ray to +x crosses an odd number of edges. Points
    are grouped in latitude bands; only the edges whose latitude span meets a band can cross a
    horizontal ray from a point of that band."""
    out = np.zeros(len(x), dtype=bool)
    band = np.floor(y / BAND).astype(np.int64)
    e_lo = np.minimum(c.y0, c.y1)
    e_hi = np.maximum(c.y0, c.y1)
    for b in np.unique(band):
        pts = np.flatnonzero(band == b)
        lo, hi = b * BAND, (b + 1) * BAND
        edges = np.flatnonzero((e_hi >= lo) & (e_lo <= hi))
        if len(edges) == 0:
            continue
        x0, y0, x1, y1 = c.x0[edges], c.y0[edges], c.x1[edges], c.y1[edges]
        for s in range(0, len(pts), CHUNK):
            idx = pts[s : s + CHUNK]
            px, py = x[idx, None], y[idx, None]
            straddles = (y0 > py) != (y1 > py)
            with np.errstate(divide="ignore", invalid="ignore"):
                cross_x = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
            out[idx] = ((straddles & (px < cross_x)).sum(axis=1) % 2) == 1
    return out


def locate(countries: list[Country], lon: Floats, lat: Floats) -> list[str | None]:
    """The country of each point (None: in none)."""
    found: list[str | None] = [None] * len(lon)
    todo = np.ones(len(lon), dtype=bool)
    for c in countries:
        x_lo, y_lo, x_hi, y_hi = c.bbox
        cand = np.flatnonzero(todo & (lon >= x_lo) & (lon <= x_hi) & (lat >= y_lo) & (lat <= y_hi))
        if len(cand) == 0:
            continue
        hit = cand[_inside(c, lon[cand], lat[cand])]
        for i in hit:
            found[int(i)] = c.cc
        todo[hit] = False
    return found
