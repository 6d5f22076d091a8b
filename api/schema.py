"""The root GraphQL schema; it only composes the query and mutation mixins of the domain packages."""

from typing import Any

import graphene

from api.cases.mutations import CaseMutations
from api.cases.queries import CaseQueries
from api.content.queries import ContentQueries
from api.notices.queries import NoticeQueries
from api.regions.queries import RegionQueries
from api.search.queries import SearchQueries
from api.services.queries import ServiceQueries


class Query(
    ServiceQueries, ContentQueries, RegionQueries, SearchQueries, CaseQueries, NoticeQueries, graphene.ObjectType
):
    """济南市历下区城乡社区治理平台开放接口：服务事项、政策、区划网格、搜索与诉求。"""

    ping = graphene.String(required=True, description="健康检查：返回 pong。")

    @staticmethod
    def resolve_ping(root: Any, info: Any) -> str:
        return "pong"


class Mutation(CaseMutations, graphene.ObjectType):
    """诉求受理、诉求人评价和部门办理。"""


schema = graphene.Schema(query=Query, mutation=Mutation)
