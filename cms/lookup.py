"""The one grid network's lookups: a building address (exact, after normalising width and spaces) or
a map point → its grid, and the grid's staff as residents and partners see them.

The GraphQL ``gridLookup`` and the resident page 找网格员 both call these.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cms.geo import point_in_geojson
from cms.models import Address, Grid, StaffMember, StaffRole

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


def grid_staff(grid: Grid) -> list[StaffMember]:
    """The grid's active leader(s) and workers, leaders first, in the order the admin set."""
    return list(
        StaffMember.objects.filter(
            grid=grid, active=True, role__in=[StaffRole.GRID_LEADER, StaffRole.GRID_WORKER]
        ).order_by("role", "sort_order", "id")
    )
