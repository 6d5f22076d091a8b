"""Geometry on WGS84 points: point-in-polygon for grid boundaries (grids are small, so planar math
is exact enough) and great-circle distances for nearby requests."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def point_in_ring(x: float, y: float, ring: Sequence[Sequence[float]]) -> bool:
    """Ray casting; a point on the edge counts as inside so that shared borders resolve somewhere."""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        if min(y1, y2) <= y <= max(y1, y2) and min(x1, x2) <= x <= max(x1, x2):
            cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
            if abs(cross) < 1e-12:
                return True
        if (y1 > y) != (y2 > y):
            x_at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_at:
                inside = not inside
    return inside


def point_in_geojson(lng: float, lat: float, geometry: dict[str, Any]) -> bool:
    """True when (lng, lat) lies in a GeoJSON Polygon or MultiPolygon (holes respected)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry.get("coordinates") or []]
    elif kind == "MultiPolygon":
        polygons = geometry.get("coordinates") or []
    else:
        return False
    for rings in polygons:
        if rings and point_in_ring(lng, lat, rings[0]):
            if not any(point_in_ring(lng, lat, hole) for hole in rings[1:]):
                return True
    return False


def validate_polygon(geometry: Any) -> str | None:
    """A Chinese message when ``geometry`` is not a usable GeoJSON polygon, else None."""
    if geometry in (None, ""):
        return None
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        return "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon。"
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry.get("coordinates")]
    for rings in polygons:
        if not isinstance(rings, list) or not rings:
            return "边界坐标为空。"
        for ring in rings:
            if not isinstance(ring, list) or len(ring) < 4:
                return "每个环至少需要4个坐标点（首尾相同）。"
            for point in ring:
                if not (isinstance(point, list | tuple) and len(point) >= 2):
                    return "坐标点格式应为 [经度, 纬度]。"
                lng, lat = point[0], point[1]
                if not (isinstance(lng, int | float) and isinstance(lat, int | float)):
                    return "坐标必须是数字。"
                if not (-180 <= lng <= 180 and -90 <= lat <= 90):
                    return f"坐标 [{lng}, {lat}] 超出经纬度范围。"
    return None


EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) enclosing the circle; a cheap, indexable prefilter for ``haversine_m``."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = min(180.0, dlat / cos_lat)
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


# --------------------------------------------------------------------------- GCJ-02 (火星坐标)

_A = 6378245.0  # the Krasovsky ellipsoid GCJ-02 is defined on
_EE = 0.00669342162296594323


def _outside_china(lat: float, lng: float) -> bool:
    return not (0.8293 <= lat <= 55.8271 and 72.004 <= lng <= 137.8347)


def _delta(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lng += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """The offset Chinese map SDKs (高德, 腾讯, WeChat's ``gcj02``) apply; none outside China."""
    if _outside_china(lat, lng):
        return lat, lng
    d_lat, d_lng = _delta(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 for a GCJ-02 point, by fixed-point iteration (< 1 cm after a few rounds).

    We store WGS-84 everywhere (grid boundaries, case points); partner apps that read positions
    from a Chinese map SDK send GCJ-02, which is several hundred metres off in Jinan.
    """
    if _outside_china(lat, lng):
        return lat, lng
    wgs_lat, wgs_lng = lat, lng
    for _ in range(30):
        gcj_lat, gcj_lng = wgs84_to_gcj02(wgs_lat, wgs_lng)
        err_lat, err_lng = gcj_lat - lat, gcj_lng - lng
        wgs_lat, wgs_lng = wgs_lat - err_lat, wgs_lng - err_lng
        if abs(err_lat) < 1e-9 and abs(err_lng) < 1e-9:
            break
    return wgs_lat, wgs_lng
