"""Resolve a building address (exact, after normalising width and spaces) or a map point to a grid."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cms.geo import point_in_geojson
from cms.models import Address, Grid

_SPACES = re.compile(r"\s+")


def normalize_address(text: str) -> str:
    """Full-width digits and letters to half-width, spaces removed: ``芙蓉街 ２号`` → ``芙蓉街2号``."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class GridMatch:
    grid: Grid
    matched_by: str
    address: str | None = None


def _grids():
    return Grid.objects.select_related("community__subdistrict")


def grid_for_address(text: str) -> GridMatch | None:
    address = (
        Address.objects.select_related("grid__community__subdistrict").filter(address=normalize_address(text)).first()
    )
    return GridMatch(address.grid, "address", address.address) if address else None


def grid_for_point(lat: float, lng: float) -> GridMatch | None:
    """The first grid (by code) whose boundary contains the point; shared edges resolve to one grid."""
    for grid in _grids().exclude(boundary__isnull=True).order_by("code"):
        if grid.boundary and point_in_geojson(lng, lat, grid.boundary):
            return GridMatch(grid, "point")
    return None
