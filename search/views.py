"""Admin view of the search domain: what residents search for, and what finds nothing."""

from __future__ import annotations

from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from .filters import SearchQueryLogFilterSet
from .models import SearchQueryLog

query_log_permission = ModelPermissionPolicy(SearchQueryLog)


class SearchStatisticsView(ReportView):
    """Queries by how often they were searched in the chosen dates, with how often nothing was found.

    Filter by 无结果 to see the zero-result queries: each is a missing synonym, promotion or page.
    """

    page_title = "搜索统计"
    header_icon = "search"
    index_url_name = "search_statistics"
    index_results_url_name = "search_statistics_results"
    permission_policy = query_log_permission
    any_permission_required = ["view"]
    filterset_class = SearchQueryLogFilterSet
    export_filename = "search-statistics"
    list_export = ["normalized_query", "searches", "zero_results", "average_results", "last_searched_at", "example"]
    export_headings = {
        "normalized_query": "搜索词",
        "searches": "搜索次数",
        "zero_results": "无结果次数",
        "average_results": "平均结果数",
        "last_searched_at": "最近搜索时间",
        "example": "原始输入示例",
    }
    columns = [
        Column("normalized_query", label="搜索词"),
        Column("searches", label="搜索次数"),
        Column("zero_results", label="无结果次数"),
        Column("average_results", label="平均结果数"),
        DateColumn("last_searched_at", label="最近搜索"),
        Column("example", label="原始输入示例"),
    ]

    def get_filtered_queryset(self):
        # Filter the individual searches first, then count them per query.
        return self.filter_queryset(SearchQueryLog.objects.all()).statistics()

    def decorate_paginated_queryset(self, object_list):
        rows = list(object_list)
        for row in rows:
            row["average_results"] = round(float(row["average_results"] or 0), 1)
        return rows
