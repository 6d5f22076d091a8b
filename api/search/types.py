"""GraphQL types of search results (the DESIGN.md contract: ``total`` and ``hits``)."""

from __future__ import annotations

import graphene


class SearchKind(graphene.Enum):
    """可搜索的内容类型。"""

    SERVICE = "service"
    POLICY = "policy"

    @property
    def description(self) -> str:
        return {"service": "服务事项", "policy": "政策文件"}[self.value]


class SearchHit(graphene.ObjectType):
    class Meta:
        description = "一条搜索结果。"

    kind = graphene.Field(SearchKind, required=True, description="结果类型。")
    code = graphene.String(required=True, description="参考编码（svc-... 或 pol-...）。")
    title = graphene.String(required=True, description="标题。")
    snippet = graphene.String(required=True, description="摘要片段，命中词已标记。")
    url = graphene.String(required=True, description="居民网站上的页面地址。")
    score = graphene.Float(required=True, description="相关度得分（越大越相关；置顶结果为 0）。")


class SearchResults(graphene.ObjectType):
    class Meta:
        description = "搜索结果的第一页。"

    total = graphene.Int(required=True, description="命中总数。")
    hits = graphene.List(graphene.NonNull(SearchHit), required=True, description="按相关度排序的结果。")
    corrected_query = graphene.String(description="纠错后实际搜索的词；未纠错时为 null。")
