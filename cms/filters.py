"""Listing filters for the admin, including the grid-standard check."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from wagtail.admin.filters import WagtailFilterSet

from .models import Address, Grid, StaffMember


class GridFilterSet(WagtailFilterSet):
    policy = django_filters.ChoiceFilter(
        label="规范检查",
        choices=[("violating", "不符合规范"), ("compliant", "符合规范")],
        method="filter_policy",
        empty_label="全部",
    )

    class Meta:
        model = Grid
        fields = ["kind", "community__subdistrict", "community"]

    def filter_policy(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "violating":
            return queryset.filter(violates_policy=True)
        if value == "compliant":
            return queryset.filter(violates_policy=False)
        return queryset


class AddressFilterSet(WagtailFilterSet):
    class Meta:
        model = Address
        fields = ["grid__community__subdistrict", "grid", "alley__street"]


class StaffMemberFilterSet(WagtailFilterSet):
    class Meta:
        model = StaffMember
        fields = ["role", "active", "subdistrict", "department"]
