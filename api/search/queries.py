"""The ``search`` query: service items and policies for a resident's words."""

from __future__ import annotations

from typing import Any

import graphene

from api.conf import api_setting
from api.core.errors import ApiError, ApiErrorCode, InvalidArgument
from api.core.permissions import Scope, require_scope
from search.published import published_codes

from .adapter import SearchUnavailable, run_search
from .types import SearchHit, SearchKind, SearchResults

DEFAULT_FIRST = 10


class SearchQueries(graphene.ObjectType):
    search = graphene.Field(
        SearchResults,
        required=True,
        description="搜索服务事项和政策文件（中文分词、同义词、拼音首字母）。",
        query=graphene.String(required=True, description="居民输入的搜索词（至多 100 个字符）。"),
        first=graphene.Int(description="返回前 N 条（1–100，默认 10）。"),
        kinds=graphene.List(graphene.NonNull(SearchKind), description="只搜这些类型；不填表示全部。"),
    )

    @staticmethod
    @require_scope(Scope.READ_CONTENT)
    def resolve_search(
        root: Any, info: Any, query: str, first: int | None = None, kinds: list[Any] | None = None
    ) -> SearchResults:
        maximum = api_setting("GRAPHQL_MAX_SEARCH_CHARS")
        if len(query) > maximum:
            raise InvalidArgument("query", f"搜索词不能超过 {maximum} 个字符。")
        page_size = api_setting("GRAPHQL_MAX_PAGE_SIZE")
        first = DEFAULT_FIRST if first is None else first
        if not 0 <= first <= page_size:
            raise InvalidArgument("first", f"first 必须在 0 到 {page_size} 之间，收到 {first}。")
        kind_values = [getattr(kind, "value", kind) for kind in kinds or []]
        try:
            results = run_search(query.strip(), kind_values, max(first, 1))
        except SearchUnavailable as error:
            raise ApiError(ApiErrorCode.SERVICE_UNAVAILABLE, str(error), reason=error.code) from None
        hits = results.hits[:first]
        live = published_codes(hits)
        visible = [hit for hit in hits if hit.code in live]
        return SearchResults(
            total=max(results.total - (len(hits) - len(visible)), len(visible)),
            hits=[SearchHit(**hit.__dict__) for hit in visible],
            corrected_query=results.corrected_query,
        )
