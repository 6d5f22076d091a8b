"""``notices``: what partner apps poll for one address, grid or community, or everywhere."""

from __future__ import annotations

from typing import Any

import graphene

from api.core.errors import InvalidArgument
from api.core.permissions import Scope, require_scope
from api.core.scalars import DateTime
from cms.lookup import grid_for_address
from cms.models import Community, Grid
from notices.services import current_notices

from .types import Notice

MAX_FIRST = 50
MAX_ADDRESS_CHARS = 255


class NoticeQueries(graphene.ObjectType):
    notices = graphene.List(
        graphene.NonNull(Notice),
        required=True,
        description="当前有效的通知公告（未结束的），按开始时间从新到旧；可按地址、网格或社区筛选，"
        "用 since 只取某时间之后发布或更新的。",
        address=graphene.String(description="门牌地址：该地址所在网格及其社区的通知。"),
        grid=graphene.String(description="网格编码。"),
        community=graphene.String(description="社区（村）编码：发给该社区或其任一网格的通知。"),
        since=DateTime(description="只返回此时间之后发布或更新的通知（轮询用）。"),
        first=graphene.Int(default_value=20, description=f"至多返回几条（1–{MAX_FIRST}）。"),
    )

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_notices(
        root: Any,
        info: Any,
        address: str | None = None,
        grid: str | None = None,
        community: str | None = None,
        since: Any = None,
        first: int = 20,
    ) -> list[Any]:
        if not 1 <= first <= MAX_FIRST:
            raise InvalidArgument("first", f"first 应在 1 到 {MAX_FIRST} 之间。")
        if sum(x is not None for x in (address, grid, community)) > 1:
            raise InvalidArgument("address", "address、grid、community 只能给一个。")
        target = None
        if address is not None:
            match = grid_for_address(address[:MAX_ADDRESS_CHARS])
            if match is None:
                raise InvalidArgument("address", "地址库中没有这个地址，请写到门牌号。")
            target = match.grid
        elif grid is not None:
            target = Grid.objects.select_related("community").filter(code=grid).first()
            if target is None:
                raise InvalidArgument("grid", f"没有编码为“{grid[:64]}”的网格。")
        area = None
        if community is not None:
            area = Community.objects.filter(code=community).first()
            if area is None:
                raise InvalidArgument("community", f"没有编码为“{community[:64]}”的社区（村）。")
        return list(current_notices(grid=target, community=area, since=since, limit=first))
