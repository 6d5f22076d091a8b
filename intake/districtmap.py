"""A small SVG map of the grid boundaries for picking a point without a tile server (no CDN, no key)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cms.models import Grid

WIDTH = 600


@dataclass(frozen=True)
class GridShape:
    code: str
    name: str
    points: str  # SVG polygon points in map coordinates


@dataclass(frozen=True)
class DistrictMap:
    """Grids projected to a ``WIDTH``-wide box: x = lng, y = −lat scaled by cos(lat) (equirectangular)."""

    shapes: tuple[GridShape, ...]
    height: int
    min_lng: float
    max_lat: float
    scale: float  # map units per degree of longitude
    ky: float  # map units per degree of latitude


def _outer_rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]] if geometry.get("coordinates") else []
    if geometry.get("type") == "MultiPolygon":
        return [polygon[0] for polygon in geometry.get("coordinates") or [] if polygon]
    return []


def district_map() -> DistrictMap | None:
    """Every grid with a boundary, or None when no grid has one."""
    grids = [(g.code, g.name, _outer_rings(g.boundary)) for g in Grid.objects.exclude(boundary__isnull=True)]
    grids = [g for g in grids if g[2]]
    if not grids:
        return None
    points = [p for _, _, rings in grids for ring in rings for p in ring]
    min_lng, max_lng = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    ky_ratio = 1 / math.cos(math.radians((min_lat + max_lat) / 2))
    scale = WIDTH / max(max_lng - min_lng, 1e-9)
    ky = scale * ky_ratio
    height = max(1, round((max_lat - min_lat) * ky))
    shapes = tuple(
        GridShape(code, name, " ".join(f"{(x - min_lng) * scale:.1f},{(max_lat - y) * ky:.1f}" for x, y, *_ in ring))
        for code, name, rings in sorted(grids)
        for ring in rings
    )
    return DistrictMap(shapes, height, min_lng, max_lat, scale, ky)
