"""The grid lookup: an address or a map point → grid, community, subdistrict, leader and workers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import graphene

from api.core.errors import InvalidArgument
from api.core.permissions import Scope, require_scope
from cms.lookup import GridMatch, grid_for_address, grid_for_point, grid_staff
from cms.models import StaffMember

from .types import GeoPointInput, GridLookup

MAX_ADDRESS_CHARS = 255


@dataclass(frozen=True)
class GridLookupResult:
    matched_by: str
    address: str | None
    grid: Any
    community: Any
    subdistrict: Any
    staff: list[StaffMember]


def lookup(address: str | None, point: Any) -> GridMatch | None:
    if (address is None) == (point is None):
        raise InvalidArgument("address", "请提供 address 或 point 之一（且只提供一个）。")
    if address is not None:
        if not address.strip() or len(address) > MAX_ADDRESS_CHARS:
            raise InvalidArgument("address", f"地址不能为空，且不超过 {MAX_ADDRESS_CHARS} 个字符。")
        return grid_for_address(address)
    lat, lng = point.lat, point.lng
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidArgument("point", "坐标超出范围：纬度应在 -90 到 90，经度应在 -180 到 180 之间。")
    return grid_for_point(lat, lng)


class RegionQueries(graphene.ObjectType):
    grid_lookup = graphene.Field(
        GridLookup,
        description="按门牌地址（精确匹配）或地图坐标查找所属网格；找不到时为 null。",
        address=graphene.String(description="门牌地址，如“历下区泉城路街道芙蓉街2号”。"),
        point=graphene.Argument(GeoPointInput, description="地图坐标。"),
    )

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_grid_lookup(root: Any, info: Any, address: str | None = None, point: Any = None) -> Any:
        match = lookup(address, point)
        if match is None:
            return None
        grid = match.grid
        staff = grid_staff(grid)
        return GridLookupResult(
            matched_by=match.matched_by,
            address=match.address,
            grid=grid,
            community=grid.community,
            subdistrict=grid.community.subdistrict,
            staff=staff,
        )
