"""GraphQL types of the grid network and the people who serve a grid (phones masked)."""

from __future__ import annotations

from typing import Any

import graphene

from api.core.types import ModelObjectType
from cms.models import Community as CommunityModel
from cms.models import Grid as GridModel
from cms.models import StaffRole
from cms.models import Subdistrict as SubdistrictModel


def _described(labels: dict[str, str]) -> property:
    return property(lambda self: labels.get(self.value, self.name))


class GridKind(graphene.Enum):
    """网格类型。"""

    URBAN = GridModel.Kind.URBAN.value
    RURAL = GridModel.Kind.RURAL.value

    description = _described(dict(GridModel.Kind.choices))


class CommunityKind(graphene.Enum):
    """社区或村。"""

    COMMUNITY = CommunityModel.Kind.COMMUNITY.value
    VILLAGE = CommunityModel.Kind.VILLAGE.value

    description = _described(dict(CommunityModel.Kind.choices))


class SubdistrictKind(graphene.Enum):
    """街道或镇。"""

    SUBDISTRICT = SubdistrictModel.Kind.SUBDISTRICT.value
    TOWN = SubdistrictModel.Kind.TOWN.value

    description = _described(dict(SubdistrictModel.Kind.choices))


class GridStaffRole(graphene.Enum):
    """网格人员角色。"""

    GRID_LEADER = StaffRole.GRID_LEADER.value
    GRID_WORKER = StaffRole.GRID_WORKER.value

    description = _described(dict(StaffRole.choices))


class GridMatchKind(graphene.Enum):
    """按什么找到的网格。"""

    ADDRESS = "address"
    POINT = "point"

    description = _described({"address": "门牌地址精确匹配", "point": "坐标落在网格边界内"})


class Subdistrict(ModelObjectType):
    class Meta:
        description = "街道（镇）。"

    code = graphene.String(required=True, description="编码。")
    name = graphene.String(required=True, description="名称。")
    kind = graphene.Field(SubdistrictKind, required=True, description="街道或镇。")
    office_phone = graphene.String(required=True, description="办公电话。")


class Community(ModelObjectType):
    class Meta:
        description = "社区（村）。"

    code = graphene.String(required=True, description="编码。")
    name = graphene.String(required=True, description="名称。")
    kind = graphene.Field(CommunityKind, required=True, description="社区或村。")
    service_center = graphene.String(required=True, description="党群服务中心名称。")
    service_center_address = graphene.String(required=True, description="党群服务中心地址。")
    phone = graphene.String(required=True, description="社区办公电话。")


class GridStaff(graphene.ObjectType):
    class Meta:
        description = "网格长或网格员；电话只给出掩码（如 138****1234）。"

    name = graphene.String(required=True, description="姓名。")
    role = graphene.Field(GridStaffRole, required=True, description="角色。")
    masked_phone = graphene.String(required=True, description="掩码后的电话。")


class Grid(ModelObjectType):
    class Meta:
        description = "网格（多网合一的最小单元）。"

    code = graphene.String(required=True, description="网格编码（参考数据 id，如 grid-...）。")
    name = graphene.String(required=True, description="名称。")
    kind = graphene.Field(GridKind, required=True, description="城市或农村网格。")
    households = graphene.Int(required=True, description="户数。")
    population = graphene.Int(required=True, description="人口。")


class GridLookup(graphene.ObjectType):
    class Meta:
        description = "地址或坐标所属的网格及其服务人员。"

    matched_by = graphene.Field(GridMatchKind, required=True, description="匹配方式。")
    address = graphene.String(description="匹配到的规范门牌地址（按坐标查询时为 null）。")
    grid = graphene.Field(Grid, required=True, description="所属网格。")
    community = graphene.Field(Community, required=True, description="所属社区（村）。")
    subdistrict = graphene.Field(Subdistrict, required=True, description="所属街道（镇）。")
    leader = graphene.Field(GridStaff, description="网格长；未配备时为 null。")
    workers = graphene.List(graphene.NonNull(GridStaff), required=True, description="网格员（按排序）。")

    @staticmethod
    def resolve_leader(root: Any, info: Any) -> Any:
        return next((s for s in root.staff if s.role == StaffRole.GRID_LEADER), None)

    @staticmethod
    def resolve_workers(root: Any, info: Any) -> Any:
        return [s for s in root.staff if s.role == StaffRole.GRID_WORKER]


class GeoPointInput(graphene.InputObjectType):
    class Meta:
        description = "WGS84 经纬度坐标。"

    lat = graphene.Float(required=True, description="纬度（-90 到 90）。")
    lng = graphene.Float(required=True, description="经度（-180 到 180）。")
