"""Filters of the search statistics report: a date range and "only searches with no result"."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.widgets import BooleanRadioSelect

from .models import SearchQueryLog


class SearchQueryLogFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(label="搜索日期", widget=DateRangePickerWidget)
    zero_results = django_filters.BooleanFilter(label="无结果", method="filter_zero_results", widget=BooleanRadioSelect)
    kinds = django_filters.ChoiceFilter(
        label="类型",
        choices=[("service", "只搜服务事项"), ("policy", "只搜政策文件")],
        empty_label="全部",
    )

    class Meta:
        model = SearchQueryLog
        fields = ["created_at", "zero_results", "kinds"]

    def filter_zero_results(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(results_count=0) if value else queryset.filter(results_count__gt=0)
