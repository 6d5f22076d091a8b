"""A grid's outline among its community's grids, as SVG: a map on a plain background that needs no
tiles, no script and no internet. Boundaries are stored in WGS-84; a small area projects well
enough equirectangularly with longitude scaled by cos(latitude)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cms.models import Grid

WIDTH = 320
PAD = 8


@dataclass(frozen=True)
class MapShape:
    code: str
    name: str
    points: str  # SVG polygon points, one ring
    current: bool
    label_x: float
    label_y: float


@dataclass(frozen=True)
class GridMap:
    width: int
    height: int
    shapes: list[MapShape]


def _rings(geometry: dict[str, Any] | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry.get("type") == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def grid_map(grid: Grid) -> GridMap | None:
    """The grid and its community's other grids (one query), or None when the grid has no boundary."""
    grids = list(Grid.objects.filter(community_id=grid.community_id).only("code", "name", "boundary").order_by("code"))
    rings = {g.code: _rings(g.boundary) for g in grids}
    if not rings.get(grid.code):
        return None
    points = [p for code_rings in rings.values() for ring in code_rings for p in ring]
    min_lng, max_lng = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    scale_x = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x, span_y = max((max_lng - min_lng) * scale_x, 1e-9), max(max_lat - min_lat, 1e-9)
    unit = (WIDTH - 2 * PAD) / max(span_x, span_y)
    height = round(span_y * unit + 2 * PAD)

    def xy(lng: float, lat: float) -> tuple[float, float]:
        return PAD + (lng - min_lng) * scale_x * unit, PAD + (max_lat - lat) * unit

    shapes = []
    for g in grids:
        for ring in rings[g.code]:
            projected = [xy(lng, lat) for lng, lat, *_ in ring]
            cx = sum(x for x, _ in projected) / len(projected)
            cy = sum(y for _, y in projected) / len(projected)
            text = " ".join(f"{x:.1f},{y:.1f}" for x, y in projected)
            shapes.append(MapShape(g.code, g.name, text, g.code == grid.code, round(cx, 1), round(cy, 1)))
    shapes.sort(key=lambda s: s.current)  # the current grid is drawn last, on top
    return GridMap(WIDTH, height, shapes)
